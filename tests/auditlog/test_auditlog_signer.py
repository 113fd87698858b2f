"""The separate signer: writers without the key append, only the signer signs checkpoints."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.auditlog.forge import checkpoint_sizes, rewrite_history
from tests.helpers import EXAMPLE, cli, cli_json

from reelproof.adapters.witness import Witness, serve


def _apply(folder: Path, title: str) -> None:
    f = folder / "prod.yaml"
    f.write_text(EXAMPLE.replace("Harbour, season 1", title))
    result = cli("apply", str(f))
    assert result.exit_code == 0, result.output


@dataclass
class Team:
    key: Path
    url: str
    proc: subprocess.Popen[str]

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reelproof", "log", "signer", "serve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "REELPROOF_LOG_KEY": str(self.key)},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("signer listening on http://"):
            self.proc.kill()
            pytest.fail(f"log signer serve did not start: {line!r}")
        self.url = line.split()[-1]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    """A store whose key only the signer process holds; this process is a key-less writer."""
    assert cli("init").exit_code == 0
    key = Path(os.environ["REELPROOF_LOG_KEY"])
    t = Team(key, "", None)  # type: ignore[arg-type]
    t.start()
    assert cli("log", "signer", "use", t.url).exit_code == 0
    monkeypatch.setenv("REELPROOF_LOG_KEY", str(tmp_path / "writer-has-no.key"))
    yield t
    t.stop()


def test_writers_without_the_key_still_write_and_the_log_verifies(
    tmp_path: Path, team: Team
) -> None:
    before = checkpoint_sizes(f"sqlite:///{tmp_path / '.reelproof' / 'reelproof.db'}")
    _apply(tmp_path, "Harbour, season 1")
    _apply(tmp_path, "Harbour, season one")
    size = len(cli_json("log", "show"))
    db = f"sqlite:///{tmp_path / '.reelproof' / 'reelproof.db'}"
    assert checkpoint_sizes(db)[-1] == size and len(checkpoint_sizes(db)) == len(before) + 2
    report = cli_json("log", "verify")
    assert report["ok"], report["problems"]


def test_the_signer_refuses_a_rewritten_history(tmp_path: Path, team: Team) -> None:
    """A writer with database access but no key rewrites history: nothing gets signed."""
    _apply(tmp_path, "Harbour, season 1")
    db = f"sqlite:///{tmp_path / '.reelproof' / 'reelproof.db'}"
    signed = checkpoint_sizes(db)
    rewrite_history(db, None, erase_entry=signed[-1] - 1)  # no key: checkpoints untouched
    _apply(tmp_path, "Harbour, the rewritten season")  # the write lands, the signer refuses
    assert checkpoint_sizes(db) == signed  # nothing new was signed
    result = cli("log", "verify")
    assert result.exit_code == 1 and "no signed checkpoint for the current size" in result.stdout


def test_a_signer_outage_delays_checkpoints_but_loses_nothing(tmp_path: Path, team: Team) -> None:
    team.stop()
    _apply(tmp_path, "Harbour, season 1")  # entries are written; the signer is unreachable
    result = cli("log", "verify")
    assert result.exit_code == 1 and "no signed checkpoint for the current size" in result.stdout
    team.start()
    assert cli("log", "signer", "use", team.url).exit_code == 0
    _apply(tmp_path, "Harbour, season one")  # the next write gets the whole head signed
    assert cli_json("log", "verify")["ok"]


def test_the_signer_submits_its_checkpoints_to_the_witnesses(tmp_path: Path, team: Team) -> None:
    log_vkey = cli("log", "key").stdout.strip()
    witness = Witness.init(tmp_path / "witness", "witness.union.example/w", [log_vkey])
    server = serve(witness)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        added = cli("log", "witness", "add", f"http://{host!s}:{port}", witness.public.vkey())
        assert added.exit_code == 0
        _apply(tmp_path, "Harbour, season 1")  # key-less writer -> signer -> witness
        report = cli_json("log", "verify", "--witness", witness.public.vkey())
        assert report["ok"], report["problems"]
        assert witness.state(log_vkey.split("+")[0])[0] == report["size"]
    finally:
        server.shutdown()
        server.server_close()
