"""URL map. Every pattern here must also appear in tests/test_authorization_matrix.py."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from intermediary.accounts import views as accounts
from intermediary.api.api import api
from intermediary.audit import views as audit
from intermediary.core import views as core
from intermediary.core.admin import site as admin_site
from intermediary.dossiers import views as dossiers

urlpatterns = [
    path("", core.home, name="core-home"),
    path("healthz", core.healthz, name="core-healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", accounts.LoginView.as_view(), name="accounts-login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="accounts-logout"),
    path("accounts/password/", accounts.password_change, name="accounts-password"),
    path("accounts/otp/", accounts.otp_verify, name="accounts-otp"),
    path("accounts/two-factor/", accounts.two_factor, name="accounts-two-factor"),
    path("accounts/two-factor/enrol/", accounts.otp_enrol, name="accounts-otp-enrol"),
    path(
        "accounts/two-factor/enrol/start/",
        accounts.otp_enrol_start,
        name="accounts-otp-enrol-start",
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        accounts.recovery_codes_regenerate,
        name="accounts-recovery-codes",
    ),
    path("accounts/tokens/", accounts.token_list, name="accounts-tokens"),
    path(
        "accounts/tokens/<uuid:public_id>/revoke/",
        accounts.token_revoke,
        name="accounts-token-revoke",
    ),
    path("organisations/", accounts.organisation_list, name="accounts-organisations"),
    path("users/", accounts.user_list, name="accounts-users"),
    path("users/<uuid:public_id>/", accounts.user_detail, name="accounts-user-detail"),
    path("users/<uuid:public_id>/active/", accounts.user_set_active, name="accounts-user-active"),
    path(
        "users/<uuid:public_id>/two-factor/reset/",
        accounts.user_otp_reset,
        name="accounts-user-otp-reset",
    ),
    path(
        "users/<uuid:public_id>/two-factor/enrolment-code/",
        accounts.user_enrolment_code,
        name="accounts-user-enrolment-code",
    ),
    path("dossiers/", dossiers.dossier_list, name="dossiers-list"),
    path("dossiers/new/", dossiers.dossier_create, name="dossiers-create"),
    path("dossiers/<uuid:public_id>/", dossiers.dossier_detail, name="dossiers-detail"),
    path(
        "dossiers/<uuid:public_id>/parties/",
        dossiers.dossier_add_party,
        name="dossiers-add-party",
    ),
    path(
        "dossiers/<uuid:public_id>/parties/<uuid:organisation_id>/remove/",
        dossiers.dossier_remove_party,
        name="dossiers-remove-party",
    ),
    path(
        "dossiers/<uuid:public_id>/parties/<uuid:organisation_id>/withdraw/",
        dossiers.dossier_withdraw_party,
        name="dossiers-withdraw-party",
    ),
    path(
        "dossiers/<uuid:public_id>/parties/<uuid:organisation_id>/reinstate/",
        dossiers.dossier_reinstate_party,
        name="dossiers-reinstate-party",
    ),
    path(
        "dossiers/<uuid:public_id>/team/",
        dossiers.dossier_assign_member,
        name="dossiers-assign-member",
    ),
    path(
        "dossiers/<uuid:public_id>/status/",
        dossiers.dossier_set_status,
        name="dossiers-set-status",
    ),
    path("audit/", audit.event_list, name="audit-events"),
    path("audit/verify/", audit.chain_verify, name="audit-verify"),
    path("audit/denials/", audit.denial_list, name="audit-denials"),
    path("audit/checkpoints/", audit.checkpoint_list, name="audit-checkpoints"),
    path("audit/checkpoints/new/", audit.checkpoint_create, name="audit-checkpoint-create"),
    path(
        "audit/checkpoints/<int:tree_size>.json",
        audit.checkpoint_download,
        name="audit-checkpoint-download",
    ),
    path("audit/public-key.pem", audit.public_key_download, name="audit-public-key"),
    path("registry/", include("intermediary.registry.urls")),
    path("", include("intermediary.imports.urls")),
    path("", include("intermediary.lists.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin_site.urls),
]

handler400 = "intermediary.core.views.bad_request"
handler403 = "intermediary.core.views.forbidden"
handler404 = "intermediary.core.views.not_found"
handler500 = "intermediary.core.views.server_error"
