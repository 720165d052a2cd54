"""Registry routes; included from the project's urls.py under /registry/."""

from __future__ import annotations

from django.urls import path

from intermediary.registry import views

urlpatterns = [
    path("persons/", views.person_list, name="registry-persons"),
    path("persons/new/", views.person_create, name="registry-person-create"),
    path("persons/<uuid:public_id>/", views.person_detail, name="registry-person-detail"),
    path("persons/<uuid:public_id>/edit/", views.person_edit, name="registry-person-edit"),
    path("persons/<uuid:public_id>/names/", views.name_add, name="registry-name-add"),
    path(
        "persons/<uuid:public_id>/names/<uuid:name_id>/",
        views.name_edit,
        name="registry-name-edit",
    ),
    path(
        "persons/<uuid:public_id>/names/<uuid:name_id>/remove/",
        views.name_remove,
        name="registry-name-remove",
    ),
    path(
        "persons/<uuid:public_id>/events/",
        views.custody_event_add,
        name="registry-custody-event-add",
    ),
    path("remains/", views.remains_list, name="registry-remains"),
    path("remains/new/", views.remains_create, name="registry-remains-create"),
    path("remains/<uuid:public_id>/", views.remains_detail, name="registry-remains-detail"),
    path(
        "remains/<uuid:public_id>/events/",
        views.remains_event_add,
        name="registry-remains-event-add",
    ),
    path(
        "remains/<uuid:public_id>/identify/",
        views.remains_identify,
        name="registry-remains-identify",
    ),
    path("figures/", views.figures_dashboard, name="registry-figures"),
    path("figures.csv", views.figures_export, name="registry-figures-csv"),
]
