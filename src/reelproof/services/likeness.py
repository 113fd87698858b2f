"""Likeness and voice scanning as use cases: enrol, forget, scan, review, and what blocks.

Reference embeddings are special-category data. They are enrolled only under a consent for
`biometric_enrollment`, stored encrypted (adapters.likeness.vault), every read of them is an
audit-log entry, and they are deleted by `performer forget --biometrics` or when the last
consent for enrolment is revoked. A match becomes a finding only where it needs a consent
(core.likeness.judge), and a finding blocks delivery until a person dismisses it.

`check` (delivery) calls `blocking_findings(conn, sha256s)`; decisions read
`declaration_findings(conn, key)` as structured findings (`likeness.unconsented_match`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reelproof.adapters import likeness as models
from reelproof.adapters.c2pa_reader import inspect_many
from reelproof.adapters.store import likeness as store
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import require
from reelproof.core import likeness as core
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.errors import ConflictError, DocumentError, NotFoundError, ReelproofError
from reelproof.core.json_types import JsonObject
from reelproof.services import decisions, registry
from reelproof.services.assets import expand
from reelproof.services.context import Context, Unit

if TYPE_CHECKING:
    from reelproof.adapters.likeness.scanner import ScanExecutor, ScanSettings
    from reelproof.adapters.likeness.vault import Vault

ENROLMENT_USE = "biometric_enrollment"


def _vault(ctx: Context) -> Vault:
    from reelproof.adapters.likeness.vault import Vault

    return Vault.load(ctx.config().likeness.key_file)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def enrolment_consent(
    consents: Sequence[ConsentRecord], performer: str, today: dt.date
) -> str | None:
    """The consent in force today that covers biometric enrolment, or None: none, no enrolment."""
    for c in consents:
        if (
            c.performer == performer
            and c.state(today) == "active"
            and ENROLMENT_USE in c.consent.spec.scope.uses
        ):
            return c.id
    return None


# --- enrolment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolled:
    """What an enrolment stored: the references added, those already on record, the consent."""

    performer: str
    consent: str
    added: list[JsonObject]
    unchanged: list[str]

    def to_data(self) -> JsonObject:
        """The enrolment as `performer enroll --format json` prints it."""
        return {
            "performer": self.performer,
            "consent": self.consent,
            "added": self.added,
            "unchanged": self.unchanged,
        }


def _face_reference(path: Path) -> tuple[float, ...]:
    from reelproof.adapters.likeness import decode
    from reelproof.adapters.likeness.scanner import face_detector

    faces = face_detector(1).detect(decode.still(path))
    if len(faces) != 1:
        raise DocumentError(
            str(path),
            None,
            "--face",
            f"found {len(faces)} faces; a reference photo must show exactly one face "
            "(crop it to the performer)",
        )
    return faces[0].embedding


def _voice_reference(path: Path) -> tuple[float, ...]:
    from reelproof.adapters.likeness import decode
    from reelproof.adapters.likeness.scanner import voice_detector

    vec = voice_detector().enrolment(decode.audio(path))
    if vec is None:
        raise DocumentError(
            str(path), None, "--voice", "no speech found; give a recording of the performer"
        )
    return vec


def _model(modality: str) -> str:
    from reelproof.adapters.likeness import faces, voices

    return faces.model_version(1) if modality == "face" else voices.model_version()


def enroll(ctx: Context, performer: str, faces: Sequence[Path], voices: Sequence[Path]) -> Enrolled:
    """Add reference embeddings; refused without an active consent for enrolment."""
    if not faces and not voices:
        raise DocumentError("<command line>", None, "--face/--voice", "give at least one file")
    models.require()
    vault = _vault(ctx)
    with ctx.read() as conn:
        require(conn, "Performer", performer)
        consent = enrolment_consent(
            registry.consent_records(conn, performer), performer, ctx.clock().date()
        )
    if consent is None:
        raise ConflictError(
            f"no active consent of {performer} covers '{ENROLMENT_USE}': biometric references "
            "are enrolled only with their own consent"
        )
    for p in [*faces, *voices]:
        if not p.is_file():
            raise DocumentError(str(p), None, None, "no such file")
    computed = [(p, "face", _face_reference(p)) for p in faces]
    computed += [(p, "voice", _voice_reference(p)) for p in voices]
    added: list[JsonObject] = []
    unchanged: list[str] = []
    with ctx.write() as unit:
        existing = {r.ref_id for r in store.refs(unit.conn, performer)}
        for path, modality, vec in computed:
            sha = _sha256(path)
            ref_id = f"{performer}.{modality}.{sha[:16]}"
            if ref_id in existing:
                unchanged.append(ref_id)
                continue
            existing.add(ref_id)
            nonce, blob = vault.seal(list(vec), f"{performer}/{ref_id}")
            index = unit.log.append(
                "biometric.enrolled",
                {"kind": "Performer", "id": performer},
                {
                    "ref": ref_id,
                    "modality": modality,
                    "source_sha256": sha,
                    "consent": consent,
                    "digest": "sha256:" + hashlib.sha256(blob).hexdigest(),
                },
            )
            row = {
                "ref_id": ref_id,
                "performer": performer,
                "modality": modality,
                "source_sha256": sha,
                "model": _model(modality),
                "nonce": nonce,
                "ciphertext": blob,
                "enrolled_at": unit.log.time,
                "enrolled_by": unit.actor,
                "log_index": index,
            }
            store.insert_ref(unit.conn, row)
            added.append(
                {"ref": ref_id, "modality": modality, "source": str(path), "log_index": index}
            )
    return Enrolled(performer, consent, added, unchanged)


def _drop(unit: Unit, performer: str, why: str) -> list[str]:
    gone = store.delete_refs(unit.conn, performer)
    if not gone:
        return []
    store.clear_cache(unit.conn)
    unit.log.append(
        "biometric.forgotten",
        {"kind": "Performer", "id": performer},
        {"refs": [r.ref_id for r in gone], "reason": why},
    )
    return [r.ref_id for r in gone]


def forget(ctx: Context, performer: str, reason: str) -> list[str]:
    """Delete every reference of the performer (and the scan cache); logged."""
    with ctx.write() as unit:
        require(unit.conn, "Performer", performer)
        return _drop(unit, performer, reason)


def after_consent_change(unit: Unit, performer: str, why: str) -> list[str]:
    """Called when a consent is revoked or expires: without an active consent for
    enrolment, the performer's references are deleted in the same transaction."""
    consents = registry.consent_records(unit.conn, performer)
    if enrolment_consent(consents, performer, unit.today) is not None:
        return []
    return _drop(unit, performer, why)


