"""THE authorization module: the only place that decides who may see and do what.

Every selector, service, view, API endpoint, export and search asks here. The rules:

* Intermediary coordinators see every dossier their organisation facilitates; other
  intermediary staff (field delegates, forensic officers) see the dossiers they are assigned to.
* Auditors read the audit log and nothing else.
* Signed audit checkpoints (a size and a Merkle root, never an event) and the consistency
  proofs between them are read by intermediary staff, auditors and every party user;
  coordinators create them.
* A party user sees the dossiers its organisation is party to, what its organisation submitted,
  and what was explicitly disclosed to it (only the disclosed fields). A party withdrawn from a
  dossier sees nothing of it, as if it did not exist, until it is reinstated.
* Negotiators write on behalf of their party; observers only read.
* The status of a user's own second factor is read by that user alone.
* An uploaded list awaiting its confirmation (a draft) is seen by its uploader alone.
* What a user may not see does not exist for them: callers answer 404, same body as missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from intermediary.accounts.choices import OrganisationKind, Role

if TYPE_CHECKING:
    from intermediary.accounts.models import Organisation, User
    from intermediary.dossiers.models import Dossier
    from intermediary.imports.models import PersonImport
    from intermediary.lists.models import ListDraft, SubmittedList
    from intermediary.registry.models import Person, RemainsCase

M = TypeVar("M", bound=Model)

NOT_FOUND_MESSAGE = "Not found."


class Perm(StrEnum):
    """Actions that are not 'read this object'. Object reads go through the visible_* scopes."""

    ADMIN_SITE = "admin_site"
    AUDIT_VIEW = "audit_view"
    # Signed audit checkpoints and consistency proofs: every party keeps them (they reveal only
    # the number of events in the whole log at checkpointed sizes, never an event).
    AUDIT_CHECKPOINT_VIEW = "audit_checkpoint_view"
    AUDIT_CHECKPOINT_CREATE = "audit_checkpoint_create"
    ORGANISATION_MANAGE = "organisation_manage"
    # One's own second-factor status (obj: the user it describes): only that user themself.
    SECOND_FACTOR_VIEW = "second_factor_view"
    USER_MANAGE = "user_manage"
    DOSSIER_CREATE = "dossier_create"
    DOSSIER_MANAGE = "dossier_manage"  # parties, team, status of one dossier
    DISCLOSURE_MANAGE = "disclosure_manage"
    PARTY_WRITE = "party_write"  # a party acting in a dossier (submit lists, proposals...)
    REGISTRY_VIEW = "registry_view"  # registry pages at all (staff and parties; not auditors)
    REGISTRY_WRITE = "registry_write"  # persons, names, custody events of one dossier
    REMAINS_WRITE = "remains_write"  # remains cases of one dossier, their custody, identification
    LIST_SUBMIT = "list_submit"  # submit a party's list in one dossier (the party or for it)
    LIST_REVIEW = "list_review"  # reconcile a dossier's lists, see candidates, decide


class PermissionDenied(DjangoPermissionDenied):
    """The user may see the object but not do this to it (answers 403, which reveals nothing
    the user could not already see)."""


@dataclass(frozen=True)
class Actor:
    """A user's organisation and roles, resolved once per request."""

    user_pk: int | None
    organisation_pk: int | None
    organisation_kind: str | None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_intermediary(self) -> bool:
        return self.organisation_kind == OrganisationKind.INTERMEDIARY

    @property
    def is_party(self) -> bool:
        return self.organisation_kind == OrganisationKind.PARTY

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_coordinator(self) -> bool:
        return self.is_intermediary and self.has(Role.COORDINATOR)

    @property
    def is_auditor(self) -> bool:
        return self.is_intermediary and self.has(Role.AUDITOR)

    @property
    def is_intermediary_staff(self) -> bool:
        """Staff who work dossiers (not auditors, whose only view is the log)."""
        return self.is_intermediary and self.has(
            Role.COORDINATOR, Role.FIELD_DELEGATE, Role.FORENSIC_OFFICER
        )


ANONYMOUS = Actor(user_pk=None, organisation_pk=None, organisation_kind=None)


class SystemActor:
    """The installation itself acting (CLI bootstrap, demo loader, migrations of data).

    Never reachable from a request: views always pass ``request.user``.
    """

    is_authenticated = False
    public_id = "system"
    username = "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()
