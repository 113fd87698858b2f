"""Offline verification of a reelproof audit log: Merkle proofs, signed notes, checkpoints, bundles.

This module is deliberately standalone: it imports only the Python standard library and
``cryptography``, so an auditor can copy this one file and check an exported log without
installing or trusting the rest of reelproof.

What it implements:

* RFC 9162 §2.1 Merkle tree hashing (``leaf_hash``, ``node_hash``, ``EMPTY_ROOT``) and the
  verification of inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs. Edge-case policy
  follows the transparency-dev/merkle test vectors: indexes are 0-based, ``0 <= index < size``;
  consistency needs ``0 < size1 <= size2``; equal sizes need an empty proof and equal roots.
* C2SP signed-note v1.0.0 with Ed25519 keys (signature type 0x01) and C2SP tlog-checkpoint
  v1.0.0 note bodies.
* C2SP tlog-cosignature v1 (Ed25519, key ID signature type 0x04): witness cosignatures,
  and the policy "at least K of these N witness keys" (``check_witnesses``).
* ``verify_bundle``: the offline check of an exported log directory (format below), following
  a key rotation (``reelproof-next-key`` extension line) from a pinned key.

Bundle format (one directory; also documented in docs/audit-log-bundle.md)::

    log.vkey                      the log's verifier key, one line: <name>+<hex key id>+<base64>
    checkpoint                    signed note (C2SP tlog-checkpoint) of the latest checkpoint
    entries.jsonl                 entry i on line i (0-based); each line is exactly the bytes that
                                  were hashed as leaf i (canonical JSON), terminated by "\\n"
                                  (the newline is not part of the entry)
    checkpoints/<size>            optional older signed checkpoints, file name = decimal size
    proofs/consistency-<a>-<b>.txt consistency proof from checkpoint size a to size b: base64
                                  hashes, one per line, each line ending in "\\n"

For every older checkpoint of size ``a`` with ``0 < a < N`` (N = latest size) the bundle must
hold ``proofs/consistency-<a>-<N>.txt``. A size-0 older checkpoint needs no proof (an empty
tree is consistent with every tree; its root must be SHA-256 of the empty string). Files whose
names start with "." are ignored; any other unexpected file in ``checkpoints/`` or ``proofs/``
is an error, so nothing in a bundle goes unchecked.

``verify_bundle`` checks every checkpoint signature, every consistency proof, the chain of
checkpoints (each names the one before it), and recomputes every leaf hash and the tree root at
every checkpoint size from ``entries.jsonl``.

Trust: checkpoints are authenticated only with keys the verifier holds itself: those given with
``--vkey`` (``trusted_vkey=``), or else the pinned keys of the trust list (``trust_list_path()``,
one vkey per line, kept in the user's own configuration directory). ``log.vkey`` is never
trusted: without a pinned key for the bundle's origin, the integrity checks run with it and the
result is UNAUTHENTICATED. ``--since FILE`` takes a checkpoint the verifier saved earlier
(``--save-checkpoint FILE``) and fails on any rollback or fork of the history it covers.

Command line: ``python -m reelproof.verify BUNDLE_DIR [--vkey VKEY_OR_FILE]... [--since FILE]
[--save-checkpoint FILE]``; exit status 0 when every check passed with a pinned key, 1 when a
check failed or no pinned key authenticated the log (UNAUTHENTICATED), 2 when the input could
not be read (not a bundle, an unreadable key, trust list or saved checkpoint).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "NEXT_KEY_EXTENSION",
    "PREV_EXTENSION",
    "SIGTYPE_COSIGNATURE_V1",
    "BundleInputError",
    "BundleReport",
    "Checkpoint",
    "Note",
    "NoteSignature",
    "NoteVerifier",
    "RootAccumulator",
    "VerificationError",
    "WitnessKey",
    "check_since",
    "check_witnesses",
    "cosign",
    "cosignature_message",
    "ed25519_key_id",
    "format_proof",
    "leaf_hash",
    "load_keys",
    "load_vkey",
    "main",
    "make_vkey",
    "next_key",
    "node_hash",
    "parse_checkpoint",
    "parse_note",
    "parse_proof",
    "parse_vkey",
    "parse_witness_vkey",
    "pinned_keys",
    "previous_size",
    "read_saved_checkpoint",
    "read_trust_list",
    "read_vkeys",
    "save_checkpoint",
    "sign_note",
    "trust_list_path",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_note",
    "witness_cosigners",
    "witness_policy",
]

_Key = TypeVar("_Key")
HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
SIGTYPE_ED25519 = 0x01
MAX_SIGNATURES = 100  # the spec asks verifiers to cap signatures and to accept at least 16
_SIG_PREFIX = "\u2014 "  # em dash, space


class VerificationError(Exception):
    """A proof, signature, checkpoint or bundle failed a check; the message says which."""


class BundleInputError(VerificationError):
    """The path cannot be read as a bundle at all (missing directory or required file)."""


# --------------------------------------------------------------------------------------------
# RFC 9162 hashing and proof verification


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash, SHA-256(0x00 || entry): the prefix keeps leaves and nodes apart."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


def _inner_border(index: int, size: int) -> tuple[int, int]:
    """Split an inclusion path into its inner part and its right-border part (lengths)."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _short(value: bytes) -> str:
    return value.hex()[:16]


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    RFC 9162 §2.1.3.2. Raises VerificationError naming the failed check; returns None on success.
    """
    where = f"inclusion proof for index {index} in tree size {size}"
    if size < 1 or not 0 <= index < size:
        raise VerificationError(f"{where}: index must satisfy 0 <= index < size")
    _check_hash(f"{where}: leaf hash", leaf_hash)
    _check_hash(f"{where}: root", root)
    for i, p in enumerate(proof):
        _check_hash(f"{where}: proof[{i}]", p)
    inner, border = _inner_border(index, size)
    if len(proof) != inner + border:
        raise VerificationError(
            f"{where}: proof has {len(proof)} hashes, expected {inner + border}"
        )
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise VerificationError(f"{where}: proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(f"{where}: proof is too short")
    if r != root:
        raise VerificationError(
            f"{where}: recomputed root {_short(r)}… does not match expected root {_short(root)}…"
        )


def _consistency_length(size1: int, size2: int) -> int:
    inner, border = _inner_border(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    inner -= shift
    return inner + border + (0 if size1 == 1 << shift else 1)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (size1, root1) is a prefix of the tree (size2, root2).

    RFC 9162 §2.1.4.2. size1 == 0 is rejected (nothing to prove; callers special-case it);
    equal sizes need an empty proof and equal roots. Raises VerificationError on failure.
    """
    where = f"consistency proof from size {size1} to size {size2}"
    if size1 < 1:
        raise VerificationError(f"{where}: size1 must be at least 1")
    if size2 < size1:
        raise VerificationError(f"{where}: size2 is smaller than size1")
    _check_hash(f"{where}: root1", root1)
    _check_hash(f"{where}: root2", root2)
    for i, p in enumerate(proof):
        _check_hash(f"{where}: proof[{i}]", p)
    if size1 == size2:
        if proof:
            raise VerificationError(f"{where}: equal sizes need an empty proof")
        if root1 != root2:
            raise VerificationError(f"{where}: equal sizes but the roots differ")
        return
    expected = _consistency_length(size1, size2)
    if len(proof) != expected:
        raise VerificationError(f"{where}: proof has {len(proof)} hashes, expected {expected}")
    # When size1 is a power of two its root is itself a node of the larger tree: seed with it.
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError(f"{where}: proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(f"{where}: proof is too short")
    if fr != root1:
        raise VerificationError(
            f"{where}: proof yields root1 {_short(fr)}…, expected {_short(root1)}…"
        )
    if sr != root2:
        raise VerificationError(
            f"{where}: proof yields root2 {_short(sr)}…, expected {_short(root2)}…"
        )


# --------------------------------------------------------------------------------------------
# Base64 helpers


def _b64decode(what: str, text: str) -> bytes:
    """Strict standard base64: canonical encodings only, so every byte of a note is bound."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise VerificationError(f"{what}: invalid base64 ({exc})") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise VerificationError(f"{what}: non-canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def parse_proof(text: str, *, what: str = "proof") -> list[bytes]:
    """Parse a proof file: base64 hashes, one per line, each line ending in a newline."""
    if text == "":
        return []
    if not text.endswith("\n"):
        raise VerificationError(f"{what}: last line has no newline (file truncated?)")
    hashes = []
    for lineno, line in enumerate(text[:-1].split("\n"), start=1):
        raw = _b64decode(f"{what} line {lineno}", line)
        _check_hash(f"{what} line {lineno}", raw)
        hashes.append(raw)
    return hashes


def format_proof(proof: Sequence[bytes]) -> str:
    """The proof-file text for ``proof`` (inverse of ``parse_proof``)."""
    return "".join(_b64(h) + "\n" for h in proof)


# --------------------------------------------------------------------------------------------
# C2SP signed notes (Ed25519)


def _name_problem(name: str) -> str | None:
    if not name:
        return "key name is empty"
    if "+" in name:
        return f"key name {name!r} contains '+'"
    if any(c.isspace() or c < " " for c in name):
        return f"key name {name!r} contains a space or control character"
    return None


def ed25519_key_id(name: str, public_key: bytes, sigtype: int = SIGTYPE_ED25519) -> bytes:
    """Key ID = SHA-256(name || 0x0A || sigtype || public key)[:4] (signed-note).

    sigtype 0x01 for a log's Ed25519 key, 0x04 for an Ed25519 witness (tlog-cosignature v1).
    """
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sigtype]) + public_key).digest()[:4]


def _raw_public_key(public_key: Ed25519PublicKey | bytes) -> bytes:
    return public_key if isinstance(public_key, bytes) else public_key.public_bytes_raw()


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier: key name, 4-byte key ID and raw 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        problem = _name_problem(self.name)
        if problem:
            raise ValueError(problem)
        if len(self.public_key) != 32:
            raise ValueError(f"Ed25519 public key is {len(self.public_key)} bytes, expected 32")
        if self.key_id != ed25519_key_id(self.name, self.public_key):
            raise ValueError(f"key ID {self.key_id.hex()} does not match key {self.name}")

    @classmethod
    def from_public_key(cls, name: str, public_key: Ed25519PublicKey | bytes) -> NoteVerifier:
        """Build a verifier, computing the key ID as signed-note prescribes for Ed25519."""
        raw = _raw_public_key(public_key)
        return cls(name, ed25519_key_id(name, raw), raw)

    def vkey(self) -> str:
        """The verifier key string ``<name>+<hex key id>+<base64(0x01 || key)>``."""
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([SIGTYPE_ED25519]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's Ed25519 signature over ``message``."""
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def make_vkey(name: str, public_key: Ed25519PublicKey | bytes) -> str:
    """The verifier key string for an Ed25519 public key under ``name``."""
    try:
        return NoteVerifier.from_public_key(name, public_key).vkey()
    except ValueError as exc:
        raise VerificationError(f"cannot make vkey: {exc}") from None


_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


def _parse_vkey(vkey: str, sigtype: int) -> tuple[str, bytes, bytes]:
    """(name, key ID, raw Ed25519 key) of a vkey of the given signature type."""
    parts = vkey.split("+", 2)  # the base64 key may itself contain "+"
    if len(parts) != 3:
        raise VerificationError(f"vkey {vkey!r}: expected name+keyid+key (3 parts)")
    name, id_hex, key_b64 = parts
    problem = _name_problem(name)
    if problem:
        raise VerificationError(f"vkey: {problem}")
    if not _KEY_ID_HEX.fullmatch(id_hex):
        raise VerificationError(f"vkey {name}: key ID {id_hex!r} is not 8 lowercase hex digits")
    key = _b64decode(f"vkey {name}: key", key_b64)
    if not key or key[0] != sigtype:
        kind = f"0x{key[0]:02x}" if key else "missing"
        raise VerificationError(
            f"vkey {name}: signature type {kind} unsupported here (need 0x{sigtype:02x})"
        )
    if len(key) != 33:
        raise VerificationError(f"vkey {name}: Ed25519 key is {len(key) - 1} bytes, expected 32")
    expected = ed25519_key_id(name, key[1:], sigtype)
    if bytes.fromhex(id_hex) != expected:
        raise VerificationError(
            f"vkey {name}: key ID {id_hex} does not match the key (computed {expected.hex()})"
        )
    return name, expected, key[1:]


def parse_vkey(vkey: str) -> NoteVerifier:
    """Parse ``<name>+<hex key id>+<base64(sigtype || key)>``; only Ed25519 (0x01) is accepted."""
    return NoteVerifier(*_parse_vkey(vkey, SIGTYPE_ED25519))


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID, signature bytes (key ID removed)."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """A parsed note: ``body`` is the signed text (ends in newline), then its signature lines.

    ``verified_by`` lists the keys whose signatures verified (empty when only parsed).
    """

    body: str
    signatures: tuple[NoteSignature, ...]
    verified_by: tuple[NoteVerifier, ...] = field(default=())


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # every control character but newline


def _text_problem(text: str) -> str | None:
    if not text.endswith("\n"):
        return "does not end with a newline"
    found = _CONTROL.search(text)
    if found is not None:
        return f"contains control character {found.group()!r} at offset {found.start()}"
    return None


def parse_note(text: str) -> Note:
    """Split a signed note into body and signature lines; checks syntax, not signatures."""
    problem = _text_problem(text)
    if problem:
        raise VerificationError(f"note {problem}")
    split = text.rfind("\n\n")
    if split < 0:
        raise VerificationError("note has no blank line before its signatures")
    body, sig_text = text[: split + 1], text[split + 2 :]
    lines = sig_text[:-1].split("\n") if sig_text else []
    if not lines:
        raise VerificationError("note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(f"note has {len(lines)} signatures, limit is {MAX_SIGNATURES}")
    signatures = []
    for n, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            raise VerificationError(f"note signature line {n} does not start with '— '")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        problem = _name_problem(name)
        if not sep or problem:
            raise VerificationError(f"note signature line {n}: {problem or 'no signature'}")
        raw = _b64decode(f"note signature line {n} ({name})", b64)
        if len(raw) < 5:
            raise VerificationError(f"note signature line {n} ({name}): signature too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return Note(body, tuple(signatures))


def verify_note(text: str, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse ``text`` and check its signatures against the known ``verifiers``.

    Signatures by unknown keys are ignored (signed-note MUST); a known key's signature that
    fails rejects the note; at least one known key must have signed.
    """
    note = parse_note(text)
    known = {(v.name, v.key_id): v for v in verifiers}
    message = note.body.encode("utf-8")
    verified: list[NoteVerifier] = []
    for n, sig in enumerate(note.signatures, start=1):
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(message, sig.signature):
            raise VerificationError(
                f"note signature line {n} by {sig.name}+{sig.key_id.hex()} does not verify"
            )
        if verifier not in verified:
            verified.append(verifier)
    if not verified:
        present = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in note.signatures)
        wanted = ", ".join(f"{name}+{kid.hex()}" for name, kid in known) or "none"
        raise VerificationError(
            f"note is not signed by a known key (signed by {present}; known: {wanted})"
        )
    return Note(note.body, note.signatures, tuple(verified))


