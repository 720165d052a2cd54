"""Signed checkpoints: the service, the stored-checkpoint check, the API documents, the party's
offline verifier (`intermediary audit verify-checkpoint`), the CLI, the pages and the demo."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from intermediary.access.policy import SYSTEM, PermissionDenied
from intermediary.accounts.choices import OrganisationKind
from intermediary.accounts.services import organisation_create
from intermediary.audit import merkle
from intermediary.audit.canonical import canonical_bytes
from intermediary.audit.checkpoints import (
    audit_checkpoint_create,
    audit_checkpoint_ensure,
    to_checkpoint,
    verify_checkpoints,
)
from intermediary.audit.models import AuditCheckpoint, AuditEvent
from intermediary.audit.signing import (
    InclusionProof,
    SigningKeyError,
    load_private_key,
    parse_checkpoint,
    raw_public_key,
    signature_problem,
)
from intermediary.cli import main
from tests.audit.test_chain import tampering
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "signing.pem"
    assert main(["audit", "keygen", "--out", str(path)]) == 0
    settings.AUDIT_SIGNING_KEY_FILE = str(path)
    settings.AUDIT_LOG_ID = "test-log"
    return path


@pytest.fixture
def public_key_file(key_file: Path, tmp_path: Path) -> Path:
    from intermediary.audit.signing import public_key_pem

    path = tmp_path / "public.pem"
    path.write_text(public_key_pem(load_private_key(key_file).public_key()))
    return path


@pytest.fixture
def no_key(settings: Any) -> None:
    settings.AUDIT_SIGNING_KEY_FILE = ""


def _flip_first_byte(hex_digest: str) -> str:
    """Change the first byte whatever it is (a fixed replacement such as "00" would leave one
    root in 256 unchanged and the test would pass a forgery that is not one)."""
    return f"{int(hex_digest[:2], 16) ^ 0xFF:02x}{hex_digest[2:]}"


def _events(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        organisation_create(
            actor=SYSTEM, name=f"Org {i}", short_name=f"C{i}", kind=OrganisationKind.PARTY
        )


@contextmanager
def checkpoint_tampering() -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER audit_checkpoint_append_only"
            )
        yield
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER audit_checkpoint_append_only"
            )
    else:
        yield


def _naive_root(size: int) -> str:
    hashes = AuditEvent.objects.filter(seq__lte=size).order_by("seq").values_list("hash", flat=True)
    return merkle.tree_root([bytes.fromhex(h) for h in hashes]).hex()


# --- The service ---------------------------------------------------------------------------


def test_a_checkpoint_signs_the_root_over_every_event_and_is_logged(
    world: World, key_file: Path
) -> None:
    before = AuditEvent.objects.count()
    checkpoint = audit_checkpoint_create(actor=world.users["coordinator"])
    assert checkpoint.tree_size == before
    assert checkpoint.root_hash == _naive_root(before)
    assert checkpoint.log == "test-log"
    event = AuditEvent.objects.get(seq=before + 1)
    assert (event.action, event.object_id) == ("audit.checkpoint", str(before))
    assert event.actor_label == "coordinator"
    signed = to_checkpoint(checkpoint)
    public_key = load_private_key(key_file).public_key()
    assert signature_problem(signed, public_key) == ""
    assert checkpoint.key_id == hashlib.sha256(raw_public_key(public_key)).hexdigest()
    # The signature covers exactly the canonical JSON of log, tree_size, root_hash and at.
    body = canonical_bytes(
        {"log": "test-log", "tree_size": before, "root_hash": checkpoint.root_hash, "at": signed.at}
    )
    public_key.verify(bytes.fromhex(checkpoint.signature), body)
    # The next checkpoint covers the event that logged this one (once the log grew more).
    _events(1)
    second = audit_checkpoint_create(actor=SYSTEM)
    assert second.tree_size == before + 2
    assert [r.ok for r in verify_checkpoints()] == [True, True]


def test_creating_again_on_a_log_that_has_not_grown_returns_the_latest(
    world: World, key_file: Path, tmp_path: Path, settings: Any
) -> None:
    """Only the latest checkpoint's own event since it: nothing new to sign, nothing written,
    so an idle log does not grow by one event per scheduled run."""
    first = audit_checkpoint_ensure(actor=world.users["coordinator"])
    assert first.created
    events = AuditEvent.objects.count()
    again = audit_checkpoint_ensure(actor=world.users["coordinator"])
    assert not again.created
    assert again.checkpoint.pk == first.checkpoint.pk
    assert AuditEvent.objects.count() == events
    assert AuditCheckpoint.objects.count() == 1
    # Any other event since: a new checkpoint, which covers the previous one's event too.
    _events(1)
    grown = audit_checkpoint_ensure(actor=SYSTEM)
    assert grown.created
    assert grown.checkpoint.tree_size == events + 1
    # A new key (rotation) or a new log name always gets a checkpoint of its own.
    assert not audit_checkpoint_ensure(actor=SYSTEM).created
    rotated_key = tmp_path / "rotated.pem"
    assert main(["audit", "keygen", "--out", str(rotated_key)]) == 0
    settings.AUDIT_SIGNING_KEY_FILE = str(rotated_key)
    rotated = audit_checkpoint_ensure(actor=SYSTEM)
    assert rotated.created
    assert rotated.checkpoint.key_id != grown.checkpoint.key_id
    settings.AUDIT_LOG_ID = "renamed-log"
    renamed = audit_checkpoint_ensure(actor=SYSTEM)
    assert renamed.created
    assert renamed.checkpoint.log == "renamed-log"
    assert all(r.ok for r in verify_checkpoints())


@pytest.mark.usefixtures("no_key")
def test_without_a_key_nothing_is_written(world: World) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(SigningKeyError, match="AUDIT_SIGNING_KEY_FILE"):
        audit_checkpoint_create(actor=world.users["coordinator"])
    assert AuditEvent.objects.count() == events
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.usefixtures("key_file")
@pytest.mark.parametrize("persona", ["auditor", "delegate", "north_negotiator"])
def test_only_coordinators_create(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        audit_checkpoint_create(actor=world.users[persona])
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.usefixtures("key_file", "require_postgres")
def test_checkpoints_are_append_only_in_the_database(world: World) -> None:
    checkpoint = audit_checkpoint_create(actor=SYSTEM)
    for statement in (
        "UPDATE audit_auditcheckpoint SET root_hash = repeat('0', 64) WHERE id = %s",
        "DELETE FROM audit_auditcheckpoint WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement, [checkpoint.pk])
    assert AuditCheckpoint.objects.get(pk=checkpoint.pk).root_hash == checkpoint.root_hash


# --- Verifying the stored checkpoints ----------------------------------------------------------


@pytest.mark.usefixtures("key_file")
def test_verify_names_a_rewritten_event_truncation_and_a_forged_signature(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    audit_checkpoint_create(actor=SYSTEM)
    assert main(["audit", "verify"]) == 0
    assert "1 signed checkpoints match" in capsys.readouterr().out

    with tampering():
        # Rewrite event 3 consistently (its own hash recomputed is not enough: the chain
        # breaks at 4, and the checkpoint's root no longer matches).
        AuditEvent.objects.filter(seq=3).update(hash="ab" * 32)
    results = verify_checkpoints()
    assert not results[0].ok
    assert "rewritten" in results[0].problem
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "CHECKPOINT at size" in err


@pytest.mark.usefixtures("key_file")
def test_verify_detects_truncation_after_a_checkpoint(world: World) -> None:
    checkpoint = audit_checkpoint_create(actor=SYSTEM)
    with tampering():
        AuditEvent.objects.filter(seq__gte=checkpoint.tree_size).delete()
    (result,) = verify_checkpoints()
    assert "truncated" in result.problem


@pytest.mark.usefixtures("key_file")
def test_verify_detects_a_forged_checkpoint(world: World) -> None:
    checkpoint = audit_checkpoint_create(actor=SYSTEM)
    with checkpoint_tampering():
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(signature="00" * 64)
    (result,) = verify_checkpoints()
    assert "signature" in result.problem


# --- The CLI ---------------------------------------------------------------------------------


def test_keygen_writes_a_private_key_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "k.pem"
    assert main(["audit", "keygen", "--out", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "BEGIN PUBLIC KEY" in capsys.readouterr().out
    before = path.read_bytes()
    assert main(["audit", "keygen", "--out", str(path)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.usefixtures("no_key")
def test_checkpoint_command_without_a_key_says_so_in_one_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "checkpoint"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "AUDIT_SIGNING_KEY_FILE" in err


@pytest.mark.usefixtures("key_file")
def test_checkpoint_command_prints_size_root_and_key(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "checkpoint"]) == 0
    out = capsys.readouterr().out
    checkpoint = AuditCheckpoint.objects.get()
    assert f"tree size {checkpoint.tree_size}" in out
    assert checkpoint.root_hash in out
    assert checkpoint.key_id in out
    assert not out.startswith("unchanged")

    # Scheduled again on an idle log: the same checkpoint, said to be unchanged, none written.
    assert main(["audit", "checkpoint"]) == 0
    again = capsys.readouterr().out
    assert again.startswith(
        f"unchanged: no new events since the checkpoint of tree size {checkpoint.tree_size}"
    )
    assert checkpoint.root_hash in again
    assert AuditCheckpoint.objects.count() == 1


# --- The party's side: API documents and the offline verifier --------------------------------


def _fetch(world: World, persona: str, url: str, out: Path) -> Path:
    response = world.client(persona).get(url)
    assert response.status_code == 200, response.content
    out.write_text(json.dumps(response.json()))
    return out


@pytest.fixture
def kept(world: World, key_file: Path, tmp_path: Path) -> dict[str, Any]:
    """A party kept checkpoint A; the log grew; checkpoint B was made."""
    first = audit_checkpoint_create(actor=SYSTEM)
    old = _fetch(world, "north_observer", "/api/v1/audit/checkpoints/latest", tmp_path / "a.json")
    _events(5)
    second = audit_checkpoint_create(actor=SYSTEM)
    return {"first": first, "second": second, "old": old}


def test_a_party_proves_the_log_grew_without_rewriting(
    world: World,
    kept: dict[str, Any],
    public_key_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    m, n = kept["first"].tree_size, kept["second"].tree_size
    new = _fetch(world, "north_observer", f"/api/v1/audit/checkpoints/{n}", tmp_path / "b.json")
    proof = _fetch(
        world,
        "south_observer",
        f"/api/v1/audit/consistency?first={m}&second={n}",
        tmp_path / "p.json",
    )
    args = ["audit", "verify-checkpoint", str(new), "--public-key", str(public_key_file)]
    assert main(args) == 0
    assert main([*args, "--previous", str(kept["old"]), "--proof", str(proof)]) == 0
    assert f"extends the one of {m} events" in capsys.readouterr().out

    # Any changed byte in what the party holds fails, with one line saying what.
    doc = json.loads(new.read_text())
    doc["root_hash"] = _flip_first_byte(doc["root_hash"])
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    assert main(["audit", "verify-checkpoint", str(forged), "--public-key", str(public_key_file)])
    assert "signature" in capsys.readouterr().err
    bad_proof = json.loads(proof.read_text())
    bad_proof["proof"][0] = "00" * 32
    proof.write_text(json.dumps(bad_proof))
    assert main([*args, "--previous", str(kept["old"]), "--proof", str(proof)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not verify" in err


def test_a_rewritten_log_cannot_prove_it_extends_a_kept_checkpoint(
    world: World,
    kept: dict[str, Any],
    public_key_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The intermediary (or an intruder with the key) rewrites an old event and signs a new
    checkpoint over the rewritten log: the party's kept checkpoint exposes it."""
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload_hash="cd" * 32, hash="ef" * 32)
    _events(1, start=100)
    rewritten = audit_checkpoint_create(actor=SYSTEM)
    m, n = kept["first"].tree_size, rewritten.tree_size
    new = _fetch(world, "north_observer", f"/api/v1/audit/checkpoints/{n}", tmp_path / "c.json")
    proof = _fetch(
        world, "north_observer", f"/api/v1/audit/consistency?first={m}&second={n}", tmp_path / "q"
    )
    code = main(
        [
            "audit",
            "verify-checkpoint",
            str(new),
            "--public-key",
            str(public_key_file),
            "--previous",
            str(kept["old"]),
            "--proof",
            str(proof),
        ]
    )
    assert code == 1
    assert "rewritten" in capsys.readouterr().err


