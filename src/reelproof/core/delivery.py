"""The delivery gate's rules, pure: what blocks a locked cut and what only warns.

The service gathers the facts (each delivered file's provenance, the declarations it is
linked to with their current status, what each territory's law requires at its release
date, open likeness findings, the disclosures made) and `judge` turns them into issues.
Generated material is temporary unless approved for the final deliverable (Netflix): AI
material reaches the cut only through a cleared declaration meant for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reelproof.core.provenance import C2paState, Classification

# Material that needs a cleared declaration to be in the deliverable. AI-assisted material
# (algorithmic enhancement that keeps the meaning) does not.
AI_MATERIAL = frozenset({Classification.AI_GENERATED.value, Classification.AI_EDITED.value})
TEMPORARY_PHASES = frozenset({"temp", "ideation"})
LABEL_KINDS = frozenset({"label_visible"})
MARK_KINDS = frozenset({"mark_machine_readable"})

# Stable ids of the checks (JUnit test names, SARIF rule ids); level "error" blocks.
RULES: Mapping[str, tuple[str, str]] = {
    "undeclared-ai-material": ("error", "AI material in the deliverable that no use declares"),
    "uncleared-ai-material": ("error", "AI material whose declared use is not cleared"),
    "temporary-material": ("error", "temp or ideation material in the final deliverable"),
    "consent-missing": ("error", "a performer's replica or likeness without covering consent"),
    "consent-revoked-or-expired": ("error", "a use whose consent was revoked or has expired"),
    "replica-outside-terms": ("error", "a digital replica held outside its terms"),
    "likeness-finding-open": ("error", "an open or confirmed likeness or voice finding"),
    "invalid-c2pa-on-ai-material": ("error", "AI material whose C2PA provenance is broken"),
    "disclosure-missing": ("error", "a disclosure the law or the studio requires is missing"),
    "unreadable-file": ("error", "a file of the delivery that cannot be read or is not a file"),
    "unknown-provenance": ("warning", "material whose provenance is unknown"),
    "untrusted-signer": ("warning", "a C2PA signer that is not on the trust list"),
    "unmapped-clip": ("warning", "a clip of the cut that maps to no file or asset"),
}


@dataclass(frozen=True, slots=True)
class Requirement:
    """An obligation the law puts on a use in one territory, as of its release date."""

    territory: str
    released: str  # ISO date the rules were read at
    kind: str
    party: str | None
    detail: str | None
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UseFacts:
    """A declaration as the gate sees it today."""

    key: str
    title: str
    phase: str
    in_final_deliverable: bool
    status: str  # cleared | awaiting_approval | blocked | needs_review | rejected | withdrawn
    reason: str
    blocking: tuple[Mapping[str, Any], ...] = ()
    requirements: tuple[Requirement, ...] = ()


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a file sits in the cut: the clip and its record timecodes."""

    clip: str
    track: str
    record_in: str
    record_out: str
    seconds: float

    @property
    def region(self) -> str:
        """Record in-out timecodes, as JUnit and SARIF report the issue's place."""
        return f"{self.record_in}-{self.record_out}"


@dataclass(frozen=True, slots=True)
class DeliveredFile:
    """One delivered asset as the gate judges it: provenance, uses, placements, findings."""

    path: str  # relative to the delivery root ("" when only the cut names the asset)
    sha256: str
    classification: str
    c2pa_state: str
    codes: tuple[str, ...]
    bad_ingredients: tuple[str, ...]  # titles of ingredients whose manifest fails validation
    has_ai_source_type: bool  # an AI digital source type in its C2PA manifests
    uses: tuple[UseFacts, ...] = ()
    placements: tuple[Placement, ...] = ()
    findings: tuple[str, ...] = ()  # open or confirmed likeness findings, described


