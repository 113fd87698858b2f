"""Compiling a StandardsPack: every condition and template once, when the pack loads.

Every problem is a DocumentError naming the pack file, the rule and the position, so a
standards owner can fix a pack before it decides anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Protocol

from reelproof.core.documents import (
    ObligationTemplate,
    Outcome,
    RawDocument,
    Rule,
    StandardsPack,
    read_raw,
    validate,
)
from reelproof.core.errors import DocumentError
from reelproof.core.standards import agreement
from reelproof.core.standards import expr as x
from reelproof.core.standards.cel_backend import CelCompileError, Program
from reelproof.core.standards.check import Checker, CheckError
from reelproof.core.standards.prefilter import (
    UNKNOWN,
    Guard,
    PackFilter,
    compile_guard,
    compile_pack_filter,
)
from reelproof.core.standards.schema import RULE_SCOPE, SELECTION_SCOPE, TALENT_RULE_SCOPE
from reelproof.core.standards.templates import Template, TemplateError, parse_template


@dataclass(frozen=True, eq=False)
class CompiledObligation:
    """A rule's obligation with its templates compiled once, at load time."""

    template: ObligationTemplate
    party: Template | None
    detail: Template | None

    @cached_property
    def fixed(self) -> tuple[str, None, str, None] | None:
        """The obligation's key in a decision when nothing in it depends on the facts
        (no party, no detail; not per performer): computed once, not per firing."""
        if self.party is None and self.detail is None:
            return (self.template.kind, None, "required", None)
        return None


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A rule ready to evaluate: its CEL program, its prefilter and its templates."""

    rule: Rule
    pack_id: str
    pack_version: str
    program: Program
    node: x.Node
    guard: Guard
    exact: bool  # the prefilter models the whole condition and agreed with CEL
    prefilter_off: str | None  # why CEL alone decides this rule (None: the prefilter helps)
    message: Template
    obligations: tuple[CompiledObligation, ...]
    citation: str

    @property
    def id(self) -> str:
        """The rule's id."""
        return self.rule.id

    @cached_property
    def head(self) -> tuple[str, str, str, str, Outcome, str, str]:
        """What every firing of the rule repeats: id, pack, version, title, outcome, source
        citation and verification (read once, not per decision)."""
        r = self.rule
        return (
            r.id,
            self.pack_id,
            self.pack_version,
            r.title,
            r.outcome,
            self.citation,
            r.verification,
        )

    @property
    def per_talent(self) -> bool:
        """Whether the rule is evaluated once per talent fact (`for_each: talent`)."""
        return self.rule.for_each == "talent"

    @property
    def aggregate(self) -> bool:
        """Whether the rule depends on other rules of its pack having fired."""
        return bool(self.rule.if_any_fired or self.rule.if_none_fired)


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A pack's compiled rules and its two prefilter functions (plain rules, per-talent
    rules): everything a decision needs from the pack, and what the compiled-pack cache keeps."""

    rules: tuple[CompiledRule, ...]
    general: PackFilter
    per_talent: PackFilter | None


def rule_filters(
    rules: Sequence[CompiledRule], prefilter: bool
) -> tuple[PackFilter, PackFilter | None]:
    """One generated prefilter function for the plain rules and one for the per-talent rules;
    with `prefilter=False`, or where the agreement check turned a rule's off, CEL decides."""

    def node(r: CompiledRule) -> x.Node | None:
        return r.node if prefilter and r.prefilter_off is None else None  # None: asks CEL

    general = [(i, node(r)) for i, r in enumerate(rules) if not r.per_talent and not r.aggregate]
    talent = [(i, node(r)) for i, r in enumerate(rules) if r.per_talent]
    return (
        compile_pack_filter(general, per_talent=False),
        compile_pack_filter(talent, per_talent=True) if talent else None,
    )


