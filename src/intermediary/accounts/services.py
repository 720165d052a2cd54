"""Writes for organisations, users, memberships and API tokens. Each one is audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from intermediary.access.policy import Perm, PermissionDenied, forget_actor, require
from intermediary.accounts.choices import ROLES_BY_KIND, OrganisationKind, Role
from intermediary.accounts.models import ApiToken, EnrolmentCode, Membership, Organisation, User
from intermediary.accounts.otp import (
    RECOVERY_CODE_COUNT,
    RECOVERY_DEVICE_NAME,
    TOTP_DEVICE_NAME,
    confirmed_totp,
    enrolment_code_hash,
    enrolment_code_required,
    new_enrolment_code,
    normalise_code,
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


@dataclass(frozen=True)
class EnrolmentStep:
    """The outcome of starting or confirming an enrolment. ``refused`` names why not:
    ``code_missing``, ``code_wrong``, ``code_expired``, ``code_throttled`` (the enrolment
    code), ``totp_wrong`` (the authenticator's code at confirmation)."""

    device: TOTPDevice | None = None
    recovery_codes: tuple[str, ...] = ()
    refused: str = ""

    @property
    def ok(self) -> bool:
        return self.device is not None


def _enrolment_code_check(user: User, code: str, path: str) -> tuple[EnrolmentCode | None, str]:
    """The user's enrolment code if ``code`` is it and still valid, else why not. Every
    refusal goes to the denial log; a wrong code also counts towards django-otp's back-off
    (and during the back-off no code is checked), exactly as a wrong TOTP code does."""
    row = EnrolmentCode.objects.select_for_update().filter(user=user).first()
    if not code.strip():
        _otp_failure(user, "otp_enrolment_code", path)
        return None, "code_missing"
    if row is not None and not row.verify_is_allowed()[0]:
        _otp_failure(user, "otp_enrolment_code_throttled", path)
        return None, "code_throttled"
    if row is None or not hmac.compare_digest(row.code_hash, enrolment_code_hash(code)):
        if row is not None:
            row.throttle_increment(commit=False)
            row.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])
        _otp_failure(user, "otp_enrolment_code", path)
        return None, "code_wrong"
    if row.expires_at <= timezone.now():
        _otp_failure(user, "otp_enrolment_code_expired", path)
        return None, "code_expired"
    return row, ""


@transaction.atomic
def enrolment_code_issue(*, actor: Any, user: User) -> str:
    """A coordinator issues ``user`` a single-use enrolment code, to hand over in person or by
    another channel than the password. Returned once, never stored (only its hash), never
    logged. It replaces any earlier code, and drops any authenticator pending with one, so
    only the newest code can lead to a confirmed authenticator."""
    require(actor, Perm.USER_MANAGE)
    if confirmed_totp(user) is not None:
        raise field_error(
            "enrolment_code",
            _("This user has set up two-factor sign-in already; reset it first."),
        )
    replaced = EnrolmentCode.objects.filter(user=user).delete()[0] > 0
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    code = new_enrolment_code()
    row = EnrolmentCode(
        user=user,
        code_hash=enrolment_code_hash(code),
        issued_by=actor if isinstance(actor, User) else None,
        expires_at=timezone.now() + timedelta(hours=settings.INTERMEDIARY_ENROLMENT_CODE_HOURS),
    )
    row.save()
    audit_append(
        actor=actor,
        action="user.enrolment_code_issue",
        object_type="user",
        object_id=str(user.public_id),
        payload={"expires_at": row.expires_at, "replaced": replaced},
    )
    return code


@transaction.atomic
def otp_enrolment_start(
    *, actor: Any, enrolment_code: str = "", started_device: str = "", path: str = ""
) -> EnrolmentStep:
    """Start enrolling an authenticator: a new secret, unconfirmed until a code proves the
    user's app holds it. Where the second factor is required, only with the enrolment code a
    coordinator issued: the password alone (perhaps stolen) cannot bind an authenticator.
    Refused to anyone already enrolled (a coordinator resets first). Called on an explicit
    POST only. ``started_device`` is the pending authenticator this session started: it is
    returned unchanged (the app may already hold its secret); any other pending one is
    replaced, since another session has seen its secret."""
    user = _require_user(actor, "otp_enrolment_start")
    if confirmed_totp(user) is not None:
        raise PermissionDenied("otp_enrolment_start")
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if (
        pending is not None
        and started_device
        and pending.persistent_id == started_device
        and (
            not enrolment_code_required()
            or EnrolmentCode.objects.filter(user=user, device=pending).exists()
        )
    ):
        return EnrolmentStep(device=pending)
    row: EnrolmentCode | None = None
    if enrolment_code_required():
        row, refused = _enrolment_code_check(user, enrolment_code, path)
        if row is None:
            return EnrolmentStep(refused=refused)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    if row is not None:
        row.device = device
        row.throttle_reset(commit=False)
        row.save(
            update_fields=["device", "throttling_failure_timestamp", "throttling_failure_count"]
        )
    audit_append(
        actor=user,
        action="user.otp_enrolment_start",
        object_type="user",
        object_id=str(user.public_id),
        payload={"device": device.persistent_id, "enrolment_code": row is not None},
    )
    return EnrolmentStep(device=device)


def _enrolment_code_for(user: User, device: TOTPDevice, path: str) -> tuple[bool, str]:
    """Is the pending ``device`` backed by a valid enrolment code (the one it was started
    with)? Not if the code was replaced, or expired meanwhile. Refusals are logged."""
    row = EnrolmentCode.objects.select_for_update().filter(user=user, device=device).first()
    if row is None:
        _otp_failure(user, "otp_enrolment_code", path)
        return False, "code_missing"
    if row.expires_at <= timezone.now():
        _otp_failure(user, "otp_enrolment_code_expired", path)
        return False, "code_expired"
    return True, ""


@transaction.atomic
def otp_enrolment_confirm(
    *, actor: Any, code: str, started_device: str = "", path: str = ""
) -> EnrolmentStep:
    """Confirm the pending authenticator this session started (``started_device``) with a
    code from the app. Where the second factor is required, the authenticator must have been
    started with a still valid enrolment code, which is consumed here. Returns the device and
    the recovery codes (to show once), or why not (wrong codes are logged and throttled)."""
    user = _require_user(actor, "otp_enrolment_confirm")
    if confirmed_totp(user) is not None:
        raise PermissionDenied("otp_enrolment_confirm")
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or not started_device or device.persistent_id != started_device:
        raise field_error("code", _("Start the enrolment again."))
    if enrolment_code_required():
        backed, refused = _enrolment_code_for(user, device, path)
        if not backed:
            return EnrolmentStep(refused=refused)
    if not device.verify_token(normalise_code(code)):  # throttles on failure (committed)
        _otp_failure(user, "otp_enrol", path)
        return EnrolmentStep(refused="totp_wrong")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    consumed = EnrolmentCode.objects.filter(user=user).delete()[0] > 0
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
            "enrolment_code_consumed": consumed,
        },
    )
    return EnrolmentStep(device=device, recovery_codes=tuple(codes))


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


@transaction.atomic
def otp_reset_with_enrolment_code(*, actor: Any, user: User) -> str | None:
    """Reset a user's second factor and, where it is required, issue the enrolment code they
    will need to set it up again, in one transaction (so a reset never leaves a user who
    cannot enrol, nor one who can enrol with the password alone). The code is returned once."""
    otp_reset(actor=actor, user=user)
    if not enrolment_code_required():
        return None
    return enrolment_code_issue(actor=actor, user=user)