@dataclass(frozen=True, slots=True)
class CheckIssue:
    """One problem the gate found, with the rule id and the place a person fixes it."""

    rule: str
    level: str
    message: str
    location: str
    region: str | None = None
    declaration: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The issue as the JSON of `check`, its record timecodes under `record`."""
        return {
            "rule": self.rule,
            "level": self.level,
            "message": self.message,
            "location": self.location,
            "record": self.region,
            "declaration": self.declaration,
        }


@dataclass(frozen=True, slots=True)
class UnmappedClip:
    """A clip of the cut that no delivered asset could be matched to, and why."""

    clip: str
    track: str
    record_in: str
    record_out: str
    why: str


@dataclass
class _Collector:
    issues: list[CheckIssue] = field(default_factory=list)

    def add(self, rule: str, f: DeliveredFile, message: str, use: str | None = None) -> None:
        """One issue per placement in the cut (with its timecodes), else one for the file."""
        level = RULES[rule][0]
        where = f.path or f"sha256:{f.sha256}"
        if not f.placements:
            self.issues.append(CheckIssue(rule, level, message, where, None, use))
        for p in f.placements:
            self.issues.append(
                CheckIssue(
                    rule, level, f"clip '{p.clip}' ({p.track}): {message}", where, p.region, use
                )
            )


def _consent_rule(item: Mapping[str, Any]) -> str:
    if item.get("kind") == "replica":
        return "replica-outside-terms"
    detail = str(item.get("detail") or "").lower()
    return (
        "consent-revoked-or-expired"
        if "revoked" in detail or "expired" in detail
        else ("consent-missing")
    )


def _judge_use(
    c: _Collector, f: DeliveredFile, u: UseFacts, disclosed: set[tuple[str, str]], ai: bool
) -> None:
    if u.phase in TEMPORARY_PHASES or not u.in_final_deliverable:
        c.add(
            "temporary-material",
            f,
            f"declared by {u.key} as {u.phase} material"
            + ("" if u.in_final_deliverable else " not meant for the final deliverable")
            + "; replace it or declare and clear a final use",
            u.key,
        )
    for item in u.blocking:
        if item.get("kind") in ("consent", "replica"):
            party = item.get("party") or "a performer"
            c.add(_consent_rule(item), f, f"{u.key}: {party}: {item.get('detail')}", u.key)
    if u.status == "needs_review" and "consent" in u.reason and not u.blocking:
        c.add("consent-revoked-or-expired", f, f"{u.key} needs review: {u.reason}", u.key)
    for r in u.requirements:
        if r.kind in LABEL_KINDS and (u.key, r.territory) not in disclosed:
            c.add(
                "disclosure-missing",
                f,
                f"{u.key} needs a visible AI disclosure in {r.territory} (release "
                f"{r.released}, {', '.join(r.rules)}): {r.detail or r.kind}; run "
                "`reelproof disclose` and use its wording",
                u.key,
            )
        if (
            r.kind in MARK_KINDS
            and ai
            and not (
                f.c2pa_state in (C2paState.VALID.value, C2paState.TRUSTED.value)
                and f.has_ai_source_type
            )
        ):
            c.add(
                "disclosure-missing",
                f,
                f"{u.key} must carry a machine-readable AI mark in {r.territory} (release "
                f"{r.released}, {', '.join(r.rules)}), but the file has no intact C2PA "
                f"manifest declaring an AI source type (C2PA {f.c2pa_state})",
                u.key,
            )


def judge(files: Iterable[DeliveredFile], disclosed: Iterable[tuple[str, str]]) -> list[CheckIssue]:
    """Every issue of every delivered file; `disclosed` holds (declaration, territory) pairs
    whose visible label the production has recorded with `disclose`."""
    done = set(disclosed)
    c = _Collector()
    for f in files:
        ai = f.classification in AI_MATERIAL
        cleared = [u for u in f.uses if u.status == "cleared"]
        live = [u for u in f.uses if u.status != "withdrawn"]  # withdrawn: covers nothing
        if ai and not f.uses:
            c.add(
                "undeclared-ai-material",
                f,
                f"{f.classification.replace('_', '-')} material that no declaration covers: "
                "declare the AI use, decide it and link the file (`asset add --declaration`)",
            )
        elif ai and not cleared:
            states = "; ".join(f"{u.key} is {u.status} ({u.reason})" for u in f.uses)
            c.add(
                "uncleared-ai-material",
                f,
                f"{f.classification.replace('_', '-')} material not cleared: {states}",
                f.uses[0].key,
            )
        for u in live:
            _judge_use(c, f, u, done, ai)
        for finding in f.findings:
            c.add("likeness-finding-open", f, finding)
        if ai and (
            f.c2pa_state in (C2paState.INVALID.value, C2paState.ERROR.value) or f.bad_ingredients
        ):
            what = (
                f"C2PA {f.c2pa_state}" + (f" ({', '.join(f.codes)})" if f.codes else "")
                if f.c2pa_state in (C2paState.INVALID.value, C2paState.ERROR.value)
                else f"ingredients failing validation: {', '.join(f.bad_ingredients)}"
            )
            c.add("invalid-c2pa-on-ai-material", f, f"AI material with broken provenance: {what}")
        if f.classification == Classification.UNKNOWN.value and not live:
            c.add(
                "unknown-provenance",
                f,
                "provenance unknown (no C2PA manifest or source type to rely on, never "
                "assumed human): register it with its declaration or its capture record",
            )
        if f.c2pa_state == C2paState.VALID.value:
            c.add(
                "untrusted-signer",
                f,
                "C2PA manifest intact but its signer is not on the configured trust list",
            )
    return c.issues


def unmapped_issues(clips: Sequence[UnmappedClip]) -> list[CheckIssue]:
    """Every clip the gate could not judge is an issue: unjudged material never passes."""
    return [
        CheckIssue(
            "unmapped-clip",
            RULES["unmapped-clip"][0],
            f"clip '{u.clip}' ({u.track}) maps to no file or asset: {u.why}",
            u.clip,
            f"{u.record_in}-{u.record_out}",
        )
        for u in clips
    ]


def blocked(issues: Iterable[CheckIssue]) -> bool:
    """Whether any issue blocks delivery (errors do; warnings do not)."""
    return any(i.level == "error" for i in issues)
