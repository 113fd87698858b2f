"""Prefilters: cheap necessary conditions derived from a rule's condition.

Most conditions are boolean combinations of simple tests on fact fields
(`use.output.in_final_deliverable`, `use.phase == "final"`, `t.use in [...]`). Those tests
are evaluated here in plain Python with CEL's semantics, in three values: 1 (true), 0
(false) and -1 (unknown: not modelled here, or a CEL error). A rule whose prefilter gives 0
cannot fire and is skipped without calling the CEL runtime; otherwise the CEL runtime
decides. Anything not modelled counts as unknown, so a prefilter never hides a firing.

The values modelled are those on which Python and cel-expr-python agree: strings without
NUL (the library cuts a fact string at its first NUL), integers within 64 bits (beyond, the
library fails), and integers compared with doubles only where the double is exact (CEL
compares them as doubles). `agreement.check` tests every translation against the library
when a pack loads; a rule that disagrees is decided by CEL alone.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping

from reelproof.core.json_types import JsonMapping, JsonObject, JsonValue
from reelproof.core.standards import expr as x

Scope = JsonMapping
Guard = Callable[[Scope], int]
Getter = Callable[[Scope], JsonValue]


class _Missing:
    __slots__ = ()


MISSING: JsonValue = _Missing()
TRUE: Guard = lambda s: 1  # noqa: E731
UNKNOWN: Guard = lambda s: -1  # noqa: E731


def _const(v: int) -> Guard:
    return lambda s: v


def getter(node: x.Node) -> Getter | None:
    """A getter for a literal, a field path, or size() of one; None when not that simple."""
    if isinstance(node, x.Lit):
        if node.kind in ("bytes",):
            return None
        value = node.value
        return lambda s: value
    if isinstance(node, x.Call) and node.name == "size":
        arg = node.target if node.target is not None and not node.args else None
        if node.target is None and len(node.args) == 1:
            arg = node.args[0]
        inner = getter(arg) if arg is not None else None
        if inner is None:
            return None

        def size(s: Scope, inner: Getter = inner) -> JsonValue:
            v = inner(s)
            return len(v) if isinstance(v, list | str | dict) else MISSING

        return size
    steps: list[str | int] = []
    n = node
    while True:
        if isinstance(n, x.Select) and not n.test_only:
            steps.append(n.field)
            n = n.operand
        elif isinstance(n, x.Index) and isinstance(n.index, x.Lit) and n.index.kind == "int":
            steps.append(int(n.index.value))
            n = n.operand
        elif isinstance(n, x.Ident):
            steps.append(n.name)
            break
        else:
            return None
    path = tuple(reversed(steps))
    if len(path) == 1:
        (name,) = path
        return lambda s: s.get(name, MISSING)  # type: ignore[arg-type]
    if len(path) == 2 and all(isinstance(p, str) for p in path):
        a, b = path

        def get2(s: Scope) -> JsonValue:
            v = s.get(a, MISSING)  # type: ignore[arg-type]
            return v.get(b, MISSING) if type(v) is dict else MISSING

        return get2
    if len(path) == 3 and all(isinstance(p, str) for p in path):
        a, b, c = path

        def get3(s: Scope) -> JsonValue:
            v = s.get(a, MISSING)  # type: ignore[arg-type]
            if type(v) is not dict:
                return MISSING
            v = v.get(b, MISSING)
            return v.get(c, MISSING) if type(v) is dict else MISSING

        return get3

    def get(s: Scope) -> JsonValue:
        v: JsonValue = s
        for step in path:
            if isinstance(step, int):
                if type(v) is not list or not -len(v) <= step < len(v):
                    return MISSING
                v = v[step]
            else:
                if not isinstance(v, Mapping):
                    return MISSING
                v = v.get(step, MISSING)
                if v is MISSING:
                    return MISSING
        return v

    return get


_NUL = "\x00"
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # int64 and uint64 together
_EXACT_DOUBLE = 2**53  # every integer up to this magnitude is exact as a double


def plain_str(v: str) -> bool:
    """A string the CEL library sees unchanged: no NUL, no lone surrogate."""
    if v.isascii():
        return _NUL not in v
    return _NUL not in v and not any(0xD800 <= ord(c) <= 0xDFFF for c in v)


def _int_ok(v: int) -> bool:
    return _INT_MIN <= v <= _INT_MAX


def cel_equal(a: JsonValue, b: JsonValue) -> int:
    """CEL heterogeneous equality in three values (-1 where CEL would give an error, or
    where the CEL library would see another value than Python does)."""
    if a is MISSING or b is MISSING:
        return -1
    if a is None or b is None:
        return int(a is None and b is None)
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return int(ta is tb and a == b)
    if ta is str or tb is str:
        if ta is not tb:
            return 0
        return 1 if a == b and _NUL not in a else 0 if plain_str(a) and plain_str(b) else -1
    if ta in (int, float) and tb in (int, float):
        if (ta is int and not _int_ok(a)) or (tb is int and not _int_ok(b)):
            return -1
        if ta is not tb and abs(a if ta is int else b) > _EXACT_DOUBLE:
            return -1  # CEL compares an int with a double as doubles
        return int(a == b)
    return -1  # lists, maps: not modelled


def _order(a: JsonValue, b: JsonValue) -> tuple[JsonValue, JsonValue] | None:
    ta = type(a)
    if ta is not type(b) or ta not in (str, bool, int, float):
        return None  # mixed types: CEL may reject the overload; let CEL decide
    if ta is str and not (plain_str(a) and plain_str(b)):
        return None
    if ta is int and not (_int_ok(a) and _int_ok(b)):
        return None
    return a, b


_ORDER_OPS: dict[str, Callable[[JsonValue, JsonValue], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _member(v: JsonValue, coll: JsonValue) -> int:
    if type(coll) is list:
        unknown = False
        for item in coll:
            r = cel_equal(v, item)
            if r == 1:
                return 1
            unknown = unknown or r == -1
        return -1 if unknown else 0
    if type(coll) is dict:
        return int(v in coll) if type(v) is str and plain_str(v) else -1
    return -1


def _ordered(op: str, a: JsonValue, b: JsonValue) -> int:
    pair = _order(a, b)
    return -1 if pair is None else int(_ORDER_OPS[op](*pair))


def _size(v: JsonValue) -> JsonValue:
    t = type(v)
    if t is str:
        return len(v) if plain_str(v) else MISSING  # code points, as CEL counts them
    return len(v) if t is list or t is dict else MISSING


_EMPTY: JsonObject = {}


def _exists(items: JsonValue, body: Callable[[JsonValue], int]) -> int:
    if type(items) is not list:
        return -1
    unknown = False
    for item in items:
        r = body(item)
        if r == 1:
            return 1
        if r < 0:
            unknown = True
    return -1 if unknown else 0


def _all(items: JsonValue, body: Callable[[JsonValue], int]) -> int:
    if type(items) is not list:
        return -1
    unknown = False
    for item in items:
        r = body(item)
        if r == 0:
            return 0
        if r < 0:
            unknown = True
    return -1 if unknown else 1


def modelled_literal(n: x.Lit) -> bool:
    """Literals the prefilter reads as CEL does: not bytes, strings plain."""
    if n.kind == "bytes":
        return False
    return n.kind != "str" or plain_str(n.value)


class Shapes:
    """Structural ids of nodes, without source positions: equal ids, equal structure.

    Each node's id is interned from its class and its fields' ids, so a shape is a short
    flat key: nested shape tuples made hashing and comparing them quadratic in the nesting
    depth of a pack's conditions. Nodes are held, so that no other node takes their `id()`.
    """

    def __init__(self) -> None:
        self._ids: dict[tuple[JsonValue, ...], int] = {}
        self._nodes: dict[int, tuple[x.Node, int]] = {}

    def of(self, n: x.Node) -> int:
        """A small integer for the node's shape: equal shapes share one prefilter entry."""
        hit = self._nodes.get(id(n))
        if hit is not None:
            return hit[1]
        key = (type(n).__name__, *(self._field(getattr(n, f)) for f in _shaped_fields(type(n))))
        sid = self._ids.setdefault(key, len(self._ids))
        self._nodes[id(n)] = (n, sid)
        return sid

    def _field(self, v: JsonValue) -> JsonValue:
        if isinstance(v, x.Node):
            return self.of(v)
        if isinstance(v, tuple):
            return tuple(self._field(i) for i in v)
        return (type(v).__name__, v)  # 1, 1.0 and true stay apart