def read_references(unit: Unit, vault: Vault, purpose: str) -> list[core.Reference]:
    """Decrypt every reference; each performer's read is an audit-log entry."""
    out: list[core.Reference] = []
    by_performer: dict[str, list[str]] = {}
    for r in store.refs(unit.conn):
        vec = vault.open(r.nonce, r.ciphertext, f"{r.performer}/{r.ref_id}")
        assert isinstance(vec, list)
        modality: core.Modality = "face" if r.modality == "face" else "voice"
        out.append(core.Reference(r.ref_id, r.performer, modality, tuple(vec)))
        by_performer.setdefault(r.performer, []).append(r.ref_id)
    for performer, ids in by_performer.items():
        unit.log.append(
            "biometric.read",
            {"kind": "Performer", "id": performer},
            {"refs": ids, "purpose": purpose},
        )
    return out


def references_of(conn: Connection, performer: str) -> list[JsonObject]:
    """What `performer show` lists: which references exist, never their content."""
    return [r.summary() for r in store.refs(conn, performer)]


# --- scanning -------------------------------------------------------------------------------


@dataclass
class FileScan:
    """What scanning one file saw and found."""

    path: str
    sha256: str
    cached: bool
    faces: int  # faces seen (all sampled frames)
    unknown_faces: int  # faces that matched nobody
    voice_segments: int
    unknown_voices: int
    matches: list[JsonObject]  # segments, each with its verdict
    findings: list[str] = field(default_factory=list)

    def to_data(self) -> JsonObject:
        """The file's scan as JSON."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "cached": self.cached,
            "faces": self.faces,
            "unknown_faces": self.unknown_faces,
            "voice_segments": self.voice_segments,
            "unknown_voices": self.unknown_voices,
            "matches": self.matches,
            "findings": self.findings,
        }


@dataclass
class ScanReport:
    """A scan: the thresholds and models used and every file's result."""

    production: str | None
    thresholds: core.Thresholds
    models: str
    files: list[FileScan]

    def to_data(self) -> JsonObject:
        """The scan as `scan --format json` prints it."""
        return {
            "production": self.production,
            "thresholds": self.thresholds.to_json(),
            "models": self.models,
            "files": [f.to_data() for f in self.files],
            "findings": [i for f in self.files for i in f.findings],
        }


