"""The audit log as users see it: entries, proofs, full verification, offline export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reelproof.adapters.store import schema
from reelproof.adapters.store.log import (
    DbNodes,
    iter_entries,
    latest_checkpoint,
    log_size,
    row_digest,
)
from reelproof.core import merkle
from reelproof.core.errors import ReelproofError
from reelproof.services.context import Context
from reelproof.verify import (
    Checkpoint,
    RootAccumulator,
    VerificationError,
    format_proof,
    leaf_hash,
    parse_checkpoint,
    parse_vkey,
    verify_consistency,
    verify_inclusion,
    verify_note,
)


def show(ctx: Context, start: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    with ctx.read() as conn:
        end = None if limit is None else start + limit
        return [json.loads(body) for _i, body in iter_entries(conn, start, end)]


def checkpoint(ctx: Context) -> tuple[str, Checkpoint]:
    with ctx.read() as conn:
        note = latest_checkpoint(conn)
        if note is None:
            raise ReelproofError("the audit log is empty: nothing has been recorded yet")
        vkey = ctx.meta(conn, "log_vkey") or ""
    verified = verify_note(note, [parse_vkey(vkey)])
    return note, parse_checkpoint(verified.body)


@dataclass(frozen=True)
class InclusionProof:
    index: int
    size: int
    leaf_hash: bytes
    root: bytes
    proof: list[bytes]
    entry: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "root": self.root.hex(),
            "proof": format_proof(self.proof).split(),
            "entry": self.entry,
        }


@dataclass(frozen=True)
class ConsistencyProof:
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: list[bytes]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.size1,
            "to": self.size2,
            "root1": self.root1.hex(),
            "root2": self.root2.hex(),
            "proof": format_proof(self.proof).split(),
        }


def _checked_size(conn: Connection, size: int | None, what: str) -> int:
    current = log_size(conn)
    if size is None:
        return current
    if size < 1 or size > current:
        raise ReelproofError(f"{what} {size} is out of range: the log holds 1..{current} entries")
    return size


def prove_inclusion(ctx: Context, index: int, size: int | None = None) -> InclusionProof:
    with ctx.read() as conn:
        size = _checked_size(conn, size, "--size")
        if not 0 <= index < size:
            raise ReelproofError(f"--index {index} is out of range: 0..{size - 1}")
        body = next(iter_entries(conn, index, index + 1))[1]
        reader = DbNodes(conn)
        proof = merkle.inclusion_proof(index, size, reader)
        root = merkle.root(size, reader)
    lh = leaf_hash(body.encode())
    verify_inclusion(lh, index, size, proof, root)  # never hand out a proof that fails
    return InclusionProof(index, size, lh, root, proof, json.loads(body))


def prove_consistency(ctx: Context, size1: int, size2: int | None = None) -> ConsistencyProof:
    with ctx.read() as conn:
        size2 = _checked_size(conn, size2, "--to")
        size1 = _checked_size(conn, size1, "--from")
        if size1 > size2:
            raise ReelproofError(f"--from {size1} is larger than --to {size2}")
        reader = DbNodes(conn)
        proof = merkle.consistency_proof(size1, size2, reader)
        r1, r2 = merkle.root(size1, reader), merkle.root(size2, reader)
    verify_consistency(size1, size2, proof, r1, r2)
    return ConsistencyProof(size1, size2, r1, r2, proof)


# --- verification ----------------------------------------------------------------------------


@dataclass
class Problem:
    what: str  # entry | tree | checkpoint | row
    message: str

    def to_json(self) -> dict[str, str]:
        return {"what": self.what, "message": self.message}


@dataclass
class VerifyReport:
    size: int = 0
    checkpoints: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "checkpoints": self.checkpoints,
            "rows": self.rows,
            "checks": self.checks,
            "problems": [p.to_json() for p in self.problems],
        }


def _describe_row(table: str, row: Any) -> str:
    if table == "documents":
        return f"{row.kind} {row.key} revision {row.revision}"
    if table == "decisions":
        return f"decision {row.pk} of declaration {row.declaration}"
    if table == "approvals":
        return f"approval {row.approval_id} of {row.declaration}"
    if table == "events":
        return f"{row.event} of {row.subject_kind} {row.subject_id}"
    if table == "assets":
        return f"asset {row.sha256[:12]} in {row.production}"
    if table == "asset_links":
        return f"link of asset {row.sha256[:12]} to {row.declaration}"
    return f"{table} row {row.pk}"


def _iter_rows(conn: Connection, table: sa.Table) -> Iterator[Any]:
    yield from conn.execution_options(yield_per=2000).execute(sa.select(table).order_by(table.c.pk))


def verify(ctx: Context, vkey: str | None = None, max_problems: int = 200) -> VerifyReport:
    """Check every leaf, the tree, every checkpoint, and every recorded row against its entry.

    `vkey` is the key an auditor got out of band; without it the store's own key is used.
    """
    report = VerifyReport()

    def problem(what: str, message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(Problem(what, message))

    with ctx.read() as conn:
        size = log_size(conn)
        report.size = size
        verifier = parse_vkey(vkey or ctx.meta(conn, "log_vkey") or "")
        cps: dict[int, Checkpoint] = {}
        for note_row in conn.execute(
            sa.select(schema.checkpoints.c.size, schema.checkpoints.c.note)
        ):
            try:
                note = verify_note(note_row.note, [verifier])
                cp = parse_checkpoint(note.body)
            except VerificationError as exc:
                problem("checkpoint", f"checkpoint at size {note_row.size}: {exc}")
                continue
            if cp.size != note_row.size:
                problem("checkpoint", f"checkpoint row {note_row.size} signs size {cp.size}")
            cps[cp.size] = cp
        report.checkpoints = len(cps)
        report.checks.append(f"{len(cps)} checkpoint signatures verified with {verifier.name}")
        if size and size not in cps:
            problem("checkpoint", f"no signed checkpoint for the current size {size}")

        # Leaves and tree, streamed: each stored perfect node must equal the recomputed one.
        refs: dict[str, dict[int, tuple[int, str]]] = {name: {} for name in schema.RECORDED}
        acc = RootAccumulator()
        stored_nodes = DbNodes(conn)
        batch: list[tuple[int, bytes]] = []

        def check_leaves() -> None:
            found = stored_nodes.nodes([(0, i) for i, _ in batch])
            for i, lh in batch:
                if found.get((0, i)) != lh:
                    problem("tree", f"stored leaf hash {i} does not match entry {i}")
            batch.clear()

        for idx, body in iter_entries(conn):
            if idx != acc.size:
                problem("entry", f"entry {acc.size} is missing (next stored entry is {idx})")
                break
            try:
                entry = json.loads(body)
            except json.JSONDecodeError:
                problem("entry", f"entry {idx} is not JSON")
                entry = {}
            if entry.get("index") != idx:
                problem("entry", f"entry {idx} says it is entry {entry.get('index')}")
            lh = leaf_hash(body.encode())
            batch.append((idx, lh))
            if len(batch) >= 2000:
                check_leaves()
            acc.append(lh)
            if acc.size in cps and acc.root() != cps[acc.size].root:
                problem(
                    "tree",
                    f"the tree of the first {acc.size} entries does not match its checkpoint",
                )
            row = entry.get("row")
            if isinstance(row, dict) and row.get("table") in refs:
                refs[row["table"]][int(row["pk"])] = (idx, str(entry.get("digest")))
        check_leaves()
        if acc.size != size:
            problem("entry", f"the log head says {size} entries but {acc.size} are stored")
        report.checks.append(f"{acc.size} entries re-hashed; tree root recomputed")
        if size:
            stored_root = merkle.root(size, stored_nodes)
            if stored_root != acc.root():
                problem("tree", "the stored Merkle nodes do not give the recomputed root")

        # Rows: every recorded row must still have the digest its entry holds.
        for name, table in schema.RECORDED.items():
            expected = refs[name]
            for row in _iter_rows(conn, table):
                report.rows += 1
                values = row._mapping
                ref = expected.pop(int(row.pk), None)
                label = _describe_row(name, row)
                if ref is None:
                    problem("row", f"{label} ({name} pk {row.pk}) has no audit-log entry")
                    continue
                idx, digest = ref
                if row_digest(name, values) != digest:
                    problem(
                        "row",
                        f"{label} ({name} pk {row.pk}) was changed after audit-log entry {idx}",
                    )
                elif row.log_index != idx:
                    problem("row", f"{label} ({name} pk {row.pk}) points at the wrong log entry")
            for pk, (idx, _d) in expected.items():
                problem("row", f"{name} pk {pk}, recorded by audit-log entry {idx}, was deleted")
        report.checks.append(f"{report.rows} database rows recomputed against their entries")
    return report


def export(ctx: Context, out: Path, older_checkpoints: int | None = 100) -> dict[str, Any]:
    """Write the offline bundle (see docs/audit-log-bundle.md) that `verify-bundle` checks.

    A checkpoint is signed per write transaction, so a long-lived log has very many: the
    bundle carries the latest one, the `older_checkpoints` before it (None: all), each with
    its consistency proof to the latest.
    """
    if older_checkpoints is not None and older_checkpoints < 0:
        raise ReelproofError("--checkpoints must be 0 or more")
    if out.exists() and any(out.iterdir()):
        raise ReelproofError(f"{out}: directory is not empty; choose a new --out")
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    (out / "proofs").mkdir(exist_ok=True)
    with ctx.read() as conn:
        size = log_size(conn)
        if size == 0:
            raise ReelproofError("the audit log is empty: nothing to export")
        vkey = ctx.meta(conn, "log_vkey") or ""
        h = hashlib.sha256()
        with (out / "entries.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for _idx, body in iter_entries(conn, 0, size):
                fh.write(body + "\n")
                h.update(body.encode() + b"\n")
        query = (
            sa.select(schema.checkpoints.c.size, schema.checkpoints.c.note)
            .where(schema.checkpoints.c.size <= size)
            .order_by(schema.checkpoints.c.size.desc())
        )
        if older_checkpoints is not None:
            query = query.limit(older_checkpoints + 1)
        notes = list(reversed(conn.execute(query).all()))
        reader = DbNodes(conn)
        for cp_size, note in notes:
            if cp_size == size:
                (out / "checkpoint").write_text(note, encoding="utf-8", newline="\n")
                continue
            (out / "checkpoints" / str(cp_size)).write_text(note, encoding="utf-8", newline="\n")
            proof = merkle.consistency_proof(cp_size, size, reader)
            (out / "proofs" / f"consistency-{cp_size}-{size}.txt").write_text(
                format_proof(proof), encoding="utf-8", newline="\n"
            )
    (out / "log.vkey").write_text(vkey + "\n", encoding="utf-8")
    return {
        "out": str(out),
        "size": size,
        "checkpoints": len(notes),
        "entries_sha256": h.hexdigest(),
    }
