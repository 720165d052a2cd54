"""Creating checkpoints through the API (the page's service, the same answers), and what keeps
proofs cheap: the proof cache and the per-user rate limit (docs/audit.md, "Cost")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from intermediary.access.policy import SYSTEM
from intermediary.accounts.choices import OrganisationKind
from intermediary.accounts.services import organisation_create
from intermediary.audit import ratelimit
from intermediary.audit.checkpoints import audit_checkpoint_create
from intermediary.audit.models import AuditCheckpoint, AuditEvent
from intermediary.audit.signing import parse_checkpoint, parse_consistency_proof
from intermediary.cli import main
from tests.audit.test_chain import tampering
from tests.conftest import World

pytestmark = pytest.mark.django_db

CREATE = "/api/v1/audit/checkpoints"


@pytest.fixture
def key_file(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "signing.pem"
    assert main(["audit", "keygen", "--out", str(path)]) == 0
    settings.AUDIT_SIGNING_KEY_FILE = str(path)
    return path


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The rate limit's clock, moved by the test (no sleeping): 10 s into a minute."""
    now = [6_000_000.0 + 10]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


def _event(name: str) -> None:
    organisation_create(actor=SYSTEM, name=name, short_name=name[:8], kind=OrganisationKind.PARTY)


def _checkpoints(count: int) -> list[int]:
    """``count`` checkpoints with events between them; their sizes."""
    sizes = []
    for i in range(count):
        _event(f"Org {i}")
        sizes.append(audit_checkpoint_create(actor=SYSTEM).tree_size)
    return sizes


# --- Creating through the API -----------------------------------------------------------------


@pytest.mark.usefixtures("key_file")
def test_coordinator_creates_a_checkpoint_through_the_api(world: World) -> None:
    client = world.client("coordinator")
    before = AuditEvent.objects.count()
    response = client.post(CREATE)
    assert response.status_code == 201, response.content
    doc = response.json()
    assert doc["tree_size"] == before
    row = AuditCheckpoint.objects.get()
    assert parse_checkpoint(doc).root_hash == row.root_hash
    event = AuditEvent.objects.get(action="audit.checkpoint")
    assert event.actor_id == str(world.users["coordinator"].public_id)
    # The log has not grown (only by the checkpoint's own event): the same checkpoint, 200,
    # nothing written; the page says the same.
    again = client.post(CREATE)
    assert again.status_code == 200
    assert again.json() == doc
    assert AuditEvent.objects.count() == before + 1
    page = client.post("/audit/checkpoints/new/", follow=True).content.decode()
    assert f"the checkpoint over {before} events is still the latest" in page
    assert AuditCheckpoint.objects.count() == 1
    # Once it grew, a new one; the page and the API make the same.
    _event("Another")
    assert client.post(CREATE).json()["tree_size"] == before + 2
    assert client.get("/api/v1/audit/checkpoints/latest").json()["tree_size"] == before + 2


def test_without_a_key_the_api_says_so_and_writes_nothing(world: World, settings: Any) -> None:
    settings.AUDIT_SIGNING_KEY_FILE = ""
    client = world.client("coordinator")  # signing in is logged: count after it
    events = AuditEvent.objects.count()
    response = client.post(CREATE)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "no_signing_key"
    assert "AUDIT_SIGNING_KEY_FILE" in error["message"]
    settings.AUDIT_SIGNING_KEY_FILE = "/nonexistent/key.pem"
    response = client.post(CREATE)
    assert response.status_code == 409
    assert "/nonexistent" not in response.content.decode()  # the path stays on the server
    assert AuditEvent.objects.count() == events
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.usefixtures("key_file")
def test_on_a_broken_log_the_api_refuses_and_writes_nothing(world: World) -> None:
    with tampering():
        AuditEvent.objects.filter(seq=2).delete()
    client = world.client("coordinator")
    events = AuditEvent.objects.count()
    response = client.post(CREATE)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "audit_log_broken"
    assert AuditEvent.objects.count() == events
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.usefixtures("key_file")
@pytest.mark.parametrize("persona", ["auditor", "delegate", "north_negotiator"])
def test_others_cannot_create_through_the_api(world: World, persona: str) -> None:
    assert world.client(persona).post(CREATE).status_code == 404
    assert not AuditCheckpoint.objects.exists()


# --- The proof cache and the rate limit -------------------------------------------------------


