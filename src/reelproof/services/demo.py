"""`reelproof demo`: the whole flow on the bundled example production, in a fresh folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from reelproof.core.errors import ReelproofError
from reelproof.services import auditlog
from reelproof.services import documents as docsvc
from reelproof.services.context import Context
from reelproof.services.init import init_store

EXAMPLE = "stranger-tides.yaml"


def example_path() -> Path:
    return Path(str(resources.files("reelproof.examples") / EXAMPLE))


@dataclass
class DemoStep:
    title: str
    lines: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


def run_demo(folder: Path) -> Iterator[DemoStep]:
    """Yields each step as it finishes, so the CLI can show progress."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / ".reelproof" / "reelproof.db"
    if db.exists():
        raise ReelproofError(f"{folder}: already holds a reelproof store; choose an empty folder")
    ctx = Context.open(f"sqlite:///{db.resolve()}")
    ctx.key_path = folder / ".reelproof" / "log-signing.key"
    result = init_store(ctx)
    yield DemoStep(
        "Created the store and the audit log's signing key",
        [f"store {result.db}", f"verifier key {result.vkey}"],
    )
    example = folder / EXAMPLE
    example.write_text(example_path().read_text(encoding="utf-8"), encoding="utf-8")
    stored = [
        d for r in docsvc.apply_documents(ctx, docsvc.read_files([example])) for d in r.documents
    ]
    yield DemoStep(
        f"Applied the example production ({example.name})",
        [f"{d.kind} {d.key}" for d in stored],
        {"documents": len(stored)},
    )
    for extra in DEMO_STEPS:
        yield from extra(ctx, folder)
    report = auditlog.verify(ctx)
    yield DemoStep(
        "Verified the audit log",
        [*report.checks, *(p.message for p in report.problems)],
        report.to_json(),
        report.ok,
    )


# Later steps (decide, approve, check…) plug in here, between applying and verifying.
DEMO_STEPS: list[Callable[[Context, Path], Iterator[DemoStep]]] = []
