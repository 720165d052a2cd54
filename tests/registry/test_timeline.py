"""The custody timeline: the service accepts exactly the possible sequences."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermediary.audit.models import AuditEvent
from intermediary.registry.choices import CustodyEventKind, PersonStatus
from intermediary.registry.models import Person
from intermediary.registry.services import custody_event_add
from intermediary.registry.timeline import walk
from tests.conftest import World
from tests.registry.factories import make_person

ALIVE_ONLY = {"registered", "visited", "transferred", "hospitalised", "released", "escaped",
              "repatriated"}  # fmt: skip


class Oracle:
    """The rules restated plainly, independently of timeline.TRANSITIONS."""

    def __init__(self) -> None:
        self.held = self.was_held = self.dead = self.closed = False
        self.status = PersonStatus.UNKNOWN

    def accepts(self, kind: str) -> bool:
        if self.closed:
            return False
        if self.dead and (kind in ALIVE_ONLY or kind == "died"):
            return False
        needs = {
            "registered": not self.held,
            "visited": self.held,
            "transferred": self.held,
            "hospitalised": self.held,
            "released": self.held,
            "escaped": self.held,
            "repatriated": self.held or self.was_held,
            "remains_identified": self.dead,
            "remains_handed_over": self.dead,
        }
        return needs.get(kind, True)

    def apply(self, kind: str) -> None:
        if kind == "registered":
            self.held = self.was_held = True
        elif kind in ("released", "escaped", "repatriated"):
            self.held = False
        elif kind in ("died", "remains_recovered"):
            self.held, self.dead = False, True
        elif kind == "remains_handed_over":
            self.closed = True
        self.status = {
            "registered": PersonStatus.HELD,
            "transferred": PersonStatus.HELD,
            "hospitalised": PersonStatus.HOSPITALISED,
            "released": PersonStatus.RELEASED,
            "escaped": PersonStatus.ESCAPED,
            "repatriated": PersonStatus.REPATRIATED,
            "died": PersonStatus.DECEASED,
            "remains_recovered": PersonStatus.DECEASED,
            "remains_identified": PersonStatus.DECEASED,
            "remains_handed_over": PersonStatus.REMAINS_HANDED_OVER,
        }.get(kind, self.status)


kinds = st.lists(st.sampled_from(CustodyEventKind.values), max_size=12)


@given(sequence=kinds)
def test_state_machine_matches_the_oracle(sequence: list[str]) -> None:
    oracle = Oracle()
    valid = True
    for kind in sequence:
        if not oracle.accepts(kind):
            valid = False
            break
        oracle.apply(kind)
    try:
        walk(sequence)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == valid


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=kinds)
def test_service_accepts_exactly_the_valid_events(world: World, sequence: list[str]) -> None:
    """Each event is offered in turn; the service must take it iff the oracle does, and the
    derived status must follow. The person starts registered (every person is)."""
    person = make_person(world, registered_on=date(2020, 1, 1))
    oracle = Oracle()
    oracle.apply("registered")
    accepted_count = 1
    try:
        for day, kind in enumerate(sequence, start=1):
            when = date(2020, 1, 1) + timedelta(days=day)
            expected = oracle.accepts(kind)
            try:
                custody_event_add(
                    actor=world.users["delegate"], person=person, kind=kind, date=when
                )
                accepted = True
            except ValidationError:
                accepted = False
            assert accepted == expected, (sequence, kind)
            if accepted:
                oracle.apply(kind)
                accepted_count += 1
        person.refresh_from_db()
        assert person.status == oracle.status
        assert person.custody_events.count() == accepted_count
    finally:
        Person.objects.filter(pk=person.pk).delete()


def _add(world: World, person: Person, kind: str, day: int) -> None:
    custody_event_add(
        actor=world.users["coordinator"],
        person=person,
        kind=kind,
        date=date(2024, 1, 10) + timedelta(days=day),
    )


@pytest.mark.django_db
def test_release_after_death_is_refused_with_a_clear_error(world: World) -> None:
    person = make_person(world)
    _add(world, person, "died", 5)
    with pytest.raises(ValidationError, match="Released cannot follow the person's death"):
        _add(world, person, "released", 6)


@pytest.mark.django_db
def test_two_deaths_are_refused(world: World) -> None:
    person = make_person(world)
    _add(world, person, "died", 5)
    with pytest.raises(ValidationError, match="second death is impossible"):
        _add(world, person, "died", 7)


@pytest.mark.django_db
def test_nothing_follows_the_handover_of_remains(world: World) -> None:
    person = make_person(world)
    for day, kind in enumerate(["died", "remains_recovered", "remains_handed_over"], start=1):
        _add(world, person, kind, day)
    with pytest.raises(ValidationError, match="Nothing can follow the handover"):
        _add(world, person, "remains_identified", 9)
    person.refresh_from_db()
    assert person.status == PersonStatus.REMAINS_HANDED_OVER


@pytest.mark.django_db
def test_a_back_dated_death_before_a_release_is_refused(world: World) -> None:
    """Events are placed at their date: a death learnt late cannot precede a release."""
    person = make_person(world)
    _add(world, person, "released", 10)
    with pytest.raises(ValidationError, match="cannot follow the person's death"):
        _add(world, person, "died", 5)
    assert person.custody_events.count() == 2


@pytest.mark.django_db
def test_a_back_dated_visit_is_placed_in_order(world: World) -> None:
    person = make_person(world)
    _add(world, person, "released", 10)
    _add(world, person, "visited", 5)  # before the release: the person was held then
    person.refresh_from_db()
    assert person.status == PersonStatus.RELEASED
    kinds = list(person.custody_events.order_by("date", "seq").values_list("kind", flat=True))
    assert kinds == ["registered", "visited", "released"]


@pytest.mark.django_db
def test_future_events_are_refused_and_each_event_is_audited(world: World) -> None:
    person = make_person(world)
    with pytest.raises(ValidationError, match="future"):
        custody_event_add(actor=world.users["coordinator"], person=person, kind="visited",
                          date=date.today() + timedelta(days=2))  # noqa: DTZ011  # fmt: skip
    before = AuditEvent.objects.count()
    _add(world, person, "visited", 3)
    last = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert last is not None
    assert (last.action, last.object_id) == ("person.custody_event_add", str(person.public_id))
