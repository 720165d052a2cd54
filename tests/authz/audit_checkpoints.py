"""Matrix cases for signed audit checkpoints (docs/audit.md).

Every signed-in user of the intermediary or of a party reads checkpoints, their downloads and
the public key (Perm.AUDIT_CHECKPOINT_VIEW): a party keeping its own signed copies is the
point. Only coordinators create one (page and API). Inclusion proofs name events: auditors
only. The query parameters of the proof endpoints are checked after access, so a request
without them answers 422 to those who may call the endpoint and 404 to everyone else.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.authz.cases import EVERY_USER, Case, allow

if TYPE_CHECKING:
    from tests.conftest import World

READERS = allow(200, *EVERY_USER)


@cache
def signing_key_file() -> str:
    """One Ed25519 key per test run, in a temporary directory (never the repository)."""
    from intermediary.audit.signing import write_new_private_key

    path = Path(tempfile.mkdtemp(prefix="audit-key-")) / "signing.pem"
    write_new_private_key(path)
    return str(path)


def configure_key(world: World) -> None:
    """Point the settings at the test key. Deliberately left set: every test that depends on
    there being no key sets AUDIT_SIGNING_KEY_FILE itself."""
    from django.conf import settings

    settings.AUDIT_SIGNING_KEY_FILE = signing_key_file()


def a_checkpoint(world: World) -> Any:
    from intermediary.access.policy import SYSTEM
    from intermediary.audit.checkpoints import audit_checkpoint_create
    from intermediary.audit.signing import load_private_key

    configure_key(world)
    checkpoint = audit_checkpoint_create(actor=SYSTEM, key=load_private_key(signing_key_file()))
    world.extra["checkpoint"] = checkpoint
    return checkpoint


def _size(world: World) -> dict[str, Any]:
    return {"tree_size": world.extra["checkpoint"].tree_size}


CASES = [
    Case("audit-checkpoints", setup=a_checkpoint, expect=READERS),
    Case("audit-checkpoint-create", "POST", setup=configure_key, expect=allow(302, "coordinator")),
    Case("audit-checkpoint-download", params=_size, setup=a_checkpoint, expect=READERS),
    Case("audit-public-key", setup=configure_key, expect=READERS),
    Case("/api/v1/audit/public-key", setup=configure_key, expect=READERS),
    Case("/api/v1/audit/checkpoints", setup=a_checkpoint, expect=READERS),
    Case(
        "/api/v1/audit/checkpoints",
        "POST",
        setup=configure_key,
        expect=allow(201, "coordinator"),
    ),
    Case("/api/v1/audit/checkpoints/latest", setup=a_checkpoint, expect=READERS),
    Case("/api/v1/audit/checkpoints/{tree_size}", params=_size, setup=a_checkpoint, expect=READERS),
    Case("/api/v1/audit/consistency", setup=a_checkpoint, expect=allow(422, *EVERY_USER)),
    Case("/api/v1/audit/inclusion", setup=a_checkpoint, expect=allow(422, "auditor")),
]
