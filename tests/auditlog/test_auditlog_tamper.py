"""The tamper suite: attacks on a copy of a populated store, each caught by its defence.

The auditor has pinned the log's key (`log trust add`) and, where said, saved a checkpoint on
an earlier visit (`--save-checkpoint`). The table in docs/audit-log-bundle.md lists the same
cases with the defence that catches each one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.auditlog.forge import checkpoint_sizes, rewrite_history, roll_back, sql, store_key
from tests.helpers import EXAMPLE, cli, cli_json


def _populate(db: str, folder: Path) -> None:
    """A production, its performer, consent and declaration; a revocation; a revision."""
    assert cli("init", db=db).exit_code == 0
    f = folder / "prod.yaml"
    f.write_text(EXAMPLE)
    assert cli("apply", str(f), db=db).exit_code == 0
    revoked = cli("consent", "revoke", "ana-lima-double", "--note", "withdrawn", db=db)
    assert revoked.exit_code == 0, revoked.output
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, season one"))
    assert cli("apply", str(f), db=db).exit_code == 0


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once by the operator, in a folder and configuration of its own."""
    base = tmp_path_factory.mktemp("operator")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(base)
        mp.setenv("XDG_CONFIG_HOME", str(base / "config"))
        mp.setenv("REELPROOF_LOG_KEY", str(base / "store" / "log-signing.key"))
        _populate(f"sqlite:///{base / 'store' / 'reelproof.db'}", base)
    return base / "store"


@dataclass(frozen=True)
class Copy:
    db: str
    path: Path
    vkey: str
    saved: Path  # the checkpoint the auditor kept from their last visit (before any attack)

    def verify(self, *args: str) -> tuple[int, str]:
        result = cli("log", "verify", *args, db=self.db)
        return result.exit_code, result.stdout + result.stderr

    def problems(self, *args: str) -> list[str]:
        report = cli_json("log", "verify", *args, db=self.db)
        return [f"{p['what']}: {p['message']}" for p in report["problems"]]

    def entries(self) -> list[dict[str, object]]:
        return list(cli_json("log", "show", db=self.db))


@pytest.fixture
def store(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Copy]:
    path = tmp_path / "copy"
    shutil.copytree(template, path)
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(path / "log-signing.key"))
    db = f"sqlite:///{path / 'reelproof.db'}"
    vkey = cli("log", "key", db=db).stdout.strip()
    added = cli("log", "trust", "add", vkey)  # the auditor pins the published key
    assert added.exit_code == 0 and "pinned" in added.stdout
    saved = tmp_path / "auditor" / "last.checkpoint"
    code = cli("log", "verify", "--save-checkpoint", str(saved), db=db).exit_code
    assert code == 0 and saved.is_file()
    yield Copy(db, path, vkey, saved)


def _one(problems: list[str], text: str) -> None:
    assert any(text in p for p in problems), problems


# --- integrity checks: caught with nothing but the store ------------------------------------


def test_untouched_copy_verifies(store: Copy) -> None:
    code, out = store.verify("--since", str(store.saved))
    assert code == 0, out
    assert "audit log verified" in out and "consistent with your saved checkpoint" in out


def test_edit_a_row(store: Copy) -> None:
    sql(store.db, "UPDATE decisions SET outcome = 'proceed'")
    _one(store.problems(), "was changed after audit-log entry")


def test_delete_a_row(store: Copy) -> None:
    sql(store.db, "DELETE FROM events")
    _one(store.problems(), "was deleted")


def test_forge_a_row(store: Copy) -> None:
    sql(
        store.db,
        "INSERT INTO approvals (approval_id, declaration, decision_pk, verdict, by, at) "
        "VALUES ('appr-forged', 'harbour-s1/moodboard-1', 1, 'approved', 'mallory', 'now')",
    )
    _one(store.problems(), "approval appr-forged of harbour-s1/moodboard-1")