def sign_note(
    body: str, name: str, private_key: Ed25519PrivateKey, *, key_id: bytes | None = None
) -> str:
    """Sign ``body`` (must end in a newline) with an Ed25519 key, returning the note text.

    ``key_id``: the key's ID under ``name``, when the caller keeps it (a writer signs every
    transaction; deriving the public key for it is a scalar multiplication each time).
    """
    problem = _text_problem(body) or _name_problem(name)
    if problem:
        raise ValueError(f"cannot sign note: {problem}")
    if key_id is None:
        key_id = ed25519_key_id(name, private_key.public_key().public_bytes_raw())
    signature = private_key.sign(body.encode("utf-8"))
    return f"{body}\n{_SIG_PREFIX}{name} {_b64(key_id + signature)}\n"


# --------------------------------------------------------------------------------------------
# C2SP checkpoints

_SIZE = re.compile(r"0|[1-9][0-9]*")
_MAX_SIZE = 2**63 - 1


def _checkpoint_problem(
    origin: str, size: int, root: bytes, extensions: Sequence[str]
) -> str | None:
    if not origin:
        return "origin is empty"
    if any(c < " " for c in origin):
        return "origin contains a newline or control character"
    if not 0 <= size <= _MAX_SIZE:
        return f"size {size} out of range"
    if len(root) != HASH_SIZE:
        return f"root hash is {len(root)} bytes, expected {HASH_SIZE}"
    for i, ext in enumerate(extensions):
        if not ext:
            return f"extension line {i + 1} is empty"
        if any(c < " " for c in ext):
            return f"extension line {i + 1} contains a newline or control character"
    return None


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint body: origin, tree size, root hash and optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = _checkpoint_problem(self.origin, self.size, self.root, self.extensions)
        if problem:
            raise ValueError(f"invalid checkpoint: {problem}")

    def body(self) -> str:
        """The note text to sign: origin, size, base64 root and extensions, one per line."""
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse a checkpoint note body (the signed text, not the whole note)."""
    if not body.endswith("\n"):
        raise VerificationError("checkpoint body does not end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError(f"checkpoint body has {len(lines)} lines, expected at least 3")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE.fullmatch(size_text):
        raise VerificationError(f"checkpoint size {size_text!r} is not a decimal without zeros")
    root = _b64decode("checkpoint root", root_text)
    size = int(size_text)
    problem = _checkpoint_problem(origin, size, root, extensions)
    if problem:
        raise VerificationError(f"checkpoint: {problem}")
    return Checkpoint(origin, size, root, tuple(extensions))


def verify_checkpoint(
    text: str, verifier: NoteVerifier | Sequence[NoteVerifier], *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note with the log's key(s); optionally require its origin."""
    note = verify_note(text, [verifier] if isinstance(verifier, NoteVerifier) else verifier)
    checkpoint = parse_checkpoint(note.body)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(
            f"checkpoint origin {checkpoint.origin!r} is not the expected {origin!r}"
        )
    return checkpoint


