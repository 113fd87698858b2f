"""Publishing standards packs and seeing what they change."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelproof.adapters import agreement_cache
from reelproof.adapters.packs import (
    bundled_pack_files,
    load_pack_file,
    load_pack_tests,
    plugin_pack_files,
    read_test_file,
)
from reelproof.adapters.store import documents as rows
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import StoredDocument, latest_row
from reelproof.adapters.store.log import canonical
from reelproof.core import standards
from reelproof.core.consent import match_declaration
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import AIUseDeclaration, Consent, Performer, Production
from reelproof.core.errors import ConflictError, NotFoundError
from reelproof.core.json_types import JsonObject
from reelproof.core.law import legal_parameters
from reelproof.core.standards.diff import flat_parameters
from reelproof.services import decisions
from reelproof.services.context import Context, Unit


@dataclass(frozen=True)
class PublishResult:
    """The pack versions stored and the decisions their publication changed."""

    packs: list[StoredDocument]
    redecided: list[decisions.StoredDecision]


def publish_packs(
    unit: Unit,
    packs: Sequence[standards.CompiledPack],
    trigger: str,
    *,
    run_tests: bool = True,
) -> PublishResult:
    """Store each pack version (compiled already, so a bad pack never lands) and re-decide.

    A published version is immutable: decisions cite `id: version`, so changed rules need a
    new version. A pack whose own tests fail is refused.
    """
    for p in packs:
        prev = latest_row(unit.conn, "StandardsPack", f"{p.id}@{p.version}")
        if prev is not None:
            stored = json.loads(prev.content)
            stored["spec"].pop("tests", None)  # 0.1 kept test cases inside the pack
            if canonical(stored) != canonical(p.doc.content()):
                raise ConflictError(
                    f"{p.file}: {p.id} {p.version} is already published with other content; "
                    "stored decisions cite that version, so give the changed pack a new version"
                )
            continue  # unchanged: nothing to test or store
        failed = [r.describe() for r in test_pack(p) if not r.passed] if run_tests else []
        if failed:
            raise ConflictError(
                f"{p.file}: {p.id} {p.version} fails {len(failed)} of its own tests, "
                f"so it is not published; first: {failed[0]}"
            )
    stored = [rows.store(unit.conn, unit.log, p.doc, p.file) for p in packs]
    made: list[decisions.StoredDecision] = []
    if any(s.status != "unchanged" for s in stored):
        keys = decisions.declarations_touching(unit.conn)
        made = [d for d in decisions.redecide(unit, keys, trigger) if d.changed]
    return PublishResult(stored, made)


def publish_files(ctx: Context, paths: Sequence[Path]) -> PublishResult:
    """Compile and publish pack files in one transaction; a bad or failing pack stores nothing."""
    packs = [load_pack_file(p) for p in paths]
    names = ", ".join(f"{p.id} {p.version}" for p in packs)
    with ctx.write() as unit:
        return publish_packs(unit, packs, f"standards published: {names}")


def load_bundled(unit: Unit) -> PublishResult:
    """The bundled packs and those of installed pack packages (`reelproof.packs`)."""
    with agreement_cache.persisted():
        packs = [load_pack_file(p) for p in bundled_pack_files()]
    # The bundled packs' own tests run in reelproof's test suite, not at every init.
    bundled = publish_packs(unit, packs, "bundled standards loaded", run_tests=False)
    plugins = [load_pack_file(p) for p in plugin_pack_files()]
    if not plugins:
        return bundled
    studio = publish_packs(unit, plugins, "studio standards loaded")  # their tests must pass
    return PublishResult(bundled.packs + studio.packs, bundled.redecided + studio.redecided)


def find_pack(conn: Connection, ref: str) -> standards.CompiledPack:
    """`id` (newest version) or `id@version` of a stored pack."""
    packs = decisions.stored_packs(conn)
    pack_id, _, version = ref.partition("@")
    matches = [p for p in packs if p.id == pack_id and (not version or p.version == version)]
    if not matches:
        known = ", ".join(sorted({f"{p.id}@{p.version}" for p in packs}))
        raise NotFoundError(f"no standards pack {ref!r}; stored: {known}")
    return max(matches, key=lambda p: standards.version_key(p.version))


def pack_or_file(conn: Connection, ref: str) -> standards.CompiledPack:
    """A pack file's compiled pack when `ref` is a file, else the stored pack `ref`."""
    path = Path(ref)
    return (
        load_pack_file(path) if path.suffix in (".yaml", ".yml", ".json") else find_pack(conn, ref)
    )


