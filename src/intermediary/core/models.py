"""Shared model building blocks: public UUIDs and creation timestamps."""

from __future__ import annotations

import uuid

from django.db import models


class PublicIdModel(models.Model):
    """Every object exposed in a URL or API carries a random UUID, never its integer key.

    Integer keys leak counts and invite enumeration; a party guessing ids must learn nothing.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True