# --------------------------------------------------------------------------------------------
# Witness cosignatures (C2SP tlog-cosignature v1, Ed25519)

SIGTYPE_COSIGNATURE_V1 = 0x04
_COSIGNATURE_BYTES = 8 + 64  # u64 big-endian timestamp || Ed25519 signature


@dataclass(frozen=True)
class WitnessKey:
    """A witness's Ed25519 cosigning key: name, key ID (signature type 0x04), raw public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def from_public_key(cls, name: str, public_key: Ed25519PublicKey | bytes) -> WitnessKey:
        """A witness key from its Ed25519 public key and name."""
        raw = _raw_public_key(public_key)
        problem = _name_problem(name)
        if problem:
            raise ValueError(problem)
        return cls(name, ed25519_key_id(name, raw, SIGTYPE_COSIGNATURE_V1), raw)

    def vkey(self) -> str:
        """``<name>+<hex key id>+<base64(0x04 || key)>``, as tlog-cosignature allows."""
        raw = bytes([SIGTYPE_COSIGNATURE_V1]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{_b64(raw)}"


def parse_witness_vkey(vkey: str) -> WitnessKey:
    """Parse a witness vkey (signature type 0x04, Ed25519 cosignature v1)."""
    return WitnessKey(*_parse_vkey(vkey, SIGTYPE_COSIGNATURE_V1))


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a v1 cosignature signs: header, time line, then the whole checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode("utf-8")


def cosign(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """A witness's note signature line over a checkpoint body, timestamped (seconds)."""
    if not 0 < timestamp <= _MAX_SIZE:
        raise ValueError(f"cosignature timestamp {timestamp} out of range")
    witness = WitnessKey.from_public_key(name, key.public_key())
    signature = key.sign(cosignature_message(body, timestamp))
    raw = witness.key_id + timestamp.to_bytes(8, "big") + signature
    return f"{_SIG_PREFIX}{name} {_b64(raw)}\n"