def test_edit_an_entry(store: Copy) -> None:
    # The first entry naming the performer (its index moves when bundled packs are added).
    idx = next(i for i, e in enumerate(store.entries()) if "ana-lima" in json.dumps(e))
    sql(
        store.db,
        f"UPDATE log_entries SET body = replace(body, 'ana-lima', 'ana-luz') WHERE idx = {idx}",
    )
    problems = store.problems()
    _one(problems, f"stored leaf hash {idx} does not match entry {idx}")


def test_delete_the_last_entry(store: Copy) -> None:
    last = len(store.entries()) - 1
    sql(store.db, f"DELETE FROM log_entries WHERE idx = {last}")
    _one(store.problems(), f"the log head says {last + 1} entries but {last} are stored")


def test_reorder_entries(store: Copy) -> None:
    sql(
        store.db,
        "UPDATE log_entries SET idx = -1 WHERE idx = 19",
        "UPDATE log_entries SET idx = 19 WHERE idx = 20",
        "UPDATE log_entries SET idx = 20 WHERE idx = -1",
    )
    problems = store.problems()
    _one(problems, "entry 19 says it is entry 20")
    _one(problems, "stored leaf hash 19 does not match entry 19")


def test_edit_a_checkpoint_signature(store: Copy) -> None:
    size = checkpoint_sizes(store.db)[-1]
    sql(
        store.db,
        f"UPDATE checkpoints SET note = replace(note, '\u2014 ', '\u2014 x') WHERE size = {size}",
    )
    problems = store.problems()
    _one(problems, f"checkpoint at size {size}:")
    _one(problems, f"no signed checkpoint for the current size {size}")


def test_delete_older_checkpoints(store: Copy) -> None:
    sizes = checkpoint_sizes(store.db)
    sql(store.db, f"DELETE FROM checkpoints WHERE size = {sizes[1]}")
    _one(
        store.problems(),
        f"checkpoint at size {sizes[2]} follows a checkpoint at size {sizes[1]}, which is gone",
    )


def test_edit_an_inner_node(store: Copy) -> None:
    sql(
        store.db,
        "UPDATE log_nodes SET hash = (SELECT hash FROM log_nodes WHERE level = 0 AND idx = 0)"
        " WHERE level = 2 AND idx = 1",
    )
    _one(store.problems(), "stored Merkle node (level 2, index 1) does not match the entries")
    code, out = store.verify()
    assert code == 1 and "FAIL tree" in out


def test_edit_the_log_origin(store: Copy) -> None:
    sql(store.db, "UPDATE meta SET value = 'reelproof.local/log/other' WHERE key = 'log_origin'")
    problems = store.problems("--vkey", store.vkey)
    _one(problems, "the key(s) you gave are for reelproof.local/log/")
    _one(problems, "but the store says it is log 'reelproof.local/log/other'")


def test_truncate_the_database(store: Copy) -> None:
    file = store.path / "reelproof.db"
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 3])
    code, out = store.verify()
    assert code == 2, out
    assert f"{file}: the database file is damaged" in out and "Traceback" not in out


# --- pinned key: caught because the verifier holds the key itself ---------------------------


def test_swap_the_key(store: Copy) -> None:
    """A new key in meta.log_vkey, every checkpoint re-signed with it, content untouched."""
    rewrite_history(store.db, Ed25519PrivateKey.generate())
    code, out = store.verify()
    assert code == 1
    assert "is not a pinned key of this log" in out and "not signed by a known key" in out


def test_rewrite_and_resign_with_a_new_key(store: Copy, tmp_path: Path) -> None:
    """The issue's case: a decision flipped, the log rewritten and re-signed with a new key."""
    sql(store.db, "UPDATE decisions SET outcome = 'proceed'")
    rewrite_history(store.db, Ed25519PrivateKey.generate())
    assert store.vkey in cli("log", "trust", "list").stdout
    code, out = store.verify()
    assert code == 1 and "not signed by a known key" in out
    bundle = tmp_path / "bundle"
    assert cli("log", "export", "--out", str(bundle), db=store.db).exit_code == 0
    offline = cli("log", "verify-bundle", str(bundle))
    assert offline.exit_code == 1 and "not signed by a known key" in offline.stdout


