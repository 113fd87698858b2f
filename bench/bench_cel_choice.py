"""Compare the two CEL implementations on PyPI for reelproof's standards engine.

* `common-expression-language` (Rust, imports as `cel`)
* `cel-expr-python` (Google's C++ cel-cpp, imports as `cel_expr_python.cel`)

Checks the CEL features our packs use, the compile-time errors (syntax error, unknown
identifier), and speed: compile, building the evaluation context from a decision's facts,
and evaluating one condition / 60 conditions. Run: .venv/bin/python bench/bench_cel_choice.py
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import cel as rust_cel
from cel_expr_python import cel as cpp_cel

UTC = dt.UTC
FACTS: dict[str, Any] = {
    "use": {
        "id": "vfx-crowd-0042",
        "production": "stranger-tides-s1",
        "title": "Crowd extension",
        "description": "",
        "stage": "vfx",
        "phase": "final",
        "media": "series",
        "tool": {
            "name": "ExampleGen 3",
            "vendor": None,
            "enterprise_agreement": False,
            "trains_on_inputs": "unknown",
            "stores_inputs": "unknown",
            "custom_pipeline": False,
        },
        "inputs": {
            "studio_proprietary": False,
            "personal_data": False,
            "copyrighted_reference": False,
            "real_person_reference": "none",
            "training_or_finetune": False,
            "training_data_cleared": "unknown",
        },
        "output": {
            "in_final_deliverable": True,
            "element": "background",
            "prominence": "incidental",
            "realistic_depiction": False,
            "advertisement": False,
            "replaces_union_work": False,
        },
        "talent": [
            {
                "performer": "jane-doe",
                "use": "replica_use",
                "replica_type": "employment_based",
                "alteration": "as_scripted",
                "exception": "safety",
            }
        ],
        "synthetic_performer": {
            "used": False,
            "in_place_of_human": False,
            "recognizable_feature_of": None,
        },
        "territories": [],
    },
    "production": {
        "id": "stranger-tides-s1",
        "title": "Stranger Tides",
        "studio": "netflix",
        "unions": ["sag_aftra_tv_theatrical", "wga"],
        "territories": ["US", "FR"],
        "principal_photography_start": "2026-02-01",
        "strike_in_progress": False,
    },
    "territories": ["EU", "FR", "US", "WORLD"],
    "talent": [
        {
            "performer_id": "jane-doe",
            "use": "replica_use",
            "consent": {"covered": True, "missing": [], "valid": True, "id": "c-1"},
            "performer": {"id": "jane-doe", "deceased": False, "date_of_death": None},
        }
    ],
    "performers": [{"id": "jane-doe", "domicile": "US-CA"}],
    "today": "2026-09-14",
}

# (feature, expression, expected)
FEATURES: list[tuple[str, str, Any]] = [
    ("nested field access", "use.output.in_final_deliverable", True),
    ("`in` on a list", '"EU" in territories', True),
    ("`in` on a list literal", 'use.output.element in ["background", "prop_text"]', True),
    ("exists macro", 'use.talent.exists(t, t.use == "replica_use")', True),
    ("all macro", "talent.all(t, t.consent.covered && t.consent.valid)", True),
    ("exists_one macro", 'territories.exists_one(x, x == "EU")', True),
    ("has() present / absent", "has(use.output.element) && !has(use.output.nope)", True),
    ("ISO date string comparison", 'production.principal_photography_start < "2026-07-01"', True),
    ("today as ISO string", 'today >= "2026-08-02"', True),
    ("size()", "size(use.talent) == 1 && use.talent.size() == 1", True),
    ("logical ops, not", "!use.tool.enterprise_agreement || use.inputs.personal_data", True),
    ("tri-state compared with bool", "use.tool.trains_on_inputs != false", True),
    ("null comparison", "use.tool.vendor == null", True),
    ("null in a nested list entry", "talent.exists(t, t.performer.date_of_death == null)", True),
    ("error absorbed by ||", "use.nope || true", True),
    ("error absorbed by &&", "use.nope && false", False),
    ("string functions", 'use.title.startsWith("Crowd") && use.title.contains("ext")', True),
    ("timestamp()", 'timestamp("2026-09-14T00:00:00Z") > timestamp("2026-01-01T00:00:00Z")', True),
    ("timestamp from a fact", 'timestamp(today + "T00:00:00Z").getFullYear() == 2026', True),
    ("ternary", 'size(use.territories) > 0 ? false : "FR" in production.territories', True),
]
ERRORS = [
    ("syntax error", "use.output.in_final_deliverable &&"),
    ("unknown identifier", "usage.output.in_final_deliverable"),
    ("unknown function", "frob(use.title)"),
    ("type error", '"x" == 1'),
]


class Rust:
    name = "common-expression-language 0.10.0 (Rust)"

    def compile(self, src: str) -> Any:
        return rust_cel.compile(src)

    def context(self, facts: dict[str, Any]) -> Any:
        return rust_cel.Context(facts)

    def run(self, program: Any, ctx: Any) -> Any:
        return program.execute(ctx)


class Cpp:
    name = "cel-expr-python 0.1.3 (Google C++)"

    def __init__(self) -> None:
        self.env = cpp_cel.NewEnv(variables={k: cpp_cel.Type.DYN for k in FACTS})

    def compile(self, src: str) -> Any:
        return self.env.compile(src)

    def context(self, facts: dict[str, Any]) -> Any:
        return self.env.Activation(facts)

    def run(self, program: Any, ctx: Any) -> Any:
        v = program.eval(ctx)
        if v.type().name() == "ERROR":
            raise RuntimeError(v.value())
        return v.value()


def timeit(fn: Callable[[], Any], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


def main() -> None:
    impls = [Rust(), Cpp()]
    for impl in impls:
        print(f"\n== {impl.name}")
        ctx = impl.context(FACTS)
        ok = 0
        for feature, src, expected in FEATURES:
            try:
                got = impl.run(impl.compile(src), ctx)
                status = "ok" if got == expected else f"WRONG ({got!r})"
            except Exception as exc:
                status = f"FAILS: {type(exc).__name__}: {str(exc).splitlines()[0][:90]}"
            ok += status == "ok"
            print(f"  {feature:32} {status}")
        print(f"  features: {ok}/{len(FEATURES)}")
        for what, src in ERRORS:
            try:
                program = impl.compile(src)
            except Exception as exc:
                text = " ".join(str(exc).split())[:150]
                print(f"  {what:18} compile: {text}")
                continue
            try:
                impl.run(program, ctx)
                print(f"  {what:18} compiles and evaluates without error")
            except Exception as exc:
                text = " ".join(str(exc).split())[:110]
                print(f"  {what:18} compiles; fails only when evaluated: {text}")

    print("\n== speed (best of 3, µs per call)")
    one = 'use.output.in_final_deliverable && use.talent.exists(t, t.use == "replica_use")'
    many = (
        "[" + ", ".join([one, '"EU" in territories', "!use.tool.enterprise_agreement"] * 20) + "]"
    )
    for impl in impls:
        p1, p60 = impl.compile(one), impl.compile(many)
        ctx = impl.context(FACTS)
        print(f"  {impl.name}")
        rows: list[tuple[str, Callable[[], Any], int]] = [
            ("compile one condition", lambda i=impl: i.compile(one), 2000),
            ("context from a decision", lambda i=impl: i.context(FACTS), 5000),
            ("evaluate one condition", lambda i=impl, p=p1, c=ctx: i.run(p, c), 20000),
            ("evaluate 60 conditions (1x)", lambda i=impl, p=p60, c=ctx: i.run(p, c), 2000),
        ]
        for label, fn, n in rows:
            print(f"    {label + ':':30}{timeit(fn, n):8.1f}")
        print(
            f"    context + one condition:      "
            f"{timeit(lambda i=impl, p=p1: i.run(p, i.context(FACTS)), 5000):8.1f}"
        )


if __name__ == "__main__":
    main()
