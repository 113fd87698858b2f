"""Assets: media registered by SHA-256, linked to the declarations that produced them, checked
for consistency with what was declared, and signed when a synthetic use is cleared."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reelproof.adapters.c2pa_reader import ProvenanceSettings, inspect_many, unreadable_report
from reelproof.adapters.c2pa_signer import sign_file
from reelproof.adapters.config import Config
from reelproof.adapters.detectors import installed
from reelproof.adapters.store import assets as rows
from reelproof.adapters.store import events
from reelproof.adapters.store import likeness as likeness_store
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import require
from reelproof.core.detectors import Detection, Media
from reelproof.core.documents import AIUseDeclaration
from reelproof.core.errors import ConflictError, NotFoundError, ReelproofError
from reelproof.core.json_types import JsonObject
from reelproof.core.provenance import Classification, ProvenanceReport
from reelproof.services import registry
from reelproof.services.context import Context, Unit
from reelproof.services.decisions import current_status, decide_stored, resolve_declaration

AI_CLASSES = {Classification.AI_GENERATED, Classification.AI_EDITED, Classification.AI_ASSISTED}


@dataclass
class Listing:
    """The files under some paths, and every entry that is not a readable regular file."""

    files: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)


def _entry(path: Path, listing: Listing) -> None:
    """Sort one folder entry into a file or a problem: FIFOs, devices, link loops, dangling
    links and unreadable files are listed, never silently skipped."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if path.is_symlink():
            why = (
                "a symbolic link loop"
                if exc.errno == errno.ELOOP
                else f"a dangling symbolic link (to {os.readlink(path)})"
            )
        else:
            why = f"cannot be read ({exc.strerror or exc})"
        listing.problems.append((path, f"{path}: {why}"))
        return
    if stat.S_ISDIR(st.st_mode):
        listing.problems.append((path, f"{path}: a symbolic link to a folder, not followed"))
    elif not stat.S_ISREG(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket or device"
        listing.problems.append((path, f"{path}: {kind}, not a regular file; not read"))
    elif not os.access(path, os.R_OK):
        listing.problems.append((path, f"{path}: permission denied"))
    else:
        listing.files.append(path)


def _walk_folder(folder: str, listing: Listing) -> None:
    """Depth first in name order; regular files are known from the directory entry itself
    (no extra system call), everything else goes through `_entry`."""
    with os.scandir(folder) as it:
        entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            _walk_folder(e.path, listing)
        elif e.is_file(follow_symlinks=False) and os.access(e.path, os.R_OK):
            listing.files.append(Path(e.path))
        else:
            _entry(Path(e.path), listing)


def walk(paths: Sequence[Path]) -> Listing:
    """Files as given, folders walked in name order (hidden entries skipped, links to
    folders not followed)."""
    listing = Listing()
    for p in paths:
        if p.is_dir():
            _walk_folder(str(p), listing)
        elif p.exists() or p.is_symlink():
            _entry(p, listing)
        else:
            raise ReelproofError(f"{p}: no such file or folder")
    listing.files.sort()
    return listing


def expand(paths: Sequence[Path]) -> list[Path]:
    """The readable files under `paths` (see `walk` for what else is found)."""
    return walk(paths).files


def inspect(
    paths: Sequence[Path] | Listing, settings: ProvenanceSettings
) -> Iterator[ProvenanceReport]:
    """Reports for every file, and an `error` report for each entry that cannot be read."""
    listing = paths if isinstance(paths, Listing) else walk(paths)
    for path, why in listing.problems:
        yield unreadable_report(path, why)
    yield from inspect_many(listing.files, settings)


@dataclass(frozen=True)
class DetectorRun:
    """What one installed detector saw in one file."""

    media: Media
    detector: str
    version: str
    detections: tuple[Detection, ...]


def detect(
    paths: Sequence[Path], settings: ProvenanceSettings, only: Sequence[str] | None = None
) -> Iterator[DetectorRun]:
    """Run every installed detector (or those named in `only`) over each file."""
    detectors = installed()
    unknown = sorted(set(only or ()) - set(detectors))
    if unknown:
        raise NotFoundError(
            f"no detector {', '.join(unknown)} is installed; installed: "
            f"{', '.join(detectors) or 'none'} (plugins register `reelproof.detectors`)"
        )
    chosen = [d for name, d in detectors.items() if only is None or name in only]
    for report in inspect(paths, settings):
        media = Media(report.path, report.media_type, report.sha256)
        for d in chosen:
            yield DetectorRun(media, d.name, d.version, tuple(d.detect(media)))


@dataclass
class AssetResult:
    """A registered file: its provenance, what registering did, and what does not add up."""

    report: ProvenanceReport
    status: str  # registered | unchanged
    linked: str | None = None
    flags: list[str] = field(default_factory=list)
    log_index: int | None = None

    def to_json(self) -> JsonObject:
        """The result as `asset add --format json` prints it."""
        return {
            **self.report.to_json(),
            "status": self.status,
            "declaration": self.linked,
            "flags": self.flags,
            "log_index": self.log_index,
        }


def register(
    unit: Unit,
    report: ProvenanceReport,
    production: str,
    declaration: str | None,
    *,
    delivery: bool = False,
) -> AssetResult:
    """Record an inspected file (once per production) and its link (once per declaration)."""
    status = "unchanged"
    index = None
    if rows.get(unit.conn, report.sha256, production) is None:
        index = rows.insert(
            unit.log,
            sha256=report.sha256,
            production=production,
            media_type=report.media_type,
            size=os.path.getsize(report.path),
            path=report.path,
            provenance=json.dumps(report.to_json(), sort_keys=True),
        )
        status = "registered"
    if declaration is not None and declaration not in rows.links(
        unit.conn, report.sha256, production
    ):
        index = rows.insert_link(
            unit.log, sha256=report.sha256, production=production, declaration=declaration
        )
        if likeness_store.findings(unit.conn, sha256s=[report.sha256], production=production):
            # The declaration now reads this file's likeness findings: decide it again.
            decide_stored(unit, declaration, f"asset {report.sha256[:12]} linked")
        status = "registered" if status == "registered" else "linked"
    subject = f"{production}/{report.sha256}"
    if delivery and not any(
        ev.event == "delivered" for ev in events.of(unit.conn, "Asset", subject)
    ):
        index = registry.record_event(
            unit, "Asset", subject, "delivered", unit.today, {"path": report.path}
        )
    result = AssetResult(report, status, declaration, log_index=index)
    result.flags = asset_flags(unit.conn, report.sha256, production)
    return result


def add_assets(
    ctx: Context,
    paths: Sequence[Path],
    production: str,
    declaration: str | None,
    settings: ProvenanceSettings,
    *,
    delivery: bool = False,
) -> Iterator[AssetResult]:
    """Inspect and register files; one transaction per file so progress is never lost."""
    with ctx.read() as conn:
        require(conn, "Production", production)
        key = resolve_declaration(conn, declaration) if declaration else None
        if key is not None and not key.startswith(production + "/"):
            raise ConflictError(
                f"declaration {key} belongs to another production than {production}"
            )
    for report in inspect_many(expand(paths), settings):
        with ctx.write() as unit:
            yield register(unit, report, production, key, delivery=delivery)


def asset_flags(conn: Connection, sha: str, production: str) -> list[str]:
    """What does not add up between the media and the declarations."""
    row = rows.get(conn, sha, production)
    if row is None:
        return []
    flags = []
    links = rows.links(conn, sha, production)
    if row.classification in {c.value for c in AI_CLASSES} and not links:
        flags.append(
            f"its provenance says {row.classification.replace('_', '-')} but no declaration "
            "covers it: declare the AI use and link the asset (`asset add --declaration`)"
        )
    delivered = any(
        ev.event == "delivered" for ev in events.of(conn, "Asset", f"{production}/{sha}")
    )
    if delivered:
        for key in links:
            decl = require(conn, "AIUseDeclaration", key)
            assert isinstance(decl, AIUseDeclaration)
            if not decl.spec.output.in_final_deliverable or decl.spec.phase in ("temp", "ideation"):
                flags.append(
                    f"it is in a delivery, but declaration {key} says its output is "
                    f"{decl.spec.phase} material not meant for the final deliverable"
                )
    return flags


def production_assets(conn: Connection, production: str) -> list[JsonObject]:
    """Every registered file of the production with its links and flags."""
    return [
        {
            "sha256": r.sha256,
            "path": r.path,
            "media_type": r.media_type,
            "classification": r.classification,
            "declarations": rows.links(conn, r.sha256, production),
            "flags": asset_flags(conn, r.sha256, production),
        }
        for r in rows.of_production(conn, production)
    ]


# --- signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignResult:
    """A signed copy of a cleared synthetic asset, and the report of reading it back."""

    out: Path
    declaration: str
    report: ProvenanceReport
    assertion: JsonObject
    log_index: int | None


def sign(
    ctx: Context,
    src: Path,
    out: Path,
    declaration_ref: str,
    config: Config,
    *,
    source_type: str = "trainedAlgorithmicMedia",
) -> SignResult:
    """C2PA-sign a synthetic asset whose use is cleared, then register it under that use."""
    if config.signing is None:
        raise ReelproofError(
            "no signing key configured: add a [signing] section (key, chain, alg) to "
            f"{config.path or '.reelproof/config.toml'}; `reelproof keys dev-ca` makes one to try"
        )
    if not src.is_file():
        raise ReelproofError(f"{src}: no such file")
    if out.exists():
        raise ReelproofError(f"{out}: already exists; choose another --out")
    with ctx.write() as unit:  # the decision as it stands today, never a stale status
        key = resolve_declaration(unit.conn, declaration_ref)
        status = current_status(unit, key, "re-checked before signing")
        decl = require(unit.conn, "AIUseDeclaration", key)
        assert isinstance(decl, AIUseDeclaration)
    if status.status != "cleared" or status.decision is None:
        raise ConflictError(
            f"refusing to sign: {key} is {status.status} ({status.reason}); only a cleared use "
            "is signed"
        )
    assertion = {
        "declaration": key,
        "production": decl.metadata.production,
        "decision": {
            "outcome": status.decision.outcome,
            "log_index": status.decision.log_index,
            "standards": status.decision.content.get("standards", {}),
        },
        "approval": None
        if status.approval is None
        else {
            "id": status.approval.approval_id,
            "by": status.approval.by,
            "at": status.approval.at,
            "log_index": status.approval.log_index,
        },
        "log_index": status.approval.log_index
        if status.approval is not None
        else status.decision.log_index,
    }
    tool = decl.spec.tool
    agent = {"name": f"{tool.name} ({tool.vendor})" if tool.vendor else tool.name}
    out.parent.mkdir(parents=True, exist_ok=True)
    # Sign into a temporary file beside `out`, then rename: never a half-written output.
    fd, tmp_name = tempfile.mkstemp(prefix=".reelproof-sign-", suffix=src.suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        sign_file(
            src,
            tmp,
            key_pem=config.signing.key,
            chain_pem=config.signing.chain,
            alg=config.signing.alg,
            digital_source_type=source_type,
            software_agent=agent,
            reelproof_assertion=assertion,
            title=out.name,
        )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    report = next(inspect_many([out], config.provenance()))
    with ctx.write() as unit:
        result = register(unit, report, decl.metadata.production, key)
    return SignResult(out, key, report, assertion, result.log_index)
