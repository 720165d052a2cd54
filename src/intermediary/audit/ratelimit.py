"""A per-user budget for computing Merkle proofs, kept in Django's cache.

A proof reads every event hash up to its tree size (about 1.3 s at 300,000 events), so a
script asking in a loop could keep the database busy for everyone. Only proofs actually
computed are counted; one served from the proof cache costs nothing and is never refused.

The counter lives in the configured cache (``CACHES``): with Django's default local-memory
cache it is per process, which is exact for ``intermediary serve`` (one process, several
threads) and a multiple of the limit when several processes serve (docs/audit.md).
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60
_KEY = "intermediary:audit-proof-rate:{user}:{window}"


class ProofRateLimited(Exception):
    """The user had ``AUDIT_PROOF_RATE_LIMIT`` proofs computed in this minute already."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"proof rate limit reached; retry after {retry_after} s")
        self.retry_after = retry_after  # whole seconds until the next window opens


def _now() -> float:
    """The clock (a function of its own, so tests move it instead of sleeping)."""
    return time.time()


def proof_budget_take(user: Any) -> None:
    """Count one computed proof against ``user``'s budget for the current minute (a fixed
    window), or raise ProofRateLimited with the seconds until the next one. Keyed by the
    user's public id, which a token and a session of the same user share."""
    now = _now()
    window = int(now // WINDOW_SECONDS)
    key = _KEY.format(user=getattr(user, "public_id", "system"), window=window)
    cache.add(key, 0, timeout=2 * WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * WINDOW_SECONDS)
        used = 1
    if used > settings.AUDIT_PROOF_RATE_LIMIT:
        retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        raise ProofRateLimited(retry_after=retry_after)
