"""Writes for organisations, users, memberships and API tokens. Each one is audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.policy import Perm, PermissionDenied, forget_actor, require
from intermediary.accounts.choices import ROLES_BY_KIND, OrganisationKind, Role
from intermediary.accounts.models import ApiToken, Membership, Organisation, User
from intermediary.audit.services import audit_append
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
