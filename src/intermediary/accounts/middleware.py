"""Idle and absolute session expiry, which Django's cookie age alone cannot express."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SESSION_STARTED_KEY = "intermediary_started_at"
SESSION_SEEN_KEY = "intermediary_seen_at"


class SessionExpiryMiddleware:
    """Log out a session idle longer than SESSION_IDLE_TIMEOUT, or older than
    SESSION_ABSOLUTE_TIMEOUT however active: a stolen cookie stays useful only briefly."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and self._expired(request):
            logout(request)
            request.session["intermediary_expired"] = True
        elif request.user.is_authenticated:
            request.session[SESSION_SEEN_KEY] = timezone.now().timestamp()
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest) -> bool:
        now = timezone.now().timestamp()
        started = request.session.get(SESSION_STARTED_KEY)
        seen = request.session.get(SESSION_SEEN_KEY)
        if not isinstance(started, float | int) or not isinstance(seen, float | int):
            return True  # a session we did not stamp at login is not trusted
        idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        return now - seen > idle or now - started > absolute
