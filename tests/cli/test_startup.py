"""Start-up: the command table matches what the modules register, `--help` imports none of
them, and the store check needs no Alembic."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import typer
import typer.main

from reelproof.adapters.store.db import SCHEMA_HEAD, _alembic_config
from reelproof.interfaces.cli.commands_registry import COMMANDS


def test_the_table_lists_exactly_what_each_module_registers() -> None:
    registered: dict[str, str] = {}
    for module in dict.fromkeys(e.module for e in COMMANDS.values()):
        app = typer.Typer()
        import_module(f"reelproof.interfaces.cli.{module}").register(app)
        for name in typer.main.get_group(app).commands:
            registered.setdefault(name, module)
    assert {n: e.module for n, e in COMMANDS.items()} == registered


def test_schema_head_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == SCHEMA_HEAD


def test_help_imports_no_command_module_nor_the_heavy_libraries(tmp_path: Path) -> None:
    code = (
        "import sys; from reelproof.interfaces.cli.main import run; sys.argv=['reelproof','-h']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'c2pa',"
        " 'pydantic') or m.endswith('_cmds')]\n"
        "print('HEAVY', heavy)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert "HEAVY []" in proc.stdout, proc.stdout[-500:] + proc.stderr
    assert "decide" in proc.stdout and "Exit codes" in proc.stdout


def test_agreement_verdicts_are_kept_between_processes(tmp_path: Path) -> None:
    from tests.helpers import run_process

    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    first = run_process(["init"], tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    (kept,) = (cache / "reelproof").glob("agreement-*.json")
    rows = json.loads(kept.read_text())
    assert len(rows) > 100 and all(len(r) == 3 for r in rows)
    kept.write_text("{not json")  # a damaged cache is ignored, then rewritten
    for compiled in (cache / "reelproof").glob("packs-*"):  # so that the packs compile again
        shutil.rmtree(compiled)
    (tmp_path / "again").mkdir()
    again = run_process(["init"], tmp_path / "again", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(kept.read_text()) == rows


def test_decide_of_a_stored_declaration_imports_no_media_library(tmp_path: Path) -> None:
    """`decide ID` reads the store and the packs: provenance, timelines, charts, PDF and
    image libraries are for other commands and must not load on its path."""
    from reelproof.services.demo import example_path
    from tests.helpers import run_process

    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert run_process(["init"], tmp_path, env=env).returncode == 0
    applied = run_process(["apply", str(example_path())], tmp_path, env=env)
    assert applied.returncode == 0, applied.stderr
    code = (
        "import sys; from reelproof.interfaces.cli.main import run\n"
        "sys.argv=['reelproof', 'decide', 'stranger-tides-s1/art-moodboard-001']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'c2pa', 'matplotlib',"
        " 'weasyprint', 'opentimelineio', 'numpy', 'alembic', 'PIL'})\n"
        "print('HEAVY', heavy)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "HEAVY []" in proc.stdout, proc.stdout[-500:] + proc.stderr
    assert "art-moodboard-001" in proc.stdout
