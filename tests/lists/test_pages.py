"""The pages around the services: submit form with its error table, progress polling."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from intermediary.lists.models import SubmittedList
from intermediary.lists.services import reconciliation_start
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_refused_file_shows_each_problem_and_saves_nothing(world: World) -> None:
    upload = SimpleUploadedFile("sought.csv", b"full_name,date_of_birth\nAli Omar,31/04/1990\n")
    response = world.client("south_negotiator").post(
        reverse("lists-submit", args=[world.dossier.public_id]),
        {"kind": "sought", "file": upload},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The file was refused; nothing was saved." in html
    assert "<td>2</td>" in html
    assert "date_of_birth" in html
    assert "This date does not exist." in html
    assert not SubmittedList.objects.exists()


def test_the_coordinator_uploads_for_a_party_through_the_page(world: World) -> None:
    upload = SimpleUploadedFile("held.csv", "full_name\nسمير خوري\n".encode())
    response = world.client("coordinator").post(
        reverse("lists-submit", args=[world.dossier.public_id]),
        {"kind": "held", "party": world.orgs["NORTH"].public_id, "file": upload},
    )
    # Shown as read first; the list exists once confirmed.
    assert response.status_code == 302
    assert not SubmittedList.objects.exists()
    confirmed = world.client("coordinator").post(f"{response['Location']}submit/")
    submitted = SubmittedList.objects.get()
    assert confirmed["Location"] == reverse("lists-detail", args=[submitted.public_id])
    assert (submitted.submitting_party, submitted.on_behalf) == (world.orgs["NORTH"], True)


def test_progress_polls_while_the_job_is_queued(world: World) -> None:
    from tests.lists.conftest import SOUGHT_ROWS, submit

    submitted = submit(world, SOUGHT_ROWS)
    url = reverse("lists-progress", args=[submitted.public_id])
    client = world.client("delegate")
    assert "Not reconciled yet." in client.get(url).content.decode()
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        reconciliation_start(actor=world.users["coordinator"], submitted_list=submitted)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert "Queued" in fragment
    assert "<html" not in fragment
    detail = client.get(reverse("lists-detail", args=[submitted.public_id])).content.decode()
    assert 'hx-trigger="every 2s"' in detail
