"""The authorization matrix vocabulary: one Case per (route, method), expected status per persona.

Each capability adds a module here (spine.py, registry.py, ...) exporting ``CASES``; the
matrix test collects them all and fails when any URL pattern or API operation has no case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.conftest import World

Params = Callable[["World"], dict[str, Any]]


def _none(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Case:
    """One route and method.

    ``route`` is a URL name (``"dossiers-detail"``) for UI views, or an OpenAPI path
    (``"/api/v1/dossiers/{dossier_id}"``) for API operations. ``expect`` maps persona to status;
    personas not named get ``default`` (404: default deny). Anonymous users are expected to get
    302 (to the login page) on UI routes and 401 on API routes unless named.
    ``setup`` may create extra objects in the world before the request (return value ignored).
    """

    route: str
    method: str = "GET"
    params: Params = _none
    data: Params | None = None
    expect: Mapping[str, int] = field(default_factory=dict)
    default: int = 404
    setup: Callable[[World], Any] | None = None

    @property
    def is_api(self) -> bool:
        return self.route.startswith("/api/")

    def expected(self, persona: str) -> int:
        if persona in self.expect:
            return self.expect[persona]
        if persona == "anonymous":
            return 401 if self.is_api else 302
        return self.default

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


INTERMEDIARY_STAFF = ("coordinator", "delegate", "forensic")
DOSSIER_PARTIES = ("north_negotiator", "north_observer", "south_negotiator", "south_observer")
EVERY_USER = (
    "coordinator",
    "delegate",
    "delegate_unassigned",
    "forensic",
    "auditor",
    *DOSSIER_PARTIES,
    "east_negotiator",
)


def allow(status: int, *personas: str) -> dict[str, int]:
    """Shorthand: these personas get ``status``."""
    return dict.fromkeys(personas, status)