def witness_cosigners(text: str, witnesses: Sequence[WitnessKey]) -> list[tuple[WitnessKey, int]]:
    """The witnesses whose cosignature on the note verifies, with each one's timestamp.

    Lines by unknown keys are ignored; a known witness's line that fails is an error, as a
    failing signature by a known key makes a note malformed (signed-note).
    """
    note = parse_note(text)
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[WitnessKey, int] = {}
    for n, sig in enumerate(note.signatures, start=1):
        witness = known.get((sig.name, sig.key_id))
        if witness is None:
            continue
        raw = sig.signature
        stamp = int.from_bytes(raw[:8], "big") if len(raw) == _COSIGNATURE_BYTES else 0
        ok = 0 < stamp <= _MAX_SIZE
        if ok:
            try:
                Ed25519PublicKey.from_public_bytes(witness.public_key).verify(
                    raw[8:], cosignature_message(note.body, stamp)
                )
            except InvalidSignature:
                ok = False
        if not ok:
            raise VerificationError(
                f"note signature line {n}: cosignature by witness {witness.name} does not verify"
            )
        found.setdefault(witness, stamp)
    return list(found.items())


def check_witnesses(text: str, witnesses: Sequence[WitnessKey], quorum: int) -> str:
    """Require cosignatures by at least ``quorum`` of ``witnesses``; returns the check line."""
    cosigned = witness_cosigners(text, witnesses)
    names = ", ".join(w.name for w, _ in cosigned) or "none"
    if len(cosigned) < quorum:
        raise VerificationError(
            f"witness policy: {len(cosigned)} of the {quorum} required cosignatures "
            f"(of {len(witnesses)} witnesses; cosigned by: {names})"
        )
    return f"cosigned by {len(cosigned)} of {len(witnesses)} witnesses ({names}), {quorum} required"