def test_without_a_pinned_key_the_result_is_unauthenticated(
    store: Copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql(store.db, "UPDATE decisions SET outcome = 'proceed'")
    rewrite_history(store.db, Ed25519PrivateKey.generate())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "fresh-user"))
    code, out = store.verify()
    assert code == 1
    assert "entries re-hashed" in out and "UNAUTHENTICATED" in out and "FAIL" not in out
    report = cli_json("log", "verify", db=store.db)
    assert (report["ok"], report["status"], report["authenticated"]) == (
        False,
        "unauthenticated",
        False,
    )


# --- saved checkpoint: caught because the auditor remembers what they saw -------------------


def test_roll_back_the_last_transactions(store: Copy, tmp_path: Path) -> None:
    size = len(store.entries())
    kept = roll_back(store.db, 2)
    assert store.verify()[0] == 0  # consistent in itself: only memory can tell
    code, out = store.verify("--since", str(store.saved))
    assert code == 1
    assert f"you saw {size} entries before, the log now has {kept}" in out
    bundle = tmp_path / "bundle"
    assert cli("log", "export", "--out", str(bundle), db=store.db).exit_code == 0
    offline = cli("log", "verify-bundle", str(bundle), "--since", str(store.saved))
    assert offline.exit_code == 1 and "(rollback)" in offline.stdout


def test_rewrite_and_resign_with_the_stores_own_key(store: Copy, tmp_path: Path) -> None:
    """Every writer holds the key today: erasing a revocation and re-signing goes unseen..."""
    revoked = next(e["index"] for e in store.entries() if e["kind"] == "consent.revoked")
    assert isinstance(revoked, int)
    rewrite_history(store.db, store_key(), erase_entry=revoked)
    f = tmp_path / "later.yaml"  # and the studio goes on working: the log grows past the gap
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, final title"))
    assert cli("apply", str(f), db=store.db).exit_code == 0
    assert all(e["kind"] != "consent.revoked" for e in store.entries())
    assert store.verify()[0] == 0
    # ...except by an auditor who kept a checkpoint from before: the history forked.
    code, out = store.verify("--since", str(store.saved))
    assert code == 1 and "history was rewritten (fork)" in out
    bundle = tmp_path / "bundle"
    assert cli("log", "export", "--out", str(bundle), db=store.db).exit_code == 0
    offline = cli("log", "verify-bundle", str(bundle), "--since", str(store.saved))
    assert offline.exit_code == 1 and "(fork)" in offline.stdout


def test_saved_checkpoint_moves_forward(store: Copy, tmp_path: Path) -> None:
    """A later visit proves the log only grew, and keeps the newer checkpoint."""
    f = tmp_path / "more.yaml"
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, final title"))
    assert cli("apply", str(f), db=store.db).exit_code == 0
    before = store.saved.read_text()
    code, out = store.verify("--since", str(store.saved), "--save-checkpoint", str(store.saved))
    assert code == 0, out
    assert store.saved.read_text() != before
    assert cli_json("log", "checkpoint", db=store.db)["note"] == store.saved.read_text()


def test_defences_on_both_databases(db_url: str, tmp_path: Path) -> None:
    """The same defences on PostgreSQL: pinned at init, a new key fails, a rollback is seen."""
    _populate(db_url, tmp_path)
    saved = tmp_path / "saved.checkpoint"
    assert cli("log", "verify", "--save-checkpoint", str(saved), db=db_url).exit_code == 0
    kept = roll_back(db_url, 1)
    result = cli("log", "verify", "--since", str(saved), db=db_url)
    assert result.exit_code == 1 and f"the log now has {kept}" in result.stdout
    rewrite_history(db_url, Ed25519PrivateKey.generate())
    result = cli("log", "verify", db=db_url)
    assert result.exit_code == 1 and "not signed by a known key" in result.stdout
