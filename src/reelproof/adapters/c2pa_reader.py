"""Inspect media files: SHA-256, media type, C2PA manifest store, XMP, classification.

Design points (see DESIGN.md "Provenance, classification and the cut"):

* Offline by default: every c2pa ``Context`` sets ``verify.remote_manifest_fetch`` and
  ``verify.ocsp_fetch`` explicitly from ``ProvenanceSettings`` (c2pa-rs defaults remote
  fetching to *on*, and silently ignores misspelt keys, so we never rely on defaults).
* Hostile files never hang or crash the caller: the c2pa Reader runs in worker processes
  (``python -m reelproof.adapters.c2pa_reader``, JSON lines over pipes, never pickle)
  that are killed when a file exceeds ``timeout_s`` or when they die; the file then reads
  ``error`` with code ``timeout`` / ``worker.crashed``. A thread can't be killed, and
  multiprocessing's spawn/forkserver re-import the caller's ``__main__`` in each worker.
* Each file is read once, by its worker: a small file (up to 8 MiB) is read into memory,
  hashed, sniffed and scanned, and the same bytes go to the c2pa Reader; a larger one is
  streamed to the Reader through a stream that hashes what the Reader reads, so only what
  the Reader skips is read again (plus two XMP windows). Our reads are bounded; the SDK
  itself buffers what it hashes, which the pool budgets for.
* Every manifest and ingredient is walked: a broken ingredient does not change the
  top-level state, so each ingredient gets its own state and codes.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelproof.adapters.media import (
    CHUNK_SIZE,
    OCTET_STREAM,
    XMP_WINDOW,
    hash_and_scan,
    read_xmp_digital_source_types,
    scan_bytes,
    sniff_media_type,
    sniff_stream,
)
from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonMapping, JsonObject
from reelproof.core.provenance import (
    ActionRecord,
    C2paState,
    IngredientReport,
    ManifestSummary,
    ProvenanceGraph,
    ProvenanceReport,
    classify,
)

log = logging.getLogger(__name__)
TIMEOUT_CODE = "timeout"
CRASH_CODE = "worker.crashed"
IO_CODE = "io.error"
_TRUST_FAILURE_SUFFIX = ".untrusted"
_SUCCESS_SUFFIXES = (".validated", ".match", ".trusted", ".insideValidity", ".skipped")
_MAX_INGREDIENTS = 10_000  # a hostile store must not make the report unbounded
# What a worker holds while the SDK validates a file, measured per type and size with
# bench/bench_reader_memory.py (peak RSS above the worker's own ~30 MB): PNG, WAV and MP4
# are read in buffers of up to 256 MiB, two at most in flight (1.02x the file up to 256 MB,
# 518 MB at 600 MB); JPEG is held whole, twice over (2.0-2.35x the file: 1,030 MB at
# 600 MB). A type not measured is budgeted as JPEG is. The pool admits files while the sum
# of their estimates fits in half the memory available, so big files run fewer at a time.
SDK_HASH_BUFFER = 256 << 20
_STREAMED_TYPES = frozenset(
    {"image/png", "audio/wav", "video/mp4", "video/quicktime", "video/x-m4v", "audio/mp4"}
)
_READER_SLACK = 16 << 20  # the SDK's own working set on top of its buffers
# Files up to this size are read into the worker's memory at once and handed to the Reader;
# bigger ones are streamed to it (and hashed as it reads them).
SMALL_FILE = 2 * XMP_WINDOW
# A worker reads the whole file, so its time limit grows by a second per this many bytes:
# a slow disk must not time out a big file, while a hang is still bounded.
READ_FLOOR = 32 << 20


@dataclass(frozen=True)
class ProvenanceSettings:
    """How to validate: trust anchors (PEM text) and whether the network may be used.

    ``timeout_s`` bounds C2PA validation of one file (from when its worker starts on it);
    hashing is not bounded, since it can't be made to hang by file content.
    """

    trust_anchors_pem: str | None = None
    allow_remote_manifests: bool = False
    allow_ocsp: bool = False
    timeout_s: float = 30


def c2pa_context_settings(settings: ProvenanceSettings) -> JsonObject:
    """The c2pa settings dict; network switches are always explicit, never SDK defaults."""
    out: JsonObject = {
        "verify": {
            "remote_manifest_fetch": bool(settings.allow_remote_manifests),
            "ocsp_fetch": bool(settings.allow_ocsp),
        },
        "builder": {"thumbnail": {"enabled": False}},
    }
    if settings.trust_anchors_pem:
        out["trust"] = {"trust_anchors": settings.trust_anchors_pem}
    return out


def check_settings(settings: ProvenanceSettings) -> None:
    """Reject unusable settings up front (user input), before any worker starts."""
    if not settings.timeout_s > 0:
        raise ReelproofError(f"timeout must be positive, got {settings.timeout_s}")
    pem = settings.trust_anchors_pem
    if pem is None:
        return
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(pem.encode("utf-8"))
    except ValueError as exc:
        raise ReelproofError(
            f"trust anchors: expected PEM certificates ('-----BEGIN CERTIFICATE-----'): {exc}"
        ) from exc
    if not certs:
        raise ReelproofError("trust anchors: no certificate found in the PEM text")


# --------------------------------------------------------------------------- worker side


@dataclass(frozen=True)
class _Validation:
    """What a worker learns from the c2pa Reader: plain data, no SDK objects."""

    state: C2paState
    codes: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    active_manifest: str | None = None
    manifests: Mapping[str, ManifestSummary] = field(default_factory=dict)
    assertions: JsonMapping = field(default_factory=dict)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _error_validation(exc: BaseException) -> _Validation:
    """Map a c2pa exception to a state: remote -> unverifiable, unsupported, else error."""
    message = str(exc).strip() or type(exc).__name__
    kind = message.split(":", 1)[0].strip() if ":" in message else ""
    if not kind.isidentifier():
        kind = type(exc).__name__.removeprefix("_C2pa") or "Error"
    if kind in ("Remote", "RemoteManifest"):
        return _Validation(
            C2paState.UNVERIFIABLE,
            ("sdk.remote_manifest",),
            (f"The manifest store is remote and could not be read here: {message}",),
        )
    if kind == "NotSupported":
        return _Validation(
            C2paState.UNSUPPORTED,
            ("sdk.not_supported",),
            (f"The C2PA SDK does not support this file type: {message}",),
        )
    return _Validation(
        C2paState.ERROR,
        (f"sdk.{_snake(kind)}",),
        (f"The C2PA manifest store could not be read: {message}",),
    )


def _codes(items: Any) -> list[str]:  # Any: c2pa validation output
    out: list[str] = []
    if isinstance(items, list):
        for item in items:
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and code not in out:
                out.append(code)
    return out


def _located(items: Any) -> list[tuple[str, str]]:
    """(code, url) of each status item; the URL names the assertion it is about."""
    out: list[tuple[str, str]] = []
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("code"), str):
                out.append((item["code"], _str(item.get("url")) or ""))
    return out


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:  # Any: c2pa manifest JSON
    return value if isinstance(value, str) else None


def _claim_generator(manifest: JsonObject) -> str | None:
    gen = _str(manifest.get("claim_generator"))
    if gen:
        return gen
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        name, version = _str(info[0].get("name")), _str(info[0].get("version"))
        if name:
            return f"{name}/{version}" if version else name
    return None


def _actions(manifest: JsonObject) -> tuple[ActionRecord, ...]:
    out: list[ActionRecord] = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict):
            continue
        label = _str(assertion.get("label")) or ""
        if label != "c2pa.actions" and not label.startswith("c2pa.actions."):
            continue
        for action in _dict(assertion.get("data")).get("actions") or []:
            if isinstance(action, dict):
                dst = _str(action.get("digitalSourceType"))
                out.append(
                    ActionRecord(_str(action.get("action")) or "?", dst.strip() if dst else None)
                )
    return tuple(out)


def _delta_key(uri: str) -> tuple[str, str] | None:
    """``self#jumbf=/c2pa/<manifest>/c2pa.assertions/<label>`` -> (manifest, label)."""
    body = uri.split("=", 1)[1] if "=" in uri else uri
    owner, sep, label = body.rpartition("/c2pa.assertions/")
    if not sep:
        return None
    return owner.rpartition("/c2pa/")[2].strip("/"), label


