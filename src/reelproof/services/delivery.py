"""`reelproof check`: the delivery gate on the locked cut and the files delivered with it.

Speed comes from reading each file once: every file is hashed (threads; hashlib releases
the GIL) and looked up among the production's registered assets, whose provenance was
stored when they were added or inspected; only files never seen before go through the C2PA
reader, and are registered so that the next check finds them. Each check is one audit-log
entry with its verdict and the timeline's digest.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from reelproof.adapters.c2pa_reader import ProvenanceSettings, inspect_many
from reelproof.adapters.media import sha256_file
from reelproof.adapters.store import delivery as store
from reelproof.adapters.store import events
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import require
from reelproof.adapters.timelines import Cut, CutClip, read_cut, read_mapping
from reelproof.core import delivery as gate
from reelproof.core.documents import AIUseDeclaration, Production
from reelproof.core.errors import ReelproofError
from reelproof.core.provenance import SourceEffect, describe_source_type
from reelproof.services import assets, decisions, likeness, registry
from reelproof.services.context import Context, Unit

T = TypeVar("T")
HASH_CHUNK = 4 << 20  # large reads: fewer system calls, hashlib runs longer without the GIL
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_AI_EFFECTS = {SourceEffect.GENERATED, SourceEffect.GENAI_EDITED}


@dataclass
class CheckOutcome:
    """What one check found; `to_data` is the JSON of `reelproof check`."""

    production: str
    root: str
    checked_at: str
    cut: Cut | None
    files: list[gate.DeliveredFile]
    issues: list[gate.CheckIssue]
    listing_problems: list[tuple[str, str]] = field(default_factory=list)
    inspected: int = 0  # files read with the C2PA reader (never seen before)
    log_index: int | None = None

    @property
    def blocked(self) -> bool:
        """Whether anything blocks delivery (`check` exits 1)."""
        return gate.blocked(self.issues)

    @property
    def verdict(self) -> str:
        """`blocked` or `clear`, as the JSON and the log entry name it."""
        return "blocked" if self.blocked else "clear"

    def ai_seconds(self) -> dict[str, float]:
        """Running time of the cut by classification of the material in it."""
        out: defaultdict[str, float] = defaultdict(float)
        for f in self.files:
            for p in f.placements:
                out[f.classification] += p.seconds
        return dict(out)

    def to_data(self) -> dict[str, Any]:
        """The check as the JSON of `reelproof check`: counts, timeline, issues."""
        counts = Counter(i.level for i in self.issues)
        return {
            "production": self.production,
            "root": self.root,
            "verdict": self.verdict,
            "checked_at": self.checked_at,
            "timeline": None
            if self.cut is None
            else {
                "path": self.cut.path,
                "name": self.cut.name,
                "sha256": self.cut.digest,
                "clips": len(self.cut.clips),
                "duration_s": round(self.cut.duration_s, 3),
                "seconds_by_classification": {
                    k: round(v, 3) for k, v in sorted(self.ai_seconds().items())
                },
            },
            "files": len([f for f in self.files if f.path]),
            "inspected": self.inspected,
            "errors": counts["error"],
            "warnings": counts["warning"],
            "issues": [i.to_data() for i in self.issues],
            "log_index": self.log_index,
        }


# --------------------------------------------------------------------------- hashing


@contextmanager
def hashing(
    paths: Sequence[Path], workers: int | None = None, tick: Callable[[], None] | None = None
) -> Iterator[Iterator[tuple[Path, str | None, str | None]]]:
    """(path, sha256, error) for each file, in order, computed on threads (hashlib releases
    the GIL) while the caller does other work; one unreadable file does not stop the rest."""
    buffers = threading.local()  # one large read buffer per thread, not per file

    def one(p: Path) -> tuple[Path, str | None, str | None]:
        buf = getattr(buffers, "buf", None)
        if buf is None:
            buf = buffers.buf = bytearray(HASH_CHUNK)
        try:
            return p, sha256_file(p, buffer=buf), None
        except ReelproofError as exc:
            return p, None, str(exc)

    def ticking(
        items: Iterator[tuple[Path, str | None, str | None]],
    ) -> Iterator[tuple[Path, str | None, str | None]]:
        for item in items:
            yield item
            if tick is not None:
                tick()

    pool = ThreadPoolExecutor(workers or min(8, os.cpu_count() or 1), "sha256")
    try:
        yield ticking(pool.map(one, paths))
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # bad input: stop hashing at once
        raise
    pool.shutdown(wait=True)


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --------------------------------------------------------------------------- the cut


def _relative(target: str, root: Path) -> str | None:
    """A media-reference path relative to the delivery root, if it lies inside it."""
    if os.path.isabs(target):
        try:
            return Path(target).resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            return None
    rel = posixpath.normpath(target.replace("\\", "/"))
    return None if rel.startswith("../") else rel


def _map_clip(
    clip: CutClip,
    root: Path,
    by_path: Mapping[str, str],
    known: set[str],
    mapping: Mapping[str, str],
) -> tuple[str | None, str]:
    """The SHA-256 a clip uses, or None and why it could not be found."""
    tried: list[str] = []
    if clip.sha256:
        if clip.sha256 in known:
            return clip.sha256, ""
        tried.append(f"its metadata names SHA-256 {clip.sha256[:12]}…, not delivered or registered")
    for name in (clip.name, clip.reel):
        value = mapping.get(name) if name else None
        if value is None:
            continue
        if _SHA256.match(value.lower()):
            if value.lower() in known:
                return value.lower(), ""
            tried.append(f"the mapping file maps '{name}' to an unknown SHA-256")
        elif (sha := by_path.get(posixpath.normpath(value))) is not None:
            return sha, ""
        else:
            tried.append(f"the mapping file maps '{name}' to {value}, not in the delivery")
    if clip.target:
        rel = _relative(clip.target, root)
        if rel is not None and (sha := by_path.get(rel)) is not None:
            return sha, ""
        tried.append(f"its media reference {clip.target} is not a file in the delivery")
    return None, "; ".join(tried) or "it has no media reference, SHA-256 or mapping entry"


# --------------------------------------------------------------------------- the facts


def _territory_production(production: Production, territory: str) -> Production:
    spec = production.spec.model_copy(update={"territories": [territory]})
    return production.model_copy(update={"spec": spec})


def requirements(
    conn: Connection, today: dt.date, decl: AIUseDeclaration, production: Production
) -> tuple[gate.Requirement, ...]:
    """Labels and marks each territory's law asks of this use, read at its release date
    (`today` for a territory without one)."""
    packs = decisions.stored_packs(conn)
    out: list[gate.Requirement] = []
    bare = decl.model_copy(update={"spec": decl.spec.model_copy(update={"territories": []})})
    for territory in decl.spec.territories or production.spec.territories:
        day = production.spec.release_dates.get(territory, today)
        ev = decisions.evaluate(
            conn, bare, day, packs, production=_territory_production(production, territory)
        )
        for o in ev.decision.obligations:
            if o.kind in gate.LABEL_KINDS | gate.MARK_KINDS:
                out.append(
                    gate.Requirement(
                        territory, day.isoformat(), o.kind, o.party, o.detail, tuple(o.rules)
                    )
                )
    return tuple(out)


def use_facts(unit: Unit, key: str, production: Production) -> gate.UseFacts:
    """A declaration as the gate needs it, re-decided first so no stale status clears."""
    status = decisions.current_status(unit, key, "delivery check")
    decl = require(unit.conn, "AIUseDeclaration", key)
    assert isinstance(decl, AIUseDeclaration)
    return gate.UseFacts(
        key=key,
        title=decl.spec.title,
        phase=decl.spec.phase,
        in_final_deliverable=decl.spec.output.in_final_deliverable,
        status=status.status,
        reason=status.reason,
        blocking=tuple(status.decision.blocking if status.decision else ()),
        requirements=requirements(unit.conn, unit.today, decl, production),
    )


def disclosed_labels(conn: Connection, production: str) -> set[tuple[str, str]]:
    """(declaration, territory) pairs of the production's latest recorded disclosure."""
    recorded = [e for e in events.of(conn, "Production", production) if e.event == "disclosed"]
    if not recorded:
        return set()
    content = recorded[-1].data()
    return {(str(d), str(t)) for d, t in content.get("labels", [])}


