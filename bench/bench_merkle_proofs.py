"""Benchmark: Merkle proof generation from stored perfect-subtree nodes at 1,000,000 entries.

Why: the audit log must answer an inclusion proof in under 5 ms at a million entries. This
measures the pure-Python part (key planning, one batch read, hashing the right edge) over an
in-memory node set: the floor under any store. The same proofs measured through the store
(SQLite with 1,000,000 entries, PostgreSQL with 100,000, one query per proof) are part 3 of
bench/bench_log_appends.py.

Run: .venv/bin/python bench/bench_merkle_proofs.py [--leaves N] [--inclusion K] [--consistency K]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial

from reelproof.core import merkle
from reelproof.core.merkle import MemoryNodes
from reelproof.verify import HASH_SIZE, verify_consistency, verify_inclusion

TARGET_MS = 5.0


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(calls: Sequence[Callable[[], object]]) -> list[float]:
    """Wall time of each call, in milliseconds."""
    out = []
    gc.collect()  # start each series from a clean heap; collections during it still count
    for call in calls:
        start = time.perf_counter_ns()
        call()
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def report(label: str, ms: Sequence[float]) -> None:
    p50, p99 = percentile(ms, 0.50), percentile(ms, 0.99)
    print(
        f"{label:<36} n={len(ms):>6}  p50 {p50:.4f} ms  p99 {p99:.4f} ms  "
        f"max {max(ms):.4f} ms  mean {statistics.fmean(ms):.4f} ms  "
        f"of {TARGET_MS:g} ms target: p50 {p50 / TARGET_MS:.2%}, p99 {p99 / TARGET_MS:.2%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000, help="leaves per append call")
    parser.add_argument("--inclusion", type=int, default=10_000)
    parser.add_argument("--consistency", type=int, default=300)
    parser.add_argument("--seed", type=int, default=6962)
    args = parser.parse_args()
    n: int = args.leaves
    rng = random.Random(args.seed)

    start = time.perf_counter()
    blob = rng.randbytes(HASH_SIZE * n)  # stand-in leaf hashes: uniform, as SHA-256 output is
    leaves = [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
    print(f"generated {n:,} leaf hashes in {time.perf_counter() - start:.2f} s")

    store = MemoryNodes()
    start = time.perf_counter()
    for pos in range(0, n, args.batch):
        store.append(leaves[pos : pos + args.batch])
    build_s = time.perf_counter() - start
    print(
        f"appended in batches of {args.batch:,}: {build_s:.2f} s "
        f"({n / build_s:,.0f} leaves/s, {store.calls:,} batch reads)"
    )

    nodes = len(store)
    print(
        f"storage: {nodes:,} perfect nodes = {nodes / n:.4f} nodes/leaf, "
        f"{nodes * HASH_SIZE / n:.2f} bytes of node hashes per leaf "
        f"({nodes * HASH_SIZE / 2**20:.1f} MiB of hashes; a table adds its key and row overhead)"
    )

    root = merkle.root(n, store)
    print(f"root of {n:,}: {root.hex()}")
    print(f"target: {TARGET_MS} ms per inclusion proof")

    indexes = [rng.randrange(n) for _ in range(args.inclusion)]
    store.calls = 0
    ms = timed([partial(merkle.inclusion_proof, i, n, store) for i in indexes])
    assert store.calls == len(indexes), "expected exactly one batch read per proof"
    report(f"inclusion proof, size {n:,}", ms)

    sizes = [rng.randrange(1, n + 1) for _ in range(args.inclusion)]
    pairs = [(rng.randrange(s), s) for s in sizes]
    ms = timed([partial(merkle.inclusion_proof, i, s, store) for i, s in pairs])
    report("inclusion proof, random size", ms)

    checked = 0
    for i in indexes[:200]:
        verify_inclusion(leaves[i], i, n, merkle.inclusion_proof(i, n, store), root)
        checked += 1
    proofs = [(i, merkle.inclusion_proof(i, n, store)) for i in indexes[:1000]]
    ms = timed([partial(verify_inclusion, leaves[i], i, n, p, root) for i, p in proofs])
    report("inclusion verify (reelproof.verify)", ms)

    olds = [rng.randrange(1, n) for _ in range(args.consistency)]
    store.calls = 0
    ms = timed([partial(merkle.consistency_proof, a, n, store) for a in olds])
    assert store.calls == len(olds), "expected exactly one batch read per proof"
    report(f"consistency proof, a -> {n:,}", ms)

    spans = [sorted(rng.sample(range(1, n + 1), 2)) for _ in range(args.consistency)]
    ms = timed([partial(merkle.consistency_proof, a, b, store) for a, b in spans])
    report("consistency proof, random a -> b", ms)

    for a in olds[:50]:
        verify_consistency(a, n, merkle.consistency_proof(a, n, store), merkle.root(a, store), root)
        checked += 1
    print(f"spot-checked {checked} proofs with reelproof.verify: all verified")


if __name__ == "__main__":
    main()