_CACHE_ATTR = "_intermediary_actor"


def actor_of(user: Any) -> Actor:
    """Resolve (and cache on the user object) the acting organisation and roles.

    An inactive user, or one without memberships, is treated like an anonymous one.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if isinstance(cached, Actor):
        return cached
    memberships = list(user.memberships.select_related("organisation"))
    organisations = {m.organisation_id for m in memberships}
    if len(organisations) != 1:
        # No organisation, or (against the services' rules) several: grant nothing.
        actor = Actor(user_pk=user.pk, organisation_pk=None, organisation_kind=None)
    else:
        org = memberships[0].organisation
        actor = Actor(
            user_pk=user.pk,
            organisation_pk=org.pk,
            organisation_kind=org.kind,
            roles=frozenset(m.role for m in memberships),
        )
    setattr(user, _CACHE_ATTR, actor)
    return actor


def forget_actor(user: Any) -> None:
    """Drop the cached actor after memberships change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- Global permissions ------------------------------------------------------------------------


def can(user: Any, perm: Perm, obj: Any = None) -> bool:
    """May ``user`` do ``perm`` (on ``obj`` where the permission is object-scoped)?"""
    if user is SYSTEM:
        return True
    actor = actor_of(user)
    checker = _CHECKS.get(perm)
    if checker is None:  # default deny: an unknown permission is nobody's
        return False
    return checker(actor, obj)


def _coordinator_only(actor: Actor, obj: Any) -> bool:
    return actor.is_coordinator


def _auditor_only(actor: Actor, obj: Any) -> bool:
    return actor.is_auditor


def _audit_checkpoint_view(actor: Actor, obj: Any) -> bool:
    """Intermediary staff, auditors and every party user: the point of a checkpoint is that
    each party holds its own signed copy."""
    return actor.is_intermediary_staff or actor.is_auditor or actor.is_party


def _own_account(actor: Actor, obj: Any) -> bool:
    """The signed-in, active user themself, in an organisation or not: a second factor is
    personal, and even a coordinator sees only whether another user enrolled."""
    return actor.user_pk is not None and getattr(obj, "pk", None) == actor.user_pk


def _dossier_manage(actor: Actor, obj: Any) -> bool:
    return actor.is_coordinator and obj is not None and obj.intermediary_id == actor.organisation_pk


def _party_write(actor: Actor, obj: Any) -> bool:
    """Negotiators act for their party in a dossier their party takes part in (not withdrawn).
    Inside a write's transaction the party's link stays share-locked, so a withdrawal waits
    for a write already under way and the next one sees it (dossiers.locks)."""
    from intermediary.dossiers.locks import active_party_ids

    if not (actor.is_party and actor.has(Role.NEGOTIATOR)) or obj is None:
        return False
    return actor.organisation_pk in active_party_ids(obj.pk)


def _works_dossier(actor: Actor, dossier: Any) -> bool:
    """Coordinators of the facilitating intermediary, or staff assigned to the dossier."""
    if dossier is None or dossier.intermediary_id != actor.organisation_pk:
        return False
    if actor.is_coordinator:
        return True
    return bool(dossier.team.filter(user_id=actor.user_pk).exists())


def _registry_view(actor: Actor, obj: Any) -> bool:
    return actor.is_intermediary_staff or actor.is_party


def _registry_write(actor: Actor, obj: Any) -> bool:
    """Intermediary staff on the dossier write; parties never write registry records
    directly (their data arrives through lists and imports)."""
    return actor.is_intermediary_staff and _works_dossier(actor, obj)


def _remains_write(actor: Actor, obj: Any) -> bool:
    """Human remains are the coordinator's and the assigned forensic officer's."""
    if not (actor.is_coordinator or (actor.is_intermediary and actor.has(Role.FORENSIC_OFFICER))):
        return False
    return _works_dossier(actor, obj)


def _works_lists(actor: Actor, dossier: Any) -> bool:
    """Lists are the coordinators' and the assigned field delegates' (need to know: forensic
    officers work remains, not detainee lists)."""
    if not (actor.is_coordinator or (actor.is_intermediary and actor.has(Role.FIELD_DELEGATE))):
        return False
    return _works_dossier(actor, dossier)


