"""Reads for organisations, users and tokens, scoped by the acting user."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from intermediary.access.policy import (
    get_visible_or_404,
    visible_organisations,
    visible_users,
)
from intermediary.accounts.models import ApiToken, Organisation, User


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
