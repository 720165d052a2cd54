"""Writes for disclosures: the only way data reaches a party that did not submit it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.models import Disclosure
from intermediary.access.policy import DISCLOSABLE_FIELDS, Perm, require
from intermediary.accounts.models import Organisation, User
from intermediary.audit.services import audit_append
from intermediary.core.errors import field_error
from intermediary.dossiers.locks import active_party_ids
from intermediary.dossiers.models import Dossier


@transaction.atomic
def disclosure_create(
    *,
    actor: Any,
    dossier: Dossier,
    object_type: str,
    object_id: uuid.UUID,
    recipient: Organisation,
    fields: Iterable[str],
    purpose: str = "",
) -> Disclosure:
    """Disclose some fields of one object to one party of the dossier (minimisation: the
    coordinator names each field; intermediary-only fields cannot be named)."""
    require(actor, Perm.DISCLOSURE_MANAGE, dossier)
    allowed = DISCLOSABLE_FIELDS.get(object_type)
    if allowed is None:
        raise field_error("object_type", _("This kind of object cannot be disclosed."))
    field_list = sorted(set(fields))
    if not field_list:
        raise field_error("fields", _("Choose at least one field."), "required")
    refused = [f for f in field_list if f not in allowed]
    if refused:
        raise field_error(
            "fields", _("These fields cannot be disclosed: %(f)s") % {"f": ", ".join(refused)}
        )
    if recipient.pk not in active_party_ids(dossier.pk):  # nothing new reaches a withdrawn party
        raise field_error("recipient", _("The recipient is not a party to this dossier."))
    disclosure = Disclosure.objects.create(
        dossier=dossier,
        object_type=object_type,
        object_id=object_id,
        recipient=recipient,
        fields=field_list,
        purpose=purpose.strip(),
        disclosed_by=actor,
    )
    audit_append(
        actor=actor,
        action="disclosure.create",
        object_type="disclosure",
        object_id=str(disclosure.public_id),
        payload={
            "dossier": dossier.public_id,
            "object_type": object_type,
            "object_id": object_id,
            "recipient": recipient.public_id,
            "fields": field_list,
        },
    )
    return disclosure


@transaction.atomic
def disclosure_revoke(*, actor: Any, disclosure: Disclosure) -> Disclosure:
    """Stop a disclosure from showing anything further (what was seen stays seen: logged)."""
    require(actor, Perm.DISCLOSURE_MANAGE, disclosure.dossier)
    if disclosure.revoked_at is not None:
        raise field_error("disclosure", _("Already revoked."), "state")
    disclosure.revoked_at = timezone.now()
    disclosure.revoked_by = actor if isinstance(actor, User) else None
    disclosure.save(update_fields=["revoked_at", "revoked_by"])
    audit_append(
        actor=actor,
        action="disclosure.revoke",
        object_type="disclosure",
        object_id=str(disclosure.public_id),
        payload={"revoked_at": disclosure.revoked_at},
    )
    return disclosure
