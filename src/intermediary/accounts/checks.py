"""`check --deploy`: a production installation without the second factor is worth a warning."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def second_factor_required(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.PRODUCTION and not settings.INTERMEDIARY_REQUIRE_2FA:
        return [
            Warning(
                "INTERMEDIARY_REQUIRE_2FA is off: a stolen password alone opens an account.",
                hint="Unset it (the default is true); see docs/security.md.",
                id="intermediary.W001",
            )
        ]
    return []