_SHAPED: dict[type[x.Node], tuple[str, ...]] = {}


def _shaped_fields(cls: type[x.Node]) -> tuple[str, ...]:
    """A node class's fields but its position (read once per class, not once per node)."""
    names = _SHAPED.get(cls)
    if names is None:
        names = _SHAPED[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.name != "pos")
    return names


def _repeated(nodes: list[x.Node], shapes: Shapes) -> set[int]:
    counts = Counter(shapes.of(n) for node in nodes for n in x.nodes(node))
    return {k for k, c in counts.items() if c > 1}


class _Gen:
    """Generates Python source for prefilters: one expression per condition, giving 1, 0 or
    -1 with CEL's semantics (`&&` / `||` absorb errors as in CEL). Field paths from the
    facts are hoisted into locals shared by every rule of a pack, so a whole pack is one
    function call per decision; a test that several rules share (outside comprehensions) is
    computed at most once per call, when first needed.
    """

    def __init__(self, roots: dict[str, str], conditions: list[x.Node]) -> None:
        self.consts: JsonObject = {}
        self.hoisted: dict[tuple[str, ...], str] = {}
        self.hoist_lines: list[str] = []
        self.roots = roots  # fact name -> Python expression of its value (e.g. s.get(...))
        self.n = 0
        self.exact = True
        self.shapes = Shapes()
        self.repeated = _repeated(conditions, self.shapes)
        self.memo: dict[int, str] = {}  # shape id -> the local holding its value

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def const(self, value: JsonValue) -> str:
        name = self.name("_k")
        self.consts[name] = value
        return name

    def _prefix(self, path: tuple[str, ...]) -> str:
        """A local holding the dict at a fact path (an empty dict when it is not one)."""
        if path in self.hoisted:
            return self.hoisted[path]
        if len(path) == 1:
            src = self.roots[path[0]]
        else:
            src = f"{self._prefix(path[:-1])}.get({path[-1]!r}, M)"
        var = self.name("_h")
        self.hoist_lines.append(f"{var} = {var}_ if type({var}_ := {src}) is dict else _EMPTY")
        self.hoisted[path] = var
        return var

    # -- values: Python expressions that give the value or M (missing / error) --

    def value(self, n: x.Node, bound: dict[str, str]) -> str | None:
        if isinstance(n, x.Lit):
            return self.const(n.value) if modelled_literal(n) else None
        if isinstance(n, x.Cond):
            test = self.boolean(n.test, bound)
            then, other = self.value(n.then, bound), self.value(n.otherwise, bound)
            if then is None or other is None:
                return None
            c = self.name("_c")
            return f"({then} if ({c} := {test}) == 1 else {other} if {c} == 0 else M)"
        if isinstance(n, x.Call) and n.name == "size":
            arg = n.target if n.target is not None and not n.args else None
            if n.target is None and len(n.args) == 1:
                arg = n.args[0]
            inner = self.value(arg, bound) if arg is not None else None
            return None if inner is None else f"_size({inner})"
        steps: list[str | int] = []
        m = n
        while True:
            if isinstance(m, x.Select) and not m.test_only:
                steps.append(m.field)
                m = m.operand
            elif isinstance(m, x.Index) and isinstance(m.index, x.Lit) and m.index.kind == "int":
                steps.append(int(m.index.value))
                m = m.operand
            elif isinstance(m, x.Ident):
                steps.append(m.name)
                break
            else:
                return None
        path = list(reversed(steps))
        root = path[0]
        assert isinstance(root, str)
        if root in bound:
            expr, rest = bound[root], path[1:]
        elif root in self.roots:
            # hoist the longest all-name prefix (not the leaf): a local lookup per rule
            if len(path) == 1:
                return self.roots[root]
            if not isinstance(path[1], str):
                expr, rest = self.roots[root], path[1:]
            else:
                # hoist the dicts along the path while the next step is a key lookup
                names: list[str] = [root]
                for j in range(1, len(path) - 1):
                    step, nxt = path[j], path[j + 1]
                    if not (isinstance(step, str) and isinstance(nxt, str)):
                        break
                    names.append(step)
                key = path[len(names)]
                expr = f"{self._prefix(tuple(names))}.get({key!r}, M)"
                rest = path[len(names) + 1 :]
        else:
            return None
        for step in rest:
            w = self.name("_w")
            if isinstance(step, int):
                fits = f"len({w}) > {step}" if step >= 0 else f"len({w}) >= {-step}"
                expr = f"({w}[{step}] if type({w} := {expr}) is list and {fits} else M)"
            else:
                expr = f"({w}.get({step!r}, M) if type({w} := {expr}) is dict else M)"
        return expr

    # -- booleans: Python expressions that give 1, 0 or -1 --

    def unknown(self) -> str:
        self.exact = False
        return "-1"

    def boolean(self, n: x.Node, bound: dict[str, str]) -> str:
        if bound or isinstance(n, x.Lit):
            return self._boolean(n, bound)
        key = self.shapes.of(n)
        if key not in self.repeated:
            return self._boolean(n, bound)
        var = self.memo.get(key)
        if var is None:
            var = self.memo[key] = self.name("_s")
            self.hoist_lines.append(f"{var} = None")
        return f"({var} if {var} is not None else ({var} := {self._boolean(n, bound)}))"

    def _boolean(self, n: x.Node, bound: dict[str, str]) -> str:
        if isinstance(n, x.Lit):
            return str(int(n.value)) if n.kind == "bool" else self.unknown()
        if isinstance(n, x.Unary) and n.op == "!":
            inner = self.boolean(n.operand, bound)
            a = self.name("_a")
            return f"(-1 if ({a} := {inner}) < 0 else 1 - {a})"
        if isinstance(n, x.Binary):
            if n.op in ("&&", "||"):
                return self.logic(n, bound)
            if n.op in ("==", "!=", "in", "<", "<=", ">", ">="):
                return self.compare(n, bound)
            return self.unknown()
        if isinstance(n, x.Macro) and n.name in ("exists", "all") and len(n.args) == 1:
            target = self.value(n.target, bound)
            if target is None:
                return self.unknown()
            var = self.name("_v")
            body = self.boolean(n.args[0], {**bound, n.var: var})
            fn = "_all" if n.name == "all" else "_exists"
            return f"{fn}({target}, lambda {var}: {body})"
        if isinstance(n, x.Cond):
            test = self.boolean(n.test, bound)
            then, other = self.boolean(n.then, bound), self.boolean(n.otherwise, bound)
            c = self.name("_c")
            return f"({then} if ({c} := {test}) == 1 else {other} if {c} == 0 else -1)"
        if (
            isinstance(n, x.Call)
            and n.name in _STRING_TESTS
            and n.target is not None
            and len(n.args) == 1
        ):
            recv, arg = self.value(n.target, bound), self.value(n.args[0], bound)
            if recv is None or arg is None:
                return self.unknown()
            return f"_strtest({n.name!r}, {recv}, {arg})"
        if isinstance(n, x.Call):
            return self.unknown()
        v = self.value(n, bound)
        if v is None:
            return self.unknown()
        w = self.name("_w")
        return f"(1 if ({w} := {v}) is True else 0 if {w} is False else -1)"

    def logic(self, n: x.Binary, bound: dict[str, str]) -> str:
        ops: list[x.Node] = []

        def flatten(m: x.Node) -> None:
            if isinstance(m, x.Binary) and m.op == n.op:
                flatten(m.left)
                flatten(m.right)
            else:
                ops.append(m)

        flatten(n)
        names = [self.name("_a") for _ in ops]
        parts = [f"({a} := {self.boolean(o, bound)})" for a, o in zip(names, ops, strict=True)]
        stop, go = ("0", "1") if n.op == "&&" else ("1", "0")
        first = " or ".join(f"{p} == {stop}" for p in parts)
        every = " and ".join(f"{a} == {go}" for a in names)
        return f"({stop} if {first} else ({go} if {every} else -1))"

    def compare(self, n: x.Binary, bound: dict[str, str]) -> str:
        left = self.value(n.left, bound)
        if left is None:
            return self.unknown()
        if n.op == "in":
            items = n.right.items if isinstance(n.right, x.ListLit) else None
            if items is not None and all(isinstance(i, x.Lit) for i in items):
                if not all(isinstance(i, x.Lit) and modelled_literal(i) for i in items):
                    return self.unknown()
                values = [i.value for i in items if isinstance(i, x.Lit)]
                lst = self.const(values)
                if all(type(v) is str for v in values):
                    fs = self.const(frozenset(values))
                    w = self.name("_w")
                    return (
                        f"((1 if {w} in {fs} else 0 if _NUL not in {w} else -1) "
                        f"if type({w} := {left}) is str else _member({w}, {lst}))"
                    )
                return f"_member({left}, {lst})"
            coll = self.value(n.right, bound)
            if coll is None:
                return self.unknown()
            w = self.name("_w")
            return f"(-1 if ({w} := {left}) is M else _member({w}, {coll}))"
        right = self.value(n.right, bound)
        if right is None:
            return self.unknown()
        if n.op in ("==", "!="):
            if isinstance(n.right, x.Lit) and n.right.kind == "str":
                # the literal is plain (modelled_literal): equal means the fact is plain too
                w = self.name("_w")
                same, other = ("1", "0") if n.op == "==" else ("0", "1")
                slow = f"_eq({w}, {right})" if n.op == "==" else f"_ne(_eq({w}, {right}))"
                return (
                    f"(({same} if {w} == {right} else {other} if _NUL not in {w} else -1) "
                    f"if type({w} := {left}) is str else {slow})"
                )
            if isinstance(n.right, x.Lit) and n.right.kind == "bool":
                # tri-state fields compared with true / false: no call when the fact is a bool
                w = self.name("_w")
                same, other = ("1", "0") if n.op == "==" else ("0", "1")
                slow = f"_eq({w}, {right})" if n.op == "==" else f"_ne(_eq({w}, {right}))"
                flip = "False" if n.right.value else "True"
                return (
                    f"({same} if ({w} := {left}) is {bool(n.right.value)} "
                    f"else {other} if {w} is {flip} else {slow})"
                )
            if n.op == "==":
                return f"_eq({left}, {right})"
            return f"_ne(_eq({left}, {right}))"
        if isinstance(n.right, x.Lit) and n.right.kind == "str":
            w = self.name("_w")
            return (
                f"(((1 if {w} {n.op} {right} else 0) if {w}.isascii() and _NUL not in {w} "
                f"else _ordered({n.op!r}, {w}, {right})) if type({w} := {left}) is str "
                f"else _ordered({n.op!r}, {w}, {right}))"
            )
        return f"_ordered({n.op!r}, {left}, {right})"


