"""Writes for organisations, users, memberships and API tokens. Each one is audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from intermediary.access.policy import Perm, PermissionDenied, forget_actor, require
from intermediary.accounts.choices import ROLES_BY_KIND, OrganisationKind, Role
from intermediary.accounts.models import ApiToken, Membership, Organisation, User
from intermediary.accounts.otp import (
    RECOVERY_CODE_COUNT,
    RECOVERY_DEVICE_NAME,
    TOTP_DEVICE_NAME,
    confirmed_totp,
    normalise_code,
    pending_totp,
)
from intermediary.audit.services import access_denial_record, audit_append
from intermediary.core.errors import field_error

TOKEN_PREFIX = "imt"  # noqa: S105  (a public marker, not a secret)


@transaction.atomic
def organisation_create(*, actor: Any, name: str, short_name: str, kind: str) -> Organisation:
    """Register an organisation (the intermediary or a party)."""
    require(actor, Perm.ORGANISATION_MANAGE)
    org = Organisation(name=name.strip(), short_name=short_name.strip(), kind=kind)
    org.full_clean()
    org.save()
    audit_append(
        actor=actor,
        action="organisation.create",
        object_type="organisation",
        object_id=str(org.public_id),
        payload={"name": org.name, "short_name": org.short_name, "kind": org.kind},
    )
    return org


def _validate_roles(organisation: Organisation, roles: Iterable[str]) -> list[str]:
    role_list = sorted(set(roles))
    if not role_list:
        raise field_error("roles", _("Choose at least one role."), "required")
    allowed = ROLES_BY_KIND[OrganisationKind(organisation.kind)]
    wrong = [r for r in role_list if r not in allowed]
    if wrong:
        raise field_error(
            "roles",
            _("Role %(roles)s does not exist for this kind of organisation.")
            % {"roles": ", ".join(wrong)},
        )
    return role_list


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    organisation: Organisation,
    roles: Iterable[str],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user with one or more roles in one organisation."""
    require(actor, Perm.USER_MANAGE)
    role_list = _validate_roles(organisation, roles)
    user = User(username=username.strip(), first_name=first_name, last_name=last_name, email=email)
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    user.set_password(password)
    user.save()
    for role in role_list:
        Membership.objects.create(
            user=user, organisation=organisation, role=role, organisation_kind=organisation.kind
        )
    audit_append(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=str(user.public_id),
        payload={
            "username": user.username,
            "organisation": organisation.public_id,
            "roles": role_list,
        },
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: Any, user: User, roles: Iterable[str]) -> User:
    """Replace a user's roles, keeping the user inside the same organisation."""
    require(actor, Perm.USER_MANAGE)
    first = user.memberships.select_related("organisation").first()
    if first is None:
        raise field_error("roles", _("This user belongs to no organisation."))
    role_list = _validate_roles(first.organisation, roles)
    user.memberships.exclude(role__in=role_list).delete()
    for role in role_list:
        Membership.objects.get_or_create(
            user=user,
            role=role,
            defaults={
                "organisation": first.organisation,
                "organisation_kind": first.organisation.kind,
            },
        )
    forget_actor(user)
    audit_append(
        actor=actor,
        action="user.set_roles",
        object_type="user",
        object_id=str(user.public_id),
        payload={"roles": role_list},
    )
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    """Deactivate (or reactivate) a user: their sessions and API tokens stop working at once."""
    require(actor, Perm.USER_MANAGE)
    if getattr(actor, "pk", None) == user.pk and not active:
        raise field_error("is_active", _("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_append(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        object_type="user",
        object_id=str(user.public_id),
        payload={"is_active": active},
    )
    return user


@transaction.atomic
def user_change_password(*, actor: Any, old_password: str, new_password: str) -> User:
    """A user changes their own password (knowing the old one)."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        raise PermissionDenied("user_change_password")
    if not actor.check_password(old_password):
        raise field_error("old_password", _("The current password is wrong."))
    try:
        validate_password(new_password, actor)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.error_list}) from exc
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    # Other sessions and tokens of this user stay valid; revoking them is a separate action.
    audit_append(
        actor=actor,
        action="user.change_password",
        object_type="user",
        object_id=str(actor.public_id),
        payload={"changed": True},
    )
    return actor


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is enough (no slow KDF needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """Issue a token for the acting user. The plaintext is returned once and never stored."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("api_token_create")
    name = name.strip()
    if not name:
        raise field_error("name", _("Give the token a name."), "required")
    prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user=actor, name=name, prefix=prefix, token_hash=token_hash(plaintext))
    token.full_clean()
    token.save()
    audit_append(
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_id=str(token.public_id),
        payload={"name": name, "prefix": prefix},
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token (its owner or a user manager may)."""
    if token.user_id != getattr(actor, "pk", None):
        require(actor, Perm.USER_MANAGE)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor if isinstance(actor, User) else None
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_append(
        actor=actor,
        action="api_token.revoke",
        object_type="api_token",
        object_id=str(token.public_id),
        payload={"revoked_at": token.revoked_at},
    )
    return token


def api_token_authenticate(plaintext: str) -> User | None:
    """The active user behind a token, or None (unknown, revoked, or user deactivated)."""
    if not plaintext.startswith(f"{TOKEN_PREFIX}_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(plaintext), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # last_used_at is bookkeeping, not a change of state worth a chain event.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def auth_event_record(*, user: Any, action: str) -> None:
    """Put logins and logouts on the chain: who entered the system is part of the record."""
    audit_append(
        actor=user,
        action=action,
        object_type="user",
        object_id=str(user.public_id),
        payload={"action": action},
    )


def role_labels(user: User) -> list[str]:
    """Display labels of a user's roles."""
    return [str(Role(m.role).label) for m in user.memberships.all()]


# --- Second factor (TOTP with django-otp; recovery codes are a django-otp static device) -------
# The audit payloads carry device ids and counts, never the secret key or a code.


@dataclass(frozen=True)
class OtpCheck:
    """The outcome of one code typed at the second-factor step."""

    device: Any | None  # the device that accepted the code, or None
    method: str = ""  # "totp" or "recovery_code"
    throttled: bool = False  # refused without checking: too many recent failures

    @property
    def ok(self) -> bool:
        return self.device is not None


def _require_user(actor: Any, what: str) -> User:
    if not isinstance(actor, User) or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(what)
    return actor


def _otp_failure(actor: User, action: str, path: str) -> None:
    """A wrong or throttled code goes to the denial log, like any refused access."""
    access_denial_record(
        user=actor, action=action, object_type="user", object_ref=str(actor.public_id), path=path
    )


def _new_recovery_codes(user: User) -> tuple[StaticDevice, list[str]]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT fresh single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return device, codes


@transaction.atomic
def otp_enrolment_start(*, actor: Any) -> TOTPDevice:
    """The authenticator being enrolled: a new secret, unconfirmed until a code proves the
    user's app holds it. Refused to anyone already enrolled (a coordinator resets first), so a
    stolen password alone can never replace a confirmed factor. Called on an explicit POST
    only (the enrolment page's GET just reads): a pending device that exists is returned
    unchanged, since the user's app may already hold its secret."""
    user = _require_user(actor, "otp_enrolment_start")
    if confirmed_totp(user) is not None:
        raise PermissionDenied("otp_enrolment_start")
    pending = pending_totp(user)
    if pending is not None:
        return pending
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    audit_append(
        actor=user,
        action="user.otp_enrolment_start",
        object_type="user",
        object_id=str(user.public_id),
        payload={"device": device.persistent_id},
    )
    return device


@transaction.atomic
def otp_enrolment_confirm(
    *, actor: Any, code: str, path: str = ""
) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code from the app. Returns the device and the
    recovery codes (to show once), or None for a wrong code (logged, throttled)."""
    user = _require_user(actor, "otp_enrolment_confirm")
    if confirmed_totp(user) is not None:
        raise PermissionDenied("otp_enrolment_confirm")
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        raise field_error("code", _("Start the enrolment again."))
    if not device.verify_token(normalise_code(code)):  # throttles on failure (committed)
        _otp_failure(user, "otp_enrol", path)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    recovery, codes = _new_recovery_codes(user)
    audit_append(
        actor=user,
        action="user.otp_enrol",
        object_type="user",
        object_id=str(user.public_id),
        payload={
            "device": device.persistent_id,
            "recovery_device": recovery.persistent_id,
            "recovery_codes": len(codes),
        },
    )
    return device, codes


@transaction.atomic
def otp_verify(*, actor: Any, code: str, path: str = "") -> OtpCheck:
    """Check a code typed at the sign-in step: the authenticator's current code or one unused
    recovery code (consumed). Every failure is throttled by django-otp on both devices (so
    guessing recovery codes is as slow as guessing TOTP codes) and written to the denial log;
    while either device is throttled no code is even checked."""
    user = _require_user(actor, "otp_verify")
    devices: list[Any] = [
        *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"),
        *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"),
    ]
    if not devices:
        raise PermissionDenied("otp_verify")
    if any(not device.verify_is_allowed()[0] for device in devices):
        _otp_failure(user, "otp_verify_throttled", path)
        return OtpCheck(device=None, throttled=True)
    token = normalise_code(code)
    for device in devices:
        if token and device.verify_token(token):
            method = "totp" if isinstance(device, TOTPDevice) else "recovery_code"
            for other in devices:
                if other is not device:
                    other.throttle_reset()
            audit_append(
                actor=user,
                action="auth.otp_verify",
                object_type="user",
                object_id=str(user.public_id),
                payload={"device": device.persistent_id, "method": method},
            )
            return OtpCheck(device=device, method=method)
    if not token:  # an empty code reaches no device's verify_token: count it anyway
        for device in devices:
            device.throttle_increment()
    _otp_failure(user, "otp_verify", path)
    return OtpCheck(device=None)


@transaction.atomic
def otp_recovery_codes_regenerate(*, actor: Any) -> list[str]:
    """A user with an authenticator replaces all their recovery codes (shown once)."""
    user = _require_user(actor, "otp_recovery_codes_regenerate")
    if confirmed_totp(user) is None:
        raise PermissionDenied("otp_recovery_codes_regenerate")
    recovery, codes = _new_recovery_codes(user)
    audit_append(
        actor=user,
        action="user.otp_recovery_codes",
        object_type="user",
        object_id=str(user.public_id),
        payload={"recovery_device": recovery.persistent_id, "recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def otp_reset(*, actor: Any, user: User) -> User:
    """A coordinator removes a user's second factor (lost phone): authenticator and recovery
    codes. The user's sessions stop being verified at once and the next sign-in enrols again."""
    require(actor, Perm.USER_MANAGE)
    removed = [
        device.persistent_id
        for model in (TOTPDevice, StaticDevice)
        for device in model.objects.filter(user=user)
    ]
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_append(
        actor=actor,
        action="user.otp_reset",
        object_type="user",
        object_id=str(user.public_id),
        payload={"devices_removed": sorted(removed)},
    )
    return user
