"""The audit chain: one append-only table of events, each hashing its predecessor."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One change. Holds hashes and public ids only, never personal data, so personal data can
    be deleted later without breaking the chain.

    The actor is kept as a public id and a label snapshot (not a foreign key) so that events
    survive the deletion of what they describe, as wagtail's log entries do.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    payload_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AccessDenial(models.Model):
    """A refused read or write. Not part of the chain (a denial changes nothing), but kept so
    auditors can see a party probing for ids it may not see."""

    at = models.DateTimeField(auto_now_add=True)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_ref = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"denied {self.action} {self.object_type}:{self.object_ref}"


class AuditCheckpoint(models.Model):
    """A signed Merkle root (RFC 9162) over events 1..tree_size: what parties keep.

    Append-only like the events (a trigger on PostgreSQL). ``at`` is stored exactly as signed
    (UTC, whole seconds); ``public_key`` (raw, hex) lets the log check checkpoints signed by an
    earlier key after a rotation; ``key_id`` is its SHA-256.
    """

    log = models.CharField(max_length=200)
    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["-tree_size"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tree_size__gte=0), name="audit_checkpoint_size_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"
