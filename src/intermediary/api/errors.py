"""One error shape for every API failure: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from intermediary.access.policy import NOT_FOUND_MESSAGE
from intermediary.core.errors import validation_error_fields


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _ninja_fields(exc: NinjaValidationError) -> dict[str, list[str]]:
    """Name each failing field by its dotted location minus the 'body'/'query' prefix."""
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header", "cookie", "form"}:
            loc = loc[1:]
        # ninja nests the body under the parameter name; drop it when it is the only part left.
        key = ".".join(loc[1:] if len(loc) > 1 else loc) or "__all__"
        fields.setdefault(key, []).append(str(err.get("msg", "invalid")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every exception our code raises to the stable shape and the right status."""

    @api.exception_handler(NinjaValidationError)
    def on_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body("invalid", "The request is not valid.", _ninja_fields(exc)),
            status=422,
        )

    @api.exception_handler(DjangoValidationError)
    def on_service_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body("invalid", "The request is not valid.", validation_error_fields(exc)),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body("unauthenticated", "Authentication required."), status=401
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", NOT_FOUND_MESSAGE), status=404)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, error_body("forbidden", "You may not do this."), status=403
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}.get(
            exc.status_code, "error"
        )
        if exc.status_code == 404:
            return on_not_found(request, Http404())
        return api.create_response(
            request, error_body(code, str(exc.message)), status=exc.status_code
        )