def _ingredient_report(
    owner: str,
    ing: JsonObject,
    deltas: Mapping[tuple[str, str], JsonObject],
    manifests: JsonMapping,
) -> tuple[IngredientReport, list[str]]:
    """Current validation (deltas) plus what was recorded at ingest, for one ingredient."""
    title = _str(ing.get("title"))
    relationship = _str(ing.get("relationship")) or "componentOf"
    label = _str(ing.get("active_manifest"))
    delta = deltas.get((owner, _str(ing.get("label")) or ""), {})
    delta_fail = _codes(delta.get("failure"))
    delta_ok = set(_codes(delta.get("success"))) | set(_codes(delta.get("informational")))
    recorded_results = _dict(_dict(ing.get("validation_results")).get("activeManifest"))
    recorded = _located(recorded_results.get("failure")) + [
        (c, u)
        for c, u in _located(ing.get("validation_status"))
        if not c.endswith(_SUCCESS_SUFFIXES)
    ]
    recorded_ok = set(_codes(recorded_results.get("success")))
    # A failure recorded at ingest is cleared only by today's result of the same check on
    # the same thing (its URL, or a box inside it: a manifest's signature for the manifest);
    # a success on another assertion of the ingredient must not clear it.
    current = _located(delta.get("success")) + _located(delta.get("informational"))

    def cleared(code: str, url: str) -> bool:
        check = code.rsplit(".", 1)[0]
        return any(
            c.rsplit(".", 1)[0] == check and (u == url or (bool(url) and u.startswith(url + "/")))
            for c, u in current
        )

    still = list(dict.fromkeys(c for c, u in recorded if not cleared(c, u)))
    codes = list(dict.fromkeys([*delta_fail, *still]))
    notes: list[str] = []
    name = f"Ingredient '{title or '(untitled)'}' ({relationship})"
    if still:
        notes.append(f"{name} was recorded with {', '.join(still)} when it was ingested.")
    if label is None:
        state = C2paState.NO_MANIFEST
    elif label not in manifests:
        state = C2paState.ERROR
        codes.append("ingredient.manifest.missing")
        notes.append(f"{name} points to manifest {label}, which is not in the store.")
    elif any(not c.endswith(_TRUST_FAILURE_SUFFIX) for c in codes):
        state = C2paState.INVALID
    elif codes:
        state = C2paState.VALID
    elif "signingCredential.trusted" in delta_ok | recorded_ok:
        state = C2paState.TRUSTED
    else:
        state = C2paState.VALID
    report = IngredientReport(title, relationship, state, tuple(codes), label, owner)
    return report, notes


