"""Figures agree everywhere: dashboard == API == CSV == a count made straight from the rows."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date

import pytest

from intermediary.registry.categories import categories
from intermediary.registry.models import Person
from intermediary.registry.services import custody_event_add
from intermediary.registry.timeline import current_status
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

EARLY, LATE = date(2024, 3, 1), date(2025, 6, 1)


@pytest.fixture
def registry(world: World) -> World:
    """North holds a girl, a woman, an elderly man, a wounded soldier and someone released
    in 2025; South holds a prisoner of war who died in 2024."""
    make_person(world, "NORTH", sex="female", birth_year=2010, birth_month=5, birth_day=1)
    make_person(world, "NORTH", sex="female", birth_year=1990)
    make_person(world, "NORTH", sex="male", birth_year=1950, birth_month=2, birth_day=28)
    make_person(world, "NORTH", sex="male", affiliation="military", wounded=True)
    released = make_person(world, "NORTH", sex="male", birth_year=2007, birth_month=1)
    custody_event_add(
        actor=world.users["delegate"], person=released, kind="released", date=date(2025, 1, 15)
    )
    pow_ = make_person(world, "SOUTH", legal_status="prisoner_of_war", birth_year=1985)
    custody_event_add(
        actor=world.users["delegate"], person=pow_, kind="died", date=date(2024, 9, 9)
    )
    return world


def _direct(world: World, persona: str, reference: date) -> dict[tuple[str, str], Counter[str]]:
    """Counted in Python from the rows, without the figures' SQL."""
    user_org = world.users[persona].memberships.get().organisation
    out: dict[tuple[str, str], Counter[str]] = {}
    for person in Person.objects.select_related("holding_party"):
        if user_org.kind == "party" and person.holding_party_id != user_org.pk:
            continue
        events = person.custody_events.filter(date__lte=reference).order_by("date", "seq")
        status = current_status([e.kind for e in events]).value
        assert person.holding_party is not None
        counts = out.setdefault((person.holding_party.short_name, status), Counter())
        counts["total"] += 1
        for key, value in categories(person, reference).as_dict().items():
            counts[key] += value is True
        counts["age_unknown"] += categories(person, reference).minor is None
    return out


def _dashboard(world: World, persona: str, reference: date) -> dict[tuple[str, str], Counter[str]]:
    body = world.client(persona).get(f"/registry/figures/?date={reference}").content.decode()
    out: dict[tuple[str, str], Counter[str]] = {}
    for party, status, cells in re.findall(
        r'<tr data-party="(\w*)" data-status="(\w+)">(.*?)</tr>', body, re.S
    ):
        out[(party, status)] = Counter(
            {k: int(v) for k, v in re.findall(r'data-category="(\w+)">(\d+)<', cells)}
        )
    return out


def _api(world: World, persona: str, reference: date) -> dict[tuple[str, str], Counter[str]]:
    data = world.client(persona).get(f"/api/v1/registry/figures?date={reference}").json()
    return {
        (r["holding_party"], r["status"]): Counter({"total": r["total"], **r["counts"]})
        for r in data["rows"]
    }


def _csv(world: World, persona: str, reference: date) -> dict[tuple[str, str], Counter[str]]:
    body = world.client(persona).get(f"/registry/figures.csv?date={reference}").content.decode()
    rows = csv.DictReader(io.StringIO(body))
    return {
        (r.pop("holding_party"), r.pop("status")): Counter(
            {k: int(v) for k, v in r.items() if k != "reference_date"}
        )
        for r in rows
    }


def _visible(
    direct: dict[tuple[str, str], Counter[str]], keys: set[str]
) -> dict[tuple[str, str], Counter[str]]:
    return {slot: Counter({k: c[k] for k in keys}) for slot, c in direct.items()}


@pytest.mark.parametrize("reference", [EARLY, LATE])
@pytest.mark.parametrize("persona", ["coordinator", "north_observer", "south_negotiator"])
def test_dashboard_api_csv_and_direct_count_agree(
    registry: World, persona: str, reference: date
) -> None:
    api = _api(registry, persona, reference)
    keys = set(next(iter(api.values())))
    direct = _visible(_direct(registry, persona, reference), keys)
    assert api == direct
    assert _dashboard(registry, persona, reference) == direct
    assert _csv(registry, persona, reference) == direct


def test_figures_follow_the_reference_date(registry: World) -> None:
    early, late = _api(registry, "coordinator", EARLY), _api(registry, "coordinator", LATE)
    assert early[("NORTH", "held")]["total"] == 5
    assert late[("NORTH", "held")]["total"] == 4
    assert late[("NORTH", "released")]["total"] == 1
    assert early[("SOUTH", "held")]["total"] == 1
    assert late[("SOUTH", "deceased")]["total"] == 1
    # The boy born January 2007 is a minor in March 2024, not in June 2025.
    assert early[("NORTH", "held")]["minor"] == 2
    assert late[("NORTH", "held")]["minor"] == 1


def test_party_figures_count_only_their_held_persons_and_no_health(registry: World) -> None:
    north = _api(registry, "north_observer", LATE)
    assert {party for party, _s in north} == {"NORTH"}
    assert all("wounded_sick" not in c for c in north.values())
    assert _api(registry, "east_negotiator", LATE) == {}
    coordinator = _api(registry, "coordinator", LATE)
    assert coordinator[("NORTH", "held")]["wounded_sick"] == 1


def test_a_malformed_reference_date_is_refused(registry: World) -> None:
    response = registry.client("coordinator").get("/api/v1/registry/figures?date=2024-02-30")
    assert response.status_code == 422
