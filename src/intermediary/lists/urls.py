"""Routes of the lists pages (included from the root URL map)."""

from __future__ import annotations

from django.urls import path

from intermediary.lists import views

urlpatterns = [
    path("dossiers/<uuid:public_id>/lists/", views.dossier_lists, name="lists-dossier"),
    path("dossiers/<uuid:public_id>/lists/new/", views.list_submit, name="lists-submit"),
    path("lists/drafts/<uuid:public_id>/", views.list_draft, name="lists-draft"),
    path(
        "lists/drafts/<uuid:public_id>/submit/",
        views.list_draft_submit,
        name="lists-draft-submit",
    ),
    path(
        "lists/drafts/<uuid:public_id>/cancel/",
        views.list_draft_cancel,
        name="lists-draft-cancel",
    ),
    path("lists/<uuid:public_id>/", views.list_detail, name="lists-detail"),
    path("lists/<uuid:public_id>/file", views.list_file, name="lists-file"),
    path("lists/<uuid:public_id>/progress/", views.list_progress, name="lists-progress"),
    path("lists/<uuid:public_id>/reconcile/", views.list_reconcile, name="lists-reconcile"),
    path("lists/<uuid:public_id>/review/", views.list_review, name="lists-review"),
    path("lists/<uuid:public_id>/report/", views.list_report, name="lists-report"),
    path("lists/<uuid:public_id>/renewals/", views.list_renewals, name="lists-renewals"),
    path("lists/<uuid:public_id>/report.csv", views.list_report_csv, name="lists-report-csv"),
    path("lists/<uuid:public_id>/disclose/", views.list_disclose, name="lists-disclose"),
    path("entries/<uuid:public_id>/", views.entry_review, name="lists-entry"),
    path("entries/<uuid:public_id>/sign-off/", views.entry_sign_off, name="lists-entry-sign-off"),
    path(
        "entries/<uuid:public_id>/sign-off/withdraw/",
        views.entry_sign_off_withdraw,
        name="lists-entry-sign-off-withdraw",
    ),
    path(
        "entries/<uuid:public_id>/candidates/",
        views.entry_candidate_add,
        name="lists-entry-candidate-add",
    ),
    path("candidates/<uuid:public_id>/", views.candidate_detail, name="lists-candidate"),
    path("candidates/<uuid:public_id>/decide/", views.candidate_decide, name="lists-decide"),
]
