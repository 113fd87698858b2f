"""A pack's own test cases (declaration → expected outcome and rules), as OPA policies
carry theirs: `reelproof standards test` runs them, and so does the test suite.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from reelproof.core.documents import (
    AIUseDeclaration,
    AnyDocument,
    Consent,
    PackTest,
    Performer,
    Production,
    parse_documents,
    parse_one,
)
from reelproof.core.errors import DocumentError
from reelproof.core.json_types import JsonMapping, JsonObject
from reelproof.core.standards.engine import Decision, Engine, PackSelection, compose
from reelproof.core.standards.facts import build_facts, talent_without_registry
from reelproof.core.standards.pack import CompiledPack
from reelproof.core.standards.schema import TALENT_ENTRY, conform

DEFAULT_PRODUCTION: JsonObject = {
    "title": "Pack test production",
    "studio": "custom:test-studio",
    "unions": [],
    "territories": ["WORLD"],
    "principal_photography_start": None,
    "strike_in_progress": False,
}

# Builds talent facts from performers and consents (the consent registry, in services).
TalentFor = Callable[
    [AIUseDeclaration, Production, Sequence[Performer], Sequence[Consent], dt.date],
    list[JsonObject],
]


@dataclass(frozen=True)
class PackTestResult:
    """One test's outcome: expected vs actual outcome and rules."""

    name: str
    passed: bool
    expected_outcome: str
    actual_outcome: str | None
    expected_rules: tuple[str, ...]
    fired_rules: tuple[str, ...]
    missing_rules: tuple[str, ...] = ()
    unexpected_rules: tuple[str, ...] = ()
    error: str | None = None
    decision: Decision | None = field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        """One line for a test report."""
        if self.error:
            return f"FAIL {self.name}: {self.error}"
        if self.passed:
            return f"ok   {self.name}: {self.actual_outcome} ({', '.join(self.fired_rules)})"
        problems = []
        if self.actual_outcome != self.expected_outcome:
            problems.append(f"expected {self.expected_outcome}, got {self.actual_outcome}")
        if self.missing_rules:
            problems.append(f"did not fire: {', '.join(self.missing_rules)}")
        if self.unexpected_rules:
            problems.append(f"must not fire but did: {', '.join(self.unexpected_rules)}")
        return f"FAIL {self.name}: {'; '.join(problems)} (fired: {', '.join(self.fired_rules)})"


def _deep_merge(base: JsonObject, over: JsonMapping) -> JsonObject:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _declaration(
    test: PackTest, index: int, resolve_file: Callable[[str], str] | None
) -> tuple[AIUseDeclaration, list[AnyDocument]]:
    where = f"test {index + 1} ({test.name})"
    if test.declaration is not None:
        data = test.declaration
        if "kind" not in data:
            data = {
                "apiVersion": "reelproof/v1",
                "kind": "AIUseDeclaration",
                "metadata": {"id": f"test-{index + 1}", "production": "pack-test"},
                "spec": data,
            }
        doc = parse_one(data, where)
        if not isinstance(doc, AIUseDeclaration):
            raise DocumentError(where, None, "declaration", "expected an AIUseDeclaration")
        return doc, []
    if test.file is not None:
        if resolve_file is None:
            raise DocumentError(where, None, "file", f"cannot read {test.file}: no file resolver")
        docs = parse_documents(resolve_file(test.file), test.file)
        decls = [d for d in docs if isinstance(d, AIUseDeclaration)]
        if not decls:
            raise DocumentError(test.file, None, None, "no AIUseDeclaration in the file")
        return decls[0], [d for d in docs if not isinstance(d, AIUseDeclaration)]
    raise DocumentError(where, None, "declaration", "a test needs `declaration` or `file`")


def _performers(test: PackTest, extra: Sequence[AnyDocument]) -> dict[str, Performer]:
    out = {p.id: p for p in extra if isinstance(p, Performer)}
    for i, p in enumerate(test.performers):
        data = dict(p)
        if "kind" not in data:
            pid = data.pop("id", None)
            data = {
                "apiVersion": "reelproof/v1",
                "kind": "Performer",
                "metadata": {"id": pid},
                "spec": data,
            }
        doc = parse_one(data, f"test {test.name}: performers[{i}]")
        if not isinstance(doc, Performer):
            raise DocumentError(test.name, None, f"performers[{i}]", "expected a Performer")
        out[doc.id] = doc
    return out


