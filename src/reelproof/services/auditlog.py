"""The audit log as users see it: entries, proofs, full verification, offline export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reelproof.adapters import trust
from reelproof.adapters import witness as witnessing
from reelproof.adapters.keys import KeyUnavailable, create_key_file, load_key_file
from reelproof.adapters.store import meta
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.log import (
    RECORDED_TABLES,
    DbNodes,
    checkpoint_notes,
    iter_entries,
    latest_checkpoint,
    log_size,
    node_count,
    recorded_rows,
    replace_checkpoint_note,
    row_digest,
)
from reelproof.core import merkle
from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonMapping, JsonObject
from reelproof.services.context import Context
from reelproof.verify import (
    NEXT_KEY_EXTENSION,
    BundleInputError,
    Checkpoint,
    NoteVerifier,
    RootAccumulator,
    VerificationError,
    check_since,
    check_witnesses,
    format_proof,
    leaf_hash,
    load_vkey,
    next_key,
    parse_checkpoint,
    parse_note,
    parse_vkey,
    pinned_keys,
    previous_size,
    sign_note,
    trust_list_path,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
    verify_note,
    witness_policy,
)


def verifier_key(ctx: Context) -> tuple[str, bool]:
    """The verifier key to hand out, and whether it was derived from the signing key itself.

    On the machine holding the signing key the key is derived from it (and checked against the
    store); elsewhere only the store's copy exists, which the caller should say.
    """
    with ctx.read() as conn:
        try:
            return ctx.key(conn).vkey, True
        except KeyUnavailable:
            vkey = ctx.meta(conn, "log_vkey")
    if vkey is None:
        raise ReelproofError("the store has no audit log yet; run `reelproof init`")
    return vkey, False


def rotate_key(ctx: Context, new_key_path: Path) -> tuple[str, str]:
    """Hand the log over to a new signing key; returns (old vkey, new vkey).

    The latest checkpoint is re-signed by the old key and the new one, with an extension line
    naming the new key: a verifier trusting the old key follows it to the new one. The store
    then expects the new key (point REELPROOF_LOG_KEY at it). A new key file is created 0600
    when ``new_key_path`` does not exist yet.
    """
    if not new_key_path.exists():
        create_key_file(new_key_path)
    ctx.store.require_ready()
    with ctx.store.write() as conn:
        old = ctx.key(conn)
        new = load_key_file(new_key_path, old.name)
        if new.vkey == old.vkey:
            raise ReelproofError(f"{new_key_path} is the log's current key; nothing to rotate")
        note = latest_checkpoint(conn)
        if note is None:
            raise ReelproofError("the audit log has no checkpoint yet; nothing to hand over")
        cp = parse_checkpoint(parse_note(note).body)
        kept = tuple(e for e in cp.extensions if not e.startswith(NEXT_KEY_EXTENSION))
        body = Checkpoint(cp.origin, cp.size, cp.root, (*kept, NEXT_KEY_EXTENSION + new.vkey))
        text = sign_note(body.body(), old.name, old.private_key)
        text += sign_note(body.body(), new.name, new.private_key)[len(body.body()) + 1 :]
        replace_checkpoint_note(conn, cp.size, text)
        meta.put(conn, "log_vkey", new.vkey)
        targets = witnessing.configured(conn)
    trust.add(new.vkey)  # this machine trusted the old key; it follows the rotation too
    if targets:  # the re-signed note needs the witnesses' cosignatures again
        witnessing.submit_latest(ctx.store, targets)
    return old.vkey, new.vkey


def show(ctx: Context, start: int = 0, limit: int | None = None) -> list[JsonObject]:
    """Log entries from `start` (at most `limit`), as the JSON they were hashed as."""
    with ctx.read() as conn:
        end = None if limit is None else start + limit
        return [json.loads(body) for _i, body in iter_entries(conn, start, end)]


def checkpoint(ctx: Context) -> tuple[str, Checkpoint]:
    """The latest signed checkpoint, verified with the store's key before it is handed out."""
    with ctx.read() as conn:
        note = latest_checkpoint(conn)
        if note is None:
            raise ReelproofError("the audit log is empty: nothing has been recorded yet")
        vkey = ctx.meta(conn, "log_vkey") or ""
    verified = verify_note(note, [parse_vkey(vkey)])
    return note, parse_checkpoint(verified.body)


