"""The command line as a script and a person use it: folders and stdin, dry runs, gating exit
codes, JSON errors, whole ids when piped, user text shown literally, bounded lock waits."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reelproof.interfaces.cli.main import app
from tests.helpers import EXAMPLE, cli, cli_json, runner

PRODUCTION, PERFORMER, CONSENT, DECLARATION = EXAMPLE.split("---\n")
# A use the standards prohibit: a deceased performer's voice without the estate's consent.
PROHIBITED = """\
apiVersion: reelproof/v1
kind: Performer
metadata: {id: old-star}
spec: {name: Old Star, domicile: US-CA, deceased: true, date_of_death: 2019-05-02}
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: star-voice, production: harbour-s1}
spec:
  title: Recreate the old star's voice
  stage: sound
  phase: final
  tool: {name: VoiceGen}
  inputs: {real_person_reference: deceased_person, real_person: old-star}
  output: {in_final_deliverable: true, element: voice, prominence: story_relevant,
           realistic_depiction: true}
  talent:
    - {performer: old-star, use: voice_replica, replica_type: independently_created}
"""


def _store(db: str, tmp_path: Path) -> None:
    assert cli("init", db=db).exit_code == 0


def test_folders_recursive_and_stdin_in_one_apply(db_url: str, tmp_path: Path) -> None:
    _store(db_url, tmp_path)
    top = tmp_path / "docs"
    (top / "people").mkdir(parents=True)
    (top / "production.yaml").write_text(PRODUCTION)
    (top / "people" / "performer.yaml").write_text(PERFORMER)
    (top / "notes.txt").write_text("not a document")
    flat = cli("apply", "-f", str(top), db=db_url)
    assert flat.exit_code == 0, flat.output  # only production.yaml: no -R
    assert [d["metadata"]["id"] for d in cli_json("get", "performers", db=db_url)] == []
    deep = cli_json("apply", "-f", str(top), "-R", db=db_url)
    assert {(d["kind"], d["status"]) for d in deep} == {
        ("Production", "unchanged"),
        ("Performer", "created"),
    }
    piped = runner.invoke(
        app,
        ["apply", "-", "--db", db_url, "--format", "json"],
        input="---\n".join([CONSENT, DECLARATION]),
    )
    assert piped.exit_code == 0, piped.output
    assert [(d["file"], d["kind"]) for d in json.loads(piped.stdout)] == [
        ("<stdin>", "Consent"),
        ("<stdin>", "AIUseDeclaration"),
    ]


def test_dry_runs_store_nothing(db_url: str, tmp_path: Path) -> None:
    _store(db_url, tmp_path)
    example = tmp_path / "example.yaml"
    example.write_text(EXAMPLE)
    before = len(cli_json("log", "show", db=db_url))
    dry = cli("apply", str(example), "--dry-run", db=db_url)
    assert dry.exit_code == 0, dry.output
    assert "would apply (dry run, nothing stored)" in dry.stdout
    assert "4 created" in dry.stdout
    decided = cli_json("decide", str(example), "--dry-run", db=db_url)
    assert decided["declaration"] == "moodboard-1" and decided["dry_run"] is True
    assert len(cli_json("log", "show", db=db_url)) == before
    assert cli_json("get", "declarations", db=db_url) == []
    real = cli("apply", str(example), db=db_url)
    assert real.exit_code == 0 and "4 created" in real.stdout


def test_gating_exit_codes_for_decide_and_status(db_url: str, tmp_path: Path) -> None:
    _store(db_url, tmp_path)
    (tmp_path / "a.yaml").write_text(EXAMPLE)
    (tmp_path / "b.yaml").write_text(PROHIBITED)
    assert (
        cli("apply", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), db=db_url).exit_code == 0
    )
    prohibited = cli("decide", "star-voice", db=db_url)
    assert prohibited.exit_code == 1  # default --fail-on prohibited
    assert "set by" in prohibited.stdout  # the headline names the deciding rules
    assert cli("decide", "star-voice", "--fail-on", "never", db=db_url).exit_code == 0
    assert cli("decide", "moodboard-1", db=db_url).exit_code == 0
    assert cli("decide", "moodboard-1", "--fail-on", "inform", db=db_url).exit_code == 1
    bad = cli("decide", "moodboard-1", "--fail-on", "sometimes", db=db_url)
    assert bad.exit_code == 2 and "sometimes" in bad.output
    status = cli("status", db=db_url)
    assert status.exit_code == 1  # blocked: star-voice
    assert "Blocks delivery (1)" in status.stdout
    # piped output: whole ids, one line each, so grep finds them
    lines = [line for line in status.stdout.splitlines() if "harbour-s1/star-voice\t" in line]
    assert lines and lines[0].split("\t")[2] == "blocked"
    assert cli("status", "--fail-on", "never", db=db_url).exit_code == 0
    summary = yaml.safe_load(cli("status", "-o", "yaml", db=db_url).stdout)
    assert summary == cli_json("status", db=db_url)  # one object, the same in both formats
    assert list(summary) == [
        "count",
        "by_status",
        "by_tier",
        "blocks_delivery",
        "waiting",
        "consents_expiring",
        "declarations",
    ]
    rows = summary["declarations"]
    assert summary["count"] == len(rows) == sum(summary["by_status"].values())
    assert {r["declaration"]: r["status"] for r in rows}["harbour-s1/star-voice"] == "blocked"
    assert [r["declaration"] for r in summary["blocks_delivery"]] == ["harbour-s1/star-voice"]
    assert summary["by_tier"]["prohibited"] == 1
    assert all(r["status"] in ("awaiting_approval", "needs_review") for r in summary["waiting"])
    brief = cli("decide", "star-voice", "--brief", db=db_url).stdout
    full = cli("decide", "star-voice", db=db_url).stdout
    assert len(brief.splitlines()) < len(full.splitlines())
    assert full.count("Civil Code §3344.1 as amended") == 1  # each source printed once


def test_errors_are_json_on_stderr_under_format_json(tmp_path: Path) -> None:
    missing = cli("decide", "nope", "--format", "json", db=f"sqlite:///{tmp_path / 'x.db'}")
    assert missing.exit_code == 2
    assert missing.stdout == ""
    assert "reelproof init" in json.loads(missing.stderr)["error"]["message"]
    driver = cli("status", db="postgresql+nosuchdriver://u@h/db")
    assert driver.exit_code == 2 and "cannot use this database URL" in driver.stderr
    unknown = cli("status", "--format", "xml")
    assert unknown.exit_code == 2 and "'xml'" in unknown.output


def test_user_text_is_never_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    _store(db, tmp_path)
    monkeypatch.setenv("REELPROOF_ACTOR", "[/x] :rose:")
    title = "Harbour [/x] [link=https://evil.example]click[/link] [componentOf] :ghost: :rose:"
    doc = tmp_path / "p.yaml"
    doc.write_text(EXAMPLE.replace("Moodboards for the harbour", json.dumps(title)))
    assert cli("apply", str(doc), db=db).exit_code == 0
    shown = cli("decide", "moodboard-1", db=db)
    assert shown.exit_code == 0, shown.output
    assert title in shown.stdout
    listed = cli("get", "declarations", db=db).stdout
    assert title[:60] in listed
    log = cli("log", "show", db=db)
    assert log.exit_code == 0 and "[/x] :rose:" in log.stdout


def test_non_utf8_file_names_are_escaped(tmp_path: Path) -> None:
    name = os.fsdecode(b"clip-\xff.yaml")
    (tmp_path / name).write_text("not: [a, document")
    result = cli("inspect", str(tmp_path / name), "--format", "json")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "\\udcff" in text  # RFC 8259 escape of the undecodable byte
    assert json.loads(text)[0]["path"].endswith("clip-\udcff.yaml")
    readable = cli("inspect", str(tmp_path / name))
    assert "clip-\\xff.yaml" in readable.stdout


def test_a_held_lock_is_a_clear_error_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.db"
    db = f"sqlite:///{path}"
    _store(db, tmp_path)
    doc = tmp_path / "p.yaml"
    doc.write_text(PRODUCTION)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        monkeypatch.setenv("REELPROOF_LOCK_TIMEOUT", "0.5")
        result = cli("apply", str(doc), db=db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2
    assert "is busy" in result.stderr and "REELPROOF_LOCK_TIMEOUT" in result.stderr


def test_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m reelproof --help | head -c 10",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert cli("-h").exit_code == 0 and "Exit codes" in cli("-h").stdout


def test_a_new_declaration_from_the_template_then_withdrawn(db_url: str, tmp_path: Path) -> None:
    _store(db_url, tmp_path)
    (tmp_path / "prod.yaml").write_text(PRODUCTION)
    assert cli("apply", str(tmp_path / "prod.yaml"), db=db_url).exit_code == 0
    template = cli("new", "declaration", "--production", "harbour-s1", "--id", "oops")
    assert template.exit_code == 0 and "# " in template.stdout  # commented
    (tmp_path / "use.yaml").write_text(template.stdout)
    assert cli("apply", str(tmp_path / "use.yaml"), db=db_url).exit_code == 0
    gone = cli_json("declaration", "withdraw", "oops", "--reason", "declared twice", db=db_url)
    assert gone["status"] == "withdrawn"
    row = cli_json("status", db=db_url)["declarations"][0]
    assert row["status"] == "withdrawn" and "declared twice" in row["reason"]
    again = cli("declaration", "withdraw", "oops", "--reason", "again", db=db_url)
    assert again.exit_code == 2 and "already withdrawn" in again.stderr
    assert len(cli_json("get", "declaration", "oops", "--history", db=db_url)) == 1  # kept
    assert cli_json("log", "verify", db=db_url)["ok"]
    # a new revision brings it back
    (tmp_path / "use.yaml").write_text(template.stdout.replace("one line", "one line, v2"))
    assert cli("apply", str(tmp_path / "use.yaml"), db=db_url).exit_code == 0
    assert cli_json("status", db=db_url)["declarations"][0]["status"] != "withdrawn"