def _list_submit(actor: Actor, obj: Any) -> bool:
    """A negotiator for its own party, or the intermediary uploading on a party's behalf."""
    return _party_write(actor, obj) or _works_lists(actor, obj)


_CHECKS: dict[Perm, Callable[[Actor, Any], bool]] = {
    Perm.ADMIN_SITE: _coordinator_only,
    Perm.AUDIT_VIEW: _auditor_only,
    Perm.AUDIT_CHECKPOINT_VIEW: _audit_checkpoint_view,
    # Coordinators create (auditors stay read-only; a schedule uses the CLI as SYSTEM).
    Perm.AUDIT_CHECKPOINT_CREATE: _coordinator_only,
    Perm.ORGANISATION_MANAGE: _coordinator_only,
    Perm.SECOND_FACTOR_VIEW: _own_account,
    Perm.USER_MANAGE: _coordinator_only,
    Perm.DOSSIER_CREATE: _coordinator_only,
    Perm.DOSSIER_MANAGE: _dossier_manage,
    Perm.DISCLOSURE_MANAGE: _dossier_manage,
    Perm.PARTY_WRITE: _party_write,
    Perm.REGISTRY_VIEW: _registry_view,
    Perm.REGISTRY_WRITE: _registry_write,
    Perm.REMAINS_WRITE: _remains_write,
    Perm.LIST_SUBMIT: _list_submit,
    Perm.LIST_REVIEW: _works_lists,
}


