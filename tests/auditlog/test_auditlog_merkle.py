"""core.merkle proof generation against a naive RFC 9162 reference, verified by reelproof.verify.

The reference below is a literal, recursive transcription of RFC 9162 §2.1.1 (MTH), §2.1.3.1
(PATH) and §2.1.4.1 (PROOF/SUBPROOF) using hashlib directly, so it shares no code with what it
checks. None of these tests needs the shared corpora.
"""

from __future__ import annotations

import ast
import hashlib
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelproof.core import merkle
from reelproof.core.merkle import MemoryNodes, MissingNodeError
from reelproof.verify import (
    EMPTY_ROOT,
    VerificationError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

# ---- naive reference (RFC 9162 §2.1) ---------------------------------------------------------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = _k(n)
    return _h(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# ---- helpers ----------------------------------------------------------------------------------


def entries(n: int, tag: str = "e") -> list[bytes]:
    return [f'{{"{tag}":{i}}}'.encode() for i in range(n)]


def build(data: list[bytes], batches: list[int] | None = None) -> MemoryNodes:
    """A MemoryNodes log of ``data``, appended in the given batch sizes (rest in one batch)."""
    store = MemoryNodes()
    hashes = [leaf_hash(e) for e in data]
    pos = 0
    for size in batches or []:
        store.append(hashes[pos : pos + size])
        pos += size
        if pos >= len(hashes):
            break
    store.append(hashes[pos:])
    assert store.size == len(data)
    return store


RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
# Roots of the first 1..8 reference leaves (transparency-dev/merkle testonly; the size-8 root is
# the classic RFC 6962 one, the others also appear in the published inclusion vectors).
RFC6962_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# ---- fixed trees -------------------------------------------------------------------------------


def test_rfc6962_reference_tree_roots() -> None:
    store = build(RFC6962_LEAVES, [1, 2, 1, 3])
    for size in range(1, 9):
        assert ref_mth(RFC6962_LEAVES[:size]).hex() == RFC6962_ROOTS[size - 1]
        assert merkle.root(size, store).hex() == RFC6962_ROOTS[size - 1]
    assert merkle.root(8, store).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )


def test_empty_tree_root() -> None:
    assert merkle.root(0, MemoryNodes()) == EMPTY_ROOT == _h(b"")


def test_exhaustive_small_trees() -> None:
    """Every index and every size pair up to 40 leaves, against the reference."""
    data = entries(40)
    store = build(data, [3, 1, 7, 2])
    for size in range(1, 41):
        r = merkle.root(size, store)
        assert r == ref_mth(data[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, store)
            assert proof == ref_path(index, data[:size])
            verify_inclusion(leaf_hash(data[index]), index, size, proof, r)
        for size1 in range(1, size + 1):
            proof = merkle.consistency_proof(size1, size, store)
            assert proof == ref_proof(size1, data[:size])
            verify_consistency(size1, size, proof, merkle.root(size1, store), r)


def test_every_proof_is_one_batch_read() -> None:
    store = build(entries(1000))
    store.calls = 0
    merkle.inclusion_proof(777, 999, store)
    assert store.calls == 1
    merkle.consistency_proof(333, 999, store)
    assert store.calls == 2
    merkle.root(999, store)
    assert store.calls == 3


def test_append_reads_once_and_writes_every_completed_node() -> None:
    store = build(entries(13))
    store.calls = 0
    new = [leaf_hash(e) for e in entries(6, "new")]
    written = merkle.nodes_completed_by_append(13, new, store)
    assert store.calls == 1
    # Size 13 -> 19 completes leaves 13..18 and every node whose last leaf is among them:
    # (1, 6) = leaves 12-13 (12 is old), (1, 7), (1, 8); (2, 3) = 12-15; (3, 1) = 8-15;
    # (4, 0) = 0-15. Not (1, 9) or (2, 4): they need leaf 19.
    keys = [(level, index) for level, index, _ in written]
    assert keys == [
        *[(0, 13), (0, 14), (0, 15), (0, 16), (0, 17), (0, 18)],
        (1, 6),
        (1, 7),
        (1, 8),
        (2, 3),
        (3, 1),
        (4, 0),
    ]
    assert merkle.nodes_completed_by_append(13, [], store) == []


def test_node_count_is_two_per_leaf() -> None:
    store = build(entries(1000), [1, 1, 5, 100])
    assert len(store) == 2 * 1000 - bin(1000).count("1")


def test_missing_node_is_reported() -> None:
    store = build(entries(10))
    with pytest.raises(MissingNodeError, match="not stored"):
        merkle.inclusion_proof(3, 11, store)
    with pytest.raises(MissingNodeError, match="level"):
        merkle.nodes_completed_by_append(12, [leaf_hash(b"x")], store)


def test_bad_arguments() -> None:
    store = build(entries(4))
    with pytest.raises(ValueError, match="index 4"):
        merkle.inclusion_proof(4, 4, store)
    with pytest.raises(ValueError, match="size1 <= size2"):
        merkle.consistency_proof(5, 4, store)
    with pytest.raises(ValueError, match="bytes"):
        merkle.nodes_completed_by_append(4, [b"short"], store)
    assert merkle.consistency_proof(0, 4, store) == []
    assert merkle.consistency_proof(4, 4, store) == []


# ---- properties --------------------------------------------------------------------------------


@st.composite
def tree_case(draw: st.DrawFn, max_size: int = 300) -> tuple[list[bytes], list[int], int, int]:
    size = draw(st.integers(1, max_size))
    batches = draw(st.lists(st.integers(1, 40), max_size=8))
    index = draw(st.integers(0, size - 1))
    size1 = draw(st.integers(1, size))
    return entries(size), batches, index, size1


@settings(max_examples=150, deadline=None)
@given(tree_case())
def test_proofs_match_reference(case: tuple[list[bytes], list[int], int, int]) -> None:
    data, batches, index, size1 = case
    size = len(data)
    store = build(data, batches)
    r = merkle.root(size, store)
    assert r == ref_mth(data)
    proof = merkle.inclusion_proof(index, size, store)
    assert proof == ref_path(index, data)
    verify_inclusion(leaf_hash(data[index]), index, size, proof, r)
    cproof = merkle.consistency_proof(size1, size, store)
    assert cproof == ref_proof(size1, data)
    verify_consistency(size1, size, cproof, ref_mth(data[:size1]), r)


@pytest.mark.parametrize("size", [1023, 1024, 1025, 4097, 65537])
def test_large_trees_match_reference(size: int) -> None:
    data = entries(size)
    store = build(data, [size // 3, 1, 2])
    r = merkle.root(size, store)
    assert r == ref_mth(data)
    rng = random.Random(size)
    for index in [0, size - 1, *rng.sample(range(size), 3)]:
        proof = merkle.inclusion_proof(index, size, store)
        assert proof == ref_path(index, data)
        verify_inclusion(leaf_hash(data[index]), index, size, proof, r)
    for size1 in [1, size - 1, size, *rng.sample(range(1, size), 2)]:
        proof = merkle.consistency_proof(size1, size, store)
        assert proof == ref_proof(size1, data)
        verify_consistency(size1, size, proof, merkle.root(size1, store), r)


def _mutations(proof: list[bytes], rng: random.Random) -> list[list[bytes]]:
    out: list[list[bytes]] = []
    if proof:
        j = rng.randrange(len(proof))
        flipped = bytearray(proof[j])
        flipped[rng.randrange(32)] ^= 1 << rng.randrange(8)
        out.append([*proof[:j], bytes(flipped), *proof[j + 1 :]])
        out.append(proof[:-1])  # truncated
        out.append(proof[1:])  # first dropped
        out.append([*proof, proof[-1]])  # extended
        out.append([proof[0], *proof])  # garbage in front
    else:
        out.append([_h(b"garbage")])
    if len(proof) >= 2 and proof[0] != proof[1]:
        out.append([proof[1], proof[0], *proof[2:]])  # reordered
    return out


@settings(max_examples=150, deadline=None)
@given(tree_case(), st.randoms(use_true_random=False))
def test_mutated_proofs_fail(
    case: tuple[list[bytes], list[int], int, int], rng: random.Random
) -> None:
    data, batches, index, size1 = case
    size = len(data)
    store = build(data, batches)
    r = merkle.root(size, store)
    leaf = leaf_hash(data[index])
    proof = merkle.inclusion_proof(index, size, store)
    for bad in _mutations(proof, rng):
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, index, size, bad, r)
    with pytest.raises(VerificationError):
        verify_inclusion(_h(b"not the leaf"), index, size, proof, r)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf, index, size, proof, _h(b"not the root"))
    if size > 1:
        other = rng.choice([i for i in range(size) if i != index])
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, other, size, proof, r)

    r1 = merkle.root(size1, store)
    cproof = merkle.consistency_proof(size1, size, store)
    for bad in _mutations(cproof, rng):
        with pytest.raises(VerificationError):
            verify_consistency(size1, size, bad, r1, r)
    if size1 < size:
        with pytest.raises(VerificationError):
            verify_consistency(size1, size, cproof, _h(b"wrong old root"), r)
        with pytest.raises(VerificationError):
            verify_consistency(size1, size, cproof, r1, _h(b"wrong new root"))


def test_verifier_policy_edges() -> None:
    r = _h(b"\x00x")
    with pytest.raises(VerificationError, match="size1 must be at least 1"):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    with pytest.raises(VerificationError, match="equal sizes need an empty proof"):
        verify_consistency(3, 3, [r], r, r)
    with pytest.raises(VerificationError, match="roots differ"):
        verify_consistency(3, 3, [], r, EMPTY_ROOT)
    with pytest.raises(VerificationError, match="index 5 in tree size 5"):
        verify_inclusion(r, 5, 5, [], r)
    with pytest.raises(VerificationError, match="expected 32"):
        verify_inclusion(r[:12], 0, 1, [], r)


def test_verify_module_is_standalone() -> None:
    """reelproof.verify must run with only the standard library and cryptography."""
    source = Path(sys.modules[verify_inclusion.__module__].__file__ or "").read_text()
    allowed = set(sys.stdlib_module_names) | {"cryptography", "__future__"}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in reelproof.verify"
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in allowed, f"reelproof.verify imports {name}"
