"""Offline bundle verification (reelproof.verify.verify_bundle and its command line)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reelproof.core import merkle
from reelproof.core.merkle import MemoryNodes
from reelproof.verify import (
    BundleInputError,
    Checkpoint,
    VerificationError,
    WitnessKey,
    cosign,
    format_proof,
    leaf_hash,
    main,
    make_vkey,
    parse_note,
    sign_note,
    verify_bundle,
)

ORIGIN = "reelproof.test/audit"
SIZE = 25
OLDER = (3, 10, 16)


def _key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


LOG_KEY = _key("log")
VKEY = make_vkey(ORIGIN, LOG_KEY.public_key())


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def make_entries(n: int, tag: str = "asset") -> list[bytes]:
    return [canonical({"seq": i, "kind": tag, "title": f"Shot {i} – é"}) for i in range(n)]


def write_bundle(
    directory: Path,
    entries: list[bytes],
    older: tuple[int, ...] = OLDER,
    key: Ed25519PrivateKey = LOG_KEY,
) -> Path:
    """Export a bundle the way the log service is expected to."""
    store = MemoryNodes()
    store.append([leaf_hash(e) for e in entries])
    size = len(entries)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "log.vkey").write_text(make_vkey(ORIGIN, key.public_key()) + "\n")
    (directory / "entries.jsonl").write_bytes(b"".join(e + b"\n" for e in entries))

    def signed(n: int) -> str:
        return sign_note(Checkpoint(ORIGIN, n, merkle.root(n, store)).body(), ORIGIN, key)

    (directory / "checkpoint").write_text(signed(size))
    if older:
        (directory / "checkpoints").mkdir()
        (directory / "proofs").mkdir()
    for n in older:
        (directory / "checkpoints" / str(n)).write_text(signed(n))
        if 0 < n < size:
            proof = merkle.consistency_proof(n, size, store)
            (directory / "proofs" / f"consistency-{n}-{size}.txt").write_text(format_proof(proof))
    return directory


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "bundle", make_entries(SIZE))


def _lines(bundle: Path) -> list[bytes]:
    return (bundle / "entries.jsonl").read_bytes().splitlines(keepends=True)


def _set_lines(bundle: Path, lines: list[bytes]) -> None:
    (bundle / "entries.jsonl").write_bytes(b"".join(lines))


def test_good_bundle_verifies(bundle: Path) -> None:
    report = verify_bundle(bundle)
    assert (report.origin, report.size, report.entries) == (ORIGIN, SIZE, SIZE)
    assert report.root == merkle.root(SIZE, _store(make_entries(SIZE)))
    assert report.checkpoint_sizes == OLDER
    assert report.consistency_proofs == tuple((n, SIZE) for n in OLDER)
    assert not report.authenticated  # no pinned key: integrity only
    joined = "\n".join(report.checks)
    assert "checkpoint: signature" in joined
    assert "root of the first 10 entries matches checkpoints/10" in joined
    assert report.summary().endswith("\nUNAUTHENTICATED")
    assert verify_bundle(bundle, trusted_vkey=VKEY).summary().endswith("\nVERIFIED")


def _store(entries: list[bytes]) -> MemoryNodes:
    store = MemoryNodes()
    store.append([leaf_hash(e) for e in entries])
    return store


def test_trusted_key(bundle: Path) -> None:
    assert verify_bundle(bundle, trusted_vkey=VKEY).authenticated
    other = make_vkey(ORIGIN, _key("someone else").public_key())
    with pytest.raises(VerificationError, match="checkpoints/3: note is not signed by a known key"):
        verify_bundle(bundle, trusted_vkey=other)
    with pytest.raises(VerificationError, match=r"are for other\.example/log, not for this log"):
        verify_bundle(bundle, trusted_vkey=make_vkey("other.example/log", LOG_KEY.public_key()))
    with pytest.raises(BundleInputError, match="--vkey:1: vkey 'garbage'"):
        verify_bundle(bundle, trusted_vkey="garbage")


def test_bundles_without_older_checkpoints_and_empty_log(tmp_path: Path) -> None:
    assert verify_bundle(write_bundle(tmp_path / "a", make_entries(7), older=())).size == 7
    empty = verify_bundle(write_bundle(tmp_path / "b", [], older=()))
    assert (empty.size, empty.entries) == (0, 0)
    with_zero = verify_bundle(write_bundle(tmp_path / "c", make_entries(5), older=(0, 5)))
    assert with_zero.checkpoint_sizes == (0, 5)


def test_dotfiles_are_ignored(bundle: Path) -> None:
    (bundle / "checkpoints" / ".DS_Store").write_bytes(b"\x00junk")
    verify_bundle(bundle)


def test_edited_entry_fails(bundle: Path) -> None:
    lines = _lines(bundle)
    lines[5] = lines[5].replace(b'"seq":5', b'"seq":6')
    _set_lines(bundle, lines)
    # Checkpoint 3 still matches; checkpoint 10 is the first covering entry 5.
    with pytest.raises(
        VerificationError, match=r"first 10 entries .*checkpoints/10.*entries 3\.\.9"
    ):
        verify_bundle(bundle)


def test_edited_entry_after_last_older_checkpoint_fails(bundle: Path) -> None:
    lines = _lines(bundle)
    lines[-1] = lines[-1].replace(b"Shot", b"Shoot")
    _set_lines(bundle, lines)
    with pytest.raises(VerificationError, match=r"root of the first 25 entries .*but checkpoint"):
        verify_bundle(bundle)


def test_reordered_lines_fail(bundle: Path) -> None:
    lines = _lines(bundle)
    lines[20], lines[21] = lines[21], lines[20]
    _set_lines(bundle, lines)
    with pytest.raises(VerificationError, match="root of the first 25"):
        verify_bundle(bundle)


def test_truncated_entries_fail(bundle: Path) -> None:
    lines = _lines(bundle)
    _set_lines(bundle, lines[:-1])
    with pytest.raises(VerificationError, match="has 24 entries, the checkpoint says 25"):
        verify_bundle(bundle)
    _set_lines(bundle, [*lines[:-1], lines[-1][:10]])
    with pytest.raises(VerificationError, match=r"line 25 .*no trailing newline"):
        verify_bundle(bundle)
    _set_lines(bundle, lines[:8])
    with pytest.raises(VerificationError, match="has 8 entries"):
        verify_bundle(bundle)


def test_extra_entry_fails(bundle: Path) -> None:
    _set_lines(bundle, [*_lines(bundle), canonical({"seq": 25}) + b"\n"])
    with pytest.raises(VerificationError, match="more entries than the checkpoint's size 25"):
        verify_bundle(bundle)


def test_entry_that_is_not_json_fails(bundle: Path) -> None:
    lines = _lines(bundle)
    lines[2] = b"not json\n"
    _set_lines(bundle, lines)
    with pytest.raises(VerificationError, match=r"entry 2\): not a UTF-8 JSON value"):
        verify_bundle(bundle)


def test_wrong_key_fails(bundle: Path) -> None:
    (bundle / "log.vkey").write_text(make_vkey(ORIGIN, _key("other").public_key()))
    with pytest.raises(VerificationError, match="checkpoints/3: note is not signed by a known key"):
        verify_bundle(bundle)
    (bundle / "log.vkey").write_text("not a key")
    with pytest.raises(VerificationError, match=r"log.vkey: vkey"):
        verify_bundle(bundle)


def test_resigned_forgery_needs_the_trusted_key_to_catch(tmp_path: Path) -> None:
    """A forger who rewrites history and re-signs with their own key is caught by --vkey."""
    entries = make_entries(SIZE)
    entries[4] = canonical({"seq": 4, "kind": "forged"})
    forged = write_bundle(tmp_path / "forged", entries, key=_key("forger"))
    assert not verify_bundle(forged).authenticated  # self-consistent, but nobody vouches
    with pytest.raises(VerificationError, match="not signed by a known key"):
        verify_bundle(forged, trusted_vkey=VKEY)


def test_forked_older_checkpoint_fails(tmp_path: Path, bundle: Path) -> None:
    """An older checkpoint signed over different history is inconsistent with the latest."""
    fork_entries = make_entries(10, tag="fork")
    fork = write_bundle(tmp_path / "fork", fork_entries, older=())
    shutil.copy(fork / "checkpoint", bundle / "checkpoints" / "10")
    with pytest.raises(VerificationError, match=r"proofs/consistency-10-25.txt: consistency"):
        verify_bundle(bundle)


def test_tampered_or_missing_proof_fails(bundle: Path) -> None:
    proof_file = bundle / "proofs" / "consistency-3-25.txt"
    text = proof_file.read_text()
    proof_file.write_text(text.replace(text[0], "A" if text[0] != "A" else "B", 1))
    with pytest.raises(VerificationError, match=r"proofs/consistency-3-25.txt"):
        verify_bundle(bundle)
    proof_file.write_text(text.rstrip("\n"))
    with pytest.raises(VerificationError, match="truncated"):
        verify_bundle(bundle)
    proof_file.unlink()
    with pytest.raises(VerificationError, match=r"consistency-3-25.txt is missing"):
        verify_bundle(bundle)


def test_misnamed_or_unexpected_files_fail(bundle: Path) -> None:
    (bundle / "checkpoints" / "10").rename(bundle / "checkpoints" / "11")
    with pytest.raises(VerificationError, match="checkpoints/11: checkpoint size is 10"):
        verify_bundle(bundle)
    (bundle / "checkpoints" / "11").rename(bundle / "checkpoints" / "10")
    (bundle / "proofs" / "notes.txt").write_text("hello")
    with pytest.raises(VerificationError, match=r"proofs/notes.txt: unexpected file"):
        verify_bundle(bundle)
    (bundle / "proofs" / "notes.txt").unlink()
    (bundle / "proofs" / "consistency-4-25.txt").write_text("")
    with pytest.raises(VerificationError, match="no checkpoint of size 4"):
        verify_bundle(bundle)


def test_tampered_checkpoint_fails(bundle: Path) -> None:
    text = (bundle / "checkpoint").read_text()
    (bundle / "checkpoint").write_text(text.replace("\n25\n", "\n24\n", 1))
    with pytest.raises(
        VerificationError, match=r"checkpoint: note signature line 1 .*does not verify"
    ):
        verify_bundle(bundle)


def test_not_a_bundle(tmp_path: Path, bundle: Path) -> None:
    with pytest.raises(BundleInputError, match="not a directory"):
        verify_bundle(tmp_path / "nowhere")
    (bundle / "entries.jsonl").unlink()
    with pytest.raises(BundleInputError, match=r"entries.jsonl: required file is missing"):
        verify_bundle(bundle)


def test_command_line_exit_codes(
    tmp_path: Path, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(bundle)]) == 1  # integrity holds, but no pinned key: UNAUTHENTICATED
    out = capsys.readouterr().out
    assert out.endswith("UNAUTHENTICATED\n") and "size     25" in out and "not pinned" in out

    vkey_file = tmp_path / "published.vkey"
    vkey_file.write_text(VKEY + "\n")
    assert main([str(bundle), "--vkey", str(vkey_file)]) == 0
    out = capsys.readouterr().out
    assert out.endswith("VERIFIED\n") and "not pinned" not in out
    assert main([str(bundle), "--vkey", make_vkey(ORIGIN, _key("x").public_key())]) == 1

    assert main([str(tmp_path / "missing")]) == 2
    assert "not a directory" in capsys.readouterr().err

    _set_lines(bundle, _lines(bundle)[:-1])
    assert main([str(bundle)]) == 1
    assert "FAILED: entries.jsonl: has 24 entries" in capsys.readouterr().err


def test_python_dash_m(bundle: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reelproof.verify", str(bundle), "--vkey", VKEY],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("VERIFIED\n")
    done = subprocess.run(
        [sys.executable, "-m", "reelproof.verify"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2


def test_verify_py_runs_as_a_lone_copied_file(tmp_path: Path, bundle: Path) -> None:
    """An auditor can copy verify.py alone and run it: it needs no other reelproof module."""
    import reelproof.verify

    lone = tmp_path / "auditor" / "rp_verify.py"
    lone.parent.mkdir()
    shutil.copy(reelproof.verify.__file__, lone)
    done = subprocess.run(
        [sys.executable, "-I", str(lone), str(bundle), "--vkey", VKEY],
        capture_output=True,
        text=True,
        check=False,
        cwd=lone.parent,
    )
    assert done.returncode == 0, done.stderr
    assert "VERIFIED" in done.stdout


def test_command_line_saved_checkpoints_and_witnesses(
    tmp_path: Path, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lone verifier's --since, --save-checkpoint, --witness and --witness-quorum."""
    saved = tmp_path / "seen.checkpoint"
    assert main([str(bundle), "--vkey", VKEY, "--save-checkpoint", str(saved)]) == 0
    assert saved.read_text() == (bundle / "checkpoint").read_text()
    unauthenticated = tmp_path / "not-saved"
    assert main([str(bundle), "--save-checkpoint", str(unauthenticated)]) == 1
    assert not unauthenticated.exists()
    short = write_bundle(tmp_path / "short", make_entries(SIZE - 5), older=())
    capsys.readouterr()
    assert main([str(short), "--vkey", VKEY, "--since", str(saved)]) == 1
    assert "(rollback)" in capsys.readouterr().err
    forked_entries = make_entries(SIZE + 3)
    forked_entries[2] = canonical({"seq": 2, "kind": "rewritten"})
    forked = write_bundle(tmp_path / "forked", forked_entries, older=())
    assert main([str(forked), "--vkey", VKEY, "--since", str(saved)]) == 1
    assert "history was rewritten (fork)" in capsys.readouterr().err
    assert main([str(bundle), "--vkey", VKEY, "--since", str(tmp_path / "nope")]) == 2

    witness_key = _key("witness")
    witness = WitnessKey.from_public_key("witness.test/w", witness_key.public_key())
    policy = ["--vkey", VKEY, "--witness", witness.vkey()]
    assert main([str(bundle), *policy]) == 1  # not cosigned yet
    assert "0 of the 1 required cosignatures" in capsys.readouterr().err
    note = (bundle / "checkpoint").read_text()
    line = cosign(parse_note(note).body, witness.name, witness_key, 1_790_000_000)
    (bundle / "checkpoint").write_text(note + line)
    assert main([str(bundle), *policy]) == 0
    assert "cosigned by 1 of 1 witnesses (witness.test/w)" in capsys.readouterr().out
    assert main([str(bundle), *policy, "--witness-quorum", "2"]) == 2
    forged = line[:-6] + ("AAAA" if line[-6:-2] != "AAAA" else "BBBB") + line[-2:]
    (bundle / "checkpoint").write_text(note + forged)
    assert main([str(bundle), *policy]) == 1
    assert "cosignature by witness witness.test/w does not verify" in capsys.readouterr().err
