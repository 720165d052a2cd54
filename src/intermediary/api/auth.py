"""API authentication: the browser's session (with CSRF) or a per-user bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from intermediary.accounts.otp import needs_second_factor
from intermediary.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer imt_...``. Revoked tokens and deactivated users get 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Session auth that refuses deactivated users still holding a session, and sessions that
    have not passed the second factor (401, like no session at all)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not user.is_active or needs_second_factor(user):
            return None
        return user


API_AUTH = [TokenAuth(), ActiveSessionAuth()]
