"""Views that belong to no domain app: the landing redirect, health check, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from intermediary.access.policy import NOT_FOUND_MESSAGE, actor_of


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the page their role works from."""
    if actor_of(request.user).is_auditor and not actor_of(request.user).is_intermediary_staff:
        return redirect("audit-events")
    return redirect("dossiers-list")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability, for a load balancer. Reveals nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_json(status: int, code: str, message: str) -> JsonResponse:
    """The API's one error shape, also used for errors raised outside django-ninja."""
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Same body for what is missing and what is hidden."""
    if _wants_json(request):
        return error_json(404, "not_found", NOT_FOUND_MESSAGE)
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return error_json(403, "forbidden", "You may not do this.")
    return render(request, "403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return error_json(400, "bad_request", "Bad request.")
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return error_json(500, "server_error", "Internal error. It has been logged.")
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A forged or stale CSRF token: say so plainly, change nothing."""
    if _wants_json(request):
        return error_json(403, "csrf_failed", "CSRF verification failed.")
    return render(request, "403_csrf.html", status=403)