@dataclass(frozen=True)
class InclusionProof:
    """Proof that one entry is in the tree of `size` leaves, checkable against a checkpoint."""

    index: int
    size: int
    leaf_hash: bytes
    root: bytes
    proof: list[bytes]
    entry: JsonObject

    def to_json(self) -> JsonObject:
        """The proof as JSON with hex hashes, as `log prove` prints it."""
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
    """Proof that the tree of `size1` leaves is a prefix of that of `size2`: nothing rewritten."""

    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: list[bytes]

    def to_json(self) -> JsonObject:
        """The proof as JSON with hex hashes, as `log prove --consistency` prints it."""
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
    """Prove entry `index` is in the log (of `size`, default the current size); the proof is
    verified before it is returned."""
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
    """Prove the log of `size1` entries is a prefix of the log of `size2` (default: now); verified
    before it is returned."""
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
    """One thing `log verify` found wrong, and in which part (entry, tree, checkpoint, row, key)."""

    what: str  # entry | tree | checkpoint | row
    message: str

    def to_json(self) -> dict[str, str]:
        """The problem as JSON, as `log verify --format json` lists it."""
        return {"what": self.what, "message": self.message}


@dataclass
class VerifyReport:
    """Everything `log verify` checked and found: counts, the checks made, the problems."""

    size: int = 0
    checkpoints: int = 0
    rows: int = 0
    nodes: int = 0
    origin: str = ""
    key: str = ""
    authenticated: bool = False
    note: str | None = None  # the latest checkpoint, for --save-checkpoint
    problems: list[Problem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every check passed and a pinned key, not the store's copy, signed the checkpoints."""
        return not self.problems and self.authenticated

    @property
    def status(self) -> str:
        """ok, unauthenticated (no pinned key signed it) or failed: what an auditor acts on."""
        if self.problems:
            return "failed"
        return "verified" if self.authenticated else "unauthenticated"

    def to_json(self) -> JsonObject:
        """The report as JSON (the status and every count, check and problem)."""
        return {
            "ok": self.ok,
            "status": self.status,
            "authenticated": self.authenticated,
            "origin": self.origin,
            "key": self.key,
            "size": self.size,
            "checkpoints": self.checkpoints,
            "nodes": self.nodes,
            "rows": self.rows,
            "checks": self.checks,
            "problems": [p.to_json() for p in self.problems],
        }


def _describe_row(table: str, row: JsonMapping) -> str:
    if table == "documents":
        return f"{row['kind']} {row['key']} revision {row['revision']}"
    if table == "decisions":
        return f"decision {row['pk']} of declaration {row['declaration']}"
    if table == "approvals":
        return f"approval {row['approval_id']} of {row['declaration']}"
    if table == "events":
        return f"{row['event']} of {row['subject_kind']} {row['subject_id']}"
    if table == "assets":
        return f"asset {row['sha256'][:12]} in {row['production']}"
    if table == "asset_links":
        return f"link of asset {row['sha256'][:12]} to {row['declaration']}"
    return f"{table} row {row['pk']}"


def _name(key: NoteVerifier) -> str:
    return f"{key.name}+{key.key_id.hex()}"


def given_keys(vkeys: Sequence[str] | None) -> list[NoteVerifier] | None:
    """Keys from ``--vkey`` values (text or files); None when none were given."""
    if not vkeys:
        return None
    try:
        return [key for value in vkeys for key in load_vkey(value)]
    except BundleInputError as exc:
        raise ReelproofError(str(exc)) from None


def verify(
    ctx: Context,
    vkeys: Sequence[str] | None = None,
    since: str | None = None,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
    max_problems: int = 200,
) -> VerifyReport:
    """Check every leaf, every tree node, every checkpoint and every recorded row.

    Checkpoints are authenticated with ``vkeys`` (what an auditor got out of band) or else
    the verifier's trust list; the store's own copy of its key only serves the integrity
    checks, and the result is then unauthenticated. ``since`` is a checkpoint saved on an
    earlier check: the log must still contain the history it signed. ``witnesses`` and
    ``quorum``: the latest checkpoint must be cosigned by at least ``quorum`` of them.
    """
    report = VerifyReport()
    given = given_keys(vkeys)
    try:
        policy = witness_policy(witnesses, quorum) if witnesses else None
    except BundleInputError as exc:
        raise ReelproofError(str(exc)) from None
    try:
        saved = None if since is None else parse_checkpoint(parse_note(since).body)
    except VerificationError as exc:
        raise ReelproofError(f"--since: not a checkpoint ({exc})") from None

    def problem(what: str, message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(Problem(what, message))

    with ctx.read() as conn:
        size = log_size(conn)
        report.size = size
        report.origin = origin = ctx.meta(conn, "log_origin") or ""
        try:
            store_key: NoteVerifier | None = parse_vkey(ctx.meta(conn, "log_vkey") or "")
        except VerificationError as exc:
            problem("key", f"the store's copy of its key (meta.log_vkey) is unusable: {exc}")
            store_key = None
        try:
            pinned = pinned_keys(origin, given)
        except BundleInputError as exc:  # an unreadable trust list: the user must fix it
            raise ReelproofError(str(exc)) from None
        except VerificationError as exc:
            problem("key", str(exc))
            pinned = []
        signers = list(pinned or ([store_key] if store_key else []))
        report.authenticated = bool(pinned)
        if pinned:
            source = "--vkey" if given is not None else f"the trust list {trust_list_path()}"
            report.checks.append(f"pinned key(s) from {source}: {', '.join(map(_name, pinned))}")

        cps: dict[int, Checkpoint] = {}
        notes: dict[int, str] = {}
        # Oldest first, so that a key rotation is followed from the checkpoint that names it.
        for row_size, note in checkpoint_notes(conn):
            try:
                cp = verify_checkpoint(note, signers)
                successor = next_key(note, cp)
            except VerificationError as exc:
                problem("checkpoint", f"checkpoint at size {row_size}: {exc}")
                continue
            if successor is not None and successor not in signers:
                signers.append(successor)
                report.checks.append(
                    f"checkpoint at size {cp.size} hands the log to {_name(successor)}, "
                    "which co-signed it"
                )
            if cp.size != row_size:
                problem("checkpoint", f"checkpoint row {row_size} signs size {cp.size}")
            if cp.origin != origin:
                problem(
                    "checkpoint",
                    f"checkpoint at size {cp.size} is of log {cp.origin!r}, but the store says "
                    f"it is log {origin!r} (meta.log_origin)",
                )
            cps[cp.size] = cp
            notes[cp.size] = note
        report.checkpoints = len(cps)
        report.key = ", ".join(_name(k) for k in signers)
        report.checks.append(f"{len(cps)} checkpoint signatures verified with {report.key}")
        if pinned and store_key is not None and store_key not in signers:
            problem(
                "key",
                f"the store names {_name(store_key)} as its key (meta.log_vkey), "
                "which is not a pinned key of this log",
            )
        if size and size not in cps:
            problem("checkpoint", f"no signed checkpoint for the current size {size}")
        report.note = notes.get(size)
        if policy is not None and report.note is not None:
            try:
                report.checks.append(f"latest checkpoint {check_witnesses(report.note, *policy)}")
            except VerificationError as exc:
                problem("witness", f"checkpoint at size {size}: {exc}")
        for cp_size, cp in sorted(cps.items()):
            try:
                prev = previous_size(cp)
            except VerificationError as exc:
                problem("checkpoint", str(exc))
                continue
            if prev is not None and prev and prev not in cps:
                problem(
                    "checkpoint",
                    f"checkpoint at size {cp_size} follows a checkpoint at size {prev}, "
                    "which is gone (an older checkpoint was deleted)",
                )
        if saved is not None:
            try:
                verify_checkpoint(since or "", signers)
                check_since(saved, origin, size)
            except VerificationError as exc:
                problem("since", str(exc))
                saved = None

        # Leaves, nodes and roots, streamed: every stored node must equal the recomputed one.
        refs: dict[str, dict[int, tuple[int, str]]] = {name: {} for name in RECORDED_TABLES}
        acc = RootAccumulator()
        acc.completed = []
        stored_nodes = DbNodes(conn)

        def check_nodes() -> None:
            made = acc.completed or []
            found = stored_nodes.nodes([(lv, ix) for lv, ix, _h in made])
            for lv, ix, h in made:
                stored = found.get((lv, ix))
                if stored == h:
                    continue
                if lv == 0:
                    problem("tree", f"stored leaf hash {ix} does not match entry {ix}")
                else:
                    state = "is missing" if stored is None else "does not match the entries"
                    problem("tree", f"stored Merkle node (level {lv}, index {ix}) {state}")
            report.nodes += len(made)
            made.clear()

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
            acc.append(leaf_hash(body.encode()))
            if len(acc.completed) >= 4000:
                check_nodes()
            if acc.size in cps and acc.root() != cps[acc.size].root:
                problem(
                    "tree",
                    f"the tree of the first {acc.size} entries does not match its checkpoint",
                )
            if saved is not None and acc.size == saved.size and acc.root() != saved.root:
                problem(
                    "since",
                    f"the first {saved.size} entries no longer give the root of your saved "
                    "checkpoint: history was rewritten (fork)",
                )
            row = entry.get("row")
            if isinstance(row, dict) and row.get("table") in refs:
                refs[row["table"]][int(row["pk"])] = (idx, str(entry.get("digest")))
        check_nodes()
        if acc.size != size:
            problem("entry", f"the log head says {size} entries but {acc.size} are stored")
        extra = node_count(conn) - report.nodes
        if extra > 0:
            problem("tree", f"{extra} stored Merkle node(s) belong to no entry")
        report.checks.append(
            f"{acc.size} entries re-hashed; {report.nodes} Merkle nodes recomputed and compared"
        )
        if saved is not None:
            report.checks.append(f"consistent with your saved checkpoint of size {saved.size}")

        # Rows: every recorded row must still have the digest its entry holds.
        for name in RECORDED_TABLES:
            expected = refs[name]
            for row in recorded_rows(conn, name):
                report.rows += 1
                pk = row["pk"]
                ref = expected.pop(int(pk), None)
                label = _describe_row(name, row)
                if ref is None:
                    problem("row", f"{label} ({name} pk {pk}) has no audit-log entry")
                    continue
                idx, digest = ref
                if row_digest(name, row) != digest:
                    problem(
                        "row",
                        f"{label} ({name} pk {pk}) was changed after audit-log entry {idx}",
                    )
                elif row["log_index"] != idx:
                    problem("row", f"{label} ({name} pk {pk}) points at the wrong log entry")
            for pk, (idx, _d) in expected.items():
                problem("row", f"{name} pk {pk}, recorded by audit-log entry {idx}, was deleted")
        report.checks.append(f"{report.rows} database rows recomputed against their entries")
    return report


def export(ctx: Context, out: Path, older_checkpoints: int | None = 100) -> JsonObject:
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
        newest = None if older_checkpoints is None else older_checkpoints + 1
        notes = checkpoint_notes(conn, upto=size, newest=newest)
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
