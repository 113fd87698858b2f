"""Message templates: `{{use.title}}` and `{{t.performer.name}}` in rule messages.

Placeholders are field paths over the same facts as the rule's condition, checked when the
pack loads, so a message can never print a misspelt field as an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reelproof.core.json_types import JsonMapping, JsonObject, JsonValue
from reelproof.core.standards import expr as x
from reelproof.core.standards.check import Checker, CheckError

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_MISSING = object()


class TemplateError(Exception):
    """A bad placeholder; offset is into the template text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


Step = str | int


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and field paths, alternating. `render(facts)` is
    the generated function itself (a decision renders a dozen messages: no extra call)."""

    source: str
    parts: tuple[str | tuple[Step, ...], ...]
    render: Callable[[JsonMapping], str] = field(repr=False, compare=False)


def _compile_render(parts: Sequence[str | tuple[Step, ...]]) -> Callable[[JsonMapping], str]:
    """A generated function per template: one call per message, dict walks inline."""
    pieces: list[str] = []
    namespace: JsonObject = {"M": _MISSING, "_show": _show}
    n = 0
    for part in parts:
        n += 1
        if isinstance(part, str):
            namespace[f"_t{n}"] = part
            pieces.append(f"_t{n}")
            continue
        expr = f"s.get({part[0]!r}, M)"
        for step in part[1:]:
            n += 1
            w = f"_w{n}"
            if isinstance(step, int):
                fits = f"len({w}) > {step}" if step >= 0 else f"len({w}) >= {-step}"
                expr = f"({w}[{step}] if type({w} := {expr}) is list and {fits} else M)"
            else:
                expr = f"({w}.get({step!r}, M) if type({w} := {expr}) is dict else M)"
        pieces.append(f"(_v{n} if type(_v{n} := {expr}) is str else _show(_v{n}))")
    plain_keys = all(
        isinstance(step, int) or step.isidentifier()
        for part in parts
        if not isinstance(part, str)
        for step in part
    )
    if len(pieces) == 1 and isinstance(parts[0], str):
        body = pieces[0]
    elif plain_keys:  # an f-string, one BUILD_STRING; its only quotes: 'name' keys
        body = 'f"""' + "".join(f"{{{piece}}}" for piece in pieces) + '"""'
    else:
        body = f"''.join(({', '.join(pieces)},))"

    src = f"def render(s):\n    return {body}"
    exec(compile(src, "<template>", "exec"), namespace)  # generated from checked paths only
    fn: Callable[[JsonMapping], str] = namespace["render"]
    return fn


def _show(value: JsonValue) -> str:
    if value is _MISSING:
        return "(not available)"
    if value is None:
        return "none"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _path_steps(node: x.Node) -> tuple[Step, ...] | None:
    steps: list[Step] = []
    while True:
        if isinstance(node, x.Select) and not node.test_only:
            steps.append(node.field)
            node = node.operand
        elif isinstance(node, x.Index) and isinstance(node.index, x.Lit):
            if node.index.kind == "int" or node.index.kind == "str":
                steps.append(node.index.value)
                node = node.operand
            else:
                return None
        elif isinstance(node, x.Ident):
            steps.append(node.name)
            return tuple(reversed(steps))
        else:
            return None


def parse_template(text: str, checker: Checker) -> Template:
    """Parse and check every placeholder against the facts in the checker's scope."""
    parts: list[str | tuple[Step, ...]] = []
    last = 0
    for m in _PLACEHOLDER.finditer(text):
        inner = m.group(1)
        start = m.start(1) + (len(inner) - len(inner.lstrip()))
        try:
            node = x.parse(inner)
        except x.ExprSyntaxError as exc:
            raise TemplateError(f"{{{{{inner.strip()}}}}}: {exc.message}", start) from None
        steps = _path_steps(node)
        if steps is None:
            raise TemplateError(
                f"{{{{{inner.strip()}}}}}: a placeholder must be a field path like use.title",
                start,
            )
        try:
            checker.check(node)
        except CheckError as exc:
            where = m.start(1) + exc.offset
            raise TemplateError(f"{{{{{inner.strip()}}}}}: {exc.message}", where) from None
        if m.start() > last:
            parts.append(text[last : m.start()])
        parts.append(steps)
        last = m.end()
    if last < len(text) or not parts:
        parts.append(text[last:])
    offset = 0
    for part in parts:
        if isinstance(part, str):
            where = text.find(part, offset)
            for mark in ("{{", "}}"):
                if mark in part:
                    raise TemplateError(f"unbalanced '{mark}'", where + part.index(mark))
            offset = where + len(part)
    return Template(text, tuple(parts), _compile_render(parts))
