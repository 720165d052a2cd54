"""The reconciliation job: score a list's entries against the dossier's registry persons (every
name variant), the other side's lists, and the list itself (duplicates), then store candidates.

Runs in a background task, outside any request; progress is written to the run row as it goes
so the review page can poll it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intermediary.access.policy import SYSTEM
from intermediary.audit.services import audit_append
from intermediary.lists.choices import (
    LIST_OBJECT_TYPE,
    CandidateSource,
    Decision,
    RunStatus,
)
from intermediary.lists.entry_search import entry_names
from intermediary.lists.freshness import DataMark, current_mark, other_side_lists
from intermediary.lists.models import ListEntry, MatchCandidate, ReconciliationRun, SubmittedList
from intermediary.matching import MatchOptions, PersonRecord, dedupe, link
from intermediary.registry.dates import format_partial
from intermediary.registry.models import Person, PersonName

logger = logging.getLogger(__name__)

# Key of one candidate target: ("p", person pk) or ("e", entry pk).
Target = tuple[str, int]


@dataclass
class Found:
    """The best score seen for one (entry, target) pair, with its explanation."""

    probability: float
    weights: dict[str, float]
    matched_name: int | None = None


Progress = Callable[[int, str], None]


def entry_records(entry: ListEntry) -> list[PersonRecord]:
    """What the matching library compares of an entry: one record per name the list gives
    (the name, then each of ``other_names``), as given, never folded. Ids: e<pk>, e<pk>v<i>."""
    names = entry_names(entry.full_name, entry.other_names)
    dob = format_partial(entry.birth_year, entry.birth_month, entry.birth_day) or None
    return [
        PersonRecord(
            id=f"e{entry.pk}" if index == 0 else f"e{entry.pk}v{index}",
            full_name=name,
            father_name=entry.father_name or None,
            date_of_birth=dob,
            place_of_birth=entry.place_of_birth or None,
            id_number=entry.id_number or None,
            sex=entry.sex or None,
        )
        for index, name in enumerate(names)
    ]


def _records(entries: Iterable[ListEntry]) -> list[PersonRecord]:
    return [record for entry in entries for record in entry_records(entry)]


def _entry_pk(record_id: str) -> int:
    """The entry behind a record id e<pk> or e<pk>v<i>."""
    return int(record_id[1:].split("v")[0])


# What is read of registry persons and names. A change to a value read here must count as a
# correction (registry.models.COMPARED_PERSON_FIELDS and COMPARED_NAME_FIELDS; a test checks
# they agree), else a run or a sign-off would not know it predates it (lists.freshness).
PERSON_COLUMNS = (
    "pk",
    "fathers_first_name",
    "birth_year",
    "birth_month",
    "birth_day",
    "place_of_birth",
    "id_document_number",
    "service_number",
    "sex",
)
NAME_COLUMNS = ("pk", "person_id", "full_text", "fathers_name")


def _person_records(dossier_id: int) -> list[PersonRecord]:
    """One record per name variant of every registry person of the dossier: a person named
    in Arabic and in Latin is found from a list in either script. Plain values, not model
    instances: a registry of thousands is read in one pass."""
    persons = {
        row["pk"]: row
        for row in Person.objects.filter(dossier_id=dossier_id).values(*PERSON_COLUMNS)
    }
    names = (
        PersonName.objects.filter(person__dossier_id=dossier_id)
        .order_by("pk")
        .values_list(*NAME_COLUMNS)
    )
    return [
        _person_record(persons[person_id], pk, text, father)
        for pk, person_id, text, father in names
    ]


def _person_record(person: dict[str, Any], name_pk: int, text: str, father: str) -> PersonRecord:
    dob = format_partial(person["birth_year"], person["birth_month"], person["birth_day"])
    return PersonRecord(
        id=f"p{person['pk']}n{name_pk}",
        full_name=text,
        father_name=person["fathers_first_name"] or father or None,
        date_of_birth=dob or None,
        place_of_birth=person["place_of_birth"] or None,
        id_number=person["id_document_number"] or person["service_number"] or None,
        sex=_sex(person["sex"]),
    )


def _sex(value: str) -> str | None:
    return {"female": "f", "male": "m"}.get(value)


def _other_side_entries(submitted: SubmittedList) -> list[ListEntry]:
    """Entries of the lists other parties submitted in the dossier, of the opposite kind:
    persons sought are looked for among persons held, and the reverse."""
    return list(ListEntry.objects.filter(submitted_list__in=other_side_lists(submitted)))


def _target(record_id: str) -> tuple[Target, int | None]:
    """Decode a record id: p<person>n<name> or e<entry>."""
    if record_id.startswith("p"):
        person, name = record_id[1:].split("n")
        return ("p", int(person)), int(name)
    return ("e", _entry_pk(record_id)), None


def _collect(pairs: Any, fields: list[str], found: dict[tuple[int, Target], Found]) -> None:
    """Keep, per (entry, target), the best-scoring pair (the best name variant of a person)."""
    for row in pairs.to_dict("records"):
        entry_pk = _entry_pk(str(row["left_id"]))
        target, name_pk = _target(str(row["right_id"]))
        probability = float(row["probability"])
        key = (entry_pk, target)
        if key in found and found[key].probability >= probability:
            continue
        weights = {field: float(row[field]) for field in fields}
        found[key] = Found(probability=probability, weights=weights, matched_name=name_pk)


def _dedupe_pairs(
    entries: list[ListEntry], options: MatchOptions, found: dict[tuple[int, Target], Found]
) -> None:
    """Possible duplicates inside the list: stored on the later row, pointing to the earlier."""
    row_of = {entry.pk: entry.row_number for entry in entries}
    result = dedupe(_records(entries), options)
    for row in result.pairs.to_dict("records"):
        a, b = _entry_pk(str(row["left_id"])), _entry_pk(str(row["right_id"]))
        if a == b:
            continue  # two names of the same entry
        later, earlier = (a, b) if row_of[a] > row_of[b] else (b, a)
        probability = float(row["probability"])
        key = (later, ("e", earlier))
        if key in found and found[key].probability >= probability:
            continue
        weights = {field: float(row[field]) for field in result.fields}
        found[key] = Found(probability, weights)


def score(
    submitted: SubmittedList, threshold: float, progress: Progress
) -> dict[tuple[int, Target], Found]:
    """Every candidate pair at or above the threshold, keyed by (entry pk, target)."""
    entries = list(submitted.entries.all())
    options = MatchOptions(threshold=threshold)
    records = _records(entries)
    found: dict[tuple[int, Target], Found] = {}
    progress(5, "reading the registry")
    persons = _person_records(submitted.dossier_id)
    if persons and records:
        # The registry is the big side: report the library's own steps within this phase.
        steps = iter((15, 25, 35))

        def step(message: str) -> None:
            progress(next(steps, 40), f"registry: {message}")

        result = link(records, persons, replace(options, progress=step))
        _collect(result.pairs, result.fields, found)
    progress(45, "matching against the other side's lists")
    others = _other_side_entries(submitted)
    if others and records:
        result = link(records, _records(others), options)
        _collect(result.pairs, result.fields, found)
    progress(75, "looking for duplicates within the list")
    if len(entries) > 1:
        _dedupe_pairs(entries, options, found)
    return found


def _stale(submitted: SubmittedList, keep: Iterable[tuple[int, Target]]) -> list[int]:
    """Undecided candidates of earlier runs that this run no longer finds. A reviewer's own
    candidates are never stale: the matcher not finding them is why they were added."""
    wanted = set(keep)
    stale = []
    for candidate in MatchCandidate.objects.filter(
        entry__submitted_list=submitted,
        decision=Decision.PENDING,
        source=CandidateSource.MATCHER,
    ):
        target: Target = (
            ("p", candidate.person_id)
            if candidate.person_id
            else ("e", candidate.other_entry_id or 0)
        )
        if (candidate.entry_id, target) not in wanted:
            stale.append(candidate.pk)
    return stale


@transaction.atomic
def store(run: ReconciliationRun, found: dict[tuple[int, Target], Found]) -> int:
    """Replace the list's undecided candidates with this run's; decided ones are kept (their
    scores refreshed) so that no reviewer's decision is ever lost to a re-run. A reviewer's
    own candidate stays as added (no score), even if the matcher now finds the same pair."""
    submitted = run.submitted_list
    MatchCandidate.objects.filter(pk__in=_stale(submitted, found)).delete()
    existing = {
        (c.entry_id, ("p", c.person_id) if c.person_id else ("e", c.other_entry_id or 0)): c
        for c in MatchCandidate.objects.filter(entry__submitted_list=submitted)
    }
    new: list[MatchCandidate] = []
    changed: list[MatchCandidate] = []
    for (entry_pk, target), hit in found.items():
        candidate = existing.get((entry_pk, target))
        if candidate is not None and candidate.source == CandidateSource.MANUAL:
            continue
        if candidate is None:
            candidate = MatchCandidate(entry_id=entry_pk, run=run)
            _set_target(candidate, target, hit)
            new.append(candidate)
        else:
            changed.append(candidate)
        candidate.probability = min(max(hit.probability, 0.0), 1.0)
        candidate.weights = hit.weights
        candidate.run = run
    MatchCandidate.objects.bulk_create(new, batch_size=2000)
    MatchCandidate.objects.bulk_update(changed, ["probability", "weights", "run"], batch_size=2000)
    return len(found)


def _set_target(candidate: MatchCandidate, target: Target, hit: Found) -> None:
    kind, pk = target
    if kind == "p":
        candidate.person_id = pk
        candidate.matched_name_id = hit.matched_name
    else:
        candidate.other_entry_id = pk


def _update(run_pk: int, **values: Any) -> None:
    """Progress writes go straight to the row, outside any job transaction, so pollers see
    them at once."""
    ReconciliationRun.objects.filter(pk=run_pk).update(**values)


def run_reconciliation(run_pk: int) -> None:
    """The job body: mark running, score, store, mark done (or failed with the reason)."""
    run = ReconciliationRun.objects.select_related("submitted_list").get(pk=run_pk)
    if run.status != RunStatus.QUEUED:
        return  # a job delivered twice must not run twice
    _update(run.pk, status=RunStatus.RUNNING, started_at=timezone.now(), progress=1)

    def progress(percent: int, stage: str) -> None:
        _update(run.pk, progress=percent, stage=stage)

    try:
        # Counted before anything is read: data arriving while the run reads is then "new"
        # to it (a needless prompt at worst), never seen on paper and missed in fact.
        seen = current_mark(run.submitted_list)
        found = score(run.submitted_list, run.threshold, progress)
        progress(90, "saving candidates")
        count = _finish(run, found, seen)
    except Exception as exc:
        logger.exception("reconciliation run %s failed", run.public_id)
        run_failed(run, str(exc))
        raise
    logger.info("reconciliation run %s stored %d candidates", run.public_id, count)


@transaction.atomic
def run_failed(run: ReconciliationRun, reason: str) -> None:
    """Mark a run failed and put the failure on the audit chain, in one transaction: a
    reconciliation that did not happen is as much a part of the record as one that did."""
    _update(run.pk, status=RunStatus.FAILED, finished_at=timezone.now(), error=reason[:500])
    audit_append(
        actor=SYSTEM,
        action="list.reconcile_failed",
        object_type=LIST_OBJECT_TYPE,
        object_id=str(run.submitted_list.public_id),
        payload={"run": run.public_id, "error": reason[:500]},
    )


@transaction.atomic
def _finish(run: ReconciliationRun, found: dict[tuple[int, Target], Found], seen: DataMark) -> int:
    count = store(run, found)
    _update(
        run.pk,
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        progress=100,
        stage="done",
        candidate_count=count,
        **seen.as_fields(),
    )
    audit_append(
        actor=SYSTEM,
        action="list.reconciled",
        object_type=LIST_OBJECT_TYPE,
        object_id=str(run.submitted_list.public_id),
        payload={"run": run.public_id, "candidates": count, "seen": seen.as_fields()},
    )
    return count


def pending_candidates(submitted: SubmittedList) -> Q:
    """Filter for candidates of a list still awaiting a decision."""
    return Q(entry__submitted_list=submitted, decision=Decision.PENDING)
