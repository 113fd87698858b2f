"""Signed notes (C2SP signed-note) and checkpoints (C2SP tlog-checkpoint) built by us."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reelproof.verify import (
    Checkpoint,
    NoteVerifier,
    VerificationError,
    make_vkey,
    parse_checkpoint,
    parse_note,
    parse_vkey,
    sign_note,
    verify_checkpoint,
    verify_note,
)

ORIGIN = "reelproof.test/log"


def _key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"seed%d" % seed).digest())


def _verifier(name: str, key: Ed25519PrivateKey) -> NoteVerifier:
    return parse_vkey(make_vkey(name, key.public_key()))


def test_vkey_round_trip() -> None:
    key = _key(1)
    vkey = make_vkey(ORIGIN, key.public_key())
    name, key_id, material = vkey.split("+", 2)
    assert name == ORIGIN
    assert len(key_id) == 8
    assert base64.b64decode(material)[0] == 0x01
    verifier = parse_vkey(vkey)
    assert verifier == NoteVerifier.from_public_key(ORIGIN, key.public_key())
    assert verifier.vkey() == vkey


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda v: v.split("+")[0], "3 parts"),
        (lambda v: v.replace("+", "++", 1), "not 8 lowercase hex"),
        (lambda v: "+" + v.split("+", 1)[1], "empty"),
        (lambda v: "a b" + v[len(ORIGIN) :], "space"),
        (lambda v: v.replace(v.split("+")[1], "00000000"), "does not match"),
        (lambda v: v.replace(v.split("+")[1], v.split("+")[1].upper()), "lowercase hex"),
        (lambda v: v[:-4], "29 bytes"),
        (lambda v: v + "+", "base64"),
    ],
)
def test_bad_vkeys(mutate: Callable[[str], str], reason: str) -> None:
    vkey = make_vkey(ORIGIN, _key(1).public_key())
    with pytest.raises(VerificationError, match=reason):
        parse_vkey(mutate(vkey))


def test_vkey_with_other_signature_type_is_rejected() -> None:
    raw = _key(1).public_key().public_bytes_raw()
    material = base64.b64encode(b"\x04" + raw).decode()
    vkey = f"{ORIGIN}+00000000+{material}"
    with pytest.raises(VerificationError, match="0x04 unsupported"):
        parse_vkey(vkey)


def test_note_round_trip() -> None:
    key = _key(2)
    body = "hello\n\nworld, with an empty line inside\n"
    text = sign_note(body, ORIGIN, key)
    note = verify_note(text, [_verifier(ORIGIN, key)])
    assert note.body == body
    assert len(note.signatures) == 1
    assert note.verified_by == (_verifier(ORIGIN, key),)


def _cosign(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """Add a second signature line to a signed note."""
    body = parse_note(text).body
    extra = sign_note(body, name, key)[len(body) + 1 :]
    return text + extra


def test_unknown_signatures_are_ignored() -> None:
    log, witness = _key(3), _key(4)
    text = _cosign(sign_note("checkpoint-ish\n", ORIGIN, log), "witness.example/w1", witness)
    assert len(parse_note(text).signatures) == 2
    note = verify_note(text, [_verifier(ORIGIN, log)])
    assert [v.name for v in note.verified_by] == [ORIGIN]
    both = verify_note(text, [_verifier(ORIGIN, log), _verifier("witness.example/w1", witness)])
    assert len(both.verified_by) == 2
    # same name, other key: unknown, ignored -> but then no known key signed
    with pytest.raises(VerificationError, match="not signed by a known key"):
        verify_note(text, [_verifier(ORIGIN, _key(5))])


def test_bad_signature_from_known_key_rejects_note() -> None:
    log, impostor = _key(3), _key(6)
    good = sign_note("body\n", ORIGIN, log)
    # A signature line claiming the log's name and key ID but made by another key.
    sig = base64.b64decode(good.rsplit(" ", 1)[1])
    forged_sig = sig[:4] + impostor.sign(b"body\n")
    forged = good.rsplit(" ", 1)[0] + " " + base64.b64encode(forged_sig).decode() + "\n"
    text = _cosign(forged, "other.example/k", _key(7))
    with pytest.raises(VerificationError, match=r"line 1 .* does not verify"):
        verify_note(text, [_verifier(ORIGIN, log)])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no newline", "does not end with a newline"),
        ("body\n— a/b AAAAAAA=\n", "no blank line"),
        ("body\n\n", "no signature lines"),
        ("body\n\n- a/b AAAAAAA=\n", "does not start with"),
        ("body\n\n— a/b\n", "no signature"),
        ("body\n\n— a+b AAAAAAA=\n", "contains '\\+'"),
        ("body\n\n— a/b AAAA\n", "too short"),
        ("body\n\n— a/b AAAAAAA\n", "invalid base64"),
        ("body\n\n— a/b AAAAAAB=\n", "non-canonical"),
        ("bo\tdy\n\n— a/b AAAAAAA=\n", "control character"),
    ],
)
def test_malformed_notes(text: str, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        parse_note(text)


def test_signature_limit() -> None:
    line = "— a/b AAAAAAA=\n"
    assert len(parse_note("x\n\n" + line * 16).signatures) == 16
    with pytest.raises(VerificationError, match="limit"):
        parse_note("x\n\n" + line * 101)


def test_sign_note_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="newline"):
        sign_note("no newline", ORIGIN, _key(1))
    with pytest.raises(ValueError, match="contains '\\+'"):
        sign_note("x\n", "a+b", _key(1))


def _checkpoint(size: int = 12345) -> Checkpoint:
    return Checkpoint(ORIGIN, size, hashlib.sha256(b"root").digest())


def test_checkpoint_round_trip() -> None:
    key = _key(8)
    cp = Checkpoint(ORIGIN, 20852163, hashlib.sha256(b"r").digest(), ("ext one", "ext-two"))
    body = cp.body()
    assert body.splitlines()[:2] == [ORIGIN, "20852163"]
    assert parse_checkpoint(body) == cp
    text = sign_note(body, ORIGIN, key)
    assert verify_checkpoint(text, _verifier(ORIGIN, key)) == cp
    assert verify_checkpoint(text, _verifier(ORIGIN, key), origin=ORIGIN) == cp
    with pytest.raises(VerificationError, match="not the expected"):
        verify_checkpoint(text, _verifier(ORIGIN, key), origin="other.example/log")
    with pytest.raises(VerificationError, match="not signed by a known key"):
        verify_checkpoint(text, _verifier(ORIGIN, _key(9)))


def test_empty_tree_checkpoint() -> None:
    cp = Checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest())
    assert parse_checkpoint(cp.body()).size == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("o\n1\n", "at least 3"),
        ("o\n01\nAAAA\n", "not a decimal"),
        ("o\n-1\nAAAA\n", "not a decimal"),
        ("o\n1 \nAAAA\n", "not a decimal"),
        ("o\n1\nAAAA\n", "root hash is 3 bytes"),
        ("\n1\n" + base64.b64encode(bytes(32)).decode() + "\n", "origin is empty"),
        ("o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n", "extension line 1 is empty"),
        ("o\n1\n" + base64.b64encode(bytes(32)).decode(), "newline"),
        ("o\n99999999999999999999\n" + base64.b64encode(bytes(32)).decode() + "\n", "range"),
    ],
)
def test_malformed_checkpoints(body: str, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        parse_checkpoint(body)


def test_checkpoint_constructor_validates() -> None:
    with pytest.raises(ValueError, match="32"):
        Checkpoint(ORIGIN, 1, b"short")
    with pytest.raises(ValueError, match="newline"):
        Checkpoint("a\nb", 1, bytes(32))


def _other_char(c: str) -> str:
    return "B" if c == "A" else "A"


def test_tampering_any_character_fails() -> None:
    """Replacing or deleting any single character of a signed checkpoint breaks it."""
    key = _key(10)
    verifier = _verifier(ORIGIN, key)
    text = sign_note(_checkpoint().body(), ORIGIN, key)
    verify_checkpoint(text, verifier)
    for i, c in enumerate(text):
        replaced = text[:i] + _other_char(c) + text[i + 1 :]
        with pytest.raises(VerificationError):
            verify_checkpoint(replaced, verifier)
        deleted = text[:i] + text[i + 1 :]
        with pytest.raises(VerificationError):
            verify_checkpoint(deleted, verifier)


def test_tampering_any_bit_of_signature_fails() -> None:
    key = _key(11)
    verifier = _verifier(ORIGIN, key)
    text = sign_note(_checkpoint(7).body(), ORIGIN, key)
    head, b64 = text[:-1].rsplit(" ", 1)
    raw = base64.b64decode(b64)
    for bit in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        forged = f"{head} {base64.b64encode(bytes(flipped)).decode()}\n"
        with pytest.raises(VerificationError):
            verify_checkpoint(forged, verifier)
