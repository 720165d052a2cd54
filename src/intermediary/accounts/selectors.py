"""Reads for organisations, users and tokens, scoped by the acting user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from intermediary.access.policy import (
    Perm,
    can,
    deny,
    get_visible_or_404,
    visible_organisations,
    visible_users,
)
from intermediary.accounts import otp
from intermediary.accounts.models import ApiToken, EnrolmentCode, Organisation, User


def organisation_list(*, user: Any, kind: str | None = None) -> QuerySet[Organisation]:
    qs = visible_organisations(user)
    return qs.filter(kind=kind) if kind else qs


def organisation_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> Organisation:
    return get_visible_or_404(
        user,
        visible_organisations(user),
        object_type="organisation",
        path=path,
        public_id=public_id,
    )


def user_list(*, user: Any) -> QuerySet[User]:
    return visible_users(user).prefetch_related("memberships__organisation").order_by("username")


def user_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> User:
    return get_visible_or_404(
        user, visible_users(user), object_type="user", path=path, public_id=public_id
    )


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """A user's own tokens (nobody lists another user's tokens)."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


def api_token_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> ApiToken:
    return get_visible_or_404(
        user, api_token_list(user=user), object_type="api_token", path=path, public_id=public_id
    )


@dataclass(frozen=True)
class TwoFactorStatus:
    """What a user may know of their own second factor: flags and a count, never a secret,
    a code or a device id."""

    enrolled: bool  # a confirmed authenticator exists
    recovery_codes_left: int  # unused recovery codes
    required: bool  # the installation requires a second factor (INTERMEDIARY_REQUIRE_2FA)


def two_factor_status(*, user: Any, path: str = "") -> TwoFactorStatus:
    """The acting user's own second factor (the two-factor page and ``/api/v1/me/two-factor``
    read the same thing). Nobody reads another user's: the access module decides."""
    if not can(user, Perm.SECOND_FACTOR_VIEW, user):
        raise deny(
            user, action=Perm.SECOND_FACTOR_VIEW.value, object_type="user", object_ref="", path=path
        )
    return TwoFactorStatus(
        enrolled=otp.confirmed_totp(user) is not None,
        recovery_codes_left=otp.recovery_codes_left(user),
        required=bool(settings.INTERMEDIARY_REQUIRE_2FA),
    )


def enrolment_code_valid_until(*, user: Any, target: User, path: str = "") -> datetime | None:
    """When the enrolment code issued to ``target`` stops working, if one is still valid: a
    coordinator sees that one is waiting, never the code (only its hash is kept)."""
    if not can(user, Perm.USER_MANAGE, target):
        raise deny(
            user,
            action=Perm.USER_MANAGE.value,
            object_type="user",
            object_ref=str(target.public_id),
            path=path,
        )
    row = EnrolmentCode.objects.filter(user=target, expires_at__gt=timezone.now()).first()
    return None if row is None else row.expires_at
