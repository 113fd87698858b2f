"""Pack selection, rule evaluation and composition into a Decision.

Composition is "strictest wins" over proceed < inform < escalate < written_approval <
prohibited: nothing lowers a tier, and obligations accumulate from every rule that fired.
A condition that cannot be evaluated (a CEL error) never counts as safe: the rule is listed
with its error and the decision is at least `escalate`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import rfc8785

from reelproof.core.documents import OUTCOME_ORDER, AIUseDeclaration, Outcome, Production
from reelproof.core.json_types import JsonMapping, JsonObject, JsonValue
from reelproof.core.standards import cel_backend
from reelproof.core.standards import expr as x
from reelproof.core.standards.explain import explain
from reelproof.core.standards.expr import free_names
from reelproof.core.standards.facts import build_facts, production_fact
from reelproof.core.standards.pack import (
    CompiledObligation,
    CompiledPack,
    CompiledRule,
    version_key,
)
from reelproof.core.standards.prefilter import PackFilter
from reelproof.core.standards.schema import RULE_SCOPE, SELECTION_SCOPE, TALENT_RULE_SCOPE
from reelproof.core.territories import resolve

RANK: dict[str, int] = {o: i for i, o in enumerate(OUTCOME_ORDER)}
_CATEGORY_ORDER = {"studio": 0, "union": 1, "law": 2, None: 3}
UNVERIFIED_NOTE = (
    " (Unverified rule: its source could not be checked; confirm before relying on it.)"
)


def strictest(outcomes: Sequence[Outcome], default: Outcome = "proceed") -> Outcome:
    """The strictest of several outcomes."""
    best = default
    for o in outcomes:
        if RANK[o] > RANK[best]:
            best = o
    return best


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackSelection:
    """Whether one loaded pack version applies to a production, and why."""

    pack: str
    version: str
    category: str | None
    applied: bool
    reason: str
    compiled: CompiledPack = field(repr=False, compare=False)

    def to_json(self) -> JsonObject:
        """Why a pack applied or not, as a decision lists it."""
        return {
            "pack": self.pack,
            "version": self.version,
            "category": self.category,
            "applied": self.applied,
            "reason": self.reason,
        }


class FiredRule(NamedTuple):
    """One rule that fired (once per performer for `for_each: talent` rules)."""

    id: str
    pack: str
    version: str
    title: str
    outcome: Outcome
    source: str
    verification: str
    message: str
    performer: str | None = None
    error: str | None = None

    @property
    def unverified(self) -> bool:
        """Whether the rule's source was never verified (verification U): a reader must know."""
        return self.verification == "U"

    def to_json(self) -> JsonObject:
        """The rule as a decision lists it (DESIGN.md's decide JSON)."""
        out: JsonObject = {
            "id": self.id,
            "pack": self.pack,
            "outcome": self.outcome,
            "title": self.title,
            "source": self.source,
            "verification": self.verification,
            "message": self.message,
        }
        if self.verification == "U":
            out["unverified"] = True
        elif self.verification == "A":
            out["by_analogy"] = True
        if self.performer is not None:
            out["performer"] = self.performer
        if self.error is not None:
            out["error"] = self.error
        return out


