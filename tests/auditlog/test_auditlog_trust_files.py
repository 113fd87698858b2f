"""Pinned keys, `log key`, `log trust`, and private files (store 0600 in 0700, trust list)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.auditlog.forge import rewrite_history
from tests.helpers import EXAMPLE, cli, cli_json

from reelproof.verify import make_vkey


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_store_key_and_trust_list_are_private(tmp_path: Path) -> None:
    assert cli("init").exit_code == 0  # default store: ./.reelproof/reelproof.db
    folder = tmp_path / ".reelproof"
    assert _mode(folder) == 0o700
    assert _mode(folder / "reelproof.db") == 0o600
    keys = tmp_path / "keys"
    assert _mode(keys) == 0o700 and _mode(keys / "log-signing.key") == 0o600
    trust_list = tmp_path / "config" / "reelproof" / "trusted.vkeys"
    assert _mode(trust_list.parent) == 0o700 and _mode(trust_list) == 0o600


def test_log_key_trust_add_and_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("init").exit_code == 0
    vkey = cli("log", "key").stdout.strip()
    assert vkey == cli_json("init")["vkey"]
    # An auditor elsewhere: their own configuration, no signing key, the key handed over.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "auditor"))
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(tmp_path / "none.key"))
    no_key = cli("log", "key")
    assert no_key.stdout.strip() == vkey and "store's own copy" in no_key.stderr
    assert cli("log", "verify").exit_code == 1  # nothing pinned yet: UNAUTHENTICATED
    handed = tmp_path / "published.vkey"
    handed.write_text(f"# from the studio's website\n{vkey}\n")
    added = cli("log", "trust", "add", str(handed))
    assert added.exit_code == 0 and added.stdout.startswith("pinned:")
    again = cli("log", "trust", "add", vkey)
    assert "already pinned" in again.stdout
    assert cli_json("log", "trust", "list")["keys"] == [vkey]
    assert cli("log", "verify").exit_code == 0
    bad = tmp_path / "bad.vkey"
    bad.write_text("not a key\n")
    result = cli("log", "trust", "add", str(bad))
    assert result.exit_code == 2 and f"{bad}:1" in result.stderr


def test_a_broken_trust_list_is_bad_input(tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    trust_list = tmp_path / "config" / "reelproof" / "trusted.vkeys"
    trust_list.write_text(trust_list.read_text() + "garbage+1+2\n")
    result = cli("log", "verify")
    assert result.exit_code == 2 and f"{trust_list}:2" in result.stderr


def test_key_rotation_both_keys_pinned(tmp_path: Path) -> None:
    """A verifier may pin several keys of one log: a checkpoint by either authenticates."""

    assert cli("init").exit_code == 0
    db = f"sqlite:///{tmp_path / '.reelproof' / 'reelproof.db'}"
    old = cli("log", "key").stdout.strip()
    new_key = Ed25519PrivateKey.generate()
    rewrite_history(db, new_key)  # stands in for a rotation: every checkpoint by the new key
    assert cli("log", "verify").exit_code == 1
    new = make_vkey(old.split("+")[0], new_key.public_key())
    assert cli("log", "trust", "add", new).exit_code == 0
    assert cli("log", "verify").exit_code == 0
    assert cli("log", "verify", "--vkey", old).exit_code == 1
    assert cli("log", "verify", "--vkey", old, "--vkey", new).exit_code == 0


def test_key_rotation_is_followed_from_the_old_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("init").exit_code == 0
    f = tmp_path / "prod.yaml"
    f.write_text(EXAMPLE)
    assert cli("apply", str(f)).exit_code == 0
    old = cli("log", "key").stdout.strip()
    new_key = tmp_path / "keys" / "log-signing-2027.key"
    rotated = cli_json("log", "rotate-key", "--new-key", str(new_key))
    assert rotated["old"] == old and rotated["new"] != old
    assert _mode(new_key) == 0o600
    f.write_text(EXAMPLE.replace("Harbour, season 1", "Harbour, season one"))
    refused = cli("apply", str(f))  # the old key no longer writes to this store
    assert refused.exit_code == 2 and "not the signing key" in refused.stderr
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(new_key))
    assert cli("apply", str(f)).exit_code == 0

    # An auditor who only ever pinned the old key follows the rotation checkpoint.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "auditor"))
    result = cli("log", "verify", "--vkey", old)
    assert result.exit_code == 0, result.stdout
    assert "hands the log to" in result.stdout and "audit log verified" in result.stdout
    bundle = tmp_path / "bundle"
    assert cli("log", "export", "--out", str(bundle), "--all-checkpoints").exit_code == 0
    offline = cli("log", "verify-bundle", str(bundle), "--vkey", old)
    assert offline.exit_code == 0 and "hands the log to" in offline.stdout
    # A bundle without the rotation checkpoint cannot introduce the new key.
    short = tmp_path / "short"
    assert cli("log", "export", "--out", str(short), "--checkpoints", "0").exit_code == 0
    assert cli("log", "verify-bundle", str(short), "--vkey", old).exit_code == 1
