"""Published third-party vectors: transparency-dev/merkle proofs and the C2SP signed-note example.

The vector files are listed at collection time from the same location the ``corpora`` fixture
uses; the tests themselves go through the fixture, which skips with a reason when absent.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from reelproof.verify import (
    VerificationError,
    ed25519_key_id,
    parse_note,
    parse_vkey,
    verify_consistency,
    verify_inclusion,
    verify_note,
)

_REPO = Path(__file__).resolve().parents[2]
_CORPORA = Path(os.environ.get("REELPROOF_CORPORA", _REPO.parent / "shared" / "corpora"))
TESTDATA = Path("tlog/transparency-dev-merkle/testdata")
ABSENT = "corpora-absent"


def _vector_files(kind: str) -> list[str]:
    base = _CORPORA / TESTDATA / kind
    files = sorted(
        p.relative_to(base).as_posix()
        for p in base.glob("**/*.json")
        if not any(part.startswith("subtree") for part in p.relative_to(base).parts)
    )
    return files or [ABSENT]


def _load(corpora: Path, kind: str, rel: str) -> dict[str, Any]:
    if rel == ABSENT:
        pytest.fail(f"corpora found at {corpora} but no {kind} vectors were listed at collection")
    data: dict[str, Any] = json.loads((corpora / TESTDATA / kind / rel).read_text())
    return data


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(values: list[str] | None) -> list[bytes]:
    return [_b64(v) for v in values or []]


@pytest.mark.parametrize("rel", _vector_files("inclusion"))
def test_inclusion_vector(corpora: Path, rel: str) -> None:
    v = _load(corpora, "inclusion", rel)
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v["proof"]), _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(VerificationError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("rel", _vector_files("consistency"))
def test_consistency_vector(corpora: Path, rel: str) -> None:
    v = _load(corpora, "consistency", rel)
    args = (v["size1"], v["size2"], _proof(v["proof"]), _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(VerificationError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_vector_set_is_complete(corpora: Path) -> None:
    """Guard against a silently shrunken corpus: INDEX.md lists 86 + 84 vector files."""
    assert len(_vector_files("inclusion")) >= 80
    assert len(_vector_files("consistency")) >= 80


def _example(corpora: Path) -> tuple[str, str]:
    base = corpora / "tlog" / "c2sp"
    vkey = (base / "signed-note-example.vkey").read_text(encoding="utf-8").strip()
    note = (base / "signed-note-example.note").read_text(encoding="utf-8")
    return vkey, note


def test_c2sp_example_key_id(corpora: Path) -> None:
    vkey, _ = _example(corpora)
    verifier = parse_vkey(vkey)
    assert verifier.name == "example.com/foo"
    assert verifier.key_id.hex() == "530d903a"
    assert ed25519_key_id(verifier.name, verifier.public_key).hex() == "530d903a"
    assert verifier.vkey() == vkey


def test_c2sp_example_note_verifies(corpora: Path) -> None:
    vkey, text = _example(corpora)
    note = verify_note(text, [parse_vkey(vkey)])
    assert note.body == "This is an example message.\n"
    assert [v.name for v in note.verified_by] == ["example.com/foo"]


def test_c2sp_example_tampered_note_fails(corpora: Path) -> None:
    vkey, text = _example(corpora)
    verifier = parse_vkey(vkey)
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(text.replace("example message", "example massage"), [verifier])
    sig = parse_note(text).signatures[0]
    flipped = bytearray(sig.key_id + sig.signature)
    flipped[10] ^= 0x01
    forged = text.replace(
        base64.b64encode(sig.key_id + sig.signature).decode(),
        base64.b64encode(bytes(flipped)).decode(),
    )
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(forged, [verifier])