def require(user: Any, perm: Perm, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``can``; callers have already shown the object is visible."""
    if not can(user, perm, obj):
        raise PermissionDenied(perm.value)


def require_or_404(user: Any, perm: Perm, *, path: str = "") -> None:
    """For a whole page or endpoint that a role may not use: it does not exist for them.

    The UI and the API both call this, so the two never drift (one answering 403, the
    other 404, as happened in healthchecks).
    """
    if not can(user, perm):
        raise deny(user, action=perm.value, object_type="page", object_ref="", path=path)


# --- Object visibility --------------------------------------------------------------------------


def visible_dossiers(user: Any) -> QuerySet[Dossier]:
    """Dossiers ``user`` may see."""
    from intermediary.dossiers.models import Dossier

    actor = actor_of(user)
    qs = Dossier.objects.all()
    org_pk = actor.organisation_pk
    if org_pk is None:
        return qs.none()
    if actor.is_coordinator:
        return qs.filter(intermediary_id=org_pk)
    if actor.is_intermediary_staff and actor.user_pk is not None:
        return qs.filter(intermediary_id=org_pk, team__user_id=actor.user_pk)
    if actor.is_party:
        # One filter() call: both conditions apply to the same link (a withdrawn party loses
        # the dossier at once; every scope below is built on this one).
        return qs.filter(
            party_links__organisation_id=org_pk, party_links__withdrawn_at__isnull=True
        ).distinct()
    return qs.none()


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations ``user`` may see: intermediary staff see all; a party sees itself, the
    intermediary, and the parties it shares a dossier with."""
    from intermediary.accounts.models import Organisation

    actor = actor_of(user)
    if actor.is_intermediary:
        return Organisation.objects.all()
    if actor.is_party:
        dossiers = visible_dossiers(user)
        return Organisation.objects.filter(
            Q(pk=actor.organisation_pk)
            | Q(dossier_links__dossier__in=dossiers)
            | Q(facilitated_dossiers__in=dossiers)
        ).distinct()
    return Organisation.objects.none()


def visible_users(user: Any) -> QuerySet[User]:
    """Users ``user`` may list: coordinators see everyone; others only their own colleagues."""
    from intermediary.accounts.models import User

    actor = actor_of(user)
    if actor.is_coordinator:
        return User.objects.all()
    if actor.organisation_pk is not None:
        return User.objects.filter(memberships__organisation_id=actor.organisation_pk).distinct()
    return User.objects.none()


PERSON_OBJECT_TYPE = "registry.person"
REMAINS_OBJECT_TYPE = "registry.remainscase"


def visible_persons(user: Any, *, whole_records: bool = False) -> QuerySet[Person]:
    """Registry persons ``user`` may see.

    Intermediary staff: every person of the dossiers they see. A party: the persons its
    organisation holds in its dossiers, plus persons disclosed to it (only their disclosed
    fields: see ``disclosed_fields``). ``whole_records`` drops the disclosed-only persons; the
    figures use it, since counting by sex or age would reveal fields that were not disclosed.
    """
    from intermediary.registry.models import Person

    actor = actor_of(user)
    dossiers = visible_dossiers(user)
    if actor.is_intermediary_staff:
        return Person.objects.filter(dossier__in=dossiers)
    if not actor.is_party:
        return Person.objects.none()
    held = Q(dossier__in=dossiers, holding_party_id=actor.organisation_pk)
    if whole_records:
        return Person.objects.filter(held)
    disclosed = Q(public_id__in=disclosed_object_ids(user, PERSON_OBJECT_TYPE))
    return Person.objects.filter(held | disclosed)


def visible_remains_cases(user: Any) -> QuerySet[RemainsCase]:
    """Remains cases: the coordinators and the forensic officers assigned to the dossier;
    a party only the cases disclosed to it (only the disclosed fields)."""
    from intermediary.registry.models import RemainsCase

    actor = actor_of(user)
    dossiers = visible_dossiers(user)
    if actor.is_coordinator or (actor.is_intermediary and actor.has(Role.FORENSIC_OFFICER)):
        return RemainsCase.objects.filter(dossier__in=dossiers)
    if actor.is_party:
        return RemainsCase.objects.filter(
            public_id__in=disclosed_object_ids(user, REMAINS_OBJECT_TYPE)
        )
    return RemainsCase.objects.none()


def visible_lists(user: Any) -> QuerySet[SubmittedList]:
    """Submitted lists: coordinators and assigned field delegates see every list of their
    dossiers; a party sees only the lists its own organisation submitted (never the other
    side's, which reach it only as a disclosed report)."""
    from intermediary.lists.models import SubmittedList

    actor = actor_of(user)
    dossiers = visible_dossiers(user)
    if actor.is_coordinator or (actor.is_intermediary and actor.has(Role.FIELD_DELEGATE)):
        return SubmittedList.objects.filter(dossier__in=dossiers)
    if actor.is_party:
        return SubmittedList.objects.filter(
            dossier__in=dossiers, submitting_party_id=actor.organisation_pk
        )
    return SubmittedList.objects.none()


def visible_list_drafts(user: Any) -> QuerySet[ListDraft]:
    """Uploads awaiting confirmation: only their uploader's, and only while unexpired and the
    dossier is still visible to them. Not even a colleague of the same organisation sees
    another's draft: it is not a list yet, and it is theirs to confirm or cancel."""
    from django.utils import timezone

    from intermediary.lists.models import ListDraft

    actor = actor_of(user)
    if actor.user_pk is None or not (actor.is_party or actor.is_intermediary_staff):
        return ListDraft.objects.none()
    return ListDraft.objects.filter(
        uploaded_by_id=actor.user_pk,
        dossier__in=visible_dossiers(user),
        expires_at__gt=timezone.now(),
    )


def visible_person_imports(user: Any) -> QuerySet[PersonImport]:
    """Uploaded person files and their import reports: intermediary staff who see the dossier.
    Parties never see the intermediary's imports (their own lists are ``visible_lists``)."""
    from intermediary.imports.models import PersonImport

    if not actor_of(user).is_intermediary_staff:
        return PersonImport.objects.none()
    return PersonImport.objects.filter(dossier__in=visible_dossiers(user))


def holds(user: Any, person: Any) -> bool:
    """Does the user's party hold this person (and so see every party-safe field)?"""
    actor = actor_of(user)
    return (
        actor.is_party
        and person.holding_party_id == actor.organisation_pk
        and visible_dossiers(user).filter(pk=person.dossier_id).exists()
    )


# --- Disclosures ---------------------------------------------------------------------------------

# object_type -> the fields that may ever be disclosed to a party. Intermediary-only fields
# (interviews, health, internal notes) are simply never registered. Apps register at import.
DISCLOSABLE_FIELDS: dict[str, frozenset[str]] = {}


def register_disclosable(object_type: str, fields: Iterable[str]) -> None:
    """Declare which fields of an object type a coordinator may disclose to a party."""
    DISCLOSABLE_FIELDS[object_type] = frozenset(fields)


def disclosed_fields(user: Any, object_type: str, object_id: Any) -> frozenset[str]:
    """The union of fields currently disclosed to ``user``'s organisation for this object."""
    from intermediary.access.models import Disclosure

    actor = actor_of(user)
    if not actor.is_party:
        return frozenset()
    allowed = DISCLOSABLE_FIELDS.get(object_type, frozenset())
    rows = Disclosure.objects.filter(
        object_type=object_type,
        object_id=object_id,
        recipient_id=actor.organisation_pk,
        revoked_at__isnull=True,
        dossier__in=visible_dossiers(user),
    ).values_list("fields", flat=True)
    found: set[str] = set()
    for fields in rows:
        found.update(fields)
    # Intersect again: a field later removed from the disclosable set stops flowing at once.
    return frozenset(found) & allowed


def disclosed_fields_many(
    user: Any, object_type: str, object_ids: Iterable[Any]
) -> dict[str, frozenset[str]]:
    """``disclosed_fields`` for a page of objects in one query (search hits, lists)."""
    from intermediary.access.models import Disclosure

    actor = actor_of(user)
    ids = [str(i) for i in object_ids]
    result: dict[str, frozenset[str]] = dict.fromkeys(ids, frozenset())
    if not actor.is_party or not ids:
        return result
    allowed = DISCLOSABLE_FIELDS.get(object_type, frozenset())
    rows = Disclosure.objects.filter(
        object_type=object_type,
        object_id__in=ids,
        recipient_id=actor.organisation_pk,
        revoked_at__isnull=True,
        dossier__in=visible_dossiers(user),
    ).values_list("object_id", "fields")
    for object_id, fields in rows:
        key = str(object_id)
        result[key] = result[key] | (frozenset(fields) & allowed)
    return result


def disclosed_object_ids_with(user: Any, object_type: str, required: Iterable[str]) -> list[str]:
    """Public ids disclosed to the user's party with at least the ``required`` fields.

    Searching or filtering disclosed objects by a field that was not disclosed would reveal
    it ("is this person's date of birth 1990?"), so filters only reach objects whose
    disclosure covers every field they test.
    """
    from intermediary.access.models import Disclosure

    actor = actor_of(user)
    if not actor.is_party:
        return []
    need = frozenset(required)
    allowed = DISCLOSABLE_FIELDS.get(object_type, frozenset())
    if not need <= allowed:
        return []
    found: dict[str, set[str]] = {}
    rows = Disclosure.objects.filter(
        object_type=object_type,
        recipient_id=actor.organisation_pk,
        revoked_at__isnull=True,
        dossier__in=visible_dossiers(user),
    ).values_list("object_id", "fields")
    for object_id, fields in rows:
        found.setdefault(str(object_id), set()).update(fields)
    return sorted(oid for oid, fields in found.items() if need <= fields)


def disclosed_object_ids(user: Any, object_type: str) -> QuerySet[Any]:
    """Public ids of ``object_type`` objects disclosed to the user's organisation (subquery)."""
    from intermediary.access.models import Disclosure

    actor = actor_of(user)
    qs = Disclosure.objects.filter(
        object_type=object_type, revoked_at__isnull=True, dossier__in=visible_dossiers(user)
    )
    if not actor.is_party:
        return qs.none().values("object_id")
    return qs.filter(recipient_id=actor.organisation_pk).values("object_id")


# --- Denial ------------------------------------------------------------------------------------


def deny(user: Any, *, action: str, object_type: str, object_ref: str, path: str = "") -> Http404:
    """Log a denial and return the 404 to raise: same message as for a missing object."""
    from intermediary.audit.services import access_denial_record

    access_denial_record(
        user=user, action=action, object_type=object_type, object_ref=object_ref, path=path
    )
    return Http404(NOT_FOUND_MESSAGE)


def get_visible_or_404(
    user: Any, queryset: QuerySet[M], *, object_type: str, path: str = "", **lookup: Any
) -> M:
    """Fetch one object from a visibility-scoped queryset or raise 404 (logging the denial).

    ``queryset`` must already be a ``visible_*`` scope for ``user``; a miss is logged whether
    the object is absent or hidden, so the log itself reveals nothing to the requester.
    """
    obj = queryset.filter(**lookup).first()
    if obj is None:
        ref = ",".join(f"{k}={v}" for k, v in sorted(lookup.items()))
        raise deny(user, action="view", object_type=object_type, object_ref=ref, path=path)
    return obj