def _store_validation(store: JsonObject, sdk_state: str | None) -> _Validation:
    """Turn the Reader's JSON store into manifests, ingredient reports and a state."""
    raw_manifests = _dict(store.get("manifests"))
    active = _str(store.get("active_manifest"))
    results = _dict(store.get("validation_results"))
    active_results = _dict(results.get("activeManifest"))
    if active_results:
        codes = _codes(active_results.get("failure"))
    else:  # older SDK shape: one flat list of problems
        codes = [
            c for c in _codes(store.get("validation_status")) if not c.endswith(_SUCCESS_SUFFIXES)
        ]
    deltas: dict[tuple[str, str], JsonObject] = {}
    for d in results.get("ingredientDeltas") or []:
        if isinstance(d, dict) and (key := _delta_key(_str(d.get("ingredientAssertionURI")) or "")):
            deltas[key] = _dict(d.get("validationDeltas"))

    reasons: list[str] = []
    manifests: dict[str, ManifestSummary] = {}
    for label, raw in raw_manifests.items():
        m = _dict(raw)
        ingredients: list[IngredientReport] = []
        for ing in (m.get("ingredients") or [])[:_MAX_INGREDIENTS]:
            if isinstance(ing, dict):
                report, notes = _ingredient_report(label, ing, deltas, raw_manifests)
                ingredients.append(report)
                reasons.extend(notes)
        manifests[label] = ManifestSummary(
            label=label,
            title=_str(m.get("title")),
            claim_generator=_claim_generator(m),
            actions=_actions(m),
            ingredients=tuple(ingredients),
        )

    state = {"Trusted": C2paState.TRUSTED, "Valid": C2paState.VALID}.get(
        sdk_state or _str(store.get("validation_state")) or "", C2paState.INVALID
    )
    if active is None or active not in manifests:
        state = C2paState.ERROR
        codes.append("manifest.active.missing")
        reasons.append("The manifest store names no usable active manifest.")
    elif state is C2paState.INVALID and (sdk_state or store.get("validation_state")) is None:
        reasons.append("The C2PA SDK reported no validation state.")

    assertions: JsonObject = {}
    for a in _dict(raw_manifests.get(active or "")).get("assertions") or []:
        if isinstance(a, dict) and isinstance(a.get("label"), str):
            assertions.setdefault(a["label"], a.get("data"))
    return _Validation(
        state=state,
        codes=tuple(codes),
        reasons=tuple(reasons),
        active_manifest=active,
        manifests=manifests,
        assertions=assertions,
    )


_contexts: dict[ProvenanceSettings, Any] = {}  # Any: c2pa.Context (untyped library)
_supported: set[str] = set()


def _context(settings: ProvenanceSettings) -> Any:  # Any: c2pa.Context
    import c2pa

    ctx = _contexts.get(settings)
    if ctx is None:
        ctx = c2pa.Context.from_dict(c2pa_context_settings(settings))
        _contexts[settings] = ctx
    return ctx


def _validate(stream: Any, media_type: str, settings: ProvenanceSettings) -> _Validation:
    """Run the c2pa Reader on an open binary stream. Never raises: failures become a state."""
    try:
        import c2pa

        if not _supported:
            _supported.update(c2pa.Reader.get_supported_mime_types())
        # The format comes from our content sniffing, never the extension; a type the SDK
        # doesn't know is left to its own detection (which then says NotSupported).
        fmt = media_type if media_type in _supported else None
        reader = c2pa.Reader.try_create(fmt, stream, None, _context(settings))
        if reader is None:
            return _Validation(C2paState.NO_MANIFEST)
        with reader:
            store = json.loads(reader.json())  # get_validation_state() would re-parse it
        store = _dict(store)
        return _store_validation(store, _str(store.get("validation_state")))
    except OSError as exc:
        return _Validation(C2paState.ERROR, (IO_CODE,), (f"Cannot read the file: {exc}",))
    except Exception as exc:  # C2paError and anything a hostile file provokes
        return _error_validation(exc)


