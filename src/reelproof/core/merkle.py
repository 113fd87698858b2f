"""Merkle proof generation for an audit log whose tree nodes live in a database.

Why this shape: a log of a million entries must answer an inclusion proof in milliseconds,
without rehashing leaves. The store keeps every *perfect* subtree hash, addressed as
``(level, index)`` and covering leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0
holds the leaf hashes. These nodes never change once complete, so appends only insert rows.
Every hash an RFC 9162 proof needs (including the incomplete right edge of a tree whose size
is not a power of two) is the fold of a few perfect nodes, so each function below works out
which keys it needs, fetches them with ONE ``NodeReader.nodes`` batch call (one query), and
hashes at most a few dozen nodes together.

Verification lives in ``reelproof.verify`` (standalone for auditors); its hash functions are
used here so that generator and verifier cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from reelproof.verify import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = [
    "MemoryNodes",
    "MissingNodeError",
    "NodeKey",
    "NodeReader",
    "consistency_proof",
    "inclusion_proof",
    "nodes_completed_by_append",
    "root",
]

NodeKey = tuple[int, int]
"""``(level, index)`` of a perfect subtree."""


class NodeReader(Protocol):
    """Batch access to stored perfect-subtree hashes; one call should be one query."""

    def nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        """Return the hashes of those ``keys`` that are stored (missing ones are left out)."""
        ...


class MissingNodeError(LookupError):
    """The store lacks a node the tree of the requested size must have: it is corrupt or short."""


def _range_keys(lo: int, hi: int) -> list[NodeKey]:
    """The perfect nodes that make up leaves ``[lo, hi)``, left to right (largest first).

    Valid for the subtree ranges RFC 9162 proofs use: ``lo`` is a multiple of the smallest
    power of two >= ``hi - lo``, so each piece of the binary decomposition is aligned.
    """
    keys: list[NodeKey] = []
    pos, remaining = lo, hi - lo
    while remaining:
        level = remaining.bit_length() - 1
        keys.append((level, pos >> level))
        pos += 1 << level
        remaining -= 1 << level
    return keys


def edge_keys(size: int) -> list[NodeKey]:
    """The perfect subtrees a tree of ``size`` leaves is made of, largest first: its right
    edge, all that its root and the next append need."""
    return _range_keys(0, size)


def _split(n: int) -> int:
    """Largest power of two strictly less than ``n`` (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose subtree hashes form PATH(index, D[size]), leaf sibling first."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def _consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges whose subtree hashes form PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1)."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size2
    whole = True  # SUBPROOF's b: the old tree so far is a complete subtree of the new one
    while True:
        if size1 == hi:
            if not whole:
                ranges.append((lo, hi))
            break
        k = _split(hi - lo)
        if size1 - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole = False
    ranges.reverse()
    return ranges


def _fetch(reader: NodeReader, keys: Sequence[NodeKey], purpose: str) -> Mapping[NodeKey, bytes]:
    found = reader.nodes(keys)
    for key in keys:
        value = found.get(key)
        if value is None:
            raise MissingNodeError(f"{purpose}: node (level {key[0]}, index {key[1]}) not stored")
        if len(value) != HASH_SIZE:
            raise MissingNodeError(
                f"{purpose}: node (level {key[0]}, index {key[1]}) is {len(value)} bytes"
            )
    return found


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Root of consecutive perfect subtrees, largest first: fold from the right."""
    r = hashes[-1]
    for left in reversed(hashes[:-1]):
        r = node_hash(left, r)
    return r


def _range_hashes(
    ranges: Sequence[tuple[int, int]], reader: NodeReader, purpose: str
) -> list[bytes]:
    """Subtree hash of each range, with every needed node read in a single batch."""
    per_range = [_range_keys(lo, hi) for lo, hi in ranges]
    all_keys = [key for range_keys in per_range for key in range_keys]
    if not all_keys:
        return []
    found = _fetch(reader, all_keys, purpose)
    return [_fold([found[key] for key in range_keys]) for range_keys in per_range]


def root(size: int, reader: NodeReader) -> bytes:
    """MTH of the first ``size`` leaves (``EMPTY_ROOT`` for 0), from at most log2(size) nodes."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    if size == 0:
        return EMPTY_ROOT
    return _range_hashes([(0, size)], reader, f"root of size {size}")[0]


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """RFC 9162 inclusion proof (audit path) for leaf ``index`` in the tree of ``size``."""
    if not 0 <= index < size:
        raise ValueError(f"inclusion proof: index {index} not in a tree of size {size}")
    ranges = _inclusion_ranges(index, size)
    return _range_hashes(ranges, reader, f"inclusion proof for {index} in {size}")


def consistency_proof(size1: int, size2: int, reader: NodeReader) -> list[bytes]:
    """RFC 9162 consistency proof from ``size1`` to ``size2``.

    Empty when ``size1`` is 0 or equals ``size2`` (nothing to prove; verifiers special-case
    size 0, see ``reelproof.verify.verify_consistency``).
    """
    if not 0 <= size1 <= size2:
        raise ValueError(f"consistency proof: need 0 <= size1 <= size2, got {size1}, {size2}")
    if size1 == 0 or size1 == size2:
        return []
    ranges = _consistency_ranges(size1, size2)
    return _range_hashes(ranges, reader, f"consistency proof {size1} -> {size2}")


def nodes_completed_by_append(
    size_before: int, new_leaf_hashes: Sequence[bytes], reader: NodeReader
) -> list[tuple[int, int, bytes]]:
    """Every perfect node, as ``(level, index, hash)``, completed by appending these leaves.

    Includes the new leaves themselves (level 0); the store inserts them all. The only stored
    nodes needed are the left siblings on the old right edge (the perfect subtrees of
    ``size_before``), read in one batch call; everything else is built from the new leaves.
    """
    if size_before < 0:
        raise ValueError(f"append: size_before {size_before} is negative")
    for i, h in enumerate(new_leaf_hashes):
        if len(h) != HASH_SIZE:
            raise ValueError(f"append: leaf hash {size_before + i} is {len(h)} bytes")
    if not new_leaf_hashes:
        return []
    size_after = size_before + len(new_leaf_hashes)
    keys = edge_keys(size_before)
    edge = _fetch(reader, keys, f"append after size {size_before}") if keys else {}

    out = [(0, size_before + i, h) for i, h in enumerate(new_leaf_hashes)]
    below: Sequence[bytes] = new_leaf_hashes  # new nodes of the level below ...
    below_start = size_before  # ... with indexes [below_start, below_start + len(below))
    level = 1
    while True:
        start, end = size_before >> level, size_after >> level
        if start == end:
            break
        made: list[bytes] = []
        for j in range(start, end):
            left_index = 2 * j
            if left_index >= below_start:
                left = below[left_index - below_start]
            else:  # only the first node of a level can have an old left child
                left = edge[(level - 1, left_index)]
            made.append(node_hash(left, below[left_index + 1 - below_start]))
        out.extend((level, start + i, h) for i, h in enumerate(made))
        below, below_start = made, start
        level += 1
    return out


class MemoryNodes:
    """A ``NodeReader`` over a dict, for tests and benchmarks; counts batch calls."""

    def __init__(self, nodes: Mapping[NodeKey, bytes] | None = None, size: int = 0) -> None:
        self._nodes: dict[NodeKey, bytes] = dict(nodes or {})
        self.size = size
        self.calls = 0

    def nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        """The known nodes among `keys`."""
        self.calls += 1
        stored = self._nodes
        return {key: stored[key] for key in keys if key in stored}

    def put(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Store nodes as ``(level, index, hash)`` triples."""
        for level, index, value in nodes:
            self._nodes[(level, index)] = value

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append leaves the way a database store would: compute completed nodes, insert."""
        self.put(nodes_completed_by_append(self.size, leaf_hashes, self))
        self.size += len(leaf_hashes)

    def __len__(self) -> int:
        return len(self._nodes)
