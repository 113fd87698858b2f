"""`reelproof demo`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from reelproof.interfaces.cli.common import (
    FormatOpt,
    OutputFormat,
    console,
    emit_json,
    handle_errors,
)
from reelproof.services.demo import run_demo
from reelproof.services.pilot_demo import PILOT_ID, run_pilot_demo


def _command_name() -> str:
    """`reelproof` when it is on PATH, else the full path of the script that is running."""
    if shutil.which("reelproof"):
        return "reelproof"
    return str(Path(sys.argv[0]).resolve()) if sys.argv and sys.argv[0] else "reelproof"


def _fresh_folder(base: Path) -> Path:
    """reelproof-demo, else reelproof-demo-2, -3…: running the README twice just works."""
    candidate, n = base, 1
    while candidate.exists() and any(candidate.iterdir()):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def run_and_show(
    folder: Path | None, *, pilot: bool = False, fmt: OutputFormat = OutputFormat.text
) -> None:
    """Run the demo (or the pilot demo) step by step, printing each as it finishes."""
    if folder is None:
        folder = _fresh_folder(Path("reelproof-pilot-demo" if pilot else "reelproof-demo"))
    steps = []
    for n, step in enumerate((run_pilot_demo if pilot else run_demo)(folder), 1):
        steps.append(step)
        if fmt is OutputFormat.text:
            mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
            console.print(f"{mark} {n}. [bold]{escape(step.title)}[/]")
            for line in step.lines:
                console.print(Text(f"     {line}"))
    ok = all(s.ok for s in steps)
    if fmt is OutputFormat.json:
        emit_json({"ok": ok, "steps": [{"title": s.title, "ok": s.ok, **s.data} for s in steps]})
    else:
        me = _command_name()
        report = next((s.data["report"] for s in steps if "report" in s.data), None)
        explore = (
            f"{me} pilot metrics {PILOT_ID} && {me} standards feedback"
            if pilot
            else f"{me} status && {me} performer show jane-doe"
        )
        console.print(
            Text(f"\nDone. The report is at {report}\nExplore it: cd {folder} && {explore}")
            if ok
            else "[red]The demo found problems (see above).[/]",
        )
    if not ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def demo(
        folder: Annotated[
            Path | None,
            typer.Argument(
                help="An empty folder to run the example in (default: a new "
                "./reelproof-demo folder)."
            ),
        ] = None,
        pilot: Annotated[
            bool,
            typer.Option(
                "--pilot", help="A pilot programme instead: 2 pilot, 2 comparison productions."
            ),
        ] = False,
        fmt: FormatOpt = OutputFormat.text,
    ) -> None:
        """Run the whole flow on an example production, in a folder of its own."""
        run_and_show(folder, pilot=pilot, fmt=fmt)
