"""Test helpers shared across test packages: run the real CLI, build example documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from reelproof.interfaces.cli.main import _register, app

_register()
runner = CliRunner()

EXAMPLE = """\
apiVersion: reelproof/v1
kind: Production
metadata: {id: harbour-s1}
spec:
  title: Harbour, season 1
  studio: netflix
  unions: [sag_aftra_tv_theatrical, wga]
  territories: [US, FR, KR]
  principal_photography_start: 2026-02-01
---
apiVersion: reelproof/v1
kind: Performer
metadata: {id: ana-lima}
spec:
  name: Ana Lima
  unions: [sag_aftra]
  domicile: US-CA
  representation: union
---
apiVersion: reelproof/v1
kind: Consent
metadata: {id: ana-lima-double}
spec:
  performer: ana-lima
  granted_at: 2026-03-01
  expires_at: 2027-12-31
  description: Digital double for the harbour jump, episode 2 scene 14, as scripted.
  scope:
    uses: [replica_creation, replica_use]
    replica_types: [employment_based]
    productions: [harbour-s1]
    media: [series]
    territories: [WORLD]
  compensation: {basis: day_rate, amount: 1450, currency: USD}
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: moodboard-1, production: harbour-s1, declared_by: art@studio.example}
spec:
  title: Moodboards for the harbour
  stage: pre_production
  phase: ideation
  tool: {name: ExampleGen 3, vendor: ExampleCo, enterprise_agreement: true,
         trains_on_inputs: false, stores_inputs: false}
  output: {in_final_deliverable: false, element: ideation, prominence: incidental}
"""


def cli(*args: str, db: str | None = None) -> Any:
    """Run a command in-process, as a user would type it; returns the click Result."""
    argv = list(args)
    if db is not None:
        argv += ["--db", db]
    return runner.invoke(app, argv, catch_exceptions=False)


def cli_json(*args: str, db: str | None = None) -> Any:
    result = cli(*args, "--format", "json", db=db)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def run_process(args: list[str], cwd: Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    """Run the installed console entry point in a separate process."""
    env = {**os.environ, **kw.pop("env", {})}
    return subprocess.run(
        [sys.executable, "-m", "reelproof", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=kw.pop("timeout", 120),
        **kw,
    )