def thresholds_for(ctx: Context, production: str | None) -> core.Thresholds:
    """The configured match thresholds, for the production when it sets its own."""
    cfg = ctx.config().likeness
    face = cfg.threshold(production, "face_threshold")
    voice = cfg.threshold(production, "voice_threshold")
    return core.Thresholds(
        face if face is not None else core.DEFAULT_FACE_THRESHOLD,
        voice if voice is not None else core.DEFAULT_VOICE_THRESHOLD,
    )


def _observations(
    ctx: Context,
    vault: Vault,
    files: Sequence[tuple[Path, str]],
    settings: ScanSettings,
    executor: ScanExecutor,
    models_key: str,
    progress: Callable[[str], None],
) -> list[tuple[list[core.Observation], bool]]:
    """Observations per file: from the cache, or computed and cached one file at a time (an
    interrupted scan resumes where it stopped)."""
    from reelproof.adapters.likeness.scanner import tasks_for

    found: dict[int, tuple[list[core.Observation], bool]] = {}
    todo: list[int] = []
    with ctx.read() as conn:
        for i, (_path, sha) in enumerate(files):
            hit = store.cached(conn, sha, models_key)
            if hit is None:
                todo.append(i)
                continue
            data = vault.open(hit[0], hit[1], f"scan/{sha}")
            assert isinstance(data, list)
            found[i] = ([core.Observation.from_json(o) for o in data], True)
            progress(str(files[i][0]))
    groups = [tasks_for(files[i][0], executor.workers) for i in todo]
    for i, obs in zip(todo, executor.map(groups, settings), strict=True):
        sha = files[i][1]
        nonce, blob = vault.seal([o.to_json() for o in obs], f"scan/{sha}")
        with ctx.store.write() as conn:
            store.store_cache(conn, sha, models_key, nonce, blob, ctx.clock().isoformat())
        found[i] = (obs, False)
        progress(str(files[i][0]))
    return [found[i] for i in range(len(files))]


def _classification(
    ctx: Context, conn: Connection, path: Path, sha: str, production: str
) -> tuple[str, bool]:
    """(classification, registered as captured footage): a registered asset's own
    classification, else the file's provenance read now. A file registered in the production
    and linked to no AI-use declaration is its captured footage."""
    registered = store.asset_classification(conn, sha, production)
    if registered is not None:
        return registered, not store.linked_declarations(conn, sha, production)
    report = next(inspect_many([path], ctx.config().provenance()))
    return report.classification.value, False


def scan(
    ctx: Context,
    targets: Sequence[Path],
    production: str | None,
    settings: ScanSettings,
    executor: ScanExecutor,
    progress: Callable[[str], None] = lambda _p: None,
) -> ScanReport:
    """Match every face and voice in the files against the enrolled performers; record a
    finding for each match that needs a consent nobody gave."""
    models.require()
    files = [(p, _sha256(p)) for p in expand(targets)]
    if production is not None:
        with ctx.read() as conn:
            require(conn, "Production", production)
    vault = _vault(ctx)
    thresholds = thresholds_for(ctx, production)
    models_key = settings.models_key()
    observed = _observations(ctx, vault, files, settings, executor, models_key, progress)
    report = ScanReport(production, thresholds, models_key, [])
    with ctx.write() as unit:
        refs = read_references(unit, vault, "scan")
        consents = registry.consent_records(unit.conn)
        for (path, sha), (obs, was_cached) in zip(files, observed, strict=True):
            report.files.append(
                _judge_file(
                    ctx,
                    unit,
                    path,
                    sha,
                    obs,
                    was_cached,
                    refs,
                    consents,
                    production,
                    thresholds,
                    settings,
                )
            )
    return report


