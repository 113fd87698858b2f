"""Generated hostile documents: whatever the input, parsing either gives valid documents or a
DocumentError naming the file (never another exception), within the limits."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelproof.core.documents import MAX_DEPTH, read_raw
from reelproof.core.errors import DocumentError
from reelproof.services.documents import SourceFile, parse_sources
from tests.helpers import EXAMPLE

FILE = "gen.yaml"
BASE: list[Any] = [raw.data for raw in read_raw(EXAMPLE, FILE)]  # dates stay text
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parses_or_refuses(text: str, name: str = FILE) -> None:
    try:
        parse_sources([SourceFile(name, text)])
    except DocumentError as exc:
        assert exc.file == name
        assert str(exc).startswith(name)


HOSTILE_LEAVES = st.one_of(
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            -1.0,
            10**400,
            "",
            "\x00",
            "\ud800",
            "\x1b[31m",
            "2026-02-30",
            "0000-01-01",
            "[/x]",
            ":ghost:",
            None,
            True,
            [],
            {},
            {"a": [1]},
        ]
    ),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.recursive(st.none() | st.integers(), lambda c: st.lists(c, max_size=2), max_leaves=80),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*path, i)))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replace(value[head], tuple(rest), new)
    return copy


@SETTINGS
@given(
    doc=st.integers(0, len(BASE) - 1),
    pick=st.integers(0, 10_000),
    leaf=HOSTILE_LEAVES,
    as_json=st.booleans(),
)
def test_a_hostile_value_anywhere_is_refused_or_valid(
    doc: int, pick: int, leaf: Any, as_json: bool
) -> None:
    paths = _paths(BASE[doc])
    mutated = [*BASE]
    mutated[doc] = _replace(BASE[doc], paths[pick % len(paths)], leaf)
    if as_json:
        text = json.dumps(mutated)  # NaN and Infinity included, as Python writes them
        _parses_or_refuses(text, "gen.json")
    else:
        try:
            text = yaml.safe_dump_all(mutated, allow_unicode=True)
        except yaml.YAMLError:  # a value YAML itself cannot write: nothing to test
            return
        _parses_or_refuses(text)


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_text_is_refused_or_valid(text: str) -> None:
    _parses_or_refuses(text)
    _parses_or_refuses(EXAMPLE + text)


@SETTINGS
@given(width=st.integers(1, 30), levels=st.integers(1, 8))
def test_alias_expansion_is_bounded(width: int, levels: int) -> None:
    lines = ["a0: &a0 [x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    _parses_or_refuses("\n".join(lines) + "\n")


@SETTINGS
@given(depth=st.integers(1, 3 * MAX_DEPTH), flow=st.booleans())
def test_nesting_is_bounded(depth: int, flow: bool) -> None:
    if flow:
        text = "a: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
    _parses_or_refuses(text)
