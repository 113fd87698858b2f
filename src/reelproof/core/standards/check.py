"""Static checks of conditions against the fact schema.

CEL runtimes accept `use.output.in_final_deliverabel` and only fail (or quietly yield an
error value) when a declaration is evaluated; here every name, field path, function and
literal compared with an enumerated field is checked when the pack loads.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from reelproof.core.standards import expr as x
from reelproof.core.standards.schema import (
    ANY,
    BOOL,
    FACTS,
    NUMBER,
    STR,
    FType,
    list_of,
    literal_problem,
)


class CheckError(Exception):
    """A problem at an offset of the expression."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


_GLOBAL = {
    "size": NUMBER,
    "int": NUMBER,
    "uint": NUMBER,
    "double": NUMBER,
    "string": STR,
    "bool": BOOL,
    "bytes": ANY,
    "timestamp": ANY,
    "duration": ANY,
    "type": ANY,
    "dyn": ANY,
    "matches": BOOL,
}
_STRING_METHODS = {
    "contains": BOOL,
    "startsWith": BOOL,
    "endsWith": BOOL,
    "matches": BOOL,
    "size": NUMBER,
}
_TIME_METHODS = {
    name: NUMBER
    for name in [
        "getFullYear",
        "getMonth",
        "getDayOfMonth",
        "getDate",
        "getDayOfWeek",
        "getDayOfYear",
        "getHours",
        "getMinutes",
        "getSeconds",
        "getMilliseconds",
    ]
}
_ANY_METHODS = {**_STRING_METHODS, **_TIME_METHODS}
_ORDERABLE = frozenset({"str", "number", "date", "any"})


def _text_error(subject: x.Node, pos: int) -> CheckError:
    """Message text is for people: a rule that searched it would change with the wording."""
    return CheckError(
        f"{x.unparse(subject)} is message text for people; conditions never compare or "
        "search it (rewording a message must not change an outcome): match a finding's "
        "code and parameters instead, e.g. "
        't.findings.exists(f, f.code == "consent.scope.production_missing")',
        pos,
    )


