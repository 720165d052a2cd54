"""The match and dedupe subcommands, driven through register() and a throwaway parser."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from intermediary.matching.cli import register
from intermediary.matching.tables import MAX_CELL_CHARS


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="intermediary")
    register(parser.add_subparsers(required=True))
    args = parser.parse_args([*argv, "--quiet"])
    result: int = args.func(args)
    return result


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_pairs(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def held(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "held.csv",
        [
            ["id", "Full Name", "Birth", "father"],
            ["h1", "يوسف عبد الرحمن حسن", "1990-04-03", "أحمد"],
            ["h2", "فاطمة محمود سالم", "1985", "علي"],
        ],
    )


@pytest.fixture
def sought(tmp_path: Path) -> Path:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["ref", "name", "dob"])
    sheet.append(["s1", "Youssef Abdulrahman Hassan", "03/04/1990"])
    sheet.append(["s2", "Fatima Mahmoud Salem", "1985-07-01"])
    sheet.append(["s3", "Karim Odeh", None])
    path = tmp_path / "sought.xlsx"
    wb.save(path)
    return path


def test_match_csv_against_xlsx(
    held: Path, sought: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pairs.csv"
    code = run(
        "match",
        str(held),
        str(sought),
        "--out",
        str(out),
        "--map",
        "dob=Birth",
        "--id-column",
        "ref",
    )
    assert code == 0
    pairs = read_pairs(out)
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("h1", "s1"), ("h2", "s2")]
    assert list(pairs[0])[:4] == ["left_id", "right_id", "probability", "name"]
    assert "date_of_birth" in pairs[0]
    assert "2 pairs" in capsys.readouterr().err


def test_row_numbers_identify_rows_without_an_id_column(tmp_path: Path, sought: Path) -> None:
    left = write_csv(tmp_path / "l.csv", [["name"], ["Karim Odeh"], ["Jamal Haddad"]])
    out = tmp_path / "pairs.csv"
    assert run("match", str(left), str(sought), "--out", str(out)) == 0
    assert [(p["left_id"], p["right_id"]) for p in read_pairs(out)] == [("2", "4")]


def test_dedupe(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        [
            ["name", "dob"],
            ["Jamal Haddad", "1980-01-02"],
            ["جمال حداد", "1980-02-01"],
            ["Nadia Saba", ""],
        ],
    )
    out = tmp_path / "pairs.csv"
    assert run("dedupe", str(path), "--out", str(out), "--threshold", "0.3") == 0
    assert [(p["left_id"], p["right_id"]) for p in read_pairs(out)] == [("2", "3")]


def test_spark_backend_is_one_option(held: Path, tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(
        ["match", str(held), str(held), "--out", "x.csv", "--backend", "spark"]
    )
    assert args.backend == "spark"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"name,dob\n", "no data rows"),
        (b"a,b\n1,2\n", "no name column"),
        (b"name\n\xff\xfe broken\n", "line 2 is not valid UTF-8"),
        (b"name,dob\nAli,1990,extra,fields\n", "row 2 has 4 fields"),
        (b"id,name\n1,Ali\n1,Omar\n", "id '1' repeats (rows 2, 3)"),
        (b"id,name\n1,Ali\n,Omar\n", "row 3, column 'id': the id is blank"),
    ],
)
def test_bad_input_gives_exit_2_and_a_clear_message(
    tmp_path: Path, held: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    code = run("match", str(held), str(bad), "--out", str(tmp_path / "p.csv"))
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_megabyte_in_a_cell_names_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_csv(
        tmp_path / "big.csv", [["name", "dob"], ["Ali", "1990"], ["x" * (1 << 20), "1990"]]
    )
    code = run("dedupe", str(bad), "--out", str(tmp_path / "p.csv"))
    err = capsys.readouterr().err
    assert code == 2
    assert f"row 3, column 'name': {1 << 20} characters, more than the {MAX_CELL_CHARS}" in err


def test_control_characters_and_unknown_scripts_are_handled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        tmp_path / "odd.csv",
        [["name"], ["Ali\x00\x07 Hassan\u200f"], ["Ali Hassan"], ["张伟"], ["🙂🙂"], ["Zhang Wei"]],
    )
    out = tmp_path / "pairs.csv"
    assert run("dedupe", str(path), "--out", str(out)) == 0
    pairs = [(p["left_id"], p["right_id"]) for p in read_pairs(out)]
    assert ("2", "3") in pairs
    assert "1 rows have no usable name (rows 5)" in capsys.readouterr().err


def test_unknown_mapping_field_is_an_error(
    held: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("dedupe", str(held), "--out", str(tmp_path / "p.csv"), "--map", "shoe=Size") == 2
    assert "--map field 'shoe' is unknown" in capsys.readouterr().err


def test_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("dedupe", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "p.csv")) == 2
    assert "no such file" in capsys.readouterr().err
