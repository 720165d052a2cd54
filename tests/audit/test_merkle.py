"""RFC 9162 Merkle trees: roots against a naive reference, proofs for every index and size,
and the tampering their verification must refuse. Pure: no database."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intermediary.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

# --- A naive reference, written straight from RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 ----------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return ref_subproof(m, leaves, True)


# --- Strategies ------------------------------------------------------------------------------

LEAF = st.binary(min_size=32, max_size=32)
TREES = st.lists(LEAF, min_size=1, max_size=64)


def flip(value: bytes, position: int) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


# --- Roots ---------------------------------------------------------------------------------


def test_known_answers() -> None:
    assert tree_root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    one = b"\x11" * 32
    assert tree_root([one]) == hashlib.sha256(b"\x00" + one).digest()
    a, b, c = (bytes([i]) * 32 for i in range(3))
    ha, hb, hc = (hashlib.sha256(b"\x00" + x).digest() for x in (a, b, c))
    ab = hashlib.sha256(b"\x01" + ha + hb).digest()
    assert tree_root([a, b]) == ab
    assert tree_root([a, b, c]) == hashlib.sha256(b"\x01" + ab + hc).digest()


@settings(max_examples=200, deadline=None)
@given(st.lists(LEAF, max_size=130))
def test_root_matches_the_reference(leaves: list[bytes]) -> None:
    assert tree_root(leaves) == ref_mth(leaves)
    assert root_from_leaf_hashes([leaf_hash(x) for x in leaves]) == ref_mth(leaves)


# --- Inclusion -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(TREES)
def test_every_inclusion_proof_matches_the_reference_and_verifies(leaves: list[bytes]) -> None:
    hashes = [leaf_hash(x) for x in leaves]
    root = ref_mth(leaves)
    for index in range(len(leaves)):
        proof = inclusion_proof(hashes, index)
        assert proof == ref_path(index, leaves)
        assert verify_inclusion(
            leaf_index=index,
            tree_size=len(leaves),
            leaf_hash_value=hashes[index],
            proof=proof,
            root=root,
        )


@settings(max_examples=150, deadline=None)
@given(TREES, st.data())
def test_tampered_inclusion_fails(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(x) for x in leaves]
    n = len(leaves)
    index = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(hashes, index)
    root = tree_root(leaves)

    def ok(**changes: object) -> bool:
        args: dict[str, object] = {
            "leaf_index": index,
            "tree_size": n,
            "leaf_hash_value": hashes[index],
            "proof": proof,
            "root": root,
        }
        args.update(changes)
        return verify_inclusion(**args)  # type: ignore[arg-type]

    assert ok()
    pos = data.draw(st.integers(0, 31))
    assert not ok(root=flip(root, pos))
    assert not ok(leaf_hash_value=flip(hashes[index], pos))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[which] = flip(bad[which], pos)
        assert not ok(proof=bad)
        assert not ok(proof=proof[:-1])
    assert not ok(proof=[*proof, root])
    # Another index, or another size checked against that size's real root.
    other_index = data.draw(st.integers(0, n - 1))
    if leaves[other_index] != leaves[index]:
        assert not ok(leaf_index=other_index)
    other_size = data.draw(st.integers(1, 70))
    if other_size != n:
        other = leaves[:other_size] + [b"\x07" * 32] * max(0, other_size - n)
        assert not ok(tree_size=other_size, root=tree_root(other))
    assert not ok(leaf_index=n)


# --- Consistency ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(TREES)
def test_every_consistency_proof_matches_the_reference_and_verifies(leaves: list[bytes]) -> None:
    hashes = [leaf_hash(x) for x in leaves]
    n = len(leaves)
    second_root = ref_mth(leaves)
    for m in range(0, n + 1):
        proof = consistency_proof(hashes, m)
        if 0 < m < n:
            assert proof == ref_proof(m, leaves)
        else:
            assert proof == []
        assert verify_consistency(
            first_size=m,
            second_size=n,
            first_root=ref_mth(leaves[:m]),
            second_root=second_root,
            proof=proof,
        )


@settings(max_examples=150, deadline=None)
@given(st.lists(LEAF, min_size=2, max_size=64), st.data())
def test_tampered_consistency_fails(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(x) for x in leaves]
    n = len(leaves)
    m = data.draw(st.integers(1, n - 1))
    proof = consistency_proof(hashes, m)
    first_root, second_root = tree_root(leaves[:m]), tree_root(leaves)

    def ok(**changes: object) -> bool:
        args: dict[str, object] = {
            "first_size": m,
            "second_size": n,
            "first_root": first_root,
            "second_root": second_root,
            "proof": proof,
        }
        args.update(changes)
        return verify_consistency(**args)  # type: ignore[arg-type]

    assert ok()
    pos = data.draw(st.integers(0, 31))
    assert not ok(first_root=flip(first_root, pos))
    assert not ok(second_root=flip(second_root, pos))
    which = data.draw(st.integers(0, len(proof) - 1))
    bad = list(proof)
    bad[which] = flip(bad[which], pos)
    assert not ok(proof=bad)
    assert not ok(proof=proof[:-1])
    assert not ok(proof=[*proof, second_root])
    # A rewritten old leaf: the new tree no longer extends the old one.
    changed = list(leaves)
    at = data.draw(st.integers(0, m - 1))
    changed[at] = flip(changed[at], pos)
    changed_hashes = [leaf_hash(x) for x in changed]
    assert not ok(second_root=tree_root(changed))
    assert not ok(second_root=tree_root(changed), proof=consistency_proof(changed_hashes, m))
    # Other sizes, each checked against that size's real root.
    other_m = data.draw(st.integers(1, n))
    if other_m != m:
        assert not ok(first_size=other_m, first_root=tree_root(leaves[:other_m]))
    other_n = data.draw(st.integers(m, 70))
    if other_n != n:
        longer = leaves[:other_n] + [b"\x07" * 32] * max(0, other_n - n)
        assert not ok(second_size=other_n, second_root=tree_root(longer))


def test_edge_sizes() -> None:
    leaves = [bytes([i]) * 32 for i in range(5)]
    hashes = [leaf_hash(x) for x in leaves]
    root = tree_root(leaves)
    # Same size: only an empty proof and equal roots; size 0: every tree extends it.
    assert verify_consistency(
        first_size=5, second_size=5, first_root=root, second_root=root, proof=[]
    )
    assert not verify_consistency(
        first_size=5, second_size=5, first_root=root, second_root=EMPTY_ROOT, proof=[]
    )
    assert verify_consistency(
        first_size=0, second_size=5, first_root=EMPTY_ROOT, second_root=root, proof=[]
    )
    assert not verify_consistency(
        first_size=4, second_size=3, first_root=root, second_root=root, proof=[root]
    )
    # A shrunk log cannot be proven consistent with the bigger one it was.
    assert not verify_consistency(
        first_size=5,
        second_size=4,
        first_root=root,
        second_root=tree_root(leaves[:4]),
        proof=consistency_proof(hashes[:4], 4),
    )
    with pytest.raises(ValueError, match="outside a tree of 5"):
        inclusion_proof(hashes, 5)
    with pytest.raises(ValueError, match="cannot prove"):
        consistency_proof(hashes, 6)
    assert node_hash(hashes[0], hashes[1]) == tree_root(leaves[:2])


def test_a_million_leaves_in_one_pass() -> None:
    """The root of 1,000,000 leaves streams in seconds without a tree in memory."""
    hashes = (hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(1_000_000))
    root = root_from_leaf_hashes(hashes)
    assert len(root) == 32
    assert root != EMPTY_ROOT