def witness_policy(values: Sequence[str], quorum: int | None) -> tuple[list[WitnessKey], int]:
    """``--witness`` values (vkeys or files) and ``--witness-quorum`` (default: all of them)."""
    keys = [k for value in values for k in load_keys(value, parse_witness_vkey, "--witness")]
    wanted = len(keys) if quorum is None else quorum
    if not 0 < wanted <= len(keys):
        raise BundleInputError(
            f"--witness-quorum {wanted}: must be between 1 and the {len(keys)} witness key(s) given"
        )
    return keys, wanted


# --------------------------------------------------------------------------------------------
# Pinned keys, saved checkpoints and the checkpoint chain

PREV_EXTENSION = "reelproof-prev "
"""Checkpoint extension line naming the size of the log's previous checkpoint.

Each checkpoint names the one before it, so a checkpoint deleted from the middle of a store or
a bundle leaves a gap that verification reports.
"""


def previous_size(checkpoint: Checkpoint) -> int | None:
    """The size of the checkpoint before ``checkpoint`` (None when it does not say)."""
    found = [
        e[len(PREV_EXTENSION) :] for e in checkpoint.extensions if e.startswith(PREV_EXTENSION)
    ]
    if not found:
        return None
    if len(found) > 1 or not _SIZE.fullmatch(found[0]) or int(found[0]) >= checkpoint.size:
        raise VerificationError(
            f"checkpoint of size {checkpoint.size}: malformed {PREV_EXTENSION.strip()!r} line"
        )
    return int(found[0])


NEXT_KEY_EXTENSION = "reelproof-next-key "
"""Checkpoint extension line of a key rotation: the vkey that signs the log from now on.

The rotation checkpoint is signed by the old key and the new one; a verifier who trusts the
old key accepts the new one for every later checkpoint.
"""


def _key_name(key: NoteVerifier) -> str:
    return f"{key.name}+{key.key_id.hex()}"


def next_key(text: str, checkpoint: Checkpoint) -> NoteVerifier | None:
    """The key a verified checkpoint hands its log to (None when it names none).

    The named key must be of the same log and must have co-signed this very checkpoint.
    """
    cut = len(NEXT_KEY_EXTENSION)
    named = [e[cut:] for e in checkpoint.extensions if e.startswith(NEXT_KEY_EXTENSION)]
    if not named:
        return None
    if len(named) > 1:
        raise VerificationError(f"checkpoint of size {checkpoint.size} names two next keys")
    successor = parse_vkey(named[0])
    if successor.name != checkpoint.origin:
        raise VerificationError(
            f"checkpoint of size {checkpoint.size} hands the log to a key of {successor.name}"
        )
    verify_note(text, [successor])
    return successor


def trust_list_path() -> Path:
    """The verifier's own pinned keys: a file in the user's configuration directory.

    It lives with the person who verifies, never in the store or bundle being verified.
    """
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "reelproof" / "trusted.vkeys"


def read_vkeys(
    text: str,
    where: str,
    parse: Callable[[str], _Key] = parse_vkey,  # type: ignore[assignment]
) -> list[_Key]:
    """Parse vkeys, one per line; blank lines and ``#`` comments are skipped."""
    keys = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                keys.append(parse(line))
            except VerificationError as exc:
                raise BundleInputError(f"{where}:{lineno}: {exc}") from None
    return keys


def read_trust_list(path: Path | None = None) -> list[NoteVerifier]:
    """The pinned keys of the trust list (none when the file does not exist yet)."""
    path = path or trust_list_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleInputError(f"{path}: cannot read the trust list ({exc})") from None
    return read_vkeys(text, str(path))


def load_keys(value: str, parse: Callable[[str], _Key], option: str) -> list[_Key]:
    """A key argument: a vkey, or a file holding vkeys (e.g. the operator's ``log.vkey``)."""
    path = Path(value)
    if not path.is_file():
        return read_vkeys(value, option, parse)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleInputError(f"{option} {value}: cannot read ({exc})") from None
    keys = read_vkeys(text, value, parse)
    if not keys:
        raise BundleInputError(f"{option} {value}: the file holds no key")
    return keys


