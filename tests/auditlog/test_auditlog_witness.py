"""Witnesses: the tlog-witness protocol, two witnesses over HTTP on localhost, offline cosign."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.auditlog.forge import rewrite_history, roll_back, store_key
from tests.helpers import EXAMPLE, cli, cli_json

from reelproof.adapters.witness import SIZE_TYPE, Witness, serve
from reelproof.core import merkle
from reelproof.core.merkle import MemoryNodes
from reelproof.verify import (
    Checkpoint,
    format_proof,
    leaf_hash,
    make_vkey,
    parse_witness_vkey,
    sign_note,
    witness_cosigners,
)

ORIGIN = "reelproof.test/witnessed"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"log").digest())
LOG_VKEY = make_vkey(ORIGIN, LOG_KEY.public_key())


def _tree(n: int, tag: str = "e") -> MemoryNodes:
    tree = MemoryNodes()
    tree.append([leaf_hash(f"{tag}{i}".encode()) for i in range(n)])
    return tree


def _note(size: int, tree: MemoryNodes, key: Ed25519PrivateKey = LOG_KEY) -> str:
    return sign_note(Checkpoint(ORIGIN, size, merkle.root(size, tree)).body(), ORIGIN, key)


def _request(old: int, size: int, tree: MemoryNodes, note: str | None = None) -> bytes:
    proof = merkle.consistency_proof(old, size, tree) if old else []
    return f"old {old}\n{format_proof(proof)}\n{note or _note(size, tree)}".encode()


def test_add_checkpoint_follows_tlog_witness(tmp_path: Path) -> None:
    w = Witness.init(tmp_path / "w", "witness.test/one", [LOG_VKEY])
    tree = _tree(20)
    first = w.add_checkpoint(_request(0, 8, tree))
    assert first.status == 200, first.body
    cosigned = witness_cosigners(_note(8, tree) + first.body, [w.public])
    assert [k for k, _ in cosigned] == [w.public] and cosigned[0][1] > 0
    stale = w.add_checkpoint(_request(0, 12, tree))  # the witness is at 8, not 0
    assert (stale.status, stale.body, stale.content_type) == (409, "8\n", SIZE_TYPE)
    assert w.add_checkpoint(_request(8, 12, tree)).status == 200
    assert w.state(ORIGIN)[0] == 12

    fork = _tree(20, tag="forked")  # same sizes, other history: no proof can link it
    forged = _request(12, 16, tree, note=_note(16, fork))
    answer = w.add_checkpoint(forged)
    assert answer.status == 422 and "not consistent with the cosigned size 12" in answer.body
    same_size_other_root = _request(12, 12, tree, note=_note(12, fork))
    assert w.add_checkpoint(same_size_other_root).status == 422
    old_too_big = f"old 16\n\n{_note(12, tree)}".encode()
    assert w.add_checkpoint(old_too_big).status == 400
    other = Ed25519PrivateKey.generate()
    assert w.add_checkpoint(_request(12, 16, tree, note=_note(16, tree, other))).status == 403
    unknown = sign_note(Checkpoint("other.test/log", 1, b"\0" * 32).body(), "other.test/log", other)
    assert w.add_checkpoint(f"old 0\n\n{unknown}".encode()).status == 404
    assert w.add_checkpoint(b"garbage").status == 400
    empty_bad_root = sign_note(Checkpoint(ORIGIN, 0, b"\1" * 32).body(), ORIGIN, LOG_KEY)
    assert w.add_checkpoint(f"old 0\n\n{empty_bad_root}".encode()).status == 422
    assert w.state(ORIGIN)[0] == 12  # nothing refused moved the record


@dataclass(frozen=True)
class Running:
    url: str
    vkey: str
    folder: Path


@pytest.fixture
def log_vkey() -> str:
    assert cli("init").exit_code == 0
    return cli("log", "key").stdout.strip()


@pytest.fixture
def thread_witness(tmp_path: Path, log_vkey: str) -> Iterator[Running]:
    """Witness one, served over HTTP from a thread of this process."""
    w = Witness.init(tmp_path / "w1", "witness.union.example/one", [log_vkey])
    server = serve(w)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield Running(f"http://{host!s}:{port}", w.public.vkey(), w.folder)
    server.shutdown()
    server.server_close()


@pytest.fixture
def process_witness(tmp_path: Path, log_vkey: str) -> Iterator[Running]:
    """Witness two, run with the real commands: `witness init`, `witness serve` in a process."""
    folder = tmp_path / "w2"
    made = cli(
        "witness",
        "init",
        "--name",
        "witness.auditor.example/two",
        "--log",
        log_vkey,
        "--dir",
        str(folder),
    )
    assert made.exit_code == 0, made.output
    proc = subprocess.Popen(
        [sys.executable, "-m", "reelproof", "witness", "serve", "--dir", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("witness listening on http://"), (
        proc.stderr.read() if proc.stderr else ""
    )
    yield Running(line.split()[-1], (folder / "witness.vkey").read_text().strip(), folder)
    proc.terminate()
    proc.wait(timeout=10)


def _apply(tmp_path: Path, title: str) -> None:
    f = tmp_path / "prod.yaml"
    f.write_text(EXAMPLE.replace("Harbour, season 1", title))
    assert cli("apply", str(f)).exit_code == 0


def test_two_witnesses_over_http(
    tmp_path: Path, thread_witness: Running, process_witness: Running
) -> None:
    both = ["--witness", thread_witness.vkey, "--witness", process_witness.vkey]
    for w in (thread_witness, process_witness):
        assert cli("log", "witness", "add", w.url, w.vkey).exit_code == 0
    synced = cli("log", "witness", "sync")
    assert synced.exit_code == 0 and "2 of 2 witnesses cosigned" in synced.stdout
    _apply(tmp_path, "Harbour, season 1")  # every new checkpoint is submitted as it is made
    _apply(tmp_path, "Harbour, season one")
    report = cli_json("log", "verify", *both)
    assert report["ok"], report["problems"]
    assert any("cosigned by 2 of 2 witnesses" in c for c in report["checks"])
    bundle = tmp_path / "bundle"
    assert cli("log", "export", "--out", str(bundle)).exit_code == 0
    offline = cli("log", "verify-bundle", str(bundle), *both)
    assert offline.exit_code == 0 and "cosigned by 2 of 2 witnesses" in offline.stdout

    # The operator rewrites history with the store's own key and writes on: the witnesses
    # refuse the forked checkpoint, so it carries no cosignature.
    db = f"sqlite:///{tmp_path / '.reelproof' / 'reelproof.db'}"
    revoked_entry = len(cli_json("log", "show")) - 1
    rewrite_history(db, store_key(), erase_entry=revoked_entry)
    _apply(tmp_path, "Harbour, the rewritten season")
    result = cli("log", "verify", *both)
    assert result.exit_code == 1
    assert "witness policy: 0 of the 2 required cosignatures" in result.stdout
    assert cli("log", "witness", "sync").exit_code == 1  # still refused: 422, inconsistent


def test_roll_back_then_write_on_is_refused_by_the_witness(
    tmp_path: Path, thread_witness: Running
) -> None:
    """A fork of the cosigned history: the last transaction undone, new writes on top. The log
    is consistent in itself, but the witness cosigns nothing that does not extend what it saw."""
    one = ["--witness", thread_witness.vkey]
    assert cli("log", "witness", "add", thread_witness.url, thread_witness.vkey).exit_code == 0
    _apply(tmp_path, "Harbour, season 1")
    _apply(tmp_path, "Harbour, season one")
    assert cli("log", "verify", *one).exit_code == 0
    roll_back(f"sqlite:///{tmp_path / '.reelproof' / 'reelproof.db'}", 1)
    _apply(tmp_path, "Harbour, the rolled-back season")
    assert cli("log", "verify").exit_code == 0  # without a witness: nothing to tell
    result = cli("log", "verify", *one)
    assert result.exit_code == 1
    assert "witness policy: 0 of the 1 required cosignatures" in result.stdout


def test_quorum_when_a_witness_is_down(
    tmp_path: Path, thread_witness: Running, process_witness: Running
) -> None:
    assert cli("log", "witness", "add", thread_witness.url, thread_witness.vkey).exit_code == 0
    assert cli("log", "witness", "add", "http://127.0.0.1:9", process_witness.vkey).exit_code == 0
    _apply(tmp_path, "Harbour, season 1")  # witness two is unreachable: the write still lands
    both = ["--witness", thread_witness.vkey, "--witness", process_witness.vkey]
    assert cli("log", "verify", *both, "--witness-quorum", "1").exit_code == 0
    result = cli("log", "verify", *both)
    assert result.exit_code == 1 and "1 of the 2 required" in result.stdout
    bad = cli("log", "verify", *both, "--witness-quorum", "3")
    assert bad.exit_code == 2 and "--witness-quorum 3" in bad.stderr


def test_offline_cosign_of_a_bundle(tmp_path: Path, log_vkey: str) -> None:
    folder = tmp_path / "auditor-witness"
    made = cli_json(
        "witness", "init", "--name", "auditor.example/w", "--log", log_vkey, "--dir", str(folder)
    )
    witness_vkey = made["vkey"]
    parse_witness_vkey(witness_vkey)
    _apply(tmp_path, "Harbour, season 1")
    first = tmp_path / "first"
    assert cli("log", "export", "--out", str(first)).exit_code == 0
    assert cli("log", "verify-bundle", str(first), "--witness", witness_vkey).exit_code == 1
    done = cli("witness", "cosign", str(first), "--dir", str(folder))
    assert done.exit_code == 0, done.output
    assert cli("log", "verify-bundle", str(first), "--witness", witness_vkey).exit_code == 0

    db = f"sqlite:///{tmp_path / '.reelproof' / 'reelproof.db'}"
    roll_back(db, 1)
    rolled = tmp_path / "rolled"
    assert cli("log", "export", "--out", str(rolled)).exit_code == 0
    refused = cli("witness", "cosign", str(rolled), "--dir", str(folder))
    assert refused.exit_code == 1 and "(rollback): not cosigned" in refused.stderr
    missing = cli("witness", "cosign", str(tmp_path / "nothing"), "--dir", str(folder))
    assert missing.exit_code == 2