class RuleCache(Protocol):
    """Compiled rules kept between processes for one pack (an adapter: a file in the user's
    cache). Neither method raises: a cache that cannot be used is simply not used."""

    def load(self, doc: StandardsPack) -> RuleSet | None:
        """The rules an earlier process compiled from exactly this pack, else None."""
        ...

    def save(self, doc: StandardsPack, ruleset: RuleSet) -> None:
        """Keep the rules compiled from this pack for the next process."""
        ...


@dataclass(frozen=True, eq=False)
class CompiledPack:
    """A StandardsPack with every condition compiled; immutable and shareable."""

    doc: StandardsPack
    file: str
    applies: Program
    applies_node: x.Node
    applies_reason: Template | None
    compile_rules: Callable[[], RuleSet] = field(repr=False)

    @cached_property
    def ruleset(self) -> RuleSet:
        """The rules and prefilters, compiled (or read from the cache) on first use."""
        return self.compile_rules()

    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        """The compiled rules, in pack order."""
        return self.ruleset.rules

    def filters(self, prefilter: bool) -> tuple[PackFilter, PackFilter | None]:
        """The prefilter functions for the engine (see `rule_filters`); made once per pack."""
        if prefilter:
            return self.ruleset.general, self.ruleset.per_talent
        return rule_filters(self.rules, prefilter=False)

    @property
    def id(self) -> str:
        """The pack's id."""
        return self.doc.metadata.id

    @property
    def version(self) -> str:
        """The pack's version, as decisions cite it."""
        return self.doc.spec.version

    @property
    def category(self) -> str | None:
        """studio, union or law: fallback packs are chosen within a category."""
        return self.doc.spec.category

    @property
    def fallback(self) -> bool:
        """Whether the pack applies only when no other pack of its category does."""
        return self.doc.spec.fallback

    @property
    def effective_from(self) -> dt.date:
        """The first day the pack is in force."""
        return self.doc.spec.effective_from

    @property
    def effective_until(self) -> dt.date | None:
        """The last day the pack is in force, or None."""
        return self.doc.spec.effective_until

    def rule(self, rule_id: str) -> CompiledRule:
        """The compiled rule with `rule_id`."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Orders "2025.1" < "2025.2" < "2025.10" (numbers as numbers, other parts as text)."""
    return tuple(
        (int(p), "") if p.isdigit() else (-1, p) for p in re.findall(r"\d+|[A-Za-z]+", version)
    )


class _Where:
    """Builds DocumentErrors that name the file, the YAML line and the rule."""

    def __init__(self, file: str, raw: RawDocument | None) -> None:
        self.file = file
        self.raw = raw

    def line(self, path: Sequence[str | int]) -> int | None:
        return self.raw.line_of(path) if self.raw is not None else None

    def error(
        self, path: Sequence[str | int], what: str, problem: str, src: str, offset: int | None
    ) -> DocumentError:
        key = _key(path)
        if offset is not None:
            line, col = x.line_col(src, offset)
            pos = f"line {line} column {col}" if "\n" in src.strip() else f"column {col}"
            problem = f"{what}, {pos}: {problem} (in `{_excerpt(src, offset)}`)"
        else:
            problem = f"{what}: {problem} (in `{_excerpt(src, 0)}`)"
        return DocumentError(self.file, self.line(path), key, problem)


