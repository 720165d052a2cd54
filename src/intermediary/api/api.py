"""The JSON API under /api/v1/: thin routers over the same selectors and services as the UI."""

from __future__ import annotations

from ninja import NinjaAPI

from intermediary.api.auth import API_AUTH
from intermediary.api.errors import install_error_handlers
from intermediary.api.routers import accounts, audit, dossiers
from intermediary.api.routers import imports as imports_router
from intermediary.api.routers import lists as lists_router
from intermediary.api.routers import registry as registry_router

api = NinjaAPI(
    title="intermediary API",
    version="1",
    description=(
        "Authenticate with the browser session (CSRF token required for writes) or with "
        "`Authorization: Bearer <token>` (create tokens under Accounts > API tokens). Errors "
        'are `{"error": {"code", "message", "fields"}}`. Objects you may not see answer 404, '
        "exactly like objects that do not exist."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", accounts.router)
api.add_router("/dossiers", dossiers.router)
api.add_router("/audit", audit.router)
api.add_router("/registry", registry_router.router)
api.add_router("/", imports_router.router)
api.add_router("/", lists_router.router)
