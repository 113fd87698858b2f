"""Witnesses (C2SP tlog-witness, tlog-cosignature v1 with Ed25519): the server and the client.

A witness is run by a party independent of the studio (a union, an auditor). It holds its own
key and its own record of the last checkpoint it cosigned for each log, and cosigns only a
checkpoint consistent with that record, so a log cannot show it two histories. The log submits
each new checkpoint to the witnesses configured in its store and keeps the cosignature lines
in the checkpoint's note; verifiers require "at least K of these N witness keys".

The witness folder (0700) holds ``witness.key`` (0600), ``name``, ``logs.vkeys`` (the log
keys it accepts, one vkey per line) and ``state/`` (per origin: the size and root it last
cosigned, replaced atomically).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection

from reelproof.adapters.httpd import Answer, post, text_server
from reelproof.adapters.keys import create_key_file
from reelproof.adapters.store import schema
from reelproof.adapters.store.db import Store
from reelproof.adapters.store.log import WITNESSES_KEY, DbNodes, latest_checkpoint, run_sql
from reelproof.core import merkle
from reelproof.core.errors import ReelproofError
from reelproof.verify import (
    EMPTY_ROOT,
    BundleInputError,
    Checkpoint,
    NoteVerifier,
    RootAccumulator,
    VerificationError,
    WitnessKey,
    cosign,
    format_proof,
    leaf_hash,
    load_vkey,
    parse_checkpoint,
    parse_note,
    parse_proof,
    parse_witness_vkey,
    previous_size,
    read_vkeys,
    verify_bundle,
    verify_consistency,
    verify_note,
    witness_cosigners,
)

log = logging.getLogger(__name__)

SIZE_TYPE = "text/x.tlog.size"
_META_KEY = WITNESSES_KEY


class WitnessError(ReelproofError):
    """The witness folder or a witness configuration is unusable."""


@dataclass
class Witness:
    """One witness: its key, the logs it accepts, and its per-log record of what it cosigned."""

    folder: Path
    name: str
    key: Ed25519PrivateKey
    logs: dict[str, list[NoteVerifier]]
    clock: Callable[[], float] = time.time
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def init(cls, folder: Path, name: str, log_vkeys: Sequence[str]) -> Witness:
        """Create a witness folder with a new key; refuses to touch an existing one."""
        if (folder / "witness.key").exists():
            raise WitnessError(f"{folder}: a witness already lives here; refusing to overwrite it")
        try:
            keys = [k for value in log_vkeys for k in load_vkey(value)]
        except BundleInputError as exc:
            raise WitnessError(str(exc)) from None
        try:
            WitnessKey.from_public_key(name, bytes(32))  # checks the name before any file
        except ValueError as exc:
            raise WitnessError(f"--name {name!r}: {exc}") from None
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        (folder / "state").mkdir(mode=0o700, exist_ok=True)
        create_key_file(folder / "witness.key")
        (folder / "name").write_text(name + "\n", encoding="utf-8")
        (folder / "logs.vkeys").write_text("".join(k.vkey() + "\n" for k in keys), "utf-8")
        return cls.open(folder)

    @classmethod
    def open(cls, folder: Path) -> Witness:
        """The witness in `folder`: its name, key and the logs it accepts."""
        try:
            name = (folder / "name").read_text(encoding="utf-8").strip()
            pem = (folder / "witness.key").read_bytes()
            logs_text = (folder / "logs.vkeys").read_text(encoding="utf-8")
        except OSError as exc:
            raise WitnessError(
                f"{folder}: not a witness folder ({exc.strerror}: {exc.filename}); "
                "create one with `reelproof witness init`"
            ) from None
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise WitnessError(f"{folder / 'witness.key'}: expected an Ed25519 key")
        try:
            vkeys: list[NoteVerifier] = read_vkeys(logs_text, str(folder / "logs.vkeys"))
        except BundleInputError as exc:
            raise WitnessError(str(exc)) from None
        logs: dict[str, list[NoteVerifier]] = {}
        for k in vkeys:
            logs.setdefault(k.name, []).append(k)  # a log key is named after its origin
        return cls(folder, name, key, logs)

    @property
    def public(self) -> WitnessKey:
        """The witness's verifier key, to give to log operators and auditors."""
        return WitnessKey.from_public_key(self.name, self.key.public_key())

    def _state_file(self, origin: str) -> Path:
        return self.folder / "state" / hashlib.sha256(origin.encode()).hexdigest()

    def state(self, origin: str) -> tuple[int, bytes]:
        """The size and root this witness last cosigned for ``origin`` ((0, empty) if never)."""
        try:
            data = json.loads(self._state_file(origin).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0, EMPTY_ROOT
        return int(data["size"]), base64.b64decode(data["root"])

    def _record(self, cp: Checkpoint) -> None:
        """Persist before answering (the spec's MUST), atomically: never a torn record."""
        path = self._state_file(cp.origin)
        tmp = path.with_suffix(".tmp")
        data = {"origin": cp.origin, "size": cp.size, "root": base64.b64encode(cp.root).decode()}
        tmp.write_text(json.dumps(data), encoding="utf-8")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def _cosign(self, cp: Checkpoint) -> str:
        return cosign(cp.body(), self.name, self.key, int(self.clock()))

    def add_checkpoint(self, request: bytes) -> Answer:
        """The add-checkpoint call: check, record, cosign; status codes as tlog-witness says."""
        try:
            text = request.decode("utf-8")
            head, sep, note_text = text.partition("\n\n")
            if not sep:
                return Answer(400, "expected an old size line, proof lines, a blank line\n")
            lines = (head + "\n").split("\n")[:-1]
            if not lines[0].startswith("old ") or len(lines) > 64:
                return Answer(400, "the first line must be 'old <size>'; at most 63 proof lines\n")
            old_text = lines[0][4:]
            if not old_text.isdigit() or (old_text != "0" and old_text.startswith("0")):
                return Answer(400, "old size must be a decimal without leading zeros\n")
            old = int(old_text)
            proof = parse_proof("".join(line + "\n" for line in lines[1:]), what="proof")
            cp = parse_checkpoint(parse_note(note_text).body)
        except (UnicodeDecodeError, VerificationError) as exc:
            return Answer(400, f"malformed request: {exc}\n")
        keys = self.logs.get(cp.origin)
        if not keys:
            return Answer(404, f"unknown log {cp.origin}\n")
        try:
            verify_note(note_text, keys)
        except VerificationError as exc:
            return Answer(403, f"checkpoint not signed by the log's key: {exc}\n")
        if old > cp.size:
            return Answer(400, f"old size {old} is larger than the checkpoint's {cp.size}\n")
        if cp.size == 0 and cp.root != EMPTY_ROOT:
            return Answer(422, "a checkpoint of size 0 must have the empty tree's root\n")
        with self._lock:  # check and record atomically, or two requests could roll it back
            size, root = self.state(cp.origin)
            if old != size:
                return Answer(409, f"{size}\n", SIZE_TYPE)
            problem = _inconsistency(old, root, cp, proof)
            if problem:
                log.warning("witness %s refused %s: %s", self.name, cp.origin, problem)
                return Answer(422, problem + "\n")
            self._record(cp)
            return Answer(200, self._cosign(cp))

    def cosign_bundle(self, bundle: Path) -> str:
        """The offline form: verify a whole bundle, check it against the record, cosign it.

        The bundle holds every entry, so consistency with the recorded size is proven by
        recomputing that size's root from the entries themselves.
        """
        try:
            text = (bundle / "checkpoint").read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WitnessError(f"{bundle}: not a readable bundle ({exc})") from None
        latest = parse_checkpoint(parse_note(text).body)
        keys = self.logs.get(latest.origin)
        if not keys:
            raise WitnessError(f"{bundle}: this witness does not follow log {latest.origin}")
        report = verify_bundle(bundle, trusted_vkey=[k.vkey() for k in keys])
        with self._lock:
            size, root = self.state(latest.origin)
            if size > report.size:
                raise VerificationError(
                    f"this witness cosigned {size} entries of {latest.origin}; the bundle has "
                    f"only {report.size} (rollback): not cosigned"
                )
            if size and _root_of_prefix(bundle / "entries.jsonl", size) != root:
                raise VerificationError(
                    f"the bundle's first {size} entries differ from what this witness "
                    "cosigned (fork): not cosigned"
                )
            self._record(latest)
            line = self._cosign(latest)
        note_file = bundle / "checkpoint"
        note_file.write_text(report.note + line, encoding="utf-8", newline="\n")
        return line


def _inconsistency(old: int, old_root: bytes, cp: Checkpoint, proof: list[bytes]) -> str | None:
    if old == 0:
        return "a proof from size 0 must be empty" if proof else None
    try:
        verify_consistency(old, cp.size, proof, old_root, cp.root)
    except VerificationError as exc:
        return f"not consistent with the cosigned size {old}: {exc}"
    return None


def _root_of_prefix(entries: Path, size: int) -> bytes:
    acc = RootAccumulator()
    with entries.open("rb") as fh:
        for line in fh:
            if acc.size == size:
                break
            acc.append(leaf_hash(line[:-1]))
    return acc.root()


def serve(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server for ``POST /add-checkpoint`` (call ``serve_forever`` on it)."""
    return text_server({"/add-checkpoint": witness.add_checkpoint}, host, port)


# --- the log's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A witness the log submits to: its add-checkpoint URL prefix and its cosigning key."""

    url: str
    key: WitnessKey

    def to_json(self) -> dict[str, str]:
        """The witness target as stored in the store's settings."""
        return {"url": self.url, "vkey": self.key.vkey()}


def configured(conn: Connection) -> list[Target]:
    """The witnesses this store submits its checkpoints to (none by default)."""
    rows = run_sql(conn, "SELECT value FROM meta WHERE key = ?", (_META_KEY,))
    return targets(rows[0][0] if rows else None)


def targets(value: str | None) -> list[Target]:
    """The witnesses in meta's configuration ``value`` (a write reads it with the log head)."""
    if value is None:
        return []
    return [Target(t["url"], parse_witness_vkey(t["vkey"])) for t in json.loads(value)]


def add_target(store: Store, url: str, vkey: str) -> list[Target]:
    """Configure one more witness for this store (its URL and the key it cosigns with)."""
    if not url.startswith(("http://", "https://")):
        raise WitnessError(f"witness URL {url!r}: expected http://host:port or https://…")
    try:
        key = parse_witness_vkey(vkey.strip())
    except VerificationError as exc:
        raise WitnessError(f"witness key: {exc}") from None
    store.require_ready()
    with store.write() as conn:
        targets = [t for t in configured(conn) if t.key != key] + [Target(url.rstrip("/"), key)]
        conn.execute(schema.meta.delete().where(schema.meta.c.key == _META_KEY))
        value = json.dumps([t.to_json() for t in targets])
        conn.execute(schema.meta.insert().values(key=_META_KEY, value=value))
    return targets


def _request(conn: Connection, old: int, size: int, note: str) -> str:
    proof = [] if old == 0 else merkle.consistency_proof(old, size, DbNodes(conn))
    return f"old {old}\n{format_proof(proof)}\n{note}"


def submit_latest(store: Store, targets: Sequence[Target], timeout: float = 10.0) -> list[str]:
    """Ask each witness to cosign the latest checkpoint; keep the cosignatures in its note.

    Returns one problem per witness that did not cosign (the write it follows has already
    committed: a witness being down never loses data, the next checkpoint tries again).
    """
    problems: list[str] = []
    lines: list[str] = []
    with store.read() as conn:
        note = latest_checkpoint(conn)
        if note is None:
            return []
        cp = parse_checkpoint(parse_note(note).body)
        for target in targets:
            old = _guess_old(cp)
            for _attempt in range(2):  # a 409 names the witness's size: retry from there once
                request = _request(conn, old, cp.size, note)
                status, body, kind = post(f"{target.url}/add-checkpoint", request, timeout)
                if status == 409 and kind == SIZE_TYPE and body.strip().isdigit():
                    old = int(body.strip())
                    if old <= cp.size:
                        continue
                break
            if status != 200:
                problems.append(
                    f"witness {target.key.name} ({target.url}) did not cosign "
                    f"size {cp.size}: {status or 'unreachable'} {body.strip()}"
                )
                continue
            try:
                witness_cosigners(note + body, [target.key])
            except VerificationError as exc:
                problems.append(f"witness {target.key.name}: bad cosignature ({exc})")
                continue
            lines.extend(line + "\n" for line in body.splitlines() if line)
    if lines:
        with store.write() as conn:
            t = schema.checkpoints
            current = conn.execute(sa.select(t.c.note).where(t.c.size == cp.size)).scalar_one()
            new = [line for line in lines if line not in current]
            conn.execute(t.update().where(t.c.size == cp.size).values(note=current + "".join(new)))
    for problem in problems:
        log.warning("%s", problem)
    return problems


def _guess_old(cp: Checkpoint) -> int:
    """The previous checkpoint's size: what a witness that saw every checkpoint last cosigned."""
    return previous_size(cp) or 0
