"""The fictional demo: organisations, a user for every role, one dossier. Synthetic only."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from intermediary.access.policy import SYSTEM
from intermediary.accounts.choices import OrganisationKind, Role
from intermediary.accounts.models import Organisation, User
from intermediary.accounts.services import organisation_create, user_create
from intermediary.dossiers.services import dossier_assign_member, dossier_create

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (printed on purpose: demo only)
INTERMEDIARY_SHORT = "NIC"


@dataclass
class DemoLogin:
    username: str
    organisation: str
    roles: list[str]


@dataclass
class DemoSummary:
    created: bool
    logins: list[DemoLogin] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# (username, organisation short name, roles, first name, last name) - all invented.
DEMO_USERS: list[tuple[str, str, list[Role], str, str]] = [
    ("coordinator", INTERMEDIARY_SHORT, [Role.COORDINATOR], "Amal", "Haddad-Varga"),
    ("delegate", INTERMEDIARY_SHORT, [Role.FIELD_DELEGATE], "Tomas", "Lindqvist-Oyelaran"),
    ("forensic", INTERMEDIARY_SHORT, [Role.FORENSIC_OFFICER], "Noa", "Benedetti"),
    ("auditor", INTERMEDIARY_SHORT, [Role.AUDITOR], "Ines", "Karlsdottir"),
    ("north.negotiator", "NORTH", [Role.NEGOTIATOR], "Karim", "Zahed"),
    ("north.observer", "NORTH", [Role.OBSERVER], "Lina", "Faris"),
    ("south.negotiator", "SOUTH", [Role.NEGOTIATOR], "Yael", "Orbach"),
    ("south.observer", "SOUTH", [Role.OBSERVER], "Dov", "Amsalem"),
    ("east.negotiator", "EAST", [Role.NEGOTIATOR], "Olena", "Hrytsenko"),
]

DEMO_ORGANISATIONS: list[tuple[str, str, OrganisationKind]] = [
    ("Neutral Intermediary Committee (demo)", INTERMEDIARY_SHORT, OrganisationKind.INTERMEDIARY),
    ("North Authority (fictional)", "NORTH", OrganisationKind.PARTY),
    ("South Authority (fictional)", "SOUTH", OrganisationKind.PARTY),
    ("East Council (fictional, not in the demo dossier)", "EAST", OrganisationKind.PARTY),
]

# Later capabilities (registry, lists...) append their own loaders here.
DemoStep = Callable[[DemoSummary], None]
EXTRA_STEPS: list[DemoStep] = []


def demo_exists() -> bool:
    return Organisation.objects.filter(short_name=INTERMEDIARY_SHORT).exists()


@transaction.atomic
def load_demo() -> DemoSummary:
    """Create the demo once; on a second run report the logins without touching anything."""
    summary = DemoSummary(created=not demo_exists())
    if summary.created:
        _load_spine()
        for step in EXTRA_STEPS:
            step(summary)
        _sign_checkpoint(summary)
    summary.logins = [
        DemoLogin(u, o, [r.value for r in roles]) for u, o, roles, _f, _l in DEMO_USERS
    ]
    return summary


DEMO_SIGNING_KEY_NAME = "audit-signing-key.pem"


def demo_signing_key_path() -> Path:
    """The configured AUDIT_SIGNING_KEY_FILE, else a key generated once in the data directory
    (INTERMEDIARY_VAR_DIR, by default var/, never committed)."""
    from intermediary.audit.signing import write_new_private_key

    if settings.AUDIT_SIGNING_KEY_FILE:
        return Path(settings.AUDIT_SIGNING_KEY_FILE)
    path = Path(settings.VAR_DIR) / DEMO_SIGNING_KEY_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process made it first: use it
            write_new_private_key(path)
    return path


def _sign_checkpoint(summary: DemoSummary) -> None:
    """End of the demo build: one signed checkpoint over everything it logged."""
    from intermediary.audit.checkpoints import audit_checkpoint_create
    from intermediary.audit.signing import load_private_key

    path = demo_signing_key_path()
    checkpoint = audit_checkpoint_create(actor=SYSTEM, key=load_private_key(path))
    summary.notes.append(
        f"Signed audit checkpoint over {checkpoint.tree_size} events (signing key: {path})."
    )


def _load_spine() -> None:
    orgs = {
        short: organisation_create(actor=SYSTEM, name=name, short_name=short, kind=kind)
        for name, short, kind in DEMO_ORGANISATIONS
    }
    for username, short, roles, first, last in DEMO_USERS:
        user_create(
            actor=SYSTEM,
            username=username,
            password=DEMO_PASSWORD,
            organisation=orgs[short],
            roles=roles,
            first_name=first,
            last_name=last,
        )
    coordinator = User.objects.get(username="coordinator")
    dossier = dossier_create(
        actor=coordinator,
        title="Northern front release and remains return (fictional)",
        parties=[orgs["NORTH"], orgs["SOUTH"]],
        reference="DOS-DEMO-001",
    )
    for username in ("delegate", "forensic"):
        dossier_assign_member(
            actor=coordinator, dossier=dossier, user=User.objects.get(username=username)
        )
