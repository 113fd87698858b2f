"""Errors a user can act on. Interfaces turn them into exit code 2 and a one-line message."""

from __future__ import annotations


class ReelproofError(Exception):
    """Base of every error caused by the user's input or environment, never by a bug."""

    exit_code = 2


class DocumentError(ReelproofError):
    """A document is malformed; names the file, line and key so it can be fixed."""

    def __init__(self, file: str, line: int | None, key: str | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
        where = file if line is None else f"{file}:{line}"
        what = f"{key}: {problem}" if key else problem
        super().__init__(f"{where}: {what}")


class NotFoundError(ReelproofError):
    """A referenced id does not exist in the store."""


class ConflictError(ReelproofError):
    """The request contradicts stored state (e.g. approving a prohibited use)."""
