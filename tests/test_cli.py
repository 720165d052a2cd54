"""The console script: demo loading (idempotent) and bootstrap."""

from __future__ import annotations

import pytest

from intermediary.accounts.models import Organisation, User
from intermediary.audit.verify import verify_chain
from intermediary.cli import main

pytestmark = pytest.mark.django_db


def test_demo_loads_once_and_prints_logins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "Demo data loaded." in out
    assert "north.negotiator" in out
    assert "auditor" in out
    users = User.objects.count()
    assert main(["demo", "--no-serve"]) == 0
    assert "already present" in capsys.readouterr().out
    assert User.objects.count() == users
    assert verify_chain().ok


def test_bootstrap_creates_the_first_coordinator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTERMEDIARY_BOOTSTRAP_PASSWORD", "a-long-bootstrap-pass-1")
    code = main(["bootstrap", "--name", "Relief Office", "--short-name", "RO", "--username", "ro"])
    assert code == 0
    assert Organisation.objects.get(short_name="RO").kind == "intermediary"
    assert User.objects.get(username="ro").memberships.get().role == "coordinator"


def test_bootstrap_reports_bad_input_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTERMEDIARY_BOOTSTRAP_PASSWORD", "short")
    code = main(["bootstrap", "--name", "Relief Office", "--short-name", "RO", "--username", "ro"])
    assert code == 2
    assert "password" in capsys.readouterr().err
    assert not Organisation.objects.filter(short_name="RO").exists()