def _talent(
    test: PackTest, declaration: AIUseDeclaration, performers: Mapping[str, Performer]
) -> list[JsonObject]:
    base = talent_without_registry(declaration, performers)
    if test.talent is None:
        return base
    used: set[int] = set()
    for j, over in enumerate(test.talent):
        pid = over.get("performer_id")
        match = next(
            (
                i
                for i, t in enumerate(base)
                if i not in used
                and t["performer_id"] == pid
                and over.get("use", t["use"]) == t["use"]
            ),
            None,
        )
        if match is None:
            raise DocumentError(
                test.name,
                None,
                f"talent[{j}]",
                f"no talent entry of the declaration for performer_id {pid!r}"
                + (f" and use {over['use']!r}" if "use" in over else ""),
            )
        used.add(match)
        merged = _deep_merge(base[match], over)
        if "findings" not in over:
            # The registry-less "no consent on record" finding describes the base consent:
            # a test that gives its own consent drops it; replica findings are added.
            kept = [] if "consent" in over else list(base[match]["findings"])
            merged["findings"] = kept + list(merged["replica"].get("findings", []))
        base[match] = merged
    for j, t in enumerate(base):
        problems = conform(t, TALENT_ENTRY, f"talent[{j}]")
        if problems:
            raise DocumentError(test.name, None, "talent", "; ".join(problems[:3]))
    return base


def run_pack_tests(
    pack: CompiledPack,
    tests: Sequence[PackTest],
    resolve_file: Callable[[str], str] | None = None,
    *,
    talent_for: TalentFor | None = None,
) -> list[PackTestResult]:
    """Run a pack's own tests (kept beside it) against this pack only (its applies_when is
    ignored).

    `resolve_file` returns the text of a test's `file:`; `talent_for` builds talent facts
    from the test's performers and consents (the consent registry) when the test gives
    consents instead of `talent:` facts.
    """
    engine = Engine([pack])
    selection = (PackSelection(pack.id, pack.version, pack.category, True, "pack test", pack),)
    results = []
    for index, test in enumerate(tests):
        expect = test.expect
        try:
            declaration, extra = _declaration(test, index, resolve_file)
            prod_spec = dict(DEFAULT_PRODUCTION)
            base_prod = next((d for d in extra if isinstance(d, Production)), None)
            if base_prod is not None:
                prod_spec = base_prod.spec.model_dump(mode="json")
            prod_spec.update(test.production or {})
            production = parse_one(
                {
                    "apiVersion": "reelproof/v1",
                    "kind": "Production",
                    "metadata": {"id": declaration.metadata.production},
                    "spec": prod_spec,
                },
                f"test {test.name}: production",
            )
            assert isinstance(production, Production)
            performers = _performers(test, extra)
            today = test.today or pack.effective_from
            if test.talent is None and test.consents:
                if talent_for is None:
                    raise DocumentError(
                        test.name,
                        None,
                        "consents",
                        "consents need the consent registry; give `talent:` facts instead",
                    )
                consents = []
                for i, c in enumerate(test.consents):
                    doc = parse_one(c, f"test {test.name}: consents[{i}]")
                    if not isinstance(doc, Consent):
                        raise DocumentError(test.name, None, f"consents[{i}]", "expected a Consent")
                    consents.append(doc)
                talent = talent_for(
                    declaration, production, list(performers.values()), consents, today
                )
            else:
                talent = _talent(test, declaration, performers)
            facts = build_facts(declaration, production, talent, today)
            firings = engine.evaluate([pack], facts)
            decision = compose(declaration, production, facts, firings, selection)
        except DocumentError as exc:
            results.append(
                PackTestResult(
                    test.name, False, expect.outcome, None, tuple(expect.rules), (), error=str(exc)
                )
            )
            continue
        fired = tuple(decision.rule_ids)
        missing = tuple(r for r in expect.rules if r not in fired)
        unexpected = tuple(r for r in expect.not_rules if r in fired)
        errors = [r for r in decision.rules if r.error]
        passed = (
            decision.outcome == expect.outcome and not missing and not unexpected and not errors
        )
        results.append(
            PackTestResult(
                test.name,
                passed,
                expect.outcome,
                decision.outcome,
                tuple(expect.rules),
                fired,
                missing,
                unexpected,
                error=f"rule {errors[0].id} could not be evaluated: {errors[0].error}"
                if errors
                else None,
                decision=decision,
            )
        )
    return results
