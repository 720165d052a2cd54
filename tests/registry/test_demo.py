"""The demo's registry: the dashboard shows exactly the public statement's figures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from intermediary.accounts.models import User
from intermediary.core.demo import load_demo
from intermediary.registry.choices import HELD_STATUSES, PersonStatus
from intermediary.registry.models import Person, PersonName, RemainsCase
from intermediary.registry.selectors import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


def test_demo_figures_are_the_statement(demo: None) -> None:
    coordinator = User.objects.get(username="coordinator")
    result = figures(user=coordinator, reference_date=timezone.localdate())
    held = result.party_totals(HELD_STATUSES)
    assert held["NORTH"]["total"] == 4650
    assert held["NORTH"]["minor"] == 180
    assert held["NORTH"]["woman"] == 39
    assert held["SOUTH"]["total"] == 2
    assert held["SOUTH"]["military"] == 2
    deceased = result.party_totals([PersonStatus.DECEASED])
    assert deceased["SOUTH"]["total"] == 2
    assert set(deceased) == {"SOUTH"}
    assert RemainsCase.objects.filter(holding_party__short_name="SOUTH").count() == 2


def test_demo_dashboard_shows_the_statement(demo: None, settings: Any) -> None:
    settings.INTERMEDIARY_REQUIRE_2FA = False  # as `intermediary demo` serves it
    client = Client()
    client.force_login(User.objects.get(username="coordinator"))
    body = client.get("/registry/figures/").content.decode()
    north = re.search(r'data-party="NORTH">.*?</li>', body, re.S)
    assert north is not None
    numbers = dict(re.findall(r'data-figure="(\w+)">(\d+)<', north.group(0)))
    assert numbers == {"total": "4650", "minor": "180", "woman": "39"}
    south = re.search(r'data-party="SOUTH">.*?</li>', body, re.S)
    assert south is not None
    numbers = dict(re.findall(r'data-figure="(\w+)">(\d+)<', south.group(0)))
    assert numbers == {"total": "2", "minor": "0", "woman": "0", "deceased": "2"}


def test_demo_names_are_in_several_scripts(demo: None) -> None:
    scripts = set(PersonName.objects.values_list("script", flat=True))
    assert {"arabic", "latin", "hebrew"} <= scripts
    assert PersonName.objects.count() > 2 * Person.objects.count()


def test_north_observer_sees_only_north_held_figures(demo: None) -> None:
    observer = User.objects.get(username="north.observer")
    result = figures(user=observer, reference_date=timezone.localdate())
    assert {row.holding_party for row in result.rows} == {"NORTH"}
    assert "wounded_sick" not in result.categories