def _judge_file(
    ctx: Context,
    unit: Unit,
    path: Path,
    sha: str,
    obs: Sequence[core.Observation],
    was_cached: bool,
    refs: Sequence[core.Reference],
    consents: Sequence[ConsentRecord],
    production: str | None,
    thresholds: core.Thresholds,
    settings: ScanSettings,
) -> FileScan:
    hits = [h for o in obs if (h := core.best_match(o, refs, thresholds)) is not None]
    faces = sum(1 for o in obs if o.modality == "face")
    voices = sum(1 for o in obs if o.modality == "voice")
    face_hits = sum(1 for h in hits if h.observation.modality == "face")
    result = FileScan(
        str(path),
        sha,
        was_cached,
        faces,
        faces - face_hits,
        voices,
        voices - (len(hits) - face_hits),
        [],
    )
    productions = [production] if production else store.productions_of(unit.conn, sha)
    segs = core.segments(hits, gap=1.5 / settings.per_second + 0.5)
    for seg in segs:
        entry = seg.to_json()
        entry["verdicts"] = {}
        result.matches.append(entry)
    by_key: dict[tuple[str, str], list[core.Segment]] = {}
    for seg in segs:
        by_key.setdefault((seg.performer, seg.modality), []).append(seg)
    for prod in productions:
        classification, captured = _classification(ctx, unit.conn, path, sha, prod)
        for (performer, modality), group in by_key.items():
            mod: core.Modality = "face" if modality == "face" else "voice"
            covering = core.covering_consent(consents, performer, mod, prod, unit.today)
            verdict = core.judge(classification, captured, covering)
            for entry in result.matches:
                if entry["performer"] == performer and entry["modality"] == modality:
                    entry["verdicts"][prod] = {"finding": verdict.finding, "reason": verdict.reason}
            if verdict.finding:
                fid = _record_finding(
                    unit, prod, path, sha, performer, modality, classification, group
                )
                if fid is not None:
                    result.findings.append(fid)
    return result


def _record_finding(
    unit: Unit,
    production: str,
    path: Path,
    sha: str,
    performer: str,
    modality: str,
    classification: str,
    group: Sequence[core.Segment],
) -> str | None:
    """A new finding (one per production, file, performer and modality), then every
    declaration that read this file's findings is re-decided. None if it already exists."""
    fid = (
        "lf-"
        + hashlib.sha256(f"{production}/{sha}/{performer}/{modality}".encode()).hexdigest()[:12]
    )
    if store.findings(unit.conn, finding_id=fid):
        return None
    unit.log.record_row(
        store.findings_t,
        {
            "finding_id": fid,
            "production": production,
            "sha256": sha,
            "path": str(path),
            "performer": performer,
            "modality": modality,
            "classification": classification,
            "segments": json.dumps([s.to_json() for s in group], sort_keys=True),
            "found_at": unit.log.time,
            "found_by": unit.actor,
        },
        kind="likeness.finding",
        subject={"kind": store.FINDING_KIND, "id": fid, "performer": performer},
    )
    decisions.cascade(unit, [(store.FINDING_KIND, sha)], f"likeness finding {fid}")
    return fid


# --- review and what blocks -----------------------------------------------------------------


def review(ctx: Context, finding_id: str, verdict: str, reason: str) -> JsonObject:
    """A person's review: `confirmed` (keeps blocking) or `dismissed` (stops blocking)."""
    if verdict not in ("confirmed", "dismissed"):
        raise ReelproofError(f"unknown review {verdict!r}; expected confirmed or dismissed")
    if not reason.strip():
        raise DocumentError("<command line>", None, "--reason", "say why (it is logged)")
    with ctx.write() as unit:
        rows = store.findings(unit.conn, finding_id=finding_id)
        if not rows:
            raise NotFoundError(f"no likeness finding with id {finding_id!r}")
        if rows[0].status == verdict:
            raise ConflictError(f"finding {finding_id} is already {verdict}")
        index = registry.record_event(
            unit, store.FINDING_KIND, finding_id, verdict, unit.today, {"reason": reason}
        )
        decisions.cascade(
            unit, [(store.FINDING_KIND, rows[0].sha256)], f"likeness finding {finding_id} {verdict}"
        )
        return {
            **store.findings(unit.conn, finding_id=finding_id)[0].to_json(),
            "review_log_index": index,
        }


def blocking_findings(conn: Connection, sha256s: Sequence[str]) -> dict[str, list[JsonObject]]:
    """For `check`: every open or confirmed finding of these files, by SHA-256 (files without
    any are absent). Each item is the finding's JSON (id, performer, modality, segments…)."""
    out: dict[str, list[JsonObject]] = {}
    for f in store.findings(conn, sha256s=sha256s):
        if f.status in core.BLOCKING_STATES:
            out.setdefault(f.sha256, []).append(f.to_json())
    return out


def list_findings(
    conn: Connection, production: str | None = None, performer: str | None = None
) -> list[JsonObject]:
    """Findings as `finding list` shows them."""
    return [f.to_json() for f in store.findings(conn, production=production, performer=performer)]
