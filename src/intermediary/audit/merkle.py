"""RFC 9162 (Certificate Transparency 2.0) section 2.1 Merkle trees: hashes, proofs, checks.

Pure Python, no Django, so a party's offline verifier can use it as is.

* The tree is over ``n`` leaves d(0)..d(n-1). Leaf hash: ``SHA-256(0x00 || d(i))``; interior
  node: ``SHA-256(0x01 || left || right)``; the empty tree: ``SHA-256("")``.
* MTH(D[n]) for n > 1 splits at k, the largest power of two smaller than n.

Working on leaf *hashes* (not leaves) throughout: ``root_from_leaf_hashes`` folds them in one
pass with a stack of at most log2(n) perfect-subtree roots (a "compact range"), so the root of a
million leaves needs no tree in memory. Proofs need the leaf hashes as a sequence; each proof
hashes every leaf at most once more (the siblings on a path cover disjoint ranges), so the
whole tree is never built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf)."""
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The roots of the perfect subtrees covering leaves 0..size-1, largest first.

    ``append`` is amortised O(1) hashes; ``root()`` folds the stack right to left, which is
    exactly RFC 9162's MTH (the left part of every split is a perfect subtree).
    """

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self.size = 0

    def append(self, leaf_hash_value: bytes) -> None:
        current = leaf_hash_value
        size = self.size
        stack = self._stack
        # Each trailing 1 bit of the old size is a perfect subtree that now gets a sibling.
        while size & 1:
            current = node_hash(stack.pop(), current)
            size >>= 1
        stack.append(current)
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result


def root_from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH over the leaves whose hashes are given, in one pass."""
    compact = CompactRange()
    for value in leaf_hashes:
        compact.append(value)
    return compact.root()


def tree_root(leaves: Iterable[bytes]) -> bytes:
    """MTH over raw leaves."""
    return root_from_leaf_hashes(leaf_hash(leaf) for leaf in leaves)


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    compact = CompactRange()
    for index in range(start, end):
        compact.append(leaf_hashes[index])
    return compact.root()


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[n]) for m = ``index``, n = ``len(leaf_hashes)``.

    Nodes are ordered from the leaf's sibling up to the root's child, as the RFC produces them.
    """
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index - start < k:
            path.append(_subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            path.append(_subtree_root(leaf_hashes, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], first: int) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(m, D[n]) for m = ``first``, n = ``len(leaf_hashes)``.

    Empty when m == n (nothing to prove) or m == 0 (every tree extends the empty one).
    """
    size = len(leaf_hashes)
    if not 0 <= first <= size:
        raise ValueError(f"cannot prove a tree of {first} leaves against one of {size}")
    if first in (0, size):
        return []
    proof: list[bytes] = []
    m = first
    start, end = 0, size
    complete = True  # the RFC's flag b: is the subtree being walked part of the old tree whole?
    while True:
        if m == end - start:
            if not complete:
                proof.append(_subtree_root(leaf_hashes, start, end))
            break
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            proof.append(_subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            proof.append(_subtree_root(leaf_hashes, start, start + k))
            start += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def verify_inclusion(
    *,
    leaf_index: int,
    tree_size: int,
    leaf_hash_value: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show the leaf at ``leaf_index`` is in the tree?"""
    if not 0 <= leaf_index < tree_size:
        return False
    if not all(_is_hash(p) for p in proof) or not _is_hash(leaf_hash_value):
        return False
    fn, sn = leaf_index, tree_size - 1
    result = leaf_hash_value
    for node in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == root


def verify_consistency(
    *,
    first_size: int,
    second_size: int,
    first_root: bytes,
    second_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """RFC 9162 2.1.4.2: does ``proof`` show the tree of ``second_size`` leaves extends the
    tree of ``first_size`` leaves (same first leaves, nothing rewritten or removed)?"""
    if not 0 <= first_size <= second_size:
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    if first_size == second_size:
        return not proof and first_root == second_root
    if first_size == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first_size & (first_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, first_root)
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
