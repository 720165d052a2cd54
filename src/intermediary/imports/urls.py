"""Routes of imports and exports (included from intermediary/urls.py)."""

from __future__ import annotations

from django.urls import path

from intermediary.imports import views

urlpatterns = [
    path("dossiers/<uuid:public_id>/imports/", views.import_list, name="imports-list"),
    path("dossiers/<uuid:public_id>/imports/new/", views.import_upload, name="imports-upload"),
    path("imports/<uuid:public_id>/", views.import_detail, name="imports-detail"),
    path("imports/<uuid:public_id>/file/", views.import_file, name="imports-file"),
    path("imports/<uuid:public_id>/progress/", views.import_progress, name="imports-progress"),
    path("imports/<uuid:public_id>/errors.csv", views.import_errors_csv, name="imports-errors-csv"),
    path("exports/persons/", views.persons_export, name="imports-persons-export"),
]