def pack_summary(p: standards.CompiledPack) -> JsonObject:
    """A pack's identity, dates and rule count, as `standards list` shows it."""
    spec = p.doc.spec
    return {
        "id": p.id,
        "version": p.version,
        "title": spec.title,
        "category": p.category,
        "effective_from": spec.effective_from.isoformat(),
        "effective_until": spec.effective_until.isoformat() if spec.effective_until else None,
        "applies_when": spec.applies_when,
        "rules": len(p.rules),
        "unverified_rules": sum(1 for r in p.rules if r.rule.verification == "U"),
        "parameters": flat_parameters(p.doc),
    }


@dataclass(frozen=True)
class ImpactRow:
    """One decision that publishing would re-make, and what it does to the use's status."""

    declaration: str
    old_outcome: str | None
    new_outcome: str
    rules_added: list[str]
    rules_removed: list[str]
    old_status: str
    new_status: str

    def to_json(self) -> JsonObject:
        """The row as `standards impact --format json` prints it."""
        return self.__dict__.copy()


def _rule_keys(content: JsonObject | None) -> set[str]:
    return {f"{r['pack']}:{r['id']}" for r in (content or {}).get("rules", [])}


def impact(ctx: Context, candidates: Sequence[standards.CompiledPack]) -> list[ImpactRow]:
    """`publish` in a transaction that is rolled back: exactly the decisions it would change."""
    with ctx.rehearse() as unit:
        keys = decisions.declarations_touching(unit.conn)
        before = {k: decisions.status_of(unit.conn, k, unit.today) for k in keys}
        names = ", ".join(f"{p.id} {p.version}" for p in candidates)
        result = publish_packs(unit, candidates, f"standards published: {names}", run_tests=False)
        rows = []
        for made in result.redecided:
            old = before[made.declaration]
            old_content = old.decision.content if old.decision else None
            rows.append(
                ImpactRow(
                    made.declaration,
                    old.decision.outcome if old.decision else None,
                    made.outcome,
                    sorted(_rule_keys(made.content) - _rule_keys(old_content)),
                    sorted(_rule_keys(old_content) - _rule_keys(made.content)),
                    old.status,
                    decisions.status_of(unit.conn, made.declaration, unit.today).status,
                )
            )
    return rows


def registry_talent(
    pack: standards.CompiledPack,
) -> standards.TalentFor:
    """Talent facts for pack tests that give performers and consents: the real registry,
    under the legal parameters of the pack being tested (tests run the pack alone)."""

    def talent_for(
        declaration: AIUseDeclaration,
        production: Production,
        performers: Sequence[Performer],
        consents: Sequence[Consent],
        today: dt.date,
    ) -> list[JsonObject]:
        return [
            m.to_fact()
            for m in match_declaration(
                declaration,
                production,
                performers,
                [ConsentRecord(c) for c in consents],
                today,
                law=legal_parameters([pack], today),
            )
        ]

    return talent_for


def test_pack(pack: standards.CompiledPack) -> list[standards.PackTestResult]:
    """Run the test cases kept beside the pack (`<pack file>.tests.yaml`)."""
    return standards.run_pack_tests(
        pack,
        load_pack_tests(pack),
        lambda name: read_test_file(pack, name),
        talent_for=registry_talent(pack),
    )
