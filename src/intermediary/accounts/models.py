"""Organisations (the intermediary, the parties), users, their memberships and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.models import ThrottlingMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from intermediary.accounts.choices import INTERMEDIARY_ROLES, PARTY_ROLES, OrganisationKind, Role
from intermediary.core.models import PublicIdModel


class Organisation(PublicIdModel):
    """An intermediary (facilitates) or a party (holds people and seeks its own)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_intermediary(self) -> bool:
        return self.kind == OrganisationKind.INTERMEDIARY


class User(AbstractUser, PublicIdModel):
    """A person who logs in. Belongs to exactly one organisation through its memberships."""

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """A user's role in an organisation. A user may hold several roles, all in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # Denormalised from the organisation so the database itself can refuse a party user
    # holding an intermediary role (the check cannot reach across tables).
    organisation_kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="membership_user_role_unique"),
            models.CheckConstraint(
                condition=(
                    Q(organisation_kind=OrganisationKind.INTERMEDIARY, role__in=INTERMEDIARY_ROLES)
                    | Q(organisation_kind=OrganisationKind.PARTY, role__in=PARTY_ROLES)
                ),
                name="membership_role_fits_organisation_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} @ {self.organisation}"


class ApiToken(PublicIdModel):
    """A per-user bearer token for machine clients. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class _VerifyAllowed(models.Model):
    """The base django-otp's ThrottlingMixin defers to once its back-off has passed (on a
    device that is ``Device``; a plain model needs it spelt out)."""

    class Meta:
        abstract = True

    def verify_is_allowed(self) -> tuple[bool, dict[str, object] | None]:
        return True, None


class EnrolmentCode(ThrottlingMixin, _VerifyAllowed):  # type: ignore[misc]  # untyped django-otp
    """The single-use code a coordinator hands to a user, out of band, so that the password
    alone cannot enrol an authenticator (a thief who signs in first would bind their own).

    One per user at most: issuing a new one replaces it. Only the SHA-256 of the code is kept.
    ``device`` is the pending authenticator started with this code: only that one can be
    confirmed with it. Wrong codes meet django-otp's back-off, as wrong TOTP codes do."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="enrolment_code")
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    device = models.ForeignKey(
        TOTPDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"enrolment code of {self.user}"

    def get_throttle_factor(self) -> int:
        return int(settings.OTP_TOTP_THROTTLE_FACTOR)
