"""`reelproof demo` (and `demo --pilot`, the pilot programme's demo)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.text import Text

from reelproof.interfaces.cli.common import OutOpt, handle_errors, show
from reelproof.interfaces.formats import Data
from reelproof.interfaces.formats.text import make_console
from reelproof.services.demo import DemoStep, run_demo
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


class DemoRun:
    """The demo as a result that runs while it is shown: a person sees each step as it
    finishes, a script gets every step in one document at the end."""

    def __init__(self, folder: Path, steps: Iterator[DemoStep], *, pilot: bool = False) -> None:
        self.folder = folder
        self.pilot = pilot
        self._pending = steps
        self.steps: list[DemoStep] = []

    def _run(self) -> Iterator[DemoStep]:
        for step in self._pending:
            self.steps.append(step)
            yield step

    @property
    def ok(self) -> bool:
        """Every step that ran did what it should (read after the result is shown)."""
        return all(s.ok for s in self.steps)

    def to_data(self) -> Data:
        """Runs every step, then the steps with their data."""
        list(self._run())
        return {
            "ok": self.ok,
            "steps": [{"title": s.title, "ok": s.ok, **s.data} for s in self.steps],
        }

    def _explore(self) -> str:
        me = _command_name()
        if self.pilot:
            return f"{me} pilot metrics {PILOT_ID} && {me} standards feedback"
        return f"{me} status && {me} performer show jane-doe"

    def render_text(self, out: IO[str], *, color: bool) -> None:
        """Each step as it finishes, then where to look next."""
        c = make_console(out, color)
        for n, step in enumerate(self._run(), 1):
            mark = ("✓", "green") if step.ok else ("✗", "red")
            c.print(Text.assemble(mark, f" {n}. ", (step.title, "bold")))
            for line in step.lines:
                c.print(Text(f"     {line}"))
        if not self.ok:
            c.print(Text("The demo found problems (see above).", "red"))
            return
        report = next((s.data["report"] for s in self.steps if "report" in s.data), None)
        c.print(
            Text(
                f"\nDone. The report is at {report}\n"
                f"Explore it: cd {self.folder} && {self._explore()}"
            )
        )


def run_and_show(folder: Path | None, fmt: str, *, pilot: bool = False) -> None:
    """Run the demo (or the pilot demo) in `folder`, or a fresh one; exit 1 if a step failed."""
    if folder is None:
        folder = _fresh_folder(Path("reelproof-pilot-demo" if pilot else "reelproof-demo"))
    run = DemoRun(folder, (run_pilot_demo if pilot else run_demo)(folder), pilot=pilot)
    show(run, fmt)
    if not run.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """`demo`."""

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
        fmt: OutOpt = "text",
    ) -> None:
        """Run the whole flow on an example production, in a folder of its own."""
        run_and_show(folder, fmt, pilot=pilot)
