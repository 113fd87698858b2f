"""Why a pack applies or not, in words built from its `applies_when` and the facts."""

from __future__ import annotations

import re

from reelproof.core.json_types import JsonValue
from reelproof.core.standards import expr as x
from reelproof.core.standards.prefilter import MISSING, Guard, Scope, compile_guard, getter

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WORDS = {"<": "before", "<=": "on or before", ">": "after", ">=": "on or after"}


_GUARDS: dict[int, tuple[x.Node, Guard]] = {}


def _guard(node: x.Node) -> Guard:
    """compile_guard, cached per node (selection explains the same conditions often)."""
    hit = _GUARDS.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    g = compile_guard(node)[0]
    _GUARDS[id(node)] = (node, g)
    if len(_GUARDS) > 4096:
        _GUARDS.pop(next(iter(_GUARDS)))
    return g


def _show(v: JsonValue) -> str:
    if v is None:
        return "not set"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, list):
        return "[" + ", ".join(_show(i) for i in v) + "]" if len(v) <= 8 else f"{len(v)} entries"
    return str(v)


def _value(node: x.Node, scope: Scope) -> JsonValue:
    g = getter(node)
    return MISSING if g is None else g(scope)


def _atom(n: x.Node, scope: Scope, holds: bool) -> str | None:
    if isinstance(n, x.Lit) and n.kind == "bool":
        return "applies to every production" if n.value else "never applies"
    if isinstance(n, x.Unary) and n.op == "!":
        inner = _atom(n.operand, scope, not holds)
        return inner
    if isinstance(n, x.Binary) and isinstance(n.right, x.Lit | x.ListLit):
        subject = x.unparse(n.left)
        v = _value(n.left, scope)
        if v is MISSING:
            return None
        lit = n.right
        if isinstance(lit, x.ListLit):
            if n.op != "in":
                return None
            options = ", ".join(_show(i.value) for i in lit.items if isinstance(i, x.Lit))
            return f"{subject} is {_show(v)}" + ("" if holds else f", not one of {options}")
        want = _show(lit.value)
        if n.op == "==":
            return f"{subject} is {want}" if holds else f"{subject} is {_show(v)}, not {want}"
        if n.op == "!=":
            return f"{subject} is {_show(v)}" if holds else f"{subject} is {want}"
        if n.op in _WORDS:
            if v is None:
                return f"{subject} is not set"
            word = _WORDS[n.op] if _DATE.match(str(lit.value)) else n.op
            return f"{subject} is {_show(v)}, {'' if holds else 'not '}{word} {want}"
        return None
    if isinstance(n, x.Binary) and n.op == "in" and isinstance(n.left, x.Lit):
        subject = x.unparse(n.right)
        if _value(n.right, scope) is MISSING:
            return None
        verb = "include" if holds else "do not include"
        return f"{subject} {verb} {_show(n.left.value)}"
    path = x.path_of(n)
    if path is not None:
        return f"{'.'.join(path)} is {'true' if holds else 'false'}"
    return None


def explain(node: x.Node, scope: Scope, holds: bool) -> str:
    """Words for why `node` holds (or not) for these facts."""
    if isinstance(node, x.Cond):  # `a ? b : c`: explain the branch the facts chose
        branch = _guard(node.test)(scope)
        if branch in (0, 1):
            return explain(node.then if branch == 1 else node.otherwise, scope, holds)
    if holds:
        if isinstance(node, x.Binary) and node.op == "||":
            for side in (node.left, node.right):
                if _guard(side)(scope) == 1:
                    return explain(side, scope, True)
        parts = []
        for c in x.conjuncts(node):
            if isinstance(c, x.Lit) and c.value is True and len(x.conjuncts(node)) > 1:
                continue
            if isinstance(c, x.Cond):
                parts.append(explain(c, scope, True))
                continue
            parts.append(_atom(c, scope, True) or f"`{x.unparse(c)}` holds")
        return " and ".join(parts)
    for c in x.conjuncts(node):
        if _guard(c)(scope) == 0:
            if isinstance(c, x.Cond):
                return explain(c, scope, False)
            return _atom(c, scope, False) or f"`{x.unparse(c)}` is false"
    return f"`{x.unparse(node)}` is false"