def _consistency(client: Any, first: int, second: int) -> Any:
    return client.get(f"/api/v1/audit/consistency?first={first}&second={second}")


@pytest.mark.usefixtures("key_file")
def test_proofs_past_the_limit_answer_429_with_retry_after(
    world: World, settings: Any, clock: list[float]
) -> None:
    settings.AUDIT_PROOF_RATE_LIMIT = 2
    a, b, c = _checkpoints(3)
    client = world.client("north_observer")
    assert _consistency(client, a, b).status_code == 200
    # A proof already computed comes from the cache: served, and not counted.
    assert _consistency(client, a, b).status_code == 200
    assert _consistency(client, a, c).status_code == 200
    refused = _consistency(client, b, c)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"  # 10 s into the minute
    assert refused.json()["error"]["code"] == "rate_limited"
    assert _consistency(client, a, b).status_code == 200  # cached proofs are still served
    # The budget is the user's: another user (or party) is not held up.
    assert _consistency(world.client("south_observer"), b, c).status_code == 200
    # Auditors' inclusion proofs draw on their own budget the same way.
    auditor = world.client("auditor")
    for seq in (1, 2):
        assert auditor.get(f"/api/v1/audit/inclusion?seq={seq}").status_code == 200
    assert auditor.get("/api/v1/audit/inclusion?seq=3").status_code == 429
    assert auditor.get("/api/v1/audit/inclusion?seq=1").status_code == 200  # cached
    # The next minute opens a new window.
    clock[0] += 50
    assert _consistency(client, a, c).status_code == 200  # cached: the cache outlives windows
    fresh = _consistency(world.client("north_observer"), b, c)
    assert fresh.status_code == 200
    assert parse_consistency_proof(fresh.json()).second == c


@pytest.mark.usefixtures("key_file")
def test_access_and_bad_sizes_are_answered_before_the_limit(
    world: World, settings: Any, clock: list[float]
) -> None:
    """An exhausted budget never turns a 404 or 422 into a 429 (nor reveals anything)."""
    settings.AUDIT_PROOF_RATE_LIMIT = 1
    a, b = _checkpoints(2)
    client = world.client("north_negotiator")
    assert _consistency(client, a, b).status_code == 200
    assert _consistency(client, a, a).status_code == 429
    assert _consistency(client, a + 1, b).status_code == 404
    assert _consistency(client, b, a).status_code == 422
    assert world.client("north_negotiator").get("/api/v1/audit/inclusion?seq=1").status_code == 404


@pytest.mark.usefixtures("key_file")
def test_a_cached_proof_is_the_proof_of_the_signed_roots(
    world: World, settings: Any, clock: list[float]
) -> None:
    """Cached proofs are keyed by the signed roots and cached only when they verify against
    them: after the log was rewritten the failing proof is served, never a stale good one
    hiding it, and a failing proof is not kept once the log is repaired."""
    settings.AUDIT_PROOF_RATE_LIMIT = 100
    cache.clear()
    a, b = _checkpoints(2)
    client = world.client("south_negotiator")
    old = parse_checkpoint(client.get(f"/api/v1/audit/checkpoints/{a}").json())
    new = parse_checkpoint(client.get(f"/api/v1/audit/checkpoints/{b}").json())
    original = AuditEvent.objects.values_list("payload_hash", "hash").get(seq=2)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload_hash="cd" * 32, hash="ef" * 32)
    bad = parse_consistency_proof(_consistency(client, a, b).json())
    assert not _verifies(old, new, bad)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload_hash=original[0], hash=original[1])
    good = parse_consistency_proof(_consistency(client, a, b).json())
    assert _verifies(old, new, good)
    # Now cached: a later rewrite changes nothing for this pair, whose roots were signed, and
    # shows in any new checkpoint (and to the auditors' verification).
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload_hash="cd" * 32, hash="ef" * 32)
    assert _consistency(client, a, b).json() == json.loads(json.dumps(good.document()))


def _verifies(old: Any, new: Any, proof: Any) -> bool:
    from intermediary.audit.signing import consistency_problem

    return consistency_problem(old, new, proof) == ""


@pytest.mark.slow
def test_the_setting_refuses_a_limit_below_one(tmp_path: Path) -> None:
    from tests.test_settings import _run_check

    result = _run_check({"AUDIT_PROOF_RATE_LIMIT": "0", "INTERMEDIARY_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "AUDIT_PROOF_RATE_LIMIT" in result.stderr
