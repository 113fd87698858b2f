"""The standards engine: rule packs compiled once, selected per production, evaluated and
composed into a decision ("strictest wins"), with each pack's own tests and version diffs.

Conditions are CEL over plain facts (see `facts`); everything here is pure: packs arrive as
documents or text, never read from disk.
"""

from reelproof.core.standards.diff import PackDiff, RuleChange, diff_packs
from reelproof.core.standards.engine import (
    RANK,
    Decision,
    Engine,
    FiredRule,
    Obligation,
    PackSelection,
    decide,
    engine_for,
    select_packs,
    strictest,
)
from reelproof.core.standards.facts import (
    build_facts,
    no_consent,
    performer_fact,
    talent_without_registry,
    unknown_performer,
)
from reelproof.core.standards.pack import (
    CompiledPack,
    CompiledRule,
    compile_pack,
    load_pack_text,
    version_key,
)
from reelproof.core.standards.schema import FACTS, FType
from reelproof.core.standards.testing import PackTestResult, TalentFor, run_pack_tests

__all__ = [
    "FACTS",
    "RANK",
    "CompiledPack",
    "CompiledRule",
    "Decision",
    "Engine",
    "FType",
    "FiredRule",
    "Obligation",
    "PackDiff",
    "PackSelection",
    "PackTestResult",
    "RuleChange",
    "TalentFor",
    "build_facts",
    "compile_pack",
    "decide",
    "diff_packs",
    "engine_for",
    "load_pack_text",
    "no_consent",
    "performer_fact",
    "run_pack_tests",
    "select_packs",
    "strictest",
    "talent_without_registry",
    "unknown_performer",
    "version_key",
]
