"""Search by names in any script (normalised), date of birth, numbers, party, status, category."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from intermediary.registry.inputs import NameInput
from intermediary.registry.selectors import PersonQuery, person_search
from intermediary.registry.services import custody_event_add
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _ids(world: World, persona: str = "coordinator", page: int = 1, **query: Any) -> list[str]:
    result = person_search(user=world.users[persona], query=PersonQuery(**query), page=page)
    return [str(p.public_id) for p in result.items]


def _named(world: World, *texts: str, **fields: Any) -> str:
    names = [NameInput(full_text=t) for t in texts]
    return str(make_person(world, names=names, **fields).public_id)


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Muḥammad al-Ṣāliḥ", "muhammad salih"),  # diacritics, case
        ("MÜLLER Jürgen", "muller"),
        ("أَحْمَد الزَّهْرَانِي", "احمد"),  # tashkeel
        ("إبراهيم", "ابراهيم"),  # alef with hamza below
        ("فاطمة", "فاطمه"),  # ta marbuta
        ("مصطفى", "مصطفي"),  # alef maqsura
        ("יוֹסֵף כֹּהֵן", "כהן"),  # niqqud, final nun queried in final form
        ("אברהם", "אברהמ"),  # final mem queried in medial form
        ("Иван Петров", "иван"),  # Cyrillic case
    ],
)
def test_names_are_found_in_their_script_whatever_the_spelling(
    world: World, stored: str, query: str
) -> None:
    target = _named(world, stored)
    _named(world, "Someone Else")
    assert _ids(world, name=query) == [target]


def test_any_name_of_a_person_matches_and_parts_in_any_order(world: World) -> None:
    target = _named(world, "أحمد حسن", "Ahmad Hassan", "Ahmed Hasan")
    assert _ids(world, name="hasan ahmed") == [target]
    assert _ids(world, name="حسن") == [target]
    assert _ids(world, name="hassan ahmed") == []  # no single name has both spellings


def test_names_are_stored_as_given(world: World) -> None:
    from intermediary.registry.models import PersonName

    _named(world, "Muḥammad  AL-ṢĀLIḤ")  # odd spacing and case are evidence: kept
    assert PersonName.objects.get().full_text == "Muḥammad  AL-ṢĀLIḤ"


def test_date_of_birth_full_partial_and_malformed(world: World) -> None:
    from django.core.exceptions import ValidationError

    full = _named(world, "A", birth_year=1990, birth_month=4, birth_day=17)
    month = _named(world, "B", birth_year=1990, birth_month=4)
    _named(world, "C", birth_year=1991)
    assert _ids(world, dob="1990-04-17") == [full]
    assert _ids(world, dob="1990-04") == [full, month]
    assert _ids(world, dob="1990") == [full, month]
    with pytest.raises(ValidationError):
        _ids(world, dob="17/04/1990")


def test_id_numbers_holding_party_status_and_category(world: World) -> None:
    soldier = _named(world, "A", service_number="SN-77", affiliation="military")
    document = _named(world, "B", id_document_number="P123")
    south = _named(world, "C", holder="SOUTH", sex="female", birth_year=1980)
    released = make_person(world, names=[NameInput(full_text="D")])
    custody_event_add(
        actor=world.users["coordinator"], person=released, kind="released", date=date(2024, 2, 1)
    )
    assert _ids(world, id_number="SN-77") == [soldier]
    assert _ids(world, id_number="P123") == [document]
    assert _ids(world, holding_party=world.orgs["SOUTH"].public_id) == [south]
    assert _ids(world, status="released") == [str(released.public_id)]
    assert _ids(world, category="military") == [soldier]
    assert _ids(world, category="woman") == [south]


def test_search_is_paginated(world: World) -> None:
    people = [_named(world, f"Omar {i}") for i in range(7)]
    first = person_search(
        user=world.users["coordinator"], query=PersonQuery(name="omar"), per_page=5
    )
    second = person_search(
        user=world.users["coordinator"], query=PersonQuery(name="omar"), page=2, per_page=5
    )
    assert first.has_next
    assert not second.has_next
    assert [str(p.public_id) for p in first.items + second.items] == people


def test_the_search_page_renders_hits_right_to_left_safely(world: World) -> None:
    _named(world, "أحمد حسن")
    body = world.client("coordinator").get("/registry/persons/?q=احمد").content.decode()
    assert '<bdi dir="auto">أحمد حسن</bdi>' in body
    fragment = (
        world.client("coordinator")
        .get("/registry/persons/?q=احمد", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<html" not in fragment
    assert "أحمد حسن" in fragment


def test_parties_search_only_what_they_may_see(world: World) -> None:
    _named(world, "Omar North")
    _named(world, "Omar South", holder="SOUTH")
    assert len(_ids(world, "north_observer", name="omar")) == 1
    assert _ids(world, "east_negotiator", name="omar") == []