def _is_text(t: FType) -> bool:
    """A message sentence, or a list of them."""
    return t.text or (t.kind == "list" and t.item is not None and t.item.text)


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class Checker:
    """Types an expression against the facts in scope, raising CheckError on the first problem."""

    def __init__(self, scope: frozenset[str], context: str) -> None:
        self.scope = scope
        self.context = context  # e.g. "a rule without for_each", "applies_when"

    def check(self, node: x.Node) -> FType:
        """Every problem the condition has against the fact schema (unknown fields, wrong types)."""
        return self.typeof(node, {name: FACTS[name] for name in self.scope})

    def typeof(self, n: x.Node, env: Mapping[str, FType]) -> FType:
        """The static type of an expression node, or unknown when it cannot be told."""
        if isinstance(n, x.Lit):
            return {"str": STR, "bool": BOOL, "null": ANY}.get(n.kind, NUMBER)
        if isinstance(n, x.Ident):
            return self._ident(n, env)
        if isinstance(n, x.Select):
            return self._select(n, env)
        if isinstance(n, x.Index):
            return self._index(n, env)
        if isinstance(n, x.Macro):
            return self._macro(n, env)
        if isinstance(n, x.Call):
            return self._call(n, env)
        if isinstance(n, x.ListLit):
            items = [self.typeof(i, env) for i in n.items]
            return list_of(items[0] if items and all(i is items[0] for i in items) else ANY)
        if isinstance(n, x.MapLit):
            for k, v in n.entries:
                self.typeof(k, env)
                self.typeof(v, env)
            return ANY
        if isinstance(n, x.Unary):
            self.typeof(n.operand, env)
            return BOOL if n.op == "!" else NUMBER
        if isinstance(n, x.Binary):
            return self._binary(n, env)
        if isinstance(n, x.Cond):
            self.typeof(n.test, env)
            a, b = self.typeof(n.then, env), self.typeof(n.otherwise, env)
            return a if a is b else ANY
        raise CheckError("unsupported expression", n.pos)

    def _ident(self, n: x.Ident, env: Mapping[str, FType]) -> FType:
        if n.name in env:
            return env[n.name]
        if n.name == "t" and "t" in FACTS:
            raise CheckError(
                f"'t' (one talent entry) is only bound in rules with `for_each: talent`, "
                f"not in {self.context}",
                n.pos,
            )
        if n.name in FACTS:
            raise CheckError(f"fact '{n.name}' is not available in {self.context}", n.pos)
        known = ", ".join(sorted(env))
        raise CheckError(
            f"unknown fact '{n.name}'{_suggest(n.name, list(env))} (known: {known})", n.pos
        )

    def _select(self, n: x.Select, env: Mapping[str, FType]) -> FType:
        base = self.typeof(n.operand, env)
        result = self._field(base, n.field, n)
        return BOOL if n.test_only else result

    def _field(self, base: FType, name: str, n: x.Select | x.Index) -> FType:
        if base.kind == "any":
            return ANY
        where = x.unparse(n.operand)
        if base.kind == "object":
            if name in base.fields:
                return base.fields[name]
            fields = sorted(base.fields)
            raise CheckError(
                f"unknown field '{name}' of {where}{_suggest(name, fields)} "
                f"(fields: {', '.join(fields)})",
                n.pos,
            )
        if base.kind == "list":
            raise CheckError(
                f"{where} is a list; select '{name}' of an element with exists(), all() "
                "or an index",
                n.pos,
            )
        raise CheckError(f"{where} is {base.describe()} and has no field '{name}'", n.pos)

    def _index(self, n: x.Index, env: Mapping[str, FType]) -> FType:
        base = self.typeof(n.operand, env)
        self.typeof(n.index, env)
        if base.kind == "list":
            assert base.item is not None
            return base.item
        if base.kind == "object" and isinstance(n.index, x.Lit) and n.index.kind == "str":
            return self._field(base, str(n.index.value), n)
        return ANY

    def _macro(self, n: x.Macro, env: Mapping[str, FType]) -> FType:
        target = self.typeof(n.target, env)
        if target.kind == "list":
            assert target.item is not None
            item = target.item
        elif target.kind in ("any", "object"):
            item = ANY if target.kind == "any" else STR
        else:
            raise CheckError(
                f"{n.name}() needs a list; {x.unparse(n.target)} is {target.describe()}", n.pos
            )
        if n.var in FACTS and n.var in env:
            raise CheckError(f"'{n.var}' already names a fact; choose another variable", n.pos)
        inner = {**env, n.var: item}
        types = [self.typeof(a, inner) for a in n.args]
        if n.name == "map":
            return list_of(types[-1])
        if n.name == "filter":
            return list_of(item)
        return BOOL

    def _call(self, n: x.Call, env: Mapping[str, FType]) -> FType:
        for a in n.args:
            t = self.typeof(a, env)
            if t.text or (_is_text(t) and n.name != "size"):
                raise _text_error(a, n.pos)
        if n.target is None:
            if n.name in _GLOBAL:
                return _GLOBAL[n.name]
            raise CheckError(f"unknown function '{n.name}'{_suggest(n.name, list(_GLOBAL))}", n.pos)
        recv = self.typeof(n.target, env)
        if recv.text:
            raise _text_error(n.target, n.pos)
        if n.name == "size":
            return NUMBER
        methods = _STRING_METHODS if recv.kind in ("str", "enum", "date") else _ANY_METHODS
        if recv.kind in ("list", "object", "bool", "number", "tristate"):
            methods = {}
        if n.name in methods:
            return methods[n.name]
        raise CheckError(
            f"unknown method '{n.name}' on {x.unparse(n.target)} ({recv.describe()})", n.pos
        )

    def _binary(self, n: x.Binary, env: Mapping[str, FType]) -> FType:
        lt, rt = self.typeof(n.left, env), self.typeof(n.right, env)
        if n.op in ("&&", "||"):
            return BOOL
        for side, t in ((n.left, lt), (n.right, rt)):
            if _is_text(t):
                raise _text_error(side, n.pos)
        if n.op in ("==", "!="):
            self._compare_literal(n.left, lt, n.right)
            self._compare_literal(n.right, rt, n.left)
            return BOOL
        if n.op == "in":
            if isinstance(n.left, x.Lit) and rt.kind == "list" and rt.item is not None:
                self._literal(n.left, rt.item, f"an element of {x.unparse(n.right)}")
            if isinstance(n.right, x.ListLit) and not isinstance(n.left, x.Lit):
                for item in n.right.items:
                    if isinstance(item, x.Lit):
                        self._literal(item, lt, x.unparse(n.left))
            return BOOL
        if n.op in ("<", "<=", ">", ">="):
            for side, t, other in ((n.left, lt, n.right), (n.right, rt, n.left)):
                if t.kind not in _ORDERABLE:
                    raise CheckError(
                        f"{x.unparse(side)} is {t.describe()} and cannot be ordered with {n.op}",
                        n.pos,
                    )
                self._compare_literal(side, t, other)
            return BOOL
        return NUMBER if lt.kind == "number" or rt.kind == "number" else ANY

    def _compare_literal(self, side: x.Node, t: FType, other: x.Node) -> None:
        if isinstance(other, x.Lit) and not isinstance(side, x.Lit):
            self._literal(other, t, x.unparse(side))

    def _literal(self, lit: x.Lit, t: FType, subject: str) -> None:
        problem = literal_problem(t, lit.value, lit.kind)
        if problem:
            raise CheckError(f"{subject} {problem}", lit.pos)