class Obligation(NamedTuple):
    """Something that must happen, accumulated from every rule that asked for it."""

    kind: str
    party: str | None
    status: str  # required | covered | missing
    detail: str | None
    rules: tuple[str, ...]

    def to_json(self) -> JsonObject:
        """The obligation as a decision lists it."""
        return {
            "kind": self.kind,
            "party": self.party,
            "status": self.status,
            "detail": self.detail,
            "rules": list(self.rules),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision on one declaration: tier, every rule that fired, obligations, packs."""

    declaration: str
    production: str
    outcome: Outcome
    rules: tuple[FiredRule, ...]
    obligations: tuple[Obligation, ...]
    standards: Mapping[str, str]
    packs: tuple[PackSelection, ...]
    # What the tier rests on: "analogy" when every rule that reaches it is applied by analogy
    # (verification A), "direct" when at least one is not, "none" when no rule set it.
    tier_basis: str = "none"

    def to_json(self, log_index: int | None = None) -> JsonObject:
        """The stable JSON of `reelproof decide` (DESIGN.md), plus the packs considered."""
        return {
            "declaration": self.declaration,
            "production": self.production,
            "outcome": self.outcome,
            "tier_basis": self.tier_basis,
            "rules": [r.to_json() for r in self.rules],
            "obligations": [o.to_json() for o in self.obligations],
            "standards": dict(self.standards),
            "packs": [p.to_json() for p in self.packs],
            "log_index": log_index,
        }

    def digest(self) -> str:
        """SHA-256 of the canonical JSON without log_index: equal digests, same decision."""
        body = self.to_json()
        del body["log_index"]
        return hashlib.sha256(rfc8785.dumps(body)).hexdigest()

    @property
    def rule_ids(self) -> list[str]:
        """The ids of the rules that fired, in order: what tests and impact compare."""
        return list(dict.fromkeys(r.id for r in self.rules))


# --- evaluation ---------------------------------------------------------------------------


class _Firing(NamedTuple):
    order: int  # the rule's position in its pack: firings are reported in pack order
    rule: CompiledRule
    scope: JsonMapping  # the facts, plus `t` for a per-talent firing
    talent: JsonMapping | None
    error: str | None


@dataclass(frozen=True)
class _PackPlan:
    """A pack's rules arranged for evaluation: one generated prefilter function for its
    plain rules and one for its per-talent rules (each a single call per decision, or per
    talent entry), then the aggregate rules, which read what fired."""

    pack: CompiledPack
    general: PackFilter
    per_talent: PackFilter | None
    exact: dict[int, bool]
    steps: dict[int, CompiledRule]
    aggregate: tuple[tuple[int, CompiledRule], ...]


def _plan(pack: CompiledPack, prefilter: bool) -> _PackPlan:
    general_fn, talent_fn = pack.filters(prefilter)
    return _PackPlan(
        pack,
        general_fn,
        talent_fn,
        {i: r.exact and prefilter for i, r in enumerate(pack.rules)},
        dict(enumerate(pack.rules)),
        tuple((i, r) for i, r in enumerate(pack.rules) if r.aggregate),
    )


def _freeze(v: JsonValue) -> JsonValue:
    if isinstance(v, list):
        return tuple(_freeze(i) for i in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(i)) for k, i in v.items()))
    return v


class Engine:
    """Loaded packs with everything precomputed for fast decisions.

    `trust_prefilter=True` accepts a prefilter's "true" without asking CEL when the
    prefilter models the whole condition and agreed with CEL when the pack loaded (same
    answer, fewer CEL calls; tests check it). `prefilter=False` asks CEL for every rule:
    the reference the prefilter is measured and tested against.
    """

    def __init__(
        self,
        packs: Sequence[CompiledPack],
        *,
        trust_prefilter: bool = True,
        prefilter: bool = True,
    ) -> None:
        self.packs = tuple(packs)
        self.trust_prefilter = trust_prefilter
        self.prefilter = prefilter
        # Planned when a decision first selects the pack: most processes decide against a few.
        self._plans: dict[int, _PackPlan] = {}
        by_id: dict[str, list[CompiledPack]] = {}
        for p in self.packs:
            by_id.setdefault(p.id, []).append(p)
        for versions in by_id.values():
            versions.sort(key=lambda p: version_key(p.version), reverse=True)
        self._by_id = by_id
        # Performer fields any applies_when may read: part of the selection cache key.
        self._performer_fields = tuple(
            sorted(
                {
                    f
                    for p in self.packs
                    if "performers" in free_names(p.applies_node)
                    for f in _selected_fields(p.applies_node)
                }
            )
        )
        # Any: the key is the production and today, frozen into nested tuples
        self._selections: OrderedDict[Any, tuple[Production, tuple[PackSelection, ...]]] = (
            OrderedDict()
        )

    # -- selection --

    def select(
        self,
        production: Production,
        performers: Sequence[JsonMapping],
        today: dt.date,
        territories: Sequence[str] | None = None,
    ) -> tuple[PackSelection, ...]:
        """Every loaded pack version with applied / not applied and the reason (cached).

        `territories` (codes as declared) narrow the production's; groups are resolved here.
        """
        codes = tuple(territories) if territories else tuple(production.spec.territories)
        fields = self._performer_fields
        perf_key = (
            tuple(tuple(_freeze(p.get(f)) for f in fields) for p in performers) if fields else ()
        )
        key = (id(production), codes, perf_key, today)
        hit = self._selections.get(key)
        if hit is not None and hit[0] is production:
            return hit[1]
        scope = {
            "production": production_fact(production),
            "territories": resolve(codes),
            "performers": [dict(p) for p in performers],
            "today": today.isoformat(),
        }
        result = self._select(scope, today)
        self._selections[key] = (production, result)
        if len(self._selections) > 4096:
            self._selections.popitem(last=False)
        return result

    def _select(self, scope: JsonMapping, today: dt.date) -> tuple[PackSelection, ...]:
        act = cel_backend.activation(SELECTION_SCOPE, scope)
        out: list[PackSelection] = []
        holds: dict[int, bool] = {}
        for versions in self._by_id.values():
            in_force = [p for p in versions if _in_force(p, today)]
            current = in_force[0] if in_force else None
            for p in versions:
                if p.effective_from > today:
                    out.append(
                        _sel(p, False, f"not yet in force: effective from {p.effective_from}")
                    )
                elif p.effective_until is not None and today > p.effective_until:
                    out.append(
                        _sel(p, False, f"no longer in force: effective until {p.effective_until}")
                    )
                elif p is not current:
                    assert current is not None
                    out.append(_sel(p, False, f"superseded by version {current.version}"))
                else:
                    res = p.applies.run(act)
                    if res is True:
                        holds[id(p)] = True
                        reason = (
                            p.applies_reason.render(scope)
                            if p.applies_reason is not None
                            else explain(p.applies_node, scope, True)
                        )
                        out.append(_sel(p, True, reason))
                    elif res is False:
                        holds[id(p)] = False
                        out.append(
                            _sel(
                                p, False, "does not apply: " + explain(p.applies_node, scope, False)
                            )
                        )
                    else:
                        holds[id(p)] = True
                        out.append(
                            _sel(
                                p,
                                True,
                                f"applies_when could not be evaluated ({res}); applied to be safe",
                            )
                        )
        # Fallback packs apply only when no other pack of their category applies.
        final: list[PackSelection] = []
        for s in out:
            p = s.compiled
            if s.applied and p.fallback:
                others = sorted(
                    o.pack
                    for o in out
                    if o.applied and o.category == p.category and not o.compiled.fallback
                )
                if others:
                    s = _sel(p, False, f"fallback not needed: {', '.join(others)} applies")
                else:
                    s = _sel(
                        p,
                        True,
                        f"fallback: no other {p.category or 'such'} pack applies; {s.reason}",
                    )
            final.append(s)
        final.sort(key=lambda s: (_CATEGORY_ORDER.get(s.category, 3), s.pack, _neg(s.version)))
        return tuple(final)

    # -- evaluation --

    def plan(self, pack: CompiledPack) -> _PackPlan:
        """The pack's evaluation plan, made when a decision first selects it."""
        plan = self._plans.get(id(pack))
        if plan is None or plan.pack is not pack:  # the plan holds its pack: ids stay apart
            plan = self._plans[id(pack)] = _plan(pack, self.prefilter)
        return plan

    def evaluate(self, packs: Sequence[CompiledPack], facts: JsonMapping) -> list[_Firing]:
        """Every firing of every rule of these packs (already selected) for these facts."""
        firings: list[_Firing] = []
        act: Any = None  # Any: cel.Activation
        talent = facts["talent"]
        talent_scopes: list[JsonObject] | None = None
        talent_acts: list[Any] = []  # Any: cel.Activation
        trust = self.trust_prefilter
        for pack in packs:
            plan = self.plan(pack)
            fired: set[str] = set()
            pack_firings: list[_Firing] = []
            exact, steps = plan.exact, plan.steps
            for order, g in plan.general(facts):
                r = steps[order]
                if g == 1 and trust and exact[order]:
                    res: bool | str = True
                else:
                    if act is None:
                        act = cel_backend.activation(RULE_SCOPE, facts)
                    res = r.program.run(act)
                    if res is False:
                        continue
                fired.add(r.rule.id)
                pack_firings.append(
                    _Firing(order, r, facts, None, None if res is True else str(res))
                )
            if plan.per_talent is not None and talent:
                if talent_scopes is None:
                    talent_scopes = [{**facts, "t": t} for t in talent]
                    talent_acts = [None] * len(talent_scopes)
                for i, scope in enumerate(talent_scopes):
                    t = scope["t"]
                    for order, g in plan.per_talent(facts, t):
                        r = steps[order]
                        if g == 1 and trust and exact[order]:
                            res = True
                        else:
                            if talent_acts[i] is None:
                                talent_acts[i] = cel_backend.activation(TALENT_RULE_SCOPE, scope)
                            res = r.program.run(talent_acts[i])
                            if res is False:
                                continue
                        fired.add(r.rule.id)
                        pack_firings.append(
                            _Firing(order, r, scope, t, None if res is True else str(res))
                        )
            for order, r in plan.aggregate:
                rule = r.rule
                if rule.if_any_fired and not any(i in fired for i in rule.if_any_fired):
                    continue
                if any(i in fired for i in rule.if_none_fired):
                    continue
                g = r.guard(facts) if self.prefilter else -1
                if g == 0:
                    continue
                if g == 1 and r.exact and trust:
                    res = True
                else:
                    if act is None:
                        act = cel_backend.activation(RULE_SCOPE, facts)
                    res = r.program.run(act)
                    if res is False:
                        continue
                pack_firings.append(
                    _Firing(order, r, facts, None, None if res is True else str(res))
                )
            if len(pack_firings) > 1:
                pack_firings.sort(key=_order)
            firings.extend(pack_firings)
        return firings

    def decide(
        self,
        declaration: AIUseDeclaration,
        production: Production,
        talent: Sequence[JsonMapping],
        today: dt.date,
        findings: Sequence[Mapping[str, Any]] = (),
    ) -> Decision:
        """Decide one declaration under the packs that apply to its production; `findings`
        are checks' findings beyond the talent entries' (a likeness scan's)."""
        facts = build_facts(declaration, production, talent, today, findings)
        selection = self.select(
            production, facts["performers"], today, declaration.spec.territories or None
        )
        applied = [s.compiled for s in selection if s.applied]
        firings = self.evaluate(applied, facts)
        return compose(declaration, production, facts, firings, selection)


def _selected_fields(node: x.Node) -> set[str]:
    """Every field name selected anywhere in an expression (a superset of what it reads)."""
    return {n.field for n in x.nodes(node) if isinstance(n, x.Select)}


def _neg(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((-n, s) for n, s in version_key(version))


def _in_force(p: CompiledPack, today: dt.date) -> bool:
    return p.effective_from <= today and (p.effective_until is None or today <= p.effective_until)


def _sel(p: CompiledPack, applied: bool, reason: str) -> PackSelection:
    return PackSelection(p.id, p.version, p.category, applied, reason, p)


# --- composition --------------------------------------------------------------------------


def compose(
    declaration: AIUseDeclaration,
    production: Production,
    facts: JsonMapping,
    firings: Sequence[_Firing],
    selection: Sequence[PackSelection],
) -> Decision:
    """Strictest wins; obligations accumulate, deduplicated, with the rules that asked."""
    del facts  # each firing carries its own scope
    rules: list[FiredRule] = []
    obligations: dict[tuple[str, str | None, str, str | None], list[str]] = {}
    best = 0
    make = FiredRule._make
    for f in firings:
        r = f.rule
        rid, pack, version, title, outcome, source, verification = r.head
        talent = f.talent
        performer = None if talent is None else str(talent.get("performer_id"))
        if f.error is not None:
            outcome = "escalate"
            message = (
                f"{title}: the condition could not be evaluated ({f.error}); "
                "a person must review this use."
            )
        else:
            message = r.message.render(f.scope)
            for ob in r.obligations:
                key = ob.fixed if talent is None and ob.fixed else _obligation(ob, f.scope, talent)
                ids = obligations.get(key)
                if ids is None:
                    obligations[key] = [rid]
                elif rid not in ids:
                    ids.append(rid)
        if verification == "U":
            message += UNVERIFIED_NOTE
        rank = RANK[outcome]
        if rank > best:
            best = rank
        rules.append(
            make(
                (
                    rid,
                    pack,
                    version,
                    title,
                    outcome,
                    source,
                    verification,
                    message,
                    performer,
                    f.error,
                )
            )
        )
    applied = [s for s in selection if s.applied]
    final = OUTCOME_ORDER[best] if applied else strictest([OUTCOME_ORDER[best], "escalate"])
    return Decision(
        declaration=declaration.metadata.id,
        production=production.metadata.id,
        outcome=final,
        rules=tuple(rules),
        obligations=tuple(
            Obligation(k, p, st, d, tuple(ids)) for (k, p, st, d), ids in obligations.items()
        ),
        standards={s.pack: s.version for s in applied},
        packs=tuple(selection),
        tier_basis=_tier_basis(rules, final),
    )


def _tier_basis(rules: Sequence[FiredRule], outcome: Outcome) -> str:
    """Whether the tier comes only from rules applied by analogy, so a reader can say so.

    A rule whose condition could not be evaluated reaches `escalate` on the engine's own
    safety rule, never by analogy.
    """
    decisive = [r for r in rules if r.outcome == outcome]
    if not decisive:
        return "none"
    if all(r.verification == "A" and r.error is None for r in decisive):
        return "analogy"
    return "direct"


def _order(f: _Firing) -> int:
    return f.order


def _obligation(
    ob: CompiledObligation, scope: JsonMapping, talent: JsonMapping | None
) -> tuple[str, str | None, str, str | None]:
    kind: str = ob.template.kind
    party = ob.party.render(scope) if ob.party is not None else None
    detail = ob.detail.render(scope) if ob.detail is not None else None
    status = "required"
    if talent is not None:
        if party is None:
            party = f"performer:{talent.get('performer_id')}"
        if kind == "consent":
            consent = talent.get("consent") or {}
            if consent.get("covered") and consent.get("valid"):
                status = "covered"
                why = f"covered by consent {consent.get('id')}"
            else:
                status = "missing"
                reasons = [*consent.get("missing", []), *consent.get("invalid_reasons", [])]
                why = "; ".join(str(r) for r in reasons) or "no valid consent on record"
            detail = f"{detail}: {why}" if detail else why
    return kind, party, status, detail


# --- module-level API ---------------------------------------------------------------------

_ENGINES: OrderedDict[tuple[int, ...], tuple[tuple[CompiledPack, ...], Engine]] = OrderedDict()


def engine_for(packs: Sequence[CompiledPack]) -> Engine:
    """The cached Engine for exactly these pack objects."""
    key = tuple(id(p) for p in packs)
    hit = _ENGINES.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], packs, strict=True)):
        return hit[1]
    engine = Engine(packs)
    _ENGINES[key] = (tuple(packs), engine)
    if len(_ENGINES) > 32:
        _ENGINES.popitem(last=False)
    return engine


def select_packs(
    packs: Sequence[CompiledPack],
    production: Production,
    performers: Sequence[JsonMapping],
    today: dt.date,
    *,
    territories: Sequence[str] | None = None,
) -> list[PackSelection]:
    """Which pack versions apply to a production (studio, unions, territories, domiciles)."""
    return list(engine_for(packs).select(production, performers, today, territories))


def decide(
    declaration: AIUseDeclaration,
    production: Production,
    talent: Sequence[JsonMapping],
    packs: Sequence[CompiledPack],
    today: dt.date,
    findings: Sequence[Mapping[str, Any]] = (),
) -> Decision:
    """Decide a declaration: select packs, evaluate their rules, compose (strictest wins)."""
    return engine_for(packs).decide(declaration, production, talent, today, findings)
