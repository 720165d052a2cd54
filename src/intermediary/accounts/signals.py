"""Receivers: logins and logouts go on the audit chain; sessions get their start time."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from intermediary.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from intermediary.accounts.services import auth_event_record

    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now
    auth_event_record(user=user, action="auth.login")


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from intermediary.accounts.services import auth_event_record

    if user is not None:
        auth_event_record(user=user, action="auth.logout")
