"""The scan executor a user names, kept apart so neither executor imports the other."""

from __future__ import annotations

from reelproof.adapters.likeness.scanner import LocalExecutor, ScanExecutor


def open_executor(kind: str, workers: int | None, address: str | None = None) -> ScanExecutor:
    """The executor named on the command line (`local` or `ray`)."""
    if kind == "ray":
        from reelproof.adapters.likeness.ray_executor import RayExecutor

        return RayExecutor(workers, address)
    return LocalExecutor(workers)
