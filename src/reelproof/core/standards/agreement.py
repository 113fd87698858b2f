"""The load-time agreement check: a rule's prefilter against the CEL library itself.

The prefilter (prefilter.py) is Python generated from the parsed condition; it may decide a
rule without calling CEL, so it must give CEL's answer wherever it gives one. Its
translation is written to follow cel-spec, but a pack can hold any expression, and the CEL
library has its own ways (integers compared with doubles as doubles, fact strings cut at a
NUL, 64-bit integers). So when a pack is compiled (loaded, published, tested: studio packs
as much as bundled ones), every condition's prefilter is run next to its CEL program on
facts generated from the fact schema, the condition's own literals and values near them,
and edge values (empty, non-ASCII, NUL, int/double boundaries, null where nullable, missing
keys, anything where the schema says `any`). One disagreement, where the prefilter said
true or false and CEL said otherwise, and the rule is decided by CEL alone.

Probes are seeded by the condition's text, so a pack gives the same verdict on every load;
verdicts are cached per condition and scope.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Iterable, Sequence

from reelproof.core.json_types import JsonMapping, JsonObject, JsonValue
from reelproof.core.standards import cel_backend
from reelproof.core.standards import expr as x
from reelproof.core.standards.prefilter import Guard
from reelproof.core.standards.schema import FACTS, FType

PROBES = 160
_STRS = ("", "a", "é", "日本", "a\x00", "\x00")
_NUMS: tuple[JsonValue, ...] = (0, 1, -1, 2, 0.5, 1.0, -0.0, 2**53 + 1, float(2**53))
_NUMS += (2**63 - 1, 2**63, -(2**63), math.nan, math.inf)
_DATES = ("2024-12-31", "2025-01-01", "2026-09-14", "2027-12-31")

_CACHE: dict[tuple[str, frozenset[str]], str | None] = {}


class _Pools:
    """Values to draw probes from: the condition's literals, values next to them, edges."""

    def __init__(self, node: x.Node) -> None:
        strs: list[str] = list(_STRS)
        nums: list[JsonValue] = list(_NUMS)
        self.bools: list[JsonValue] = [True, False]
        for n in x.nodes(node):
            if not isinstance(n, x.Lit):
                continue
            if n.kind == "str":
                v = n.value
                strs += [v, v + "x", v[:-1], v + "\x00", v.upper()]
            elif n.kind in ("int", "uint", "float"):
                v = n.value
                nums += [v, v + 1, v - 1, float(v)] if math.isfinite(v) else [v]
                if n.kind != "float" and 0 < v <= 16:  # strings of that size, as CEL counts
                    strs += ["é" * v, "a" * v + "\x00b", "a" * (v - 1) + "\U0001f600"]
        self.strs = list(dict.fromkeys(strs))
        self.nums = list(dict.fromkeys(nums))
        self.dates = list(dict.fromkeys([*_DATES, *(s for s in strs if len(s) == 10)]))
        self.names = sorted({n.field for n in x.nodes(node) if isinstance(n, x.Select)})
        self.scalars: list[JsonValue] = [None, *self.bools, *self.strs, *self.nums]


class _Gen:
    """Makes probe values: one generator per schema node, built once per condition."""

    def __init__(self, pools: _Pools, seed: int) -> None:
        self.p = pools
        self.rng = random.Random(seed)
        self.wanted = set(pools.names)

    def maker(self, t: FType, depth: int = 0) -> Callable[[], JsonValue]:
        p, roll = self.p, self.rng.random

        def choice(
            options: Sequence[JsonValue],
        ) -> JsonValue:  # random.choice, without its overhead
            return options[int(roll() * len(options))]

        make: Callable[[], JsonValue]
        k = t.kind
        if k == "object":
            fields = [
                (name, self.maker(ft, depth + 1))
                for name, ft in t.fields.items()
                if name in self.wanted
            ]

            def make() -> JsonValue:  # now and then a key is missing
                return {name: f() for name, f in fields if roll() > 0.03}

        elif k == "list":
            assert t.item is not None
            item, sizes = self.maker(t.item, depth + 1), (0, 1, 1, 2, 3)

            def make() -> JsonValue:
                return [item() for _ in range(choice(sizes))]

        elif k == "any":

            def make() -> JsonValue:
                return self.wild(depth)

        else:
            values = {
                "bool": p.bools,
                "tristate": [*p.bools, *sorted(t.values)],
                "enum": sorted(t.values),
                "date": p.dates,
                "str": p.strs,
                "number": p.nums,
            }[k]

            def make() -> JsonValue:
                return choice(values)

        if not t.nullable:
            return make
        inner = make

        def nullable() -> JsonValue:
            return None if roll() < 0.2 else inner()

        return nullable

    def wild(self, depth: int) -> JsonValue:
        """A value where the schema says `any`: scalars, lists and maps of them."""
        rng, p = self.rng, self.p
        roll = rng.random()
        if depth < 3 and roll < 0.2:
            return [self.wild(depth + 1) for _ in range(rng.choice((0, 1, 2)))]
        if depth < 3 and roll < 0.45:
            keys = rng.sample([*p.names, *p.strs[:6]], k=min(3, len(p.names) + 6))
            return {key: self.wild(depth + 1) for key in keys}
        return rng.choice(p.scalars)


def probes(node: x.Node, names: Iterable[str], seed: int, count: int = PROBES) -> list[JsonObject]:
    """`count` fact sets for the roots `names`, holding only the fields the condition reads."""
    gen = _Gen(_Pools(node), seed)
    roots = [(n, gen.maker(FACTS[n])) for n in sorted(names) if n in FACTS]
    return [{n: make() for n, make in roots} for _ in range(count)]


def _cel(program: cel_backend.Program, scope: frozenset[str], facts: JsonMapping) -> JsonValue:
    try:
        return program.run(cel_backend.activation(scope, facts))
    except RuntimeError as exc:  # the library refused the value itself
        return str(exc)


def disagreement(
    node: x.Node, program: cel_backend.Program, guard: Guard, scope: frozenset[str]
) -> str | None:
    """Where `guard` and CEL differ on a probe (None when they never do)."""
    seed = zlib.crc32(program.source.encode())
    for facts in probes(node, x.free_names(node) & scope, seed):
        mine = guard(facts)
        if mine < 0:
            continue
        cel = _cel(program, scope, facts)
        if cel is not bool(mine):
            return f"the prefilter gave {bool(mine)!r} where CEL gave {cel!r}, on facts {facts!r}"
    return None


Verdicts = dict[tuple[str, frozenset[str]], str | None]


def verdicts() -> Verdicts:
    """Every verdict reached in this process (condition text and scope → disagreement)."""
    return dict(_CACHE)


def remember(known: Verdicts) -> None:
    """Verdicts reached before (by an earlier process, for the same code): not re-probed."""
    _CACHE.update(known)


def check(
    node: x.Node, program: cel_backend.Program, guard: Guard, scope: frozenset[str]
) -> str | None:
    """`disagreement` for the prefilter compiled from `node`, once per condition and scope."""
    key = (program.source, scope)
    if key not in _CACHE:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        _CACHE[key] = disagreement(node, program, guard, scope)
    return _CACHE[key]
