"""Signed checkpoints as documents: keys, the signed bytes, and the party's offline checks.

No Django and no database here: a party verifies what it was handed with this module, the
Merkle module and its copy of the intermediary's public key.

A checkpoint document is the JSON object
``{"log", "tree_size", "root_hash", "at", "key_id", "signature"}``; the signature is Ed25519
over the RFC 8785 canonical JSON of ``{"log", "tree_size", "root_hash", "at"}``. ``key_id`` is
the SHA-256 of the raw 32-byte public key (hex). A consistency proof document is
``{"log", "first", "second", "proof": [hex, ...]}``; an inclusion proof document is
``{"log", "tree_size", "leaf_index", "event_seq", "event_hash", "proof": [hex, ...]}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from intermediary.audit import merkle
from intermediary.audit.canonical import canonical_bytes

ALGORITHM = "Ed25519"


class SigningKeyError(RuntimeError):
    """No usable signing key: not configured, unreadable, or not an Ed25519 private key."""


class DocumentError(ValueError):
    """A document does not have the expected shape (bad input, not a failed verification)."""


# --- Keys ------------------------------------------------------------------------------------


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: names the key in every checkpoint."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_key_from_raw(raw_hex: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(raw_hex))


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Read an unencrypted PEM Ed25519 private key, or explain why not."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the audit signing key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """Read a PEM Ed25519 public key (raises DocumentError: bad input)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise DocumentError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise DocumentError(f"{path} is not an Ed25519 public key")
    return key


def write_new_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Generate a key and write it as PEM, mode 0600; never overwrites (FileExistsError)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


# --- Checkpoints -----------------------------------------------------------------------------


def format_at(value: dt.datetime) -> str:
    """The signed timestamp: UTC, whole seconds, ``2026-11-24T22:00:00Z``."""
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_bytes(*, log: str, tree_size: int, root_hash: str, at: str) -> bytes:
    """Exactly what the signature covers: canonical JSON of the four fields."""
    return canonical_bytes({"log": log, "tree_size": tree_size, "root_hash": root_hash, "at": at})


@dataclass(frozen=True)
class Checkpoint:
    log: str
    tree_size: int
    root_hash: str
    at: str
    key_id: str
    signature: str

    def signed_bytes(self) -> bytes:
        return signed_bytes(
            log=self.log, tree_size=self.tree_size, root_hash=self.root_hash, at=self.at
        )

    def document(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "at": self.at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def sign_checkpoint(
    *, key: Ed25519PrivateKey, log: str, tree_size: int, root_hash: str, at: str
) -> Checkpoint:
    body = signed_bytes(log=log, tree_size=tree_size, root_hash=root_hash, at=at)
    return Checkpoint(
        log=log,
        tree_size=tree_size,
        root_hash=root_hash,
        at=at,
        key_id=key_id(key.public_key()),
        signature=key.sign(body).hex(),
    )


def signature_problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> str:
    """Empty when ``public_key`` signed ``checkpoint``; otherwise what is wrong."""
    if checkpoint.key_id != key_id(public_key):
        return "the checkpoint names another signing key than the public key given"
    try:
        public_key.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        return "the signature does not match the checkpoint"
    return ""


# --- Parsing documents (bad shape: DocumentError) --------------------------------------------


def _hex(value: Any, *, name: str, size: int) -> str:
    if not isinstance(value, str) or len(value) != size * 2:
        raise DocumentError(f"{name} must be {size * 2} hexadecimal characters")
    try:
        bytes.fromhex(value)
    except ValueError as exc:
        raise DocumentError(f"{name} must be {size * 2} hexadecimal characters") from exc
    return value.lower()


def _size(value: Any, *, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DocumentError(f"{name} must be a non-negative integer")
    return value


def _object(doc: Any, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise DocumentError(f"the {what} must be a JSON object")
    missing = [k for k in keys if k not in doc]
    if missing:
        raise DocumentError(f"the {what} lacks {', '.join(missing)}")
    return doc


def parse_checkpoint(doc: Any) -> Checkpoint:
    keys = ("log", "tree_size", "root_hash", "at", "key_id", "signature")
    doc = _object(doc, keys, "checkpoint")
    if not isinstance(doc["log"], str) or not isinstance(doc["at"], str):
        raise DocumentError("the checkpoint's log and at must be strings")
    return Checkpoint(
        log=doc["log"],
        tree_size=_size(doc["tree_size"], name="tree_size"),
        root_hash=_hex(doc["root_hash"], name="root_hash", size=32),
        at=doc["at"],
        key_id=_hex(doc["key_id"], name="key_id", size=32),
        signature=_hex(doc["signature"], name="signature", size=64),
    )


@dataclass(frozen=True)
class ConsistencyProof:
    log: str
    first: int
    second: int
    proof: list[str]

    def document(self) -> dict[str, Any]:
        return {"log": self.log, "first": self.first, "second": self.second, "proof": self.proof}


def _proof_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise DocumentError("proof must be a list of hashes")
    return [_hex(item, name="each proof entry", size=32) for item in value]


def parse_consistency_proof(doc: Any) -> ConsistencyProof:
    doc = _object(doc, ("log", "first", "second", "proof"), "consistency proof")
    if not isinstance(doc["log"], str):
        raise DocumentError("the proof's log must be a string")
    return ConsistencyProof(
        log=doc["log"],
        first=_size(doc["first"], name="first"),
        second=_size(doc["second"], name="second"),
        proof=_proof_list(doc["proof"]),
    )


def consistency_problem(previous: Checkpoint, current: Checkpoint, proof: ConsistencyProof) -> str:
    """Empty when ``proof`` shows ``current`` extends ``previous``; otherwise what is wrong.

    The caller has checked both signatures and that the proof is about these two sizes.
    """
    if previous.log != current.log:
        return "the two checkpoints are of different logs"
    if current.tree_size < previous.tree_size:
        return (
            f"the new checkpoint has fewer events ({current.tree_size}) than the previous "
            f"one ({previous.tree_size}): the log was truncated"
        )
    ok = merkle.verify_consistency(
        first_size=previous.tree_size,
        second_size=current.tree_size,
        first_root=bytes.fromhex(previous.root_hash),
        second_root=bytes.fromhex(current.root_hash),
        proof=[bytes.fromhex(p) for p in proof.proof],
    )
    if not ok:
        return (
            f"the consistency proof from {previous.tree_size} to {current.tree_size} events "
            "does not verify: the log was rewritten, or the proof is wrong"
        )
    return ""


@dataclass(frozen=True)
class InclusionProof:
    log: str
    tree_size: int
    leaf_index: int
    event_seq: int
    event_hash: str
    proof: list[str]

    def document(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "tree_size": self.tree_size,
            "leaf_index": self.leaf_index,
            "event_seq": self.event_seq,
            "event_hash": self.event_hash,
            "proof": self.proof,
        }

    def verifies(self, checkpoint: Checkpoint) -> bool:
        """Is the event (its hash) leaf ``leaf_index`` of the checkpointed tree?"""
        return (
            self.log == checkpoint.log
            and self.tree_size == checkpoint.tree_size
            and self.leaf_index == self.event_seq - 1
            and merkle.verify_inclusion(
                leaf_index=self.leaf_index,
                tree_size=self.tree_size,
                leaf_hash_value=merkle.leaf_hash(bytes.fromhex(self.event_hash)),
                proof=[bytes.fromhex(p) for p in self.proof],
                root=bytes.fromhex(checkpoint.root_hash),
            )
        )