def load_vkey(value: str) -> list[NoteVerifier]:
    """A ``--vkey`` argument: a log's vkey, or a file holding such vkeys."""
    return load_keys(value, parse_vkey, "--vkey")


def pinned_keys(origin: str, given: Sequence[NoteVerifier] | None = None) -> list[NoteVerifier]:
    """The keys that may authenticate checkpoints of ``origin``: ``given``, else the trust list.

    Log keys are named after their origin (C2SP), so a pinned key only ever vouches for its
    own log. A given key for another log is a mistake and fails; the trust list may hold keys
    of many logs, and an empty result means UNAUTHENTICATED.
    """
    if given is None:
        return [k for k in read_trust_list() if k.name == origin]
    mine = [k for k in given if k.name == origin]
    if not mine:
        names = ", ".join(sorted({k.name for k in given})) or "none"
        raise VerificationError(f"the key(s) you gave are for {names}, not for this log {origin}")
    return mine


def read_saved_checkpoint(path: Path) -> str:
    """The text of a checkpoint saved by ``--save-checkpoint`` (unreadable: bad input)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleInputError(
            f"--since {path}: cannot read the saved checkpoint ({exc})"
        ) from None


def save_checkpoint(path: Path, note: str) -> None:
    """Keep a verified checkpoint for the next ``--since``; replaced atomically, never torn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(note, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def check_since(saved: Checkpoint, origin: str, size: int) -> None:
    """Fail when the log is not (yet) as long as a checkpoint the verifier saw before."""
    if saved.origin != origin:
        raise VerificationError(
            f"saved checkpoint: it is of log {saved.origin!r}, this is log {origin!r}"
        )
    if saved.size > size:
        raise VerificationError(
            f"saved checkpoint: you saw {saved.size} entries before, the log now has {size}: "
            f"entries {size}..{saved.size - 1} were removed (rollback)"
        )


# --------------------------------------------------------------------------------------------
# Offline bundles


@dataclass(frozen=True)
class BundleReport:
    """What ``verify_bundle`` established: the latest checkpoint and every check it passed.

    ``authenticated`` is True only when a pinned key (never ``log.vkey``) signed every
    checkpoint; otherwise the checks prove integrity alone and the status is UNAUTHENTICATED.
    """

    path: Path
    origin: str
    size: int
    root: bytes
    entries: int
    key: str
    authenticated: bool
    checkpoint_sizes: tuple[int, ...]
    consistency_proofs: tuple[tuple[int, int], ...]
    checks: tuple[str, ...]
    note: str
    since_size: int | None = None

    @property
    def status(self) -> str:
        """VERIFIED (exit 0) or UNAUTHENTICATED (exit 1): failures raise instead."""
        return "VERIFIED" if self.authenticated else "UNAUTHENTICATED"

    def summary(self) -> str:
        """A human-readable multi-line summary for the command line."""
        lines = [
            f"bundle   {self.path}",
            f"origin   {self.origin}",
            f"size     {self.size}",
            f"root     {_b64(self.root)}",
            f"entries  {self.entries}",
            f"key      {self.key}" + ("" if self.authenticated else " (log.vkey, not pinned)"),
            "checks:",
            *(f"  ok  {c}" for c in self.checks),
        ]
        if not self.authenticated:
            lines.append(
                f"no pinned key for {self.origin}: the checks above used the bundle's own "
                "log.vkey, which proves nothing about who signed it; pin the key the log "
                "operator publishes (`reelproof log trust add VKEY`) or pass --vkey"
            )
        lines.append(self.status)
        return "\n".join(lines)


def _read_text(path: Path) -> str:
    """Read a required bundle file as UTF-8; a missing file is bad input, bad UTF-8 a failure."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BundleInputError(f"{path.name}: required file is missing") from None
    except OSError as exc:
        raise BundleInputError(f"{path.name}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VerificationError(
            f"{path.name}: not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None


def _listing(directory: Path) -> list[Path]:
    if not directory.exists():
        return []
    if not directory.is_dir():
        raise BundleInputError(f"{directory.name}: expected a directory")
    files = (p for p in directory.iterdir() if not p.name.startswith("."))
    return sorted(files, key=lambda p: (len(p.name), p.name))  # numeric order for sizes


class RootAccumulator:
    """Streaming Merkle root: keeps only the perfect subtrees of the current size.

    ``completed`` receives every perfect node ``(level, index, hash)`` as it is formed, so a
    caller can compare a stored tree node by node without holding it.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []
        self.completed: list[tuple[int, int, bytes]] | None = None

    def append(self, hashed_leaf: bytes) -> None:
        """Add the next leaf hash, completing every subtree it closes."""
        node, n = hashed_leaf, self.size
        level, index = 0, self.size
        if self.completed is not None:
            self.completed.append((0, index, node))
        while n & 1:
            node = node_hash(self._stack.pop(), node)
            n >>= 1
            level, index = level + 1, index >> 1
            if self.completed is not None:
                self.completed.append((level, index, node))
        self._stack.append(node)
        self.size += 1

    def root(self) -> bytes:
        """The root of the tree of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        r = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            r = node_hash(left, r)
        return r


_PROOF_NAME = re.compile(r"consistency-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)\.txt")


def _given_keys(trusted_vkey: str | Sequence[str] | None) -> list[NoteVerifier] | None:
    if trusted_vkey is None:
        return None
    values = [trusted_vkey] if isinstance(trusted_vkey, str) else list(trusted_vkey)
    return [key for value in values for key in load_vkey(value)]


def verify_bundle(
    path: Path,
    *,
    trusted_vkey: str | Sequence[str] | None = None,
    since: str | None = None,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
) -> BundleReport:
    """Verify an offline audit-log bundle directory (format in the module docstring).

    ``trusted_vkey``: keys (or files) the verifier holds; None reads the trust list. ``since``:
    the text of a checkpoint saved earlier, which the bundle's history must extend.
    ``witnesses`` and ``quorum``: the latest checkpoint must carry cosignatures by at least
    ``quorum`` (default: all) of these witness keys. Raises
    BundleInputError when the input is unreadable and VerificationError naming the first
    failed check; returns the report (VERIFIED or UNAUTHENTICATED) when everything holds.
    """
    path = Path(path)
    if not path.is_dir():
        raise BundleInputError(f"{path}: not a directory")
    given = _given_keys(trusted_vkey)
    policy = witness_policy(witnesses, quorum) if witnesses else None
    checks: list[str] = []

    try:
        bundle_key = parse_vkey(_read_text(path / "log.vkey").strip())
    except BundleInputError:
        raise
    except VerificationError as exc:
        raise VerificationError(f"log.vkey: {exc}") from None

    latest_text = _read_text(path / "checkpoint")
    try:
        claimed = parse_checkpoint(parse_note(latest_text).body)
    except VerificationError as exc:
        raise VerificationError(f"checkpoint: {exc}") from None
    pinned = pinned_keys(claimed.origin, given)
    signers = list(pinned or [bundle_key])
    if pinned:
        where = "--vkey" if given is not None else f"the trust list {trust_list_path()}"
        checks.append(f"pinned key(s) from {where}: {', '.join(map(_key_name, pinned))}")
        if bundle_key not in pinned:
            checks.append(f"log.vkey {_key_name(bundle_key)} is not pinned: ignored")

    def load_checkpoint(text: str, label: str) -> Checkpoint:
        """Verify one checkpoint with the keys accepted so far; follow a key rotation."""
        try:
            checkpoint = verify_checkpoint(text, signers, origin=claimed.origin)
            successor = next_key(text, checkpoint)
        except VerificationError as exc:
            raise VerificationError(f"{label}: {exc}") from None
        checks.append(f"{label}: signature verified (size {checkpoint.size})")
        if successor is not None and successor not in signers:
            signers.append(successor)
            checks.append(f"{label}: hands the log to {_key_name(successor)}, which co-signed it")
        return checkpoint

    older: dict[int, Checkpoint] = {}
    for file in _listing(path / "checkpoints"):  # oldest first: rotations are followed in order
        label = f"checkpoints/{file.name}"
        if not _SIZE.fullmatch(file.name):
            raise VerificationError(f"{label}: unexpected file (names must be tree sizes)")
        checkpoint = load_checkpoint(_read_text(file), label)
        if checkpoint.size != int(file.name):
            raise VerificationError(f"{label}: checkpoint size is {checkpoint.size}")
        if checkpoint.size > claimed.size:
            raise VerificationError(
                f"{label}: newer than the latest checkpoint (size {claimed.size})"
            )
        older[checkpoint.size] = checkpoint
    latest = load_checkpoint(latest_text, "checkpoint")
    if latest.size in older and older[latest.size].root != latest.root:
        raise VerificationError(
            f"checkpoints/{latest.size}: same size as the latest checkpoint, other root"
        )
    if policy is not None:
        try:
            checks.append(f"checkpoint: {check_witnesses(latest_text, *policy)}")
        except VerificationError as exc:
            raise VerificationError(f"checkpoint: {exc}") from None
    by_size: dict[int, Checkpoint] = {**older, latest.size: latest}

    # Each checkpoint names its predecessor: inside the span the bundle covers, none may be gone.
    oldest = min(by_size)
    for size, checkpoint in sorted(by_size.items()):
        label = "checkpoint" if size == latest.size else f"checkpoints/{size}"
        try:
            prev = previous_size(checkpoint)
        except VerificationError as exc:
            raise VerificationError(f"{label}: {exc}") from None
        if prev is not None and prev >= oldest and prev not in by_size:
            raise VerificationError(
                f"{label} follows the checkpoint of size {prev}, which the bundle lacks "
                "(an older checkpoint was deleted)"
            )

    proofs_done: list[tuple[int, int]] = []
    proof_files = {f.name: f for f in _listing(path / "proofs")}
    for name, file in proof_files.items():
        match = _PROOF_NAME.fullmatch(name)
        if not match:
            raise VerificationError(f"proofs/{name}: unexpected file")
        a, b = int(match[1]), int(match[2])
        for size in (a, b):
            if size not in by_size:
                raise VerificationError(
                    f"proofs/{name}: the bundle has no checkpoint of size {size}"
                )
        if a > b:
            raise VerificationError(f"proofs/{name}: sizes are in the wrong order")
        proof = parse_proof(_read_text(file), what=f"proofs/{name}")
        if a == 0:
            if proof:
                raise VerificationError(f"proofs/{name}: a proof from size 0 must be empty")
        else:
            try:
                verify_consistency(a, b, proof, by_size[a].root, by_size[b].root)
            except VerificationError as exc:
                raise VerificationError(f"proofs/{name}: {exc}") from None
        proofs_done.append((a, b))
        checks.append(f"proofs/{name}: consistency {a} -> {b} verified ({len(proof)} hashes)")
    for a in sorted(older):
        if 0 < a < latest.size and (a, latest.size) not in proofs_done:
            raise VerificationError(
                f"checkpoints/{a}: proofs/consistency-{a}-{latest.size}.txt is missing"
            )

    # The roots to recompute from the entries: every checkpoint's, and the saved one's.
    targets: dict[int, list[tuple[str, bytes]]] = {}
    for size, checkpoint in by_size.items():
        label = "checkpoint" if size == latest.size else f"checkpoints/{size}"
        targets.setdefault(size, []).append((label, checkpoint.root))
    saved: Checkpoint | None = None
    if since is not None:
        try:
            saved = verify_checkpoint(since, signers)
        except VerificationError as exc:
            raise VerificationError(f"saved checkpoint: {exc}") from None
        check_since(saved, latest.origin, latest.size)
        targets.setdefault(saved.size, []).append(("your saved checkpoint", saved.root))

    acc = RootAccumulator()
    matched = [0]  # the largest size whose root already matched

    def check_root_at(size: int) -> None:
        got = acc.root()
        for label, expected in targets[size]:
            if got != expected:
                if label == "your saved checkpoint":
                    raise VerificationError(
                        f"saved checkpoint: the log's first {size} entries no longer give the "
                        f"root you saw ({_b64(expected)}); history was rewritten (fork)"
                    )
                raise VerificationError(
                    f"entries.jsonl: root of the first {size} entries is {_b64(got)}, but "
                    f"{label} signed {_b64(expected)} (entries {matched[0]}..{size - 1} were "
                    "changed, reordered, added or removed)"
                )
            checks.append(f"entries.jsonl: root of the first {size} entries matches {label}")
        matched[0] = size

    pending = iter(sorted(targets))
    next_size = next(pending, None)
    while next_size == 0:
        check_root_at(0)
        next_size = next(pending, None)
    try:
        entries_file = (path / "entries.jsonl").open("rb")
    except FileNotFoundError:
        raise BundleInputError("entries.jsonl: required file is missing") from None
    except OSError as exc:
        raise BundleInputError(f"entries.jsonl: cannot read ({exc.strerror})") from None
    with entries_file:
        for index, line in enumerate(entries_file):
            where = f"entries.jsonl line {index + 1} (entry {index})"
            if not line.endswith(b"\n"):
                raise VerificationError(f"{where}: no trailing newline (file truncated?)")
            entry = line[:-1]
            if index >= latest.size:
                raise VerificationError(
                    f"{where}: more entries than the checkpoint's size {latest.size}"
                )
            try:
                json.loads(entry.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise VerificationError(f"{where}: not a UTF-8 JSON value ({exc})") from None
            acc.append(leaf_hash(entry))
            if acc.size == next_size:
                check_root_at(acc.size)
                next_size = next(pending, None)
    if acc.size != latest.size:
        raise VerificationError(
            f"entries.jsonl: has {acc.size} entries, the checkpoint says {latest.size}"
        )
    return BundleReport(
        path=path,
        origin=latest.origin,
        size=latest.size,
        root=latest.root,
        entries=acc.size,
        key=", ".join(_key_name(k) for k in signers),
        authenticated=bool(pinned),
        checkpoint_sizes=tuple(sorted(older)),
        consistency_proofs=tuple(sorted(proofs_done)),
        checks=tuple(checks),
        note=latest_text,
        since_size=None if saved is None else saved.size,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: verify a bundle; exit 0 verified, 1 failed or unauthenticated, 2 bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m reelproof.verify",
        description="Verify a reelproof audit-log bundle offline.",
    )
    parser.add_argument("bundle", type=Path, help="bundle directory")
    parser.add_argument(
        "--vkey",
        action="append",
        help="the log's published verifier key, or a file holding it (default: the trust list "
        f"{trust_list_path()}); repeat for a key rotation",
    )
    parser.add_argument("--since", type=Path, help="a checkpoint you saved on an earlier check")
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        help="a witness's cosigning key (or a file holding it); repeat for each witness",
    )
    parser.add_argument(
        "--witness-quorum",
        type=int,
        help="how many of the --witness keys must have cosigned (default: all)",
    )
    parser.add_argument(
        "--save-checkpoint", type=Path, help="keep the verified checkpoint here for next time"
    )
    args = parser.parse_args(argv)
    try:
        since = None if args.since is None else read_saved_checkpoint(args.since)
        report = verify_bundle(
            args.bundle,
            trusted_vkey=args.vkey,
            since=since,
            witnesses=args.witness,
            quorum=args.witness_quorum,
        )
    except BundleInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except VerificationError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    if args.save_checkpoint is not None:
        if not report.authenticated:
            print("checkpoint not saved: it is not authenticated by a pinned key", file=sys.stderr)
        else:
            save_checkpoint(args.save_checkpoint, report.note)
            print(f"checkpoint of size {report.size} saved to {args.save_checkpoint}")
    return 0 if report.authenticated else 1


if __name__ == "__main__":
    sys.exit(main())
