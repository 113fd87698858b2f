"""Decision throughput and latency of the standards engine, against CEL alone and Cedar.

Generates N seeded declarations over four productions, loads every bundled pack, and
measures on one core (the process is single-threaded), in one run:

* the engine with every bundled pack loaded: decisions/s, p50/p99 single-decision latency,
  and the ratio to the same engine with the prefilter off (the CEL library deciding every
  rule: the semantics the prefilter must equal), whose decisions must be identical;
* the engine with the Netflix pack only, and cedarpy evaluating bench/netflix.cedar (the
  same rules as a Cedar policy set) with its batch call, entity ids in Cedar's dict form
  (`{"type": ..., "id": ...}`, which it parses faster than `Type::"id"` strings), over the
  same declarations of the Netflix productions: both throughputs, the ratio, and how often
  their tiers agree.

Each rate is the best of `--repeat` passes over each chunk of 2,000 (CPU time), so that
the other work on a shared machine does not decide the figures.

    .venv/bin/python bench/bench_decisions.py [--n 100000] [--seed 20260914] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import cedarpy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gen import declarations, productions
from reelproof.core.documents import OUTCOME_ORDER, AIUseDeclaration
from reelproof.core.standards import (
    CompiledPack,
    Engine,
    build_facts,
    decide,
    load_pack_text,
)

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 9, 14)
RANK: dict[str, int] = {o: i for i, o in enumerate(OUTCOME_ORDER)}
TARGET = 10_000  # decisions/s on one core with every bundled pack loaded (issue #8)
CHUNK = 2_000  # decisions per timed chunk (and per Cedar batch)
T = TypeVar("T")
Item = tuple[AIUseDeclaration, int, list[dict[str, Any]]]  # declaration, production, talent
PRINCIPLES = {f"NFX-P{i}" for i in range(1, 7)}
STRONGER_THAN_INFORM = {
    "NFX-1",
    *PRINCIPLES,
    "NFX-D1",
    "NFX-D2",
    "NFX-C1",
    "NFX-C2",
    "NFX-T1",
    "NFX-T2",
    "NFX-E1",
    "NFX-E2",
    "NFX-S2",
    "NFX-F3",
    "NFX-M2b",
    "NFX-M3",
    "NFX-M4",
    "NFX-M5",
    "NFX-M6b",
    "NFX-TE1",
    "NFX-TE2",
    "NFX-TE3",
}


PRINCIPAL = {"type": "Production", "id": "p"}
DECIDE = {"type": "Action", "id": "decide"}
DECIDE_TALENT = {"type": "Action", "id": "decide_talent"}


def load_packs() -> list[CompiledPack]:
    return [
        load_pack_text(p.read_text(), str(p.relative_to(ROOT)))
        for p in sorted((ROOT / "src/reelproof/packs").glob("*.yaml"))
        if not p.name.endswith(".tests.yaml")
    ]


def _tri(v: Any) -> str:
    return "unknown" if v == "unknown" else ("true" if v else "false")


def cedar_requests(facts: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """The Cedar requests of one decision: the declaration, then each talent entry."""
    use = facts["use"]
    tool, inputs, output, syn = (
        use["tool"],
        use["inputs"],
        use["output"],
        use["synthetic_performer"],
    )
    resource = {"type": "Use", "id": str(n)}
    reqs = [
        {
            "principal": PRINCIPAL,
            "action": DECIDE,
            "resource": resource,
            "context": {
                "phase": use["phase"],
                "element": output["element"],
                "prominence": output["prominence"],
                "final": output["in_final_deliverable"],
                "realistic": output["realistic_depiction"],
                "replaces_union_work": output["replaces_union_work"],
                "enterprise": tool["enterprise_agreement"],
                "trains": _tri(tool["trains_on_inputs"]),
                "stores": _tri(tool["stores_inputs"]),
                "custom_pipeline": tool["custom_pipeline"],
                "vendor": tool["vendor"] or "",
                "proprietary": inputs["studio_proprietary"],
                "personal_data": inputs["personal_data"],
                "copyrighted": inputs["copyrighted_reference"],
                "real_person": inputs["real_person_reference"],
                "training": inputs["training_or_finetune"],
                "training_cleared": _tri(inputs["training_data_cleared"]),
                "synthetic_used": syn["used"],
                "synthetic_in_place": syn["in_place_of_human"],
                "synthetic_feature": syn["recognizable_feature_of"] is not None,
                "talent_count": len(use["talent"]),
            },
        }
    ]
    for t in facts["talent"]:
        c = t["consent"]
        reqs.append(
            {
                "principal": PRINCIPAL,
                "action": DECIDE_TALENT,
                "resource": resource,
                "context": {
                    "use": t["use"],
                    "alteration": t["alteration"],
                    "exception": t["exception"],
                    "covered": bool(c["covered"]),
                    "valid": bool(c["valid"]),
                },
            }
        )
    return reqs


def cedar_outcome(fired: set[str], outcomes: dict[str, str]) -> str:
    """Strictest @outcome of the matched permits, with NFX-3 / NFX-2 as aggregates."""
    if fired & PRINCIPLES:
        fired.add("NFX-3")
    if not fired & STRONGER_THAN_INFORM:
        fired.add("NFX-2")
    best = max((RANK[outcomes[r]] for r in fired), default=0)
    return OUTCOME_ORDER[best]


def run_cedar(facts_list: list[dict[str, Any]], batch: int = CHUNK) -> list[str]:
    text = (ROOT / "bench/netflix.cedar").read_text()
    outcomes = dict(re.findall(r'@id\("([^"]+)"\)\s*@outcome\("([^"]+)"\)', text))
    outcomes |= {"NFX-2": "inform", "NFX-3": "escalate"}
    policies = cedarpy.PolicySet.from_str(text)
    entities = cedarpy.Entities.from_json_str("[]")
    out: list[str] = []
    for start in range(0, len(facts_list), batch):
        chunk = facts_list[start : start + batch]
        reqs: list[dict[str, Any]] = []
        owner: list[int] = []
        for i, facts in enumerate(chunk):
            r = cedar_requests(facts, start + i)
            reqs.extend(r)
            owner.extend([i] * len(r))
        results = cedarpy.is_authorized_batch(reqs, policies, entities)
        fired: list[set[str]] = [set() for _ in chunk]
        for i, res in zip(owner, results, strict=True):
            fired[i].update(res.diagnostics.id_annotations_by_reason.values())
        out.extend(cedar_outcome(f, outcomes) for f in fired)
    return out


def percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000


def best_rate(run: Callable[[list[T]], object], items: list[T], repeat: int) -> float:
    """Items/s over `items` in chunks of 2,000, each chunk timed (CPU time) `repeat` times
    and its fastest pass kept, as timeit does: the machine is shared, and a slow pass
    measures the neighbours, not the code. Every contender is measured this way."""
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    best = [math.inf] * len(chunks)
    for _ in range(repeat):
        for k, chunk in enumerate(chunks):
            c0 = time.process_time()
            run(chunk)
            best[k] = min(best[k], time.process_time() - c0)
    return len(items) / sum(best)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20260914)
    ap.add_argument("--repeat", type=int, default=3, help="passes per chunk; the best counts")
    ap.add_argument("--latency-sample", type=int, default=20_000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    packs = load_packs()
    prods = productions()
    items = declarations(args.n, args.seed)
    rules = sum(len(p.rules) for p in packs)
    print(f"{len(packs)} packs, {rules} rules: {', '.join(f'{p.id} {p.version}' for p in packs)}")
    print(
        f"generated {len(items):,} declarations (seed {args.seed}) in "
        f"{time.perf_counter() - t0:.1f} s; every rate is the best of {args.repeat} passes "
        f"per chunk of {CHUNK:,}, CPU time, one core"
    )

    # -- every bundled pack, through the public decide() ------------------------------
    decide(items[0][0], prods[items[0][1]], items[0][2], packs, TODAY)  # warm caches

    def all_packs(chunk: list[Item]) -> None:
        for decl, p, talent in chunk:
            decide(decl, prods[p], talent, packs, TODAY)

    rate = best_rate(all_packs, items, args.repeat)
    outcomes = Counter(decide(d, prods[p], t, packs, TODAY).outcome for d, p, t in items)
    off = sum(r.prefilter_off is not None for p in packs for r in p.rules)
    exact = sum(r.exact for p in packs for r in p.rules)
    print(f"\nengine, all packs: {rate:,.0f} decisions/s")
    print("  outcomes: " + ", ".join(f"{o} {outcomes.get(o, 0):,}" for o in OUTCOME_ORDER))
    print(
        f"  prefilter: {exact} of {rules} rules translated exactly and agreeing with CEL; "
        f"{off} switched off by the load-time check (CEL alone decides them)"
    )

    lat: list[int] = []
    for decl, p, talent in items[: args.latency_sample]:
        s = time.perf_counter_ns()
        decide(decl, prods[p], talent, packs, TODAY)
        lat.append(time.perf_counter_ns() - s)
    lat.sort()
    print(
        f"  latency over {len(lat):,}: p50 {percentile(lat, 0.5):.1f} µs, "
        f"p99 {percentile(lat, 0.99):.1f} µs, mean {statistics.fmean(lat) / 1000:.1f} µs"
    )

    # -- the same, with CEL alone deciding every rule (the semantics to equal) --------
    cel_engine = Engine(packs, prefilter=False)
    sample = items[: max(1, len(items) // 4)]

    def cel_alone(chunk: list[Item]) -> None:
        for decl, p, talent in chunk:
            cel_engine.decide(decl, prods[p], talent, TODAY)

    cel_rate = best_rate(cel_alone, sample, args.repeat)
    same = sum(
        decide(decl, prods[p], talent, packs, TODAY).to_json()
        == cel_engine.decide(decl, prods[p], talent, TODAY).to_json()
        for decl, p, talent in sample
    )
    print(f"  CEL alone (prefilter off), {len(sample):,} of them: {cel_rate:,.0f} decisions/s")
    print(f"  identical decisions: {same:,} of {len(sample):,}")
    print(
        f"  ratio engine / CEL alone: {rate / cel_rate:.2f}x; "
        f"engine / target {TARGET:,}/s: {rate / TARGET:.2f}x"
    )

    # -- Netflix only: engine vs Cedar on the Netflix productions' declarations ---------
    nfx = [p for p in packs if p.id == "netflix-genai"]
    netflix_items = [it for it in items if prods[it[1]].spec.studio == "netflix"]
    engine = Engine(nfx)

    def ours(chunk: list[Item]) -> None:
        for d, p, t in chunk:
            engine.decide(d, prods[p], t, TODAY)

    def cedar(chunk: list[Item]) -> list[str]:
        return run_cedar([build_facts(d, prods[p], t, TODAY) for d, p, t in chunk])

    engine_rate = best_rate(ours, netflix_items, args.repeat)
    cedar_rate = best_rate(cedar, netflix_items, args.repeat)
    mine = [engine.decide(d, prods[p], t, TODAY).outcome for d, p, t in netflix_items]
    theirs = cedar(netflix_items)
    agree = sum(a == b for a, b in zip(mine, theirs, strict=True))
    print(f"\nNetflix pack only, {len(netflix_items):,} declarations of Netflix productions:")
    print(f"  engine: {engine_rate:,.0f} decisions/s")
    print(
        f"  cedar (is_authorized_batch, entity ids as dicts, incl. building requests): "
        f"{cedar_rate:,.0f} decisions/s"
    )
    print(
        f"  ratio engine / cedar: {engine_rate / cedar_rate:.2f}x (target 3x); "
        f"tiers agree on {agree / len(mine):.2%}"
    )
    print(
        f"\nsummary: {rate:,.0f} decisions/s all packs ({rate / TARGET:.2f}x the target, "
        f"{rate / cel_rate:.2f}x CEL alone); {engine_rate / cedar_rate:.2f}x cedarpy batch"
    )
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
