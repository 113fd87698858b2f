"""The CEL runtime behind the engine, kept to one module so it can be swapped.

`cel-expr-python` (Google's C++ CEL) was chosen over `common-expression-language` (Rust):
building its activation is lazy (about 2.5 µs for a decision's facts, against about 75 µs
to convert them into the Rust library's context), its checker rejects unknown names and
functions at compile time with a position, and its semantics follow cel-spec, including
error values absorbed by `&&` / `||`. See docs/cel-choice.md for the measurements.
"""

from __future__ import annotations

import re
from typing import Any

from cel_expr_python import cel as _cel  # type: ignore[import-untyped]

from reelproof.core.json_types import JsonMapping

_ERR = re.compile(r"<input>:(-?\d+):(-?\d+):\s*(.*)")


class CelCompileError(Exception):
    """The CEL runtime rejected an expression; line and column are 1-based when known."""

    def __init__(self, message: str, line: int | None, col: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


_ENVS: dict[frozenset[str], Any] = {}  # Any: cel.Environment (untyped library)


def _env(names: frozenset[str]) -> Any:  # Any: cel.Environment
    env = _ENVS.get(names)
    if env is None:
        env = _cel.NewEnv(variables={name: _cel.Type.DYN for name in sorted(names)})
        _ENVS[names] = env
    return env


class Program:
    """A compiled condition. `run` gives True, False, or an error message string."""

    __slots__ = ("_expr", "names", "source")

    def __init__(self, source: str, names: frozenset[str], *, checked: bool = False) -> None:
        """Compiles now, raising CelCompileError; `checked=True` (a condition this CEL library
        compiled before, read back from the compiled-pack cache) defers it to the first run."""
        self.source = source
        self.names = names
        self._expr: Any = None  # Any: cel.Expression, compiled on first use when checked
        if not checked:
            self._expr = self._compile()

    def _compile(self) -> Any:  # Any: cel.Expression
        try:
            return _env(self.names).compile(self.source)
        except RuntimeError as exc:
            raise _compile_error(str(exc)) from None

    def run(self, activation: Any) -> bool | str:  # Any: cel.Activation
        """The condition's value over the facts: True or False, else the error text to report
        (a fact the library cannot hold, a non-boolean result), never an exception."""
        expr = self._expr
        if expr is None:
            expr = self._expr = self._compile()
        try:
            value = expr.eval(activation).value()
        except RuntimeError as exc:  # a fact value the library cannot hold (e.g. a lone surrogate)
            return f"the CEL library could not read the facts: {exc}"
        if value is True or value is False:
            return bool(value)
        if isinstance(value, str):
            return value
        return f"the condition gave {value!r}, not true or false"


def _compile_error(text: str) -> CelCompileError:
    text = text.removeprefix("INVALID_ARGUMENT: ").strip()
    m = _ERR.search(text)
    if not m:
        return CelCompileError(text.splitlines()[0] if text else "invalid expression", None, None)
    line, col = int(m.group(1)), int(m.group(2))
    message = m.group(3).split("\n")[0].strip()
    message = re.sub(r"\s*\(in container ''\)", "", message)
    return CelCompileError(message, line if line > 0 else None, col if col > 0 else None)


def activation(names: frozenset[str], facts: JsonMapping) -> Any:  # Any: cel.Activation
    """An activation over plain facts (dicts, lists, str, bool, int, float, None)."""
    return _env(names).Activation(facts)