class _HashingStream:
    """A file as the c2pa Reader reads it, feeding SHA-256 with every byte it reads in order.

    c2pa-rs reads a signed file's hashed ranges front to back (a 40 MB WAV in one 40 MB
    read), so the file's own SHA-256 costs no second read: bytes are hashed from the
    Reader's buffer while they pass the hash frontier, and ``hexdigest`` reads only what
    the Reader skipped. The digest is also of exactly the bytes that were validated.
    """

    def __init__(self, raw: io.FileIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self._pos = 0
        self._hashed = 0  # bytes [0, _hashed) are in the digest

    def readinto(self, buf: Any) -> int:  # Any: a writable buffer from ctypes
        start = self._pos
        n = self._raw.readinto(buf) or 0
        if start <= self._hashed < start + n:
            with memoryview(buf) as view:
                self._sha.update(view[self._hashed - start : n])
            self._hashed = start + n
        self._pos = start + n
        return n

    def read(self, size: int = -1) -> bytes:
        buf = bytearray(size if size >= 0 else max(0, _size_of(self._raw) - self._pos))
        return bytes(buf[: self.readinto(buf)])

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = self._raw.seek(offset, whence)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def write(self, data: bytes) -> int:
        raise io.UnsupportedOperation("read-only")

    def flush(self) -> None:
        """Nothing to flush: the Stream protocol asks for it, a reader never writes."""

    def hexdigest(self) -> str:
        """Finish the digest with whatever the Reader did not read, in bounded chunks."""
        self._raw.seek(self._hashed)
        buf = bytearray(CHUNK_SIZE)
        view = memoryview(buf)
        while n := self._raw.readinto(buf):
            self._sha.update(view[:n])
        self._pos = self._raw.tell()
        return self._sha.hexdigest()


def _size_of(raw: io.FileIO) -> int:
    return os.fstat(raw.fileno()).st_size


# --------------------------------------------------------------------------- wire format
# Workers talk JSON lines, not pickle: a worker that a hostile file managed to subvert
# must not be able to make the parent execute code by sending it a crafted object.


def _settings_to_json(settings: ProvenanceSettings) -> JsonObject:
    return {
        "trust_anchors_pem": settings.trust_anchors_pem,
        "allow_remote_manifests": settings.allow_remote_manifests,
        "allow_ocsp": settings.allow_ocsp,
        "timeout_s": settings.timeout_s,
    }


def _validation_to_json(v: _Validation) -> JsonObject:
    return {
        "state": v.state.value,
        "codes": list(v.codes),
        "reasons": list(v.reasons),
        "active_manifest": v.active_manifest,
        "manifests": {
            label: {
                "title": m.title,
                "claim_generator": m.claim_generator,
                "actions": [[a.action, a.digital_source_type] for a in m.actions],
                "ingredients": [
                    {
                        "title": i.title,
                        "relationship": i.relationship,
                        "state": i.state.value,
                        "codes": list(i.codes),
                        "manifest_label": i.manifest_label,
                    }
                    for i in m.ingredients
                ],
            }
            for label, m in v.manifests.items()
        },
        "assertions": dict(v.assertions),
    }


def _validation_from_json(d: JsonObject) -> _Validation:
    manifests: dict[str, ManifestSummary] = {}
    for label, m in d["manifests"].items():
        manifests[str(label)] = ManifestSummary(
            label=str(label),
            title=m["title"],
            claim_generator=m["claim_generator"],
            actions=tuple(ActionRecord(str(a), b) for a, b in m["actions"]),
            ingredients=tuple(
                IngredientReport(
                    title=i["title"],
                    relationship=str(i["relationship"]),
                    state=C2paState(i["state"]),
                    codes=tuple(str(c) for c in i["codes"]),
                    manifest_label=i["manifest_label"],
                    parent_manifest=str(label),
                )
                for i in m["ingredients"]
            ),
        )
    return _Validation(
        state=C2paState(d["state"]),
        codes=tuple(str(c) for c in d["codes"]),
        reasons=tuple(str(r) for r in d["reasons"]),
        active_manifest=d["active_manifest"],
        manifests=manifests,
        assertions=dict(d["assertions"]),
    )


def _inspect_job(path: str, settings: ProvenanceSettings) -> tuple[JsonObject, _Validation]:
    """Identify and validate one file with one read: its SHA-256, XMP and media type and
    the Reader's verdict. A small file is read into memory and handed to the Reader; a
    large one is streamed to it through ``_HashingStream``."""
    try:
        with open(path, "rb", buffering=0) as raw:
            if _size_of(raw) <= SMALL_FILE:
                data = _read_upto(raw, SMALL_FILE + 1)
                if len(data) <= SMALL_FILE:  # else it grew since stat: stream it
                    media_type = sniff_stream(io.BytesIO(data))
                    validation = _validate(io.BytesIO(data), media_type, settings)
                    digest, xmp = hashlib.sha256(data).hexdigest(), scan_bytes(data)
                    return {"sha256": digest, "xmp": xmp, "media_type": media_type}, validation
                raw.seek(0)
            media_type = sniff_stream(raw)
            raw.seek(0)
            stream = _HashingStream(raw)
            validation = _validate(stream, media_type, settings)
            digest = stream.hexdigest()
        xmp = read_xmp_digital_source_types(path)
    except (ReelproofError, OSError) as exc:
        error = exc if isinstance(exc, ReelproofError) else _read_error(path, exc)
        return {"error": str(error)}, _Validation(C2paState.ERROR)
    return {"sha256": digest, "xmp": xmp, "media_type": media_type}, validation


def _read_upto(raw: io.FileIO, limit: int) -> bytes:
    """Up to ``limit`` bytes, however short the reads the file system gives."""
    out = bytearray()
    while len(out) < limit and (chunk := raw.read(limit - len(out))):
        out += chunk
    return bytes(out)


def _read_error(path: str, exc: OSError) -> ReelproofError:
    return ReelproofError(f"{path}: cannot read ({exc.strerror or exc})")


def _worker_main() -> None:
    """Worker process: one JSON job per stdin line, one JSON result line per job.

    The protocol gets a private copy of stdout; fd 1 is pointed at stderr so nothing the
    native library prints can corrupt it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    import c2pa  # noqa: F401  (load the native library before the first job)

    for line in sys.stdin:
        job = json.loads(line)
        if job is None:
            return
        settings = ProvenanceSettings(**job["settings"])
        identity, result = _inspect_job(job["path"], settings)
        msg = {"job": job["job"], "validation": _validation_to_json(result), "identity": identity}
        out.write(json.dumps(msg))
        out.write("\n")
        out.flush()


# --------------------------------------------------------------------------- parent side


def _worker_command() -> tuple[list[str], dict[str, str]]:
    """Run this module with the same interpreter and the same ``reelproof`` on its path."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return [sys.executable, "-m", "reelproof.adapters.c2pa_reader"], env


@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    buffer: bytearray = field(default_factory=bytearray)
    jobs: deque[tuple[int, int]] = field(default_factory=deque)  # (job, file size), in order
    deadline: float = 0.0  # for the head job (the one running) only


class _ValidatorPool:
    """Worker processes that can each be killed on its own when a file overruns its time.

    Each worker gets up to ``QUEUE_DEPTH`` jobs so it never idles waiting for the parent;
    the time limit starts when a job reaches the head of its worker's queue and grows with
    the file's size, since the worker reads all of it. Jobs queued behind a killed job are
    handed back through ``requeued`` to run elsewhere.
    """

    QUEUE_DEPTH = 2

    def __init__(self, size: int, settings: ProvenanceSettings) -> None:
        self._workers: list[_Worker] = []
        self.pid = os.getpid()
        self.reuse(size, settings)

    def reuse(self, size: int, settings: ProvenanceSettings) -> None:
        """Start a new run on the workers already started (fewer if ``size`` shrank)."""
        self._size = max(1, size)
        self._settings = _settings_to_json(settings)
        self._timeout = settings.timeout_s
        self.requeued: deque[tuple[int, int]] = deque()
        self.identities: dict[int, tuple[_Identity, str]] = {}  # from the workers
        for i, w in reversed(list(enumerate(self._workers))):
            if i >= self._size or w.proc.poll() is not None:  # surplus, or died while idle
                self._retire(w)

    def settle(self) -> None:
        """End a run: a worker still holding jobs (the caller stopped early) is retired,
        so a later run never reads a stale result."""
        for w in [w for w in self._workers if w.jobs]:
            self._retire(w)

    def __enter__(self) -> _ValidatorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        cmd, env = _worker_command()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        worker = _Worker(proc)
        self._workers.append(worker)
        return worker

    def idle(self) -> _Worker | None:
        """A worker with room: an empty one, else a new one, else one with a short queue."""
        for w in self._workers:
            if not w.jobs:
                return w
        if len(self._workers) < self._size:
            return self._spawn()
        return min(
            (w for w in self._workers if len(w.jobs) < self.QUEUE_DEPTH),
            key=lambda w: len(w.jobs),
            default=None,
        )

    def busy(self) -> bool:
        return any(w.jobs for w in self._workers)

    def _limit(self, size: int) -> float:
        return self._timeout + max(0, size - SMALL_FILE) / READ_FLOOR

    def submit(self, worker: _Worker, job: int, path: Path, size: int) -> None:
        """Queue a job: the worker identifies (hashes, sniffs, scans) and validates the file."""
        if not worker.jobs:
            worker.deadline = time.monotonic() + self._limit(size)
        worker.jobs.append((job, size))
        # Absolute: a warm worker keeps the folder it was started in, not the caller's now.
        line = json.dumps({"job": job, "path": os.path.abspath(path), "settings": self._settings})
        try:
            assert worker.proc.stdin is not None
            worker.proc.stdin.write(line.encode("utf-8") + b"\n")
            worker.proc.stdin.flush()
        except OSError:
            pass  # a dead worker is noticed (EOF) by collect()

    def _retire(self, worker: _Worker) -> None:
        if worker.proc.poll() is None:
            worker.proc.kill()
        worker.proc.wait()
        for stream in (worker.proc.stdin, worker.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._workers.remove(worker)

    def _fail_head(self, worker: _Worker, result: _Validation) -> tuple[int, _Validation]:
        """Kill a worker: its running job gets ``result``; the jobs behind it are requeued."""
        head, _ = worker.jobs.popleft()
        self.requeued.extend(worker.jobs)
        worker.jobs.clear()
        self._retire(worker)
        return head, result

    def _read(self, worker: _Worker) -> list[tuple[int, _Validation]]:
        """Whole result lines now available from ``worker``; EOFError when it is lost."""
        assert worker.proc.stdout is not None
        chunk = os.read(worker.proc.stdout.fileno(), 1 << 20)
        if not chunk:
            raise EOFError
        worker.buffer += chunk
        out: list[tuple[int, _Validation]] = []
        while (nl := worker.buffer.find(b"\n")) >= 0:
            line = bytes(worker.buffer[:nl])
            del worker.buffer[: nl + 1]
            try:
                msg = json.loads(line)
                job, result = int(msg["job"]), _validation_from_json(msg["validation"])
                identity = _identity_from_json(msg.get("identity"))
            except (ValueError, KeyError, TypeError) as exc:
                raise EOFError from exc  # garbage on the wire: treat the worker as lost
            if not worker.jobs or worker.jobs[0][0] != job:
                raise EOFError  # out of order: the worker can't be trusted
            worker.jobs.popleft()
            if worker.jobs:
                worker.deadline = time.monotonic() + self._limit(worker.jobs[0][1])
            if identity is not None:
                self.identities[job] = identity
            out.append((job, result))
        return out

    def collect(self, timeout: float | None) -> list[tuple[int, _Validation]]:
        """Finished jobs; overrunning workers are killed and their job reads ``timeout``."""
        busy = [w for w in self._workers if w.jobs]
        if not busy:
            return []
        wait_s = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        if timeout is not None:
            wait_s = min(wait_s, timeout)
        fds = {w.proc.stdout.fileno(): w for w in busy if w.proc.stdout is not None}
        ready, _, _ = select.select(list(fds), [], [], wait_s)
        done: list[tuple[int, _Validation]] = []
        for fd in ready:
            w = fds[fd]
            try:
                done.extend(self._read(w))
            except (EOFError, OSError):
                if w.proc.poll() is None:
                    w.proc.kill()
                w.proc.wait()
                done.append(self._fail_head(w, _crashed(w.proc.returncode)))
        now = time.monotonic()
        for w in busy:
            if w.jobs and w in self._workers and now >= w.deadline:
                done.append(self._fail_head(w, _timed_out(self._timeout)))
        return done

    def close(self) -> None:
        """Let idle workers exit on EOF (briefly), kill the rest."""
        for w in self._workers:
            with contextlib.suppress(OSError, ValueError):
                assert w.proc.stdin is not None
                w.proc.stdin.close()  # EOF: an idle worker exits by itself
        end = time.monotonic() + 2
        for w in list(self._workers):
            if not w.jobs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    w.proc.wait(max(0.0, end - time.monotonic()))
            self._retire(w)


_warm_pool: _ValidatorPool | None = None
_warm_lock = threading.Lock()


@contextlib.contextmanager
def _pool(size: int, settings: ProvenanceSettings) -> Iterator[_ValidatorPool]:
    """The process's warm pool when it is free, else a pool of its own for this run.

    Starting a worker (Python, then the C2PA library) costs more than validating a 100 MB
    file, so workers outlive a run and serve the next one, as a connection pool does; they
    exit when this process does (EOF on their stdin) or is forked (the child starts anew).
    """
    global _warm_pool
    if not _warm_lock.acquire(blocking=False):  # another thread's run, or a nested one
        with _ValidatorPool(size, settings) as own:
            yield own
        return
    try:
        if _warm_pool is None or _warm_pool.pid != os.getpid():
            _warm_pool = _ValidatorPool(size, settings)
            atexit.register(_warm_pool.close)
        else:
            _warm_pool.reuse(size, settings)
        try:
            yield _warm_pool
        finally:
            _warm_pool.settle()
    finally:
        _warm_lock.release()


def _forget_warm_pool() -> None:
    """In a forked child: the parent's workers are not ours to use or close."""
    global _warm_pool, _warm_lock
    _warm_pool, _warm_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_warm_pool)


def _crashed(exitcode: int | None) -> _Validation:
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit {exitcode}"
    return _Validation(
        C2paState.ERROR,
        (CRASH_CODE,),
        (f"The C2PA reader process died on this file ({how}).",),
    )


def _timed_out(limit: float) -> _Validation:
    return _Validation(
        C2paState.ERROR,
        (TIMEOUT_CODE,),
        (f"C2PA validation did not finish within {limit:g} s and was stopped.",),
    )


@dataclass(frozen=True)
class _Identity:
    sha256: str
    xmp: tuple[str, ...]
    error: str | None = None


def _identity_from_json(d: Any) -> tuple[_Identity, str] | None:
    """A worker's identification of a small file, type-checked (it crosses the wire).
    The worker is trusted for it as it is for the validation itself."""
    if d is None:
        return None
    if not isinstance(d, dict):
        raise TypeError("identity must be an object")
    if d.get("error") is not None:
        return _Identity("", (), str(d["error"])), OCTET_STREAM
    sha, xmp, media_type = d["sha256"], d["xmp"], d["media_type"]
    if not (isinstance(sha, str) and len(sha) == 64 and isinstance(media_type, str)):
        raise TypeError("identity: bad sha256 or media type")
    if not (isinstance(xmp, list) and all(isinstance(x, str) for x in xmp)):
        raise TypeError("identity: bad xmp")
    return _Identity(sha, tuple(xmp)), media_type


def _identify(path: Path) -> _Identity:
    """Hash then scan XMP here, for a file whose worker died or ran out of time."""
    try:
        digest, xmp = hash_and_scan(path)
        return _Identity(digest, tuple(xmp))
    except ReelproofError as exc:
        return _Identity("", (), str(exc))


def _walk(validation: _Validation) -> tuple[list[IngredientReport], list[str]]:
    """All ingredients and source types reachable from the active manifest, depth first."""
    ingredients: list[IngredientReport] = []
    types: list[str] = []
    seen: set[str] = set()

    def visit(label: str | None) -> None:
        node = validation.manifests.get(label or "")
        if node is None or node.label in seen:
            return
        seen.add(node.label)
        types.extend(t for t in node.digital_source_types if t not in types)
        for ing in node.ingredients:
            if len(ingredients) < _MAX_INGREDIENTS:
                ingredients.append(ing)
            visit(ing.manifest_label)

    visit(validation.active_manifest)
    return ingredients, types


def _report(path: Path, media_type: str, ident: _Identity, val: _Validation) -> ProvenanceReport:
    state, codes, reasons = val.state, list(val.codes), list(val.reasons)
    if ident.error:
        state = C2paState.ERROR
        codes.append(IO_CODE)
        reasons.append(ident.error)
    ingredients, types = _walk(val)
    types.extend(t for t in ident.xmp if t not in types)
    graph = ProvenanceGraph(
        state=state,
        active_manifest=val.active_manifest,
        manifests=val.manifests,
        xmp_source_types=ident.xmp,
    )
    classification, why = classify(graph)
    active = val.manifests.get(val.active_manifest or "")
    return ProvenanceReport(
        path=str(path),
        sha256=ident.sha256,
        media_type=media_type,
        c2pa_state=state,
        codes=tuple(dict.fromkeys(codes)),
        active_manifest=val.active_manifest,
        claim_generator=active.claim_generator if active else None,
        ingredients=tuple(ingredients),
        digital_source_types=tuple(types),
        classification=classification,
        reasons=tuple(dict.fromkeys([*reasons, *why])),
        assertions=val.assertions,
    )


def _check_path(path: Path) -> None:
    if not path.exists():
        raise ReelproofError(f"{path}: no such file")
    if not path.is_file():
        raise ReelproofError(f"{path}: not a regular file")
    if not os.access(path, os.R_OK):
        raise ReelproofError(f"{path}: permission denied")


def inspect_many(
    paths: Iterable[Path | str],
    settings: ProvenanceSettings | None = None,
    workers: int | None = None,
    memory_budget: int | None = None,
) -> Iterator[ProvenanceReport]:
    """Inspect files in parallel; reports come back in input order.

    ``workers`` processes each hash, scan and validate a file; a bounded look-ahead keeps
    memory independent of the number of paths, and files are admitted while what the SDK
    will hold for them fits ``memory_budget`` bytes (default: half the memory available),
    so four 1 GB JPEGs run one or two at a time, not four. One file always runs.
    """
    settings = settings or ProvenanceSettings()
    check_settings(settings)
    files = [Path(p) for p in paths]
    for p in files:
        _check_path(p)
    if not files:
        return
    size = max(1, min(workers or os.cpu_count() or 1, len(files)))
    budget = memory_budget if memory_budget is not None else available_memory() // 2
    yield from _run(files, settings, size, budget)


def _sniffed(path: Path) -> str:
    try:
        return sniff_media_type(path)
    except ReelproofError:
        return OCTET_STREAM


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _reader_memory(size: int, media_type: str | None = None) -> int:
    """Peak memory a worker needs for a file (see ``SDK_HASH_BUFFER``), plus the file itself
    when it is small enough to be held in memory. Without a type: budgeted as a JPEG."""
    held = size if size <= SMALL_FILE else 0
    if media_type in _STREAMED_TYPES:
        return min(size, 2 * SDK_HASH_BUFFER) + _READER_SLACK + held
    return 2 * size + _READER_SLACK + held


def available_memory() -> int:
    """Bytes this process can still use: ``MemAvailable``, or less under a cgroup v2
    memory limit (a container), so the pool is sized by what the machine really has."""
    found: list[int] = []
    with contextlib.suppress(OSError, ValueError, IndexError):
        meminfo = Path("/proc/meminfo").read_text()
        found.append(int(meminfo.split("MemAvailable:")[1].split()[0]) * 1024)
    found.extend(_cgroup_headroom())
    if not found:  # not Linux: physical memory, else a modest guess
        with contextlib.suppress(ValueError, OSError, AttributeError):
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return max(0, min(found)) if found else 2 << 30


def _cgroup_headroom() -> list[int]:
    """Limit minus usage of this process's memory cgroup (v2 ``memory.max``, v1
    ``memory.limit_in_bytes``); none when unlimited or unreadable."""
    out: list[int] = []
    with contextlib.suppress(OSError):
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        for line in lines:
            _, controllers, rel = line.split(":", 2)
            if controllers == "":
                group, files = Path("/sys/fs/cgroup"), ("memory.max", "memory.current")
            elif "memory" in controllers.split(","):
                group, files = (
                    Path("/sys/fs/cgroup/memory"),
                    (
                        "memory.limit_in_bytes",
                        "memory.usage_in_bytes",
                    ),
                )
            else:
                continue
            with contextlib.suppress(OSError, ValueError):
                where = group / rel.lstrip("/")
                limit = (where / files[0]).read_text().strip()
                if limit != "max" and int(limit) < 1 << 60:  # v1 says "unlimited" so
                    out.append(int(limit) - int((where / files[1]).read_text()))
    return out


def _run(
    files: list[Path], settings: ProvenanceSettings, size: int, budget: int
) -> Iterator[ProvenanceReport]:
    window = 4 * size  # bounded look-ahead: memory does not grow with len(files)
    results: dict[int, _Validation] = {}
    in_flight: dict[int, int] = {}  # job -> estimated reader memory
    needs: dict[int, int] = {}  # the next file's estimate, while it waits for memory
    dispatched = 0

    def dispatch(pool: _ValidatorPool, upto: int) -> None:
        nonlocal dispatched
        while pool.requeued:  # queued behind a killed job
            worker = pool.idle()
            if worker is None:
                return
            job, length = pool.requeued.popleft()
            pool.submit(worker, job, files[job], length)
        while dispatched < min(len(files), upto):
            path = files[dispatched]
            length = _size(path)
            need = needs.get(dispatched)
            if need is None:  # a large file's type decides what the SDK holds: sniff it
                kind = None if length <= SMALL_FILE else _sniffed(path)
                need = needs[dispatched] = _reader_memory(length, kind)
            if in_flight and sum(in_flight.values()) + need > budget:
                return  # big files wait for memory; one always runs
            worker = pool.idle()
            if worker is None:
                return
            pool.submit(worker, dispatched, path, length)
            in_flight[dispatched] = needs.pop(dispatched)
            log.debug(
                "inspect: %s admitted (%d MiB estimated; %d in flight, %d MiB of %d MiB)",
                path,
                need >> 20,
                len(in_flight),
                sum(in_flight.values()) >> 20,
                budget >> 20,
            )
            dispatched += 1

    def identity(job: int) -> tuple[_Identity, str]:
        found = pool.identities.pop(job, None)
        if found is not None:
            return found
        # The worker died or timed out on it: identify it here (hashing is safe).
        return _identify(files[job]), _sniffed(files[job])

    with _pool(size, settings) as pool:
        for emitted in range(len(files)):
            while emitted not in results:
                dispatch(pool, emitted + window)
                for job, validation in pool.collect(None):
                    results[job] = validation
                    in_flight.pop(job, None)
            ident, media_type = identity(emitted)
            yield _report(files[emitted], media_type, ident, results.pop(emitted))


def unreadable_report(path: Path, why: str) -> ProvenanceReport:
    """The report of a folder entry that could not be read (FIFO, link loop, no permission):
    listed with state `error`, so one bad entry never hides the rest."""
    graph = ProvenanceGraph(state=C2paState.ERROR)
    classification, reasons = classify(graph)
    return ProvenanceReport(
        path=str(path),
        sha256="",
        media_type="application/octet-stream",
        c2pa_state=C2paState.ERROR,
        codes=(IO_CODE,),
        active_manifest=None,
        claim_generator=None,
        ingredients=(),
        digital_source_types=(),
        classification=classification,
        reasons=(why, *reasons),
    )


def inspect_file(path: Path | str, settings: ProvenanceSettings | None = None) -> ProvenanceReport:
    """Inspect one file (in a worker process, so a hostile file can't hang the caller)."""
    return next(iter(inspect_many([path], settings, workers=1)))


if __name__ == "__main__":
    _worker_main()