_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda a, b: b in a,
    "startsWith": lambda a, b: a.startswith(b),
    "endsWith": lambda a, b: a.endswith(b),
}


def _strtest(name: str, recv: JsonValue, arg: JsonValue) -> int:
    if type(recv) is str and type(arg) is str and plain_str(recv) and plain_str(arg):
        return int(_STRING_TESTS[name](recv, arg))
    return -1


def _ne(r: int) -> int:
    return r if r < 0 else 1 - r


_FACT_ROOTS = ("use", "production", "territories", "talent", "performers", "today")


def _namespace(gen: _Gen) -> JsonObject:
    return {
        "M": MISSING,
        "_NUL": _NUL,
        "_EMPTY": _EMPTY,
        "_eq": cel_equal,
        "_ne": _ne,
        "_member": _member,
        "_ordered": _ordered,
        "_size": _size,
        "_strtest": _strtest,
        "_exists": _exists,
        "_all": _all,
        **gen.consts,
    }


def _roots(with_t: bool) -> dict[str, str]:
    roots = {name: f"s.get({name!r}, M)" for name in _FACT_ROOTS}
    if with_t:
        roots["t"] = "t"
    return roots


PackFilter = Callable[..., list[tuple[int, int]]]


def compile_pack_filter(nodes: list[tuple[int, x.Node | None]], per_talent: bool) -> PackFilter:
    """One function for several conditions: `f(s)` (or `f(s, t)` for per-talent rules)
    returns [(index, 1 or -1)] for every condition that is not definitely false; a
    condition given as None is always -1 (CEL decides it)."""
    lines: list[str] = []
    gen = _Gen(_roots(per_talent), [n for _, n in nodes if n is not None])
    for index, node in nodes:
        expr = "-1" if node is None else gen.boolean(node, {})
        lines.append(f"    if (r := {expr}):")
        lines.append(f"        out.append(({index}, r))")
    params = "s, t" if per_talent else "s"
    src = "\n".join(
        [
            f"def pack_filter({params}):",
            *(f"    {h}" for h in gen.hoist_lines),
            "    out = []",
            *lines,
            "    return out",
        ]
    )
    namespace = _namespace(gen)
    exec(compile(src, "<prefilter>", "exec"), namespace)  # generated from a parsed AST only
    fn: PackFilter = namespace["pack_filter"]
    return fn


def compile_guard(node: x.Node) -> tuple[Guard, bool]:
    """The prefilter of one condition (facts in one scope mapping; `t` read from it)."""
    gen = _Gen({name: f"s.get({name!r}, M)" for name in (*_FACT_ROOTS, "t")}, [node])
    expr = gen.boolean(node, {})
    src = "\n".join(["def guard(s):", *(f"    {h}" for h in gen.hoist_lines), f"    return {expr}"])
    namespace = _namespace(gen)
    exec(compile(src, "<prefilter>", "exec"), namespace)  # generated from a parsed AST only
    guard: Guard = namespace["guard"]
    return guard, gen.exact