def _key(path: Sequence[str | int]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _excerpt(src: str, offset: int) -> str:
    flat = " ".join(src.split())
    if len(flat) <= 100:
        return flat
    start = max(0, min(offset, len(flat)) - 40)
    return ("…" if start else "") + flat[start : start + 100] + "…"


def _offset_of(src: str, line: int | None, col: int | None) -> int | None:
    if line is None or col is None:
        return None
    lines = src.split("\n")
    if line > len(lines):
        return None
    return sum(len(ln) + 1 for ln in lines[: line - 1]) + col - 1


def _compile_condition(
    src: str, scope: frozenset[str], context: str, where: _Where, path: list[str | int], what: str
) -> tuple[Program, x.Node]:
    """Parse, check against the fact schema, and compile with the CEL runtime."""
    try:
        node = x.parse(src)
    except x.ExprSyntaxError as exc:
        try:
            Program(src, scope)
        except CelCompileError as cel_exc:
            off = _offset_of(src, cel_exc.line, cel_exc.col)
            raise where.error(path, what, cel_exc.message, src, off) from None
        raise where.error(
            path, what, f"unsupported syntax: {exc.message}", src, exc.offset
        ) from None
    try:
        Checker(scope, context).check(node)
    except CheckError as exc:
        raise where.error(path, what, exc.message, src, exc.offset) from None
    try:
        program = Program(src, scope)
    except CelCompileError as exc:
        off = _offset_of(src, exc.line, exc.col)
        raise where.error(path, what, exc.message, src, off) from None
    return program, node


def _template(
    text: str, scope: frozenset[str], context: str, where: _Where, path: list[str | int], what: str
) -> Template:
    try:
        return parse_template(text, Checker(scope, context))
    except TemplateError as exc:
        raise where.error(path, what, exc.message, text, exc.offset) from None


def _citation(doc: StandardsPack, rule: Rule, where: _Where, path: list[str | int]) -> str:
    sources = {s.id: s for s in doc.spec.sources}
    src = sources.get(rule.source.ref)
    if src is None:
        known = ", ".join(sorted(sources)) or "none"
        raise DocumentError(
            where.file,
            where.line([*path, "source", "ref"]),
            _key([*path, "source", "ref"]),
            f"rule {rule.id}: unknown source '{rule.source.ref}' (sources: {known})",
        )
    text = src.title if src.publisher is None else f"{src.publisher}, {src.title}"
    if src.published is not None:
        text += f" ({src.published.year})"
    if rule.source.section:
        text += f", '{rule.source.section}'"
    return text


def compile_pack(
    doc: StandardsPack,
    file: str,
    *,
    raw: RawDocument | None = None,
    lazy_rules: bool = False,
    cache: RuleCache | None = None,
) -> CompiledPack:
    """Compile every `when`, the pack's `applies_when` and every template, once.

    `raw` (the parsed YAML document) lets errors name the line; without it they name the key.
    `lazy_rules` (for packs already checked when they were published) compiles the rules when
    a decision first selects the pack: a process pays only for the packs its productions use.
    `cache` gives the rules an earlier process compiled from this very pack; otherwise they
    are compiled and handed to it.
    """
    where = _Where(file, raw)
    spec = doc.spec
    applies, applies_node = _compile_condition(
        spec.applies_when,
        SELECTION_SCOPE,
        "applies_when (it sees production, territories, performers and today)",
        where,
        ["spec", "applies_when"],
        f"pack {doc.metadata.id} applies_when",
    )
    applies_reason = None
    if spec.applies_reason is not None:
        applies_reason = _template(
            spec.applies_reason,
            SELECTION_SCOPE,
            "applies_reason",
            where,
            ["spec", "applies_reason"],
            f"pack {doc.metadata.id} applies_reason",
        )
    if spec.effective_until is not None and spec.effective_until < spec.effective_from:
        raise DocumentError(
            file,
            where.line(["spec", "effective_until"]),
            "spec.effective_until",
            f"effective_until {spec.effective_until} is before "
            f"effective_from {spec.effective_from}",
        )

    build = partial(_ruleset, doc, where, cache)
    if lazy_rules:
        return CompiledPack(doc, file, applies, applies_node, applies_reason, build)
    rules = build()
    return CompiledPack(doc, file, applies, applies_node, applies_reason, lambda: rules)


def _ruleset(doc: StandardsPack, where: _Where, cache: RuleCache | None) -> RuleSet:
    kept = cache.load(doc) if cache is not None else None
    if kept is not None:
        return kept
    rules = _compile_rules(doc, where)
    ruleset = RuleSet(rules, *rule_filters(rules, prefilter=True))
    if cache is not None:
        cache.save(doc, ruleset)
    return ruleset


def _compile_rules(doc: StandardsPack, where: _Where) -> tuple[CompiledRule, ...]:
    file, spec = where.file, doc.spec
    seen: dict[str, int] = {}
    rules: list[CompiledRule] = []
    for i, rule in enumerate(spec.rules):
        path: list[str | int] = ["spec", "rules", i]
        if rule.id in seen:
            raise DocumentError(
                file,
                where.line([*path, "id"]),
                _key([*path, "id"]),
                f"duplicate rule id {rule.id} (also rule {seen[rule.id] + 1})",
            )
        seen[rule.id] = i
        per_talent = rule.for_each == "talent"
        scope = TALENT_RULE_SCOPE if per_talent else RULE_SCOPE
        context = "this rule" if per_talent else "a rule without `for_each: talent`"
        program, node = _compile_condition(
            rule.when, scope, context, where, [*path, "when"], f"rule {rule.id} `when`"
        )
        guard, exact = compile_guard(node)
        prefilter_off = agreement.check(node, program, guard, scope)
        if prefilter_off is not None:
            guard, exact = UNKNOWN, False
        message = _template(
            rule.message, scope, context, where, [*path, "message"], f"rule {rule.id} message"
        )
        obligations = []
        for j, ob in enumerate(rule.obligations):
            opath: list[str | int] = [*path, "obligations", j]
            party = (
                None
                if ob.party is None
                else _template(
                    ob.party, scope, context, where, [*opath, "party"], f"rule {rule.id} party"
                )
            )
            detail = (
                None
                if ob.detail is None
                else _template(
                    ob.detail, scope, context, where, [*opath, "detail"], f"rule {rule.id} detail"
                )
            )
            obligations.append(CompiledObligation(ob, party, detail))
        rules.append(
            CompiledRule(
                rule=rule,
                pack_id=doc.metadata.id,
                pack_version=spec.version,
                program=program,
                node=node,
                guard=guard,
                exact=exact,
                prefilter_off=prefilter_off,
                message=message,
                obligations=tuple(obligations),
                citation=_citation(doc, rule, where, path),
            )
        )

    by_id = {r.id: r for r in rules}
    for i, cr in enumerate(rules):
        refs = [*cr.rule.if_any_fired, *cr.rule.if_none_fired]
        if not refs:
            continue
        key: list[str | int] = [
            "spec",
            "rules",
            i,
            "if_any_fired" if cr.rule.if_any_fired else "if_none_fired",
        ]
        if cr.per_talent:
            raise DocumentError(
                file,
                where.line(key),
                _key(key),
                f"rule {cr.id}: an aggregate rule (if_any_fired / if_none_fired) "
                "cannot use for_each",
            )
        for ref in refs:
            target = by_id.get(ref)
            problem = None
            if target is None:
                problem = f"rule {cr.id} refers to unknown rule {ref}"
            elif target.aggregate:
                problem = f"rule {cr.id} refers to {ref}, itself an aggregate rule"
            if problem:
                raise DocumentError(file, where.line(key), _key(key), problem)
    return tuple(rules)


def load_pack_text(text: str, file: str, *, cache: RuleCache | None = None) -> CompiledPack:
    """Parse one StandardsPack document from YAML/JSON text and compile it (no file I/O);
    `cache` as for `compile_pack`."""
    raws = read_raw(text, file)
    packs = [(raw, validate(raw)) for raw in raws]
    found = [(raw, doc) for raw, doc in packs if isinstance(doc, StandardsPack)]
    if len(found) != 1:
        raise DocumentError(file, None, None, f"expected one StandardsPack, found {len(found)}")
    raw, doc = found[0]
    assert isinstance(doc, StandardsPack)
    return compile_pack(doc, file, raw=raw, cache=cache)
