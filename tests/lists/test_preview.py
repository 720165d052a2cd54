"""Upload, preview, then submit or cancel: the file is checked like a submission, kept on the
server as its uploader's draft, shown as read, and becomes a list only when confirmed."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intermediary.access.policy import SYSTEM, PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.lists.models import ListDraft, ListEntry, SubmittedList
from intermediary.lists.services import (
    DraftGone,
    list_draft_create,
    list_draft_submit,
)
from tests.conftest import World, give_authenticator
from tests.lists.conftest import csv_bytes

pytestmark = pytest.mark.django_db

# One name per script, a partial date, a day-first date, sex in Arabic and Hebrew.
ROWS = [
    ["ref", "Name", "dob", "gender", "father"],
    ["S-1", "يوسف عبد الرحمن", "03/04/1990", "ذكر", "أحمد"],
    ["S-2", "מרים חדאד", "1985-06", "נקבה", ""],
    ["S-3", "Samir Khoury", "1975", "m", ""],
]
DATA = csv_bytes(ROWS)
SHA256 = hashlib.sha256(DATA).hexdigest()


def _upload(client: Client, world: World, data: bytes = DATA, **extra: object) -> Any:
    form = {"kind": "sought", "file": SimpleUploadedFile("sought.csv", data), **extra}
    return client.post(reverse("lists-submit", args=[world.dossier.public_id]), form)


def _draft(world: World, persona: str = "south_negotiator") -> ListDraft:
    return list_draft_create(
        actor=world.users[persona],
        dossier=world.dossier,
        kind="sought",
        data=DATA,
        filename="sought.csv",
    )


def _url(name: str, draft: ListDraft) -> str:
    return reverse(name, args=[draft.public_id])


def test_the_upload_is_shown_as_read_and_nothing_is_submitted(world: World) -> None:
    client = world.client("south_negotiator")
    response = _upload(client, world)
    draft = ListDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("lists-draft", draft)
    assert not SubmittedList.objects.exists()
    assert not ListEntry.objects.exists()
    assert (draft.sha256, bytes(draft.content), draft.party) == (
        SHA256,
        DATA,
        world.orgs["SOUTH"],
    )

    html = client.get(_url("lists-draft", draft)).content.decode()
    # Every name in its own script, isolated for bidirectional text.
    for name in ("يوسف عبد الرحمن", "מרים חדאד", "Samir Khoury"):
        assert f'<bdi dir="auto">{name}</bdi>' in html
    # The dates as given and as understood; the columns as mapped; the facts of the file.
    assert '<bdi dir="auto">03/04/1990</bdi> → <span dir="ltr">1990-04-03</span>' in html
    assert '<span dir="ltr">1985-06</span>' in html
    assert '<bdi dir="auto">dob</bdi></td><td><code>date_of_birth</code>' in html
    assert '<bdi dir="auto">gender</bdi></td><td><code>sex</code>' in html
    assert f'<code id="draft-sha256" dir="ltr">{SHA256}</code>' in html
    assert '<dd id="draft-entries">3</dd>' in html
    assert "CSV, UTF-8" in html
    assert "South Authority" in html
    for label in ("Arabic", "Hebrew", "Latin", "Male", "Female"):
        assert f"<td>{label}</td>" in html
    assert "Submit this list" in html
    assert not SubmittedList.objects.exists()


def test_confirming_submits_exactly_the_previewed_file_and_drops_the_draft(world: World) -> None:
    client = world.client("south_negotiator")
    _upload(client, world, title="Sought, March")
    draft = ListDraft.objects.get()
    response = client.post(_url("lists-draft-submit", draft))
    submitted = SubmittedList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lists-detail", args=[submitted.public_id])
    assert submitted.sha256 == draft.sha256 == SHA256
    assert (submitted.filename, submitted.title, submitted.entry_count) == (
        "sought.csv",
        "Sought, March",
        3,
    )
    assert submitted.submitted_by == world.users["south_negotiator"]
    assert not ListDraft.objects.exists()
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "object_id"))
    assert ("list.draft_create", str(draft.public_id)) in actions
    assert actions[-1] == ("list.submit", str(submitted.public_id))
    # The draft is consumed: its pages no longer exist.
    assert client.get(_url("lists-draft", draft)).status_code == 404


def test_the_intermediary_previews_and_submits_on_a_partys_behalf(world: World) -> None:
    client = world.client("delegate")
    _upload(client, world, party=world.orgs["NORTH"].public_id)
    draft = ListDraft.objects.get()
    assert "North Authority" in client.get(_url("lists-draft", draft)).content.decode()
    client.post(_url("lists-draft-submit", draft))
    submitted = SubmittedList.objects.get()
    assert (submitted.submitting_party, submitted.on_behalf) == (world.orgs["NORTH"], True)


def test_a_double_click_makes_one_list(world: World) -> None:
    client = world.client("south_negotiator")
    draft = _draft(world)
    first = client.post(_url("lists-draft-submit", draft))
    second = client.post(_url("lists-draft-submit", draft))
    assert (first.status_code, second.status_code) == (302, 404)
    assert SubmittedList.objects.count() == 1
    # The service itself, handed the draft it already consumed (a request that fetched it
    # before the first one committed), refuses rather than submits again.
    with pytest.raises(DraftGone):
        list_draft_submit(actor=world.users["south_negotiator"], draft=draft)
    assert SubmittedList.objects.count() == 1


def _confirm(draft_pk: int, barrier: threading.Barrier, results: list[str]) -> None:
    from intermediary.accounts.models import User

    try:
        user = User.objects.get(username="south_negotiator")
        draft = ListDraft.objects.get(pk=draft_pk)
        barrier.wait()
        list_draft_submit(actor=user, draft=draft)
        results.append("submitted")
    except DraftGone:
        results.append("gone")
    except BaseException as exc:
        results.append(repr(exc))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_make_one_list(world: World, require_postgres: None) -> None:
    """Both requests hold the draft before either commits: the row lock makes the second
    wait for the first, then find the draft gone."""
    draft = _draft(world)
    barrier = threading.Barrier(2)
    results: list[str] = []
    threads = [
        threading.Thread(target=_confirm, args=(draft.pk, barrier, results)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert sorted(results) == ["gone", "submitted"]
    assert SubmittedList.objects.count() == 1
    assert AuditEvent.objects.filter(action="list.submit").count() == 1
    assert not ListDraft.objects.exists()


def test_cancelling_drops_the_upload(world: World) -> None:
    client = world.client("south_negotiator")
    draft = _draft(world)
    response = client.post(_url("lists-draft-cancel", draft))
    assert response.status_code == 302
    assert response["Location"] == reverse("lists-dossier", args=[world.dossier.public_id])
    assert not ListDraft.objects.exists()
    assert not SubmittedList.objects.exists()
    assert AuditEvent.objects.filter(
        action="list.draft_cancel", object_id=str(draft.public_id)
    ).exists()
    assert client.post(_url("lists-draft-submit", draft)).status_code == 404
    assert not SubmittedList.objects.exists()


def _second_south_negotiator(world: World) -> str:
    from intermediary.accounts.services import user_create

    user = user_create(
        actor=SYSTEM,
        username="south_negotiator_2",
        password="x" * 20,
        organisation=world.orgs["SOUTH"],
        roles=["negotiator"],
    )
    give_authenticator(user)
    world.users["south_negotiator_2"] = user
    return "south_negotiator_2"


@pytest.mark.parametrize("who", ["colleague", "south_observer", "coordinator", "north_negotiator"])
def test_nobody_else_sees_or_confirms_a_draft(world: World, who: str) -> None:
    draft = _draft(world)
    persona = _second_south_negotiator(world) if who == "colleague" else who
    client = world.client(persona)
    assert client.get(_url("lists-draft", draft)).status_code == 404
    assert client.post(_url("lists-draft-submit", draft)).status_code == 404
    assert client.post(_url("lists-draft-cancel", draft)).status_code == 404
    assert ListDraft.objects.filter(pk=draft.pk).exists()
    assert not SubmittedList.objects.exists()
    # The service refuses too, whoever calls it.
    with pytest.raises(PermissionDenied):
        list_draft_submit(actor=world.users[persona], draft=draft)
    assert not SubmittedList.objects.exists()


def test_an_expired_draft_is_refused_and_nothing_is_created(world: World) -> None:
    client = world.client("south_negotiator")
    draft = _draft(world)
    ListDraft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(_url("lists-draft", draft)).status_code == 404
    assert client.post(_url("lists-draft-submit", draft)).status_code == 404
    with pytest.raises(ValidationError) as caught:
        list_draft_submit(actor=world.users["south_negotiator"], draft=draft)
    assert caught.value.error_dict["draft"][0].code == "expired"
    assert not SubmittedList.objects.exists()


def test_a_new_upload_purges_expired_drafts(world: World) -> None:
    old = _draft(world)
    ListDraft.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    fresh = list_draft_create(
        actor=world.users["north_negotiator"],
        dossier=world.dossier,
        kind="held",
        data=csv_bytes([["full_name"], ["Karim Nasser"]]),
        filename="held.csv",
    )
    assert list(ListDraft.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert fresh.expires_at - fresh.created_at == timedelta(hours=1)
    expired = AuditEvent.objects.get(action="list.draft_expire")
    assert expired.object_id == str(old.public_id)
    assert expired.actor_id == "system"  # the system expired it, not the uploader
    assert verify_chain().ok


def test_a_file_with_errors_is_refused_as_before_and_no_draft_is_kept(world: World) -> None:
    data = b"full_name,date_of_birth\nAli Omar,31/04/1990\n,1990\n"
    response = _upload(world.client("south_negotiator"), world, data=data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "The file was refused; nothing was saved." in html
    assert "This date does not exist." in html
    assert "The name is missing." in html
    assert not ListDraft.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="list.").exists()


def test_a_file_already_submitted_is_refused_at_upload(world: World) -> None:
    list_draft_submit(actor=world.users["south_negotiator"], draft=_draft(world))
    response = _upload(world.client("south_negotiator"), world)
    assert response.status_code == 200
    assert "This file was already submitted in this dossier." in response.content.decode()
    assert not ListDraft.objects.exists()
    assert SubmittedList.objects.count() == 1


def test_a_file_submitted_meanwhile_leaves_the_draft_to_cancel(world: World) -> None:
    """Two drafts of one file (two tabs): the second confirm is refused like a resubmission,
    and its draft stays for the uploader to cancel."""
    client = world.client("south_negotiator")
    first, second = _draft(world), _draft(world)
    client.post(_url("lists-draft-submit", first))
    response = client.post(_url("lists-draft-submit", second), follow=True)
    assert "This file was already submitted in this dossier." in response.content.decode()
    assert SubmittedList.objects.count() == 1
    assert ListDraft.objects.filter(pk=second.pk).exists()


def test_the_api_dry_run_reports_what_would_be_kept_and_keeps_nothing(world: World) -> None:
    client = world.client("south_negotiator")
    url = f"/api/v1/dossiers/{world.dossier.public_id}/lists/preview"
    upload = SimpleUploadedFile("sought.csv", DATA, content_type="text/csv")
    answer = client.post(url, {"kind": "sought", "file": upload})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["sha256"], body["entry_count"], body["format"], body["encoding"]) == (
        SHA256,
        3,
        "csv",
        "UTF-8",
    )
    assert body["party"] == str(world.orgs["SOUTH"].public_id)
    assert {"header": "dob", "column": "date_of_birth"} in body["columns"]
    first, second, third = body["entries"]
    assert (first["full_name"], first["script"], first["birth_day"]) == (
        "يوسف عبد الرحمن",
        "arabic",
        3,
    )
    assert (second["full_name"], second["birth_month"], second["sex"]) == (
        "מרים חדאד",
        6,
        "female",
    )
    assert third["full_name"] == "Samir Khoury"
    assert not SubmittedList.objects.exists()
    assert not ListDraft.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="list.").exists()


def test_the_api_dry_run_refuses_like_a_submission(world: World) -> None:
    client = world.client("south_negotiator")
    url = f"/api/v1/dossiers/{world.dossier.public_id}/lists/preview"
    bad = SimpleUploadedFile("sought.csv", b"full_name,sex\nAli Omar,q\n", content_type="text/csv")
    refused = client.post(url, {"kind": "sought", "file": bad})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["rows"] == [
        {
            "row": 2,
            "column": "sex",
            "code": "invalid_sex",
            "message": "Unknown value: use female, male or other.",
        }
    ]
    assert not SubmittedList.objects.exists()