def _finding_text(f: Mapping[str, Any]) -> str:
    """A likeness finding as the gate reports it."""
    return (
        f"{f['status']} {f['modality']} finding {f['id']}: the file matches performer "
        f"{f['performer']}; a person must dismiss it (`reelproof finding dismiss {f['id']}`) "
        "or the use must be declared with the performer's consent"
    )


def _provenance_facts(sha: str, prov: Mapping[str, Any]) -> gate.DeliveredFile:
    """What the rules read of a stored provenance report (kept instead of the whole report,
    so memory per asset stays small)."""
    c2pa = prov.get("c2pa") or {}
    return gate.DeliveredFile(
        path="",
        sha256=sha,
        classification=str(prov.get("classification", "unknown")),
        c2pa_state=str(c2pa.get("state", "error")),
        codes=tuple(c2pa.get("codes") or ()),
        bad_ingredients=tuple(
            str(i.get("title") or "(untitled)")
            for i in c2pa.get("ingredients") or ()
            if i.get("state") in ("invalid", "error")
        ),
        has_ai_source_type=any(
            describe_source_type(t).effect in _AI_EFFECTS
            for t in prov.get("digital_source_types") or ()
        ),
    )


# --------------------------------------------------------------------------- the check


def check(
    ctx: Context,
    root: Path,
    production_id: str,
    settings: ProvenanceSettings,
    *,
    timeline: Path | None = None,
    rate: float | None = None,
    mapping: Path | None = None,
    tick: Callable[[], None] | None = None,
    listed: Callable[[int], None] | None = None,
) -> CheckOutcome:
    """Check a delivery folder (and its cut); records the verdict in the audit log."""
    if not root.is_dir():
        raise ReelproofError(f"{root}: not a folder; `check` takes the delivery folder")
    with ctx.read() as conn:
        production = require(conn, "Production", production_id)
        assert isinstance(production, Production)
    skip = {p.resolve() for p in (timeline, mapping) if p is not None}
    skip_names = {p.name for p in skip}  # resolve (a system call per part) only for likely ones
    listing = assets.walk([root])
    paths = [p for p in listing.files if p.name not in skip_names or p.resolve() not in skip]
    if listed is not None:
        listed(len(paths))
    problems = [(str(p), why) for p, why in listing.problems]
    by_path: dict[str, str] = {}
    stored: dict[str, gate.DeliveredFile] = {}  # compact: what the rules read, per SHA-256
    with hashing(paths, tick=tick) as hashed:
        # While the threads hash: read the cut, then look assets up as their hashes arrive.
        cut = read_cut(timeline, rate) if timeline is not None else None
        names = read_mapping(mapping) if mapping is not None else {}
        with ctx.read() as conn:
            for batch in _batches(hashed, 500):
                for p, sha, err in batch:
                    if sha is None:
                        problems.append((str(p), err or "cannot be read"))
                    else:
                        by_path[p.relative_to(root).as_posix()] = sha
                found = store.stored_provenance(
                    conn, production_id, (s for _p, s, _e in batch if s)
                )
                stored.update((sha, _provenance_facts(sha, prov)) for sha, prov in found.items())
    unseen = [root / rel for rel, sha in by_path.items() if sha not in stored]
    reports = list(inspect_many(unseen, settings)) if unseen else []

    with ctx.write() as unit:
        for report in reports:
            assets.register(unit, report, production_id, None)
            stored[report.sha256] = _provenance_facts(report.sha256, report.to_json())
        placements: dict[str, list[gate.Placement]] = {}
        unmapped: list[gate.UnmappedClip] = []
        if cut is not None:
            known = set(by_path.values())
            clip_shas = {c.sha256 for c in cut.clips if c.sha256}
            clip_shas |= {v.lower() for v in names.values() if _SHA256.match(v.lower())}
            extra = store.stored_provenance(unit.conn, production_id, clip_shas - known)
            stored.update((sha, _provenance_facts(sha, prov)) for sha, prov in extra.items())
            known |= set(extra)
            for clip in cut.clips:
                sha, why = _map_clip(clip, root, by_path, known, names)
                if sha is None:
                    unmapped.append(
                        gate.UnmappedClip(
                            clip.name, clip.track, clip.record_in, clip.record_out, why
                        )
                    )
                    continue
                placements.setdefault(sha, []).append(
                    gate.Placement(
                        clip.name, clip.track, clip.record_in, clip.record_out, clip.seconds
                    )
                )
        everything = {sha: rel for rel, sha in by_path.items()}
        for sha in placements:  # assets the cut names by SHA-256 that are not in the folder
            everything.setdefault(sha, "")
        links = store.links(unit.conn, production_id, everything)
        findings = {
            sha: [_finding_text(f) for f in found]
            for sha, found in likeness.blocking_findings(unit.conn, list(everything)).items()
        }
        facts: dict[str, gate.UseFacts] = {}
        for key in sorted({k for ks in links.values() for k in ks}):
            facts[key] = use_facts(unit, key, production)
        unknown = _provenance_facts("", {})
        files = [
            replace(
                stored.get(sha, unknown),
                path=rel,
                sha256=sha,
                uses=tuple(facts[k] for k in links.get(sha, [])),
                placements=tuple(placements.get(sha, [])),
                findings=tuple(findings.get(sha, [])),
            )
            for sha, rel in everything.items()
        ]
        issues = gate.judge(files, disclosed_labels(unit.conn, production_id))
        issues += gate.unmapped_issues(unmapped)
        issues += [
            gate.CheckIssue("unreadable-file", gate.RULES["unreadable-file"][0], why, path)
            for path, why in problems
        ]
        outcome = CheckOutcome(
            production_id, str(root), unit.log.time, cut, files, issues, problems, len(reports)
        )
        outcome.log_index = record_check(unit, outcome)
    return outcome


def record_check(unit: Unit, outcome: CheckOutcome) -> int:
    """The check's audit-log entry: verdict, timeline digest, counts by rule."""
    data = outcome.to_data()
    return registry.record_event(
        unit,
        "Delivery",
        outcome.production,
        "checked",
        unit.today,
        {
            "verdict": outcome.verdict,
            "root": outcome.root,
            "timeline": data["timeline"],
            "files": data["files"],
            "errors": data["errors"],
            "warnings": data["warnings"],
            "rules": dict(sorted(Counter(i.rule for i in outcome.issues).items())),
        },
        summary={
            "verdict": outcome.verdict,
            "timeline_sha256": outcome.cut.digest if outcome.cut is not None else None,
        },
    )


def checks_of(ctx: Context, production: str) -> Iterable[dict[str, Any]]:
    """Every recorded check of a production, oldest first (for the report)."""
    with ctx.read() as conn:
        for e in events.of(conn, "Delivery", production):
            if e.event == "checked":
                yield {**e.data(), "log_index": e.log_index}
