"""Idle and absolute session expiry, which Django's cookie age alone cannot express; and the
second factor, which a password-only session must pass before anything else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from intermediary.accounts.otp import confirmed_totp, needs_second_factor

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


# Pages an unverified session may still reach: signing in and out, the second-factor step and
# enrolment, and the language switch. Static files are served before this middleware runs.
SECOND_FACTOR_OPEN_URL_NAMES = frozenset(
    {
        "accounts-login",
        "accounts-logout",
        "accounts-otp",
        "accounts-otp-enrol",
        "accounts-otp-enrol-start",
        "set_language",
    }
)


class SecondFactorMiddleware:
    """A session signed in with a password only is not verified until it passes the TOTP step
    (django-otp's OTPMiddleware, installed before this, tells). Until then every page answers a
    redirect to that step, or to enrolment when the user has no authenticator yet; the admin
    site is no exception. The API is left to its own authentication, which refuses such a
    session with its usual 401 (a bearer token is a credential of its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor(request.user) and not self._open(request):
            step = "accounts-otp" if confirmed_totp(request.user) else "accounts-otp-enrol"
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(step)}?{query}")
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name in SECOND_FACTOR_OPEN_URL_NAMES or match.namespace == "api"
