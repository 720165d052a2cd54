"""How a candidate is shown to a reviewer: both records field by field, and the score taken
apart into what each field added or took away. Shared by the review page and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intermediary.lists.models import ListEntry, MatchCandidate
from intermediary.registry.dates import format_partial
from intermediary.registry.models import Person

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "father_name": gettext_lazy("Father's name"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "place_of_birth": gettext_lazy("Place of birth"),
    "id_number": gettext_lazy("Identity number"),
    "sex": gettext_lazy("Sex"),
    "address": gettext_lazy("Address"),
}


@dataclass(frozen=True)
class Side:
    """One record's values, in the order of ALIGNED_FIELDS; ``names`` as (text, script)."""

    names: list[tuple[str, str]]
    values: dict[str, str]
    source: str


@dataclass(frozen=True)
class Contribution:
    field: str
    label: str
    weight: float

    @property
    def effect(self) -> str:
        if self.weight > 0:
            return _("added")
        if self.weight < 0:
            return _("took away")
        return _("no effect (missing on one side)")

    @property
    def bar(self) -> int:
        """Width of the bar in the page, in percent of the widest one we expect (20 bits)."""
        return min(int(abs(self.weight) * 5), 100)


ALIGNED_FIELDS = ("father_name", "date_of_birth", "place_of_birth", "id_number", "sex")


def entry_side(entry: ListEntry) -> Side:
    names = [(entry.full_name, entry.script)]
    names += [(n.strip(), "") for n in entry.other_names.split(";") if n.strip()]
    dob = format_partial(entry.birth_year, entry.birth_month, entry.birth_day)
    return Side(
        names=names,
        values={
            "father_name": entry.father_name,
            "date_of_birth": dob or entry.date_of_birth_text,
            "place_of_birth": entry.place_of_birth,
            "id_number": entry.id_number,
            "sex": entry.get_sex_display() if entry.sex else "",
        },
        source=_("%(kind)s list of %(party)s, row %(row)d")
        % {
            "kind": entry.submitted_list.get_kind_display(),
            "party": entry.submitted_list.submitting_party.short_name,
            "row": entry.row_number,
        },
    )


def person_side(person: Person) -> Side:
    names = [(n.full_text, n.script) for n in person.names.all()]
    ids = [v for v in (person.id_document_number, person.service_number) if v]
    holder = person.holding_party.short_name if person.holding_party else _("no holding party")
    return Side(
        names=names,
        values={
            "father_name": person.fathers_first_name,
            "date_of_birth": format_partial(
                person.birth_year, person.birth_month, person.birth_day
            ),
            "place_of_birth": person.place_of_birth,
            "id_number": " / ".join(ids),
            "sex": person.get_sex_display() if person.sex else "",
        },
        source=_("Registry person (%(status)s, held by %(holder)s)")
        % {"status": person.get_status_display(), "holder": holder},
    )


def candidate_side(candidate: MatchCandidate) -> Side:
    if candidate.person is not None:
        return person_side(candidate.person)
    assert candidate.other_entry is not None  # noqa: S101  (a DB constraint guarantees it)
    return entry_side(candidate.other_entry)


def candidate_reason(candidate: MatchCandidate) -> str:
    """Why the candidate is there, in words: a reviewer's own, or the matcher's score."""
    if candidate.is_manual:
        return _("added by reviewer")
    return _("scored by the matcher")


def contributions(candidate: MatchCandidate) -> list[Contribution]:
    """Per-field match weights (log2 Bayes factors), biggest effect first."""
    items = [
        Contribution(field=key, label=str(FIELD_LABELS.get(key, key)), weight=float(value))
        for key, value in (candidate.weights or {}).items()
    ]
    return sorted(items, key=lambda c: -abs(c.weight))


def aligned_rows(left: Side, right: Side) -> list[tuple[str, str, str]]:
    """(label, entry value, candidate value) for each identity field."""
    return [
        (str(FIELD_LABELS[f]), left.values.get(f, ""), right.values.get(f, ""))
        for f in ALIGNED_FIELDS
    ]
