"""Crash and concurrency: SIGKILL mid-apply loses nothing acknowledged and leaves nothing
half-written; concurrent writers produce one consistent log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.helpers import EXAMPLE, cli, cli_json

PRODUCTION = EXAMPLE.split("---\n")[0]
DECLARATION = """\
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {{id: {id}, production: harbour-s1}}
spec:
  title: Background signage {id}
  stage: vfx
  phase: final
  tool: {{name: ExampleGen 3}}
  output: {{in_final_deliverable: true, element: background}}
"""


def _declaration_files(tmp_path: Path, prefix: str, files: int, per_file: int) -> list[Path]:
    paths = []
    for f in range(files):
        docs = [DECLARATION.format(id=f"{prefix}-{f:04}-{d}") for d in range(per_file)]
        path = tmp_path / f"{prefix}-{f:04}.yaml"
        path.write_text("---\n".join(docs))
        paths.append(path)
    return paths


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reelproof", *args],
        cwd=cwd,
        # each apply is one transaction; the others wait for it longer than a person would
        env={**os.environ, "PYTHONUNBUFFERED": "1", "REELPROOF_LOCK_TIMEOUT": "300"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_apply(db_url: str, tmp_path: Path) -> None:
    """One apply is one transaction: killed part-way, it leaves nothing of any of its files."""
    assert cli("init", db=db_url).exit_code == 0
    prod = tmp_path / "prod.yaml"
    prod.write_text(PRODUCTION)
    assert cli("apply", str(prod), db=db_url).exit_code == 0
    files = _declaration_files(tmp_path, "kill", files=60, per_file=10)
    proc = _start(["apply", *map(str, files), "--db", db_url], tmp_path)
    try:
        proc.wait(timeout=4)  # 600 declarations take far longer: killed mid-transaction
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    stored = {d["metadata"]["id"] for d in cli_json("get", "declarations", db=db_url)}
    if proc.returncode == -signal.SIGKILL:
        assert stored == set(), f"{len(stored)} declarations of a killed apply were stored"
    else:  # a machine fast enough to finish: then all of it is there
        assert proc.returncode == 0 and len(stored) == 600
    report = cli_json("log", "verify", db=db_url)
    assert report["ok"], report["problems"]
    entries = cli_json("log", "show", db=db_url)
    logged = [
        e["subject"]["id"].split("/")[1]
        for e in entries
        if e["kind"] == "document.applied" and e["subject"]["kind"] == "AIUseDeclaration"
    ]
    assert sorted(logged) == sorted(stored)  # every stored row logged once, nothing more
    # The interrupted work can simply be applied again.
    rest = cli("apply", *map(str, files), db=db_url)
    assert rest.exit_code == 0
    assert len(cli_json("get", "declarations", db=db_url)) == 60 * 10


def test_concurrent_writers_give_one_log(db_url: str, tmp_path: Path) -> None:
    assert cli("init", db=db_url).exit_code == 0
    prod = tmp_path / "prod.yaml"
    prod.write_text(PRODUCTION)
    assert cli("apply", str(prod), db=db_url).exit_code == 0
    writers = 4
    batches = [_declaration_files(tmp_path, f"w{w}", files=15, per_file=3) for w in range(writers)]
    procs = [_start(["apply", *map(str, b), "--db", db_url], tmp_path) for b in batches]
    for p in procs:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    entries = cli_json("log", "show", db=db_url)
    assert [e["index"] for e in entries] == list(range(len(entries)))
    subjects = [
        e["subject"]["id"]
        for e in entries
        if e["kind"] == "document.applied" and e["subject"]["kind"] == "AIUseDeclaration"
    ]
    assert len(subjects) == writers * 15 * 3
    assert len(set(subjects)) == len(subjects)  # no duplicates, none lost
    report = cli_json("log", "verify", db=db_url)
    assert report["ok"], report["problems"]