def test_the_offline_verifier_refuses_bad_input_with_exit_2(
    world: World,
    kept: dict[str, Any],
    public_key_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    new = _fetch(world, "north_observer", "/api/v1/audit/checkpoints/latest", tmp_path / "b.json")
    m = kept["first"].tree_size
    wrong = _fetch(
        world, "north_observer", f"/api/v1/audit/consistency?first={m}&second={m}", tmp_path / "w"
    )
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    base = ["audit", "verify-checkpoint"]
    key = ["--public-key", str(public_key_file)]
    assert main([*base, str(garbage), *key]) == 2
    assert main([*base, str(tmp_path / "missing.json"), *key]) == 2
    assert main([*base, str(new), "--public-key", str(new)]) == 2  # not a PEM key
    assert main([*base, str(new), *key, "--previous", str(kept["old"])]) == 2  # no --proof
    # A proof between other sizes than the two checkpoints is the wrong input, not a failure.
    assert main([*base, str(new), *key, "--previous", str(kept["old"]), "--proof", str(wrong)])
    err = capsys.readouterr().err
    assert "the proof is from" in err
    # Another key: a verification failure.
    other = tmp_path / "other.pem"
    assert main(["audit", "keygen", "--out", str(other)]) == 0
    from intermediary.audit.signing import public_key_pem

    other_pub = tmp_path / "other.pub"
    other_pub.write_text(public_key_pem(load_private_key(other).public_key()))
    assert main([*base, str(new), "--public-key", str(other_pub)]) == 1


# --- API ------------------------------------------------------------------------------------


def test_consistency_only_between_checkpointed_sizes(world: World, kept: dict[str, Any]) -> None:
    client = world.client("north_negotiator")
    m, n = kept["first"].tree_size, kept["second"].tree_size
    assert client.get(f"/api/v1/audit/consistency?first={m}&second={n}").status_code == 200
    assert client.get(f"/api/v1/audit/consistency?first={m + 1}&second={n}").status_code == 404
    assert client.get(f"/api/v1/audit/consistency?first={m}&second={n + 1}").status_code == 404
    assert client.get(f"/api/v1/audit/consistency?first={n}&second={m}").status_code == 422
    assert client.get(f"/api/v1/audit/checkpoints/{m + 1}").status_code == 404
    listed = client.get("/api/v1/audit/checkpoints").json()
    assert [c["tree_size"] for c in listed] == [n, m]


def test_inclusion_proofs_are_for_auditors_and_verify(world: World, kept: dict[str, Any]) -> None:
    n = kept["second"].tree_size
    url = f"/api/v1/audit/inclusion?seq=3&tree_size={n}"
    assert world.client("north_negotiator").get(url).status_code == 404
    assert world.client("coordinator").get(url).status_code == 404
    doc = world.client("auditor").get(url).json()
    proof = InclusionProof(**doc)
    checkpoint = parse_checkpoint(
        world.client("auditor").get(f"/api/v1/audit/checkpoints/{n}").json()
    )
    assert proof.event_hash == AuditEvent.objects.get(seq=3).hash
    assert proof.verifies(checkpoint)
    assert not InclusionProof(**{**doc, "event_hash": "00" * 32}).verifies(checkpoint)
    beyond = f"/api/v1/audit/inclusion?seq={n + 1}&tree_size={n}"
    assert world.client("auditor").get(beyond).status_code == 404


@pytest.mark.usefixtures("no_key")
def test_public_key_is_404_without_a_key(world: World) -> None:
    assert world.client("north_observer").get("/api/v1/audit/public-key").status_code == 404


# --- Pages ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("key_file")
def test_coordinator_creates_and_a_party_downloads(world: World) -> None:
    response = world.client("coordinator").post("/audit/checkpoints/new/", follow=True)
    assert "Checkpoint signed over" in response.content.decode()
    checkpoint = AuditCheckpoint.objects.get()
    party = world.client("south_observer")
    page = party.get("/audit/checkpoints/").content.decode()
    assert f"/audit/checkpoints/{checkpoint.tree_size}.json" in page
    assert "Create checkpoint" not in page
    download = party.get(f"/audit/checkpoints/{checkpoint.tree_size}.json")
    assert download["Content-Disposition"].startswith("attachment")
    api = party.get("/api/v1/audit/checkpoints/latest").json()
    assert json.loads(download.content) == api
    pem = party.get("/audit/public-key.pem").content.decode()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    verify_page = world.client("auditor").get("/audit/verify/").content.decode()
    assert checkpoint.root_hash in verify_page


@pytest.mark.usefixtures("no_key")
def test_create_without_a_key_shows_why(world: World) -> None:
    response = world.client("coordinator").post("/audit/checkpoints/new/", follow=True)
    assert "no signing key is configured" in response.content.decode()
    assert not AuditCheckpoint.objects.exists()


# --- The demo --------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_key")
def test_demo_makes_its_key_in_the_data_directory_and_one_checkpoint(
    settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    assert main(["demo", "--no-serve"]) == 0
    key = tmp_path / "audit-signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.tree_size == AuditEvent.objects.count() - 1
    assert all(r.ok for r in verify_checkpoints())


def test_a_smaller_new_checkpoint_is_a_truncation(
    world: World,
    kept: dict[str, Any],
    public_key_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    n = kept["second"].tree_size
    newer = _fetch(world, "north_observer", f"/api/v1/audit/checkpoints/{n}", tmp_path / "n")
    proof = _fetch(
        world, "north_observer", f"/api/v1/audit/consistency?first={n}&second={n}", tmp_path / "p"
    )
    # Handed the old checkpoint as "new" after keeping the newer one: the log shrank.
    args = ["audit", "verify-checkpoint", str(kept["old"]), "--public-key", str(public_key_file)]
    assert main([*args, "--previous", str(newer), "--proof", str(proof)]) == 1
    assert "truncated" in capsys.readouterr().err


def test_key_rotation(
    world: World,
    kept: dict[str, Any],
    public_key_file: Path,
    tmp_path: Path,
    settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from intermediary.audit.signing import public_key_pem

    new_key = tmp_path / "new.pem"
    assert main(["audit", "keygen", "--out", str(new_key)]) == 0
    settings.AUDIT_SIGNING_KEY_FILE = str(new_key)
    rotated = audit_checkpoint_create(actor=SYSTEM)
    assert rotated.key_id != kept["first"].key_id
    assert all(r.ok for r in verify_checkpoints())  # each checked with the key it names
    new_pub = tmp_path / "new.pub"
    new_pub.write_text(public_key_pem(load_private_key(new_key).public_key()))
    m, n = kept["first"].tree_size, rotated.tree_size
    new = _fetch(world, "north_observer", f"/api/v1/audit/checkpoints/{n}", tmp_path / "r")
    proof = _fetch(
        world, "north_observer", f"/api/v1/audit/consistency?first={m}&second={n}", tmp_path / "p"
    )
    args = ["audit", "verify-checkpoint", str(new), "--public-key", str(new_pub)]
    args += ["--previous", str(kept["old"]), "--proof", str(proof)]
    assert main(args) == 1
    assert "another signing key" in capsys.readouterr().err
    assert main([*args, "--previous-public-key", str(public_key_file)]) == 0
    assert world.client("north_observer").get("/api/v1/audit/public-key").json()["key_id"] == (
        rotated.key_id
    )


def test_the_offline_verifier_needs_no_django_and_no_database(
    world: World, kept: dict[str, Any], public_key_file: Path, tmp_path: Path
) -> None:
    """A party runs it with nothing but the files: no settings module, no database."""
    m, n = kept["first"].tree_size, kept["second"].tree_size
    new = _fetch(world, "north_observer", f"/api/v1/audit/checkpoints/{n}", tmp_path / "b.json")
    proof = _fetch(
        world, "north_observer", f"/api/v1/audit/consistency?first={m}&second={n}", tmp_path / "p"
    )
    script = (
        "import sys; from intermediary.cli import main; code = main(sys.argv[1:]); "
        "assert 'django.conf' not in sys.modules, 'Django was imported'; sys.exit(code)"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "no.such.settings",
        "DATABASE_URL": "postgresql://nobody@192.0.2.1:1/none",
    }
    args = ["audit", "verify-checkpoint", str(new), "--public-key", str(public_key_file)]
    args += ["--previous", str(kept["old"]), "--proof", str(proof)]
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK:")


@pytest.mark.usefixtures("key_file")
def test_no_checkpoint_over_a_log_with_a_missing_event(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with tampering():
        AuditEvent.objects.filter(seq=2).delete()
    assert main(["audit", "checkpoint"]) == 1
    assert "event #2 is missing" in capsys.readouterr().err
    assert not AuditCheckpoint.objects.exists()
