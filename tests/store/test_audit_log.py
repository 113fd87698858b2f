"""The audit log over a real store: every change logged, tampering found, proofs verify."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reelproof.adapters.keys import create_key_file
from reelproof.verify import (
    make_vkey,
    parse_checkpoint,
    parse_vkey,
    verify_consistency,
    verify_inclusion,
    verify_note,
)
from tests.helpers import EXAMPLE, cli, cli_json


def _loaded(db: str, tmp_path: Path) -> Path:
    assert cli("init", db=db).exit_code == 0
    f = tmp_path / "prod.yaml"
    f.write_text(EXAMPLE)
    assert cli("apply", str(f), db=db).exit_code == 0
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, season one"))
    assert cli("apply", str(f), db=db).exit_code == 0
    return f


def _pk(db: str, kind: str, key: str) -> int:
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        pk = conn.execute(
            sa.text("SELECT pk FROM documents WHERE kind = :k AND key = :key AND revision = 1"),
            {"k": kind, "key": key},
        ).scalar_one()
    engine.dispose()
    return int(pk)


def _sql(db: str, statement: str) -> None:
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()


def test_every_change_is_logged_and_verifies(db_url: str, tmp_path: Path) -> None:
    assert cli("init", db=db_url).exit_code == 0
    before = len(cli_json("log", "show", db=db_url))  # the bundled standards
    f = tmp_path / "prod.yaml"
    f.write_text(EXAMPLE)
    assert cli("apply", str(f), db=db_url).exit_code == 0
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, season one"))
    assert cli("apply", str(f), db=db_url).exit_code == 0
    entries = cli_json("log", "show", db=db_url)
    assert [e["index"] for e in entries] == list(range(len(entries)))
    applied = [e["subject"] for e in entries[before:] if e["kind"] == "document.applied"]
    assert applied == [
        {"kind": "Production", "id": "harbour-s1", "revision": 1},
        {"kind": "Performer", "id": "ana-lima", "revision": 1},
        {"kind": "Consent", "id": "ana-lima-double", "revision": 1},
        {"kind": "AIUseDeclaration", "id": "harbour-s1/moodboard-1", "revision": 1},
        {"kind": "Production", "id": "harbour-s1", "revision": 2},
    ]
    assert any(e["kind"] == "decision.made" for e in entries[before:])
    assert all(e["digest"].startswith("sha256:") for e in entries if "row" in e)
    report = cli_json("log", "verify", db=db_url)
    assert report["ok"] is True, report
    assert report["size"] == len(entries)
    assert report["rows"] == sum(1 for e in entries if "row" in e)
    assert report["checkpoints"] >= 3


def test_row_edited_behind_our_back_is_named(db_url: str, tmp_path: Path) -> None:
    _loaded(db_url, tmp_path)
    _sql(db_url, "UPDATE documents SET content = replace(content, 'Ana Lima', 'Ana Luz')")
    pk = _pk(db_url, "Performer", "ana-lima")
    result = cli("log", "verify", db=db_url)
    assert result.exit_code == 1
    assert f"Performer ana-lima revision 1 (documents pk {pk}) was changed" in result.stdout


def test_row_deleted_or_added_is_reported(db_url: str, tmp_path: Path) -> None:
    _loaded(db_url, tmp_path)
    pk = _pk(db_url, "AIUseDeclaration", "harbour-s1/moodboard-1")
    index = next(
        e["index"]
        for e in cli_json("log", "show", db=db_url)
        if e.get("row") == {"table": "documents", "pk": pk}
    )
    _sql(db_url, "DELETE FROM documents WHERE key = 'moodboard-1' OR key LIKE '%/moodboard-1'")
    _sql(
        db_url,
        "INSERT INTO documents (kind, key, revision, content, source, applied_at, applied_by)"
        " VALUES ('Performer', 'ghost', 1, '{}', 'x', 'now', 'mallory')",
    )
    report = cli_json("log", "verify", db=db_url)
    messages = " | ".join(p["message"] for p in report["problems"])
    assert f"documents pk {pk}, recorded by audit-log entry {index}, was deleted" in messages
    assert "Performer ghost revision 1" in messages and "has no audit-log entry" in messages


def test_log_entry_edited_is_reported(db_url: str, tmp_path: Path) -> None:
    _loaded(db_url, tmp_path)
    _sql(
        db_url, "UPDATE log_entries SET body = replace(body, '\"actor\"', '\"actr\"') WHERE idx = 1"
    )
    report = cli_json("log", "verify", db=db_url)
    assert not report["ok"]
    assert any("stored leaf hash 1" in p["message"] for p in report["problems"])


def test_checkpoint_signed_by_another_key_fails(db_url: str, tmp_path: Path) -> None:
    _loaded(db_url, tmp_path)
    origin = cli_json("init", db=db_url)["origin"]
    impostor = make_vkey(origin, Ed25519PrivateKey.generate().public_key())
    result = cli("log", "verify", "--vkey", impostor, db=db_url)
    assert result.exit_code == 1
    assert "checkpoint at size" in result.stdout


def test_proofs_verify_with_the_standalone_verifier(db_url: str, tmp_path: Path) -> None:
    _loaded(db_url, tmp_path)
    cp = cli_json("log", "checkpoint", db=db_url)
    vkey = cli_json("init", db=db_url)["vkey"]
    note = verify_note(cp["note"], [parse_vkey(vkey)])
    checkpoint = parse_checkpoint(note.body)
    size = checkpoint.size
    assert size == len(cli_json("log", "show", db=db_url))
    for index in range(size):
        p = cli_json("log", "prove", "--index", str(index), db=db_url)
        proof = [base64.b64decode(h) for h in p["proof"]]
        verify_inclusion(bytes.fromhex(p["leaf_hash"]), index, size, proof, checkpoint.root)
    for old in (1, size // 2, size - 1):
        c = cli_json("log", "prove", "--from", str(old), "--to", str(size), db=db_url)
        proof = [base64.b64decode(h) for h in c["proof"]]
        verify_consistency(old, size, proof, bytes.fromhex(c["root1"]), checkpoint.root)
    bad = cli("log", "prove", "--index", str(size + 3), db=db_url)
    assert bad.exit_code == 2 and "out of range" in bad.stderr


def test_export_bundle_verifies_offline_and_detects_edits(db_url: str, tmp_path: Path) -> None:
    _loaded(db_url, tmp_path)
    out = tmp_path / "bundle"
    assert cli("log", "export", "--out", str(out), db=db_url).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "checkpoint",
        "checkpoints",
        "entries.jsonl",
        "log.vkey",
        "proofs",
    ]
    vkey = (out / "log.vkey").read_text().strip()
    ok = cli("log", "verify-bundle", str(out), "--vkey", vkey)
    assert ok.exit_code == 0 and "VERIFIED" in ok.stdout
    tampered = tmp_path / "tampered"
    shutil.copytree(out, tampered)
    lines = (tampered / "entries.jsonl").read_text().splitlines()
    entry = json.loads(lines[2])
    entry["actor"] = "someone-else"
    lines[2] = json.dumps(entry, separators=(",", ":"), sort_keys=True)
    (tampered / "entries.jsonl").write_text("\n".join(lines) + "\n")
    bad = cli("log", "verify-bundle", str(tampered))
    assert bad.exit_code == 1 and "FAIL" in bad.stdout
    missing = cli("log", "verify-bundle", str(tmp_path / "nothing"))
    assert missing.exit_code == 2


def test_sqlite_shell_edit_is_found(tmp_path: Path) -> None:
    """The issue's 'done when': an edit with the sqlite3 shell makes verify fail, naming the row."""
    db = tmp_path / ".reelproof" / "reelproof.db"
    _loaded(f"sqlite:///{db}", tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE documents SET source = 'elsewhere.yaml' WHERE kind = 'Consent'")
    result = cli("log", "verify")  # default store in the working directory
    assert result.exit_code == 1
    pk = _pk(f"sqlite:///{db}", "Consent", "ana-lima-double")
    assert f"Consent ana-lima-double revision 1 (documents pk {pk}) was changed" in result.stdout


def test_a_write_with_another_stores_key_is_refused(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = _loaded(db_url, tmp_path)
    size = len(cli_json("log", "show", db=db_url))
    other = tmp_path / "other.key"
    create_key_file(other)
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(other))
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, third title"))
    result = cli("apply", str(f), db=db_url)
    assert result.exit_code == 2
    assert "not the signing key of this store's audit log" in result.stderr
    assert len(cli_json("log", "show", db=db_url)) == size  # nothing was written


def test_export_keeps_the_newest_older_checkpoints(db_url: str, tmp_path: Path) -> None:
    _loaded(db_url, tmp_path)  # three write transactions: three checkpoints
    one = tmp_path / "one"
    assert cli("log", "export", "--out", str(one), "--checkpoints", "1", db=db_url).exit_code == 0
    all_ = tmp_path / "all"
    assert cli("log", "export", "--out", str(all_), "--all-checkpoints", db=db_url).exit_code == 0
    assert len(list((one / "checkpoints").iterdir())) == 1
    assert len(list((all_ / "checkpoints").iterdir())) == 2
    newest_older = max(int(p.name) for p in (all_ / "checkpoints").iterdir())
    assert [p.name for p in (one / "checkpoints").iterdir()] == [str(newest_older)]
    for bundle in (one, all_):
        assert cli("log", "verify-bundle", str(bundle)).exit_code == 0
    bad = cli("log", "export", "--out", str(tmp_path / "x"), "--checkpoints", "-1", db=db_url)
    assert bad.exit_code == 2
