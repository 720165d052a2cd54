"""Template context: what the navigation may offer the current user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from intermediary.access.policy import Perm, actor_of, can


def actor(request: HttpRequest) -> dict[str, Any]:
    """Expose the acting organisation and navigation permissions to every template."""
    user = getattr(request, "user", None)
    current = actor_of(user)
    return {
        "actor": current,
        "nav": {
            "dossiers": current.is_intermediary_staff or current.is_party,
            "registry": can(user, Perm.REGISTRY_VIEW),
            "organisations": can(user, Perm.ORGANISATION_MANAGE),
            "users": can(user, Perm.USER_MANAGE),
            "audit": can(user, Perm.AUDIT_VIEW),
            "checkpoints": can(user, Perm.AUDIT_CHECKPOINT_VIEW),
            "admin": can(user, Perm.ADMIN_SITE),
        },
    }
