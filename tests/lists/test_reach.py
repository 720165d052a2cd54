"""Reach (lists.reach): the blocking keys that decide which entries a corrected registry
person could match. They must cover every pair the matcher can score, and a change to the
library's keys must raise ``REACH_VERSION`` (corrections recorded under the old rules then
reach every entry)."""

from __future__ import annotations

import pytest

from intermediary.lists.reach import REACH_VERSION, entry_keys, record_keys
from intermediary.lists.reconcile import entry_records
from intermediary.matching import MatchOptions, PersonRecord, link
from tests.conftest import World
from tests.lists.conftest import submit

YOUSSEF = PersonRecord(
    id="a",
    full_name="Youssef Abdulrahman",
    father_name="Ahmad",
    date_of_birth="1990-04-03",
    id_number="AB-123",
    sex="m",
)
YOUSSEF_ARABIC = PersonRecord(id="b", full_name="يوسف عبد الرحمن")


def test_the_keys_are_those_the_version_names() -> None:
    """If this fails, the matching library's blocking keys changed: raise REACH_VERSION in
    lists/reach.py (and update the keys here), so that corrections recorded under the old
    keys are read as reaching every entry instead of being compared with new keys."""
    assert REACH_VERSION == "1"
    assert record_keys([YOUSSEF, YOUSSEF_ARABIC]) == [
        frozenset(
            {
                "d1990-3-4|B",
                "d1990-3-4|H",
                "d1990-3-4|Y",
                "fHMD|BDRHMN",
                "fHMD|HMD",
                "fHMD|YSF",
                "iAB123",
                "pBDRHMN|HMD",
                "pBDRHMN|YSF",
                "pHMD|YSF",
                "y1990|BDRHMN",
                "y1990|HMD",
                "y1990|YSF",
            }
        ),
        frozenset({"pBDRHMN|YSF"}),
    ]


LEFT = [
    PersonRecord(id="l1", full_name="Yusuf Abd al-Rahman", date_of_birth="1990-03-04"),
    PersonRecord(id="l2", full_name="يوسف عبد الرحمن", father_name="أحمد"),
    PersonRecord(id="l3", full_name="Samir Khouri", date_of_birth="1975"),
    PersonRecord(id="l4", full_name="Nadia Farouk Odeh", date_of_birth="1999-09-09"),
    PersonRecord(id="l5", full_name="Miriam Hadad", date_of_birth="1985", sex="f"),
]
RIGHT = [
    YOUSSEF,
    YOUSSEF_ARABIC,
    PersonRecord(id="r3", full_name="Samir Khoury", date_of_birth="1975"),
    PersonRecord(id="r4", full_name="מרים חדאד", date_of_birth="1985"),
    PersonRecord(id="r5", full_name="Miriam Haddad", date_of_birth="1985-02-01", sex="f"),
    PersonRecord(id="r6", full_name="Omar Saber", date_of_birth="1960"),
]


def test_every_pair_the_matcher_scores_shares_a_key() -> None:
    """Reach over-approximates the matcher: at a threshold that keeps every scored pair,
    each pair shares a key, so a person sharing none with an entry can never be its
    candidate."""
    result = link(LEFT, RIGHT, MatchOptions(threshold=1e-9))
    assert len(result.pairs) >= 4  # the test means something: the matcher paired records
    keys = dict(
        zip(
            [r.id for r in LEFT + RIGHT],
            record_keys([*LEFT, *RIGHT]),
            strict=True,
        )
    )
    for row in result.pairs.to_dict("records"):
        shared = keys[str(row["left_id"])] & keys[str(row["right_id"])]
        assert shared, (row["left_id"], row["right_id"])


@pytest.mark.django_db
def test_an_entrys_keys_are_those_of_every_name_it_gives(world: World) -> None:
    submitted = submit(
        world,
        [
            ["full_name", "other_names", "date_of_birth"],
            ["Yusuf Abd al-Rahman", "يوسف عبد الرحمن; Youssef Abdulrahman", "1990-03-04"],
            ["Samir Khouri", "", "1975"],
        ],
    )
    entries = list(submitted.entries.order_by("row_number"))
    found = entry_keys(entries)
    for entry in entries:
        records = entry_records(entry)
        assert found[entry.pk] == frozenset().union(*record_keys(records))
    assert len(entry_records(entries[0])) == 3
    # Asked again (from the cache), the same.
    assert entry_keys(entries) == found
