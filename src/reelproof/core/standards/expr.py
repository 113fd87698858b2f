"""A small parser for CEL expressions, for what the CEL runtime does not tell us.

The CEL library compiles and evaluates conditions; this parser only gives the engine an
abstract syntax tree with source offsets, so it can check every fact name and field path
against the document models at load time (a typo must never silently change a decision),
derive cheap prefilters that skip rules which cannot fire, and explain why a pack applies.
It follows the grammar of the CEL specification; anything it does not model (message
construction, optional syntax) is a parse error, reported like the runtime's own errors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from reelproof.core.json_types import JsonValue

MACROS = frozenset({"exists", "all", "exists_one", "map", "filter"})
_RESERVED = frozenset(
    [
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ]
)


class ExprSyntaxError(Exception):
    """A syntax error at an offset of the expression."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# --- AST --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A node of a parsed condition, for the static checks and prefilters (CEL itself evaluates)."""

    pos: int


@dataclass(frozen=True)
class Lit(Node):
    """A literal value."""

    value: JsonValue
    kind: str  # str | int | uint | float | bool | null | bytes


@dataclass(frozen=True)
class Ident(Node):
    """A name: a fact root such as `use` or `production`, or a bound variable."""

    name: str


@dataclass(frozen=True)
class Select(Node):
    """A field access, `operand.field`."""

    operand: Node
    field: str
    test_only: bool = False  # has(a.b)


@dataclass(frozen=True)
class Index(Node):
    """An index or key access, `operand[index]`."""

    operand: Node
    index: Node


@dataclass(frozen=True)
class Call(Node):
    """A function or method call (`size(x)`, `x.exists(t, ...)`)."""

    target: Node | None
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Macro(Node):
    """`target.exists(var, body)` and friends; `args` are the expressions after the var."""

    target: Node
    name: str
    var: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class ListLit(Node):
    """A list literal."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class MapLit(Node):
    """A map literal."""

    entries: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True)
class Unary(Node):
    """A unary operator (`!`, `-`)."""

    op: str  # "!" | "-"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """A binary operator (`&&`, `==`, `in`…)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Cond(Node):
    """The conditional `a ? b : c`."""

    test: Node
    then: Node
    otherwise: Node


# --- tokens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # ident | num | str | op | eof
    text: str
    pos: int
    value: JsonValue = None
    lit_kind: str = ""


_NUM = re.compile(r"0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?|\d+[uU]?")
_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_OPS: tuple[str, ...] = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/")
_OPS += ("%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}")
_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "?": "?",
}


def _unescape(body: str, start: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("x", "X") and re.fullmatch(r"[0-9a-fA-F]{2}", body[i + 2 : i + 4]):
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        elif nxt == "U" and re.fullmatch(r"[0-9a-fA-F]{8}", body[i + 2 : i + 10]):
            out.append(chr(int(body[i + 2 : i + 10], 16)))
            i += 10
        elif re.fullmatch(r"[0-3][0-7]{2}", body[i + 1 : i + 4]):
            out.append(chr(int(body[i + 1 : i + 4], 8)))
            i += 4
        else:
            raise ExprSyntaxError("invalid escape sequence in string", start + i)
    return "".join(out)


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch.isspace():
            i += 1
            continue
        if src.startswith("//", i):
            nl = src.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        m = re.match(r"([rR][bB]?|[bB][rR]?)?('''|\"\"\"|'|\")", src[i:])
        if m and (m.group(1) is None or m.end(1) > 0):
            prefix = (m.group(1) or "").lower()
            quote = m.group(2)
            start = i
            j = i + m.end()
            body_start = j
            while True:
                if j >= n:
                    raise ExprSyntaxError("unterminated string", start)
                if src.startswith(quote, j):
                    break
                if src[j] == "\\" and "r" not in prefix:
                    j += 2
                    continue
                if src[j] == "\n" and len(quote) == 1:
                    raise ExprSyntaxError("newline in string", j)
                j += 1
            body = src[body_start:j]
            value = body if "r" in prefix else _unescape(body, body_start)
            kind = "bytes" if "b" in prefix else "str"
            toks.append(_Tok("str", src[start : j + len(quote)], start, value, kind))
            i = j + len(quote)
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and src[i + 1].isdigit()):
            m2 = _NUM.match(src, i)
            assert m2 is not None
            text = m2.group(0)
            if text[-1] in "uU":
                toks.append(_Tok("num", text, i, int(text[:-1], 0), "uint"))
            elif text.lower().startswith("0x"):
                toks.append(_Tok("num", text, i, int(text, 16), "int"))
            elif any(c in text for c in ".eE"):
                toks.append(_Tok("num", text, i, float(text), "float"))
            else:
                toks.append(_Tok("num", text, i, int(text), "int"))
            i = m2.end()
            continue
        m3 = _IDENT.match(src, i)
        if m3:
            toks.append(_Tok("ident", m3.group(0), i))
            i = m3.end()
            continue
        for op in _OPS:
            if src.startswith(op, i):
                toks.append(_Tok("op", op, i))
                i += len(op)
                break
        else:
            raise ExprSyntaxError(f"unexpected character {ch!r}", i)
    toks.append(_Tok("eof", "", n))
    return toks


# --- parser -----------------------------------------------------------------------------

_RELOPS = frozenset({"<", "<=", ">", ">=", "==", "!=", "in"})


@dataclass
class _Parser:
    toks: list[_Tok]
    i: int = 0
    depth: int = field(default=0)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def at(self, text: str) -> bool:
        t = self.toks[self.i]
        return t.kind in ("op", "ident") and t.text == text

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, text: str) -> _Tok:
        t = self.peek()
        if not self.at(text):
            found = "end of expression" if t.kind == "eof" else repr(t.text)
            raise ExprSyntaxError(f"expected {text!r}, found {found}", t.pos)
        return self.take()

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > 200:
            raise ExprSyntaxError("expression nested too deeply", self.peek().pos)
        test = self.or_()
        if self.at("?"):
            q = self.take()
            then = self.or_()
            self.expect(":")
            node: Node = Cond(q.pos, test, then, self.expr())
        else:
            node = test
        self.depth -= 1
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.at("||"):
            t = self.take()
            node = Binary(t.pos, "||", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.rel()
        while self.at("&&"):
            t = self.take()
            node = Binary(t.pos, "&&", node, self.rel())
        return node

    def rel(self) -> Node:
        node = self.add()
        while self.peek().text in _RELOPS and self.peek().kind in ("op", "ident"):
            t = self.take()
            node = Binary(t.pos, t.text, node, self.add())
        return node

    def add(self) -> Node:
        node = self.mul()
        while self.at("+") or self.at("-"):
            t = self.take()
            node = Binary(t.pos, t.text, node, self.mul())
        return node

    def mul(self) -> Node:
        node = self.unary()
        while self.at("*") or self.at("/") or self.at("%"):
            t = self.take()
            node = Binary(t.pos, t.text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("!") or self.at("-"):
            t = self.take()
            return Unary(t.pos, t.text, self.unary())
        return self.member()

    def args(self, close: str) -> tuple[Node, ...]:
        out: list[Node] = []
        if not self.at(close):
            out.append(self.expr())
            while self.at(","):
                self.take()
                if close in ("]", "}") and self.at(close):
                    break
                out.append(self.expr())
        self.expect(close)
        return tuple(out)

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                name = self.peek()
                if name.kind != "ident":
                    raise ExprSyntaxError("expected a field or method name after '.'", name.pos)
                self.take()
                if self.at("("):
                    self.take()
                    args = self.args(")")
                    node = self._call(name, node, args)
                else:
                    node = Select(name.pos, node, name.text)
            elif self.at("["):
                t = self.take()
                idx = self.expr()
                self.expect("]")
                node = Index(t.pos, node, idx)
            elif self.at("{"):
                raise ExprSyntaxError("message construction is not supported", self.peek().pos)
            else:
                return node

    def _call(self, name: _Tok, target: Node, args: tuple[Node, ...]) -> Node:
        if name.text in MACROS and args and isinstance(args[0], Ident):
            expected = (2, 3) if name.text == "map" else (2,)
            if len(args) not in expected:
                raise ExprSyntaxError(f"wrong number of arguments to {name.text}()", name.pos)
            return Macro(name.pos, target, name.text, args[0].name, args[1:])
        if name.text in MACROS:
            raise ExprSyntaxError(f"{name.text}() needs a variable name first", name.pos)
        return Call(name.pos, target, name.text, args)

    def primary(self) -> Node:
        t = self.peek()
        if t.kind == "num" or t.kind == "str":
            self.take()
            return Lit(t.pos, t.value, t.lit_kind)
        if t.kind == "ident":
            self.take()
            if t.text in ("true", "false"):
                return Lit(t.pos, t.text == "true", "bool")
            if t.text == "null":
                return Lit(t.pos, None, "null")
            if t.text in _RESERVED or t.text == "in":
                raise ExprSyntaxError(f"reserved word {t.text!r}", t.pos)
            if self.at("("):
                self.take()
                args = self.args(")")
                if t.text == "has":
                    if len(args) != 1 or not isinstance(args[0], Select):
                        raise ExprSyntaxError("has() needs a field selection, e.g. has(a.b)", t.pos)
                    sel = args[0]
                    return Select(sel.pos, sel.operand, sel.field, test_only=True)
                return Call(t.pos, None, t.text, args)
            return Ident(t.pos, t.text)
        if t.kind == "op":
            if t.text == ".":
                raise ExprSyntaxError("leading '.' names are not supported", t.pos)
            if t.text == "(":
                self.take()
                node = self.expr()
                self.expect(")")
                return node
            if t.text == "[":
                self.take()
                return ListLit(t.pos, self.args("]"))
            if t.text == "{":
                self.take()
                entries: list[tuple[Node, Node]] = []
                if not self.at("}"):
                    while True:
                        k = self.expr()
                        self.expect(":")
                        entries.append((k, self.expr()))
                        if not self.at(","):
                            break
                        self.take()
                        if self.at("}"):
                            break
                self.expect("}")
                return MapLit(t.pos, tuple(entries))
        found = "end of expression" if t.kind == "eof" else repr(t.text)
        raise ExprSyntaxError(f"unexpected {found}", t.pos)


def parse(src: str) -> Node:
    """Parse a CEL expression; raises ExprSyntaxError with the offset of the problem."""
    p = _Parser(_tokenize(src))
    node = p.expr()
    t = p.peek()
    if t.kind != "eof":
        raise ExprSyntaxError(f"unexpected {t.text!r} after the expression", t.pos)
    return node


def line_col(src: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    before = src[:offset]
    line = before.count("\n") + 1
    col = offset - (before.rfind("\n") + 1) + 1
    return line, col


def path_of(node: Node) -> tuple[str, ...] | None:
    """`a.b.c` as ("a", "b", "c"); None when the node is not a plain field path."""
    parts: list[str] = []
    while isinstance(node, Select) and not node.test_only:
        parts.append(node.field)
        node = node.operand
    if isinstance(node, Ident):
        parts.append(node.name)
        return tuple(reversed(parts))
    return None


def conjuncts(node: Node) -> list[Node]:
    """Top-level `&&` operands, left to right."""
    if isinstance(node, Binary) and node.op == "&&":
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def nodes(node: Node) -> list[Node]:
    """Every node of an expression, the node itself first."""
    out: list[Node] = []
    stack: list[Any] = [node]  # Any: nodes and the values inside them
    while stack:
        n = stack.pop()
        if isinstance(n, Node):
            out.append(n)
            stack.extend(v for v in vars(n).values() if isinstance(v, Node | tuple))
        elif isinstance(n, tuple):
            stack.extend(n)
    return out


def free_names(node: Node, bound: frozenset[str] = frozenset()) -> set[str]:
    """Top-level identifiers an expression reads (comprehension variables excluded)."""
    out: set[str] = set()

    def walk(n: Node, b: frozenset[str]) -> None:
        if isinstance(n, Ident):
            if n.name not in b:
                out.add(n.name)
        elif isinstance(n, Select):
            walk(n.operand, b)
        elif isinstance(n, Index):
            walk(n.operand, b)
            walk(n.index, b)
        elif isinstance(n, Call):
            if n.target is not None:
                walk(n.target, b)
            for a in n.args:
                walk(a, b)
        elif isinstance(n, Macro):
            walk(n.target, b)
            for a in n.args:
                walk(a, b | {n.var})
        elif isinstance(n, ListLit):
            for a in n.items:
                walk(a, b)
        elif isinstance(n, MapLit):
            for k, v in n.entries:
                walk(k, b)
                walk(v, b)
        elif isinstance(n, Unary):
            walk(n.operand, b)
        elif isinstance(n, Binary):
            walk(n.left, b)
            walk(n.right, b)
        elif isinstance(n, Cond):
            walk(n.test, b)
            walk(n.then, b)
            walk(n.otherwise, b)

    walk(node, bound)
    return out


def _lit_text(value: JsonValue, kind: str) -> str:
    if kind == "null":
        return "null"
    if kind == "bool":
        return "true" if value else "false"
    if kind == "str":
        return json.dumps(value, ensure_ascii=False)
    if kind == "uint":
        return f"{value}u"
    if kind == "bytes":
        return "b" + repr(value)
    return repr(value)


_PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "in": 3}
_PREC |= {"+": 4, "-": 4, "*": 5, "/": 5, "%": 5}


def unparse(node: Node) -> str:
    """CEL source for a node (normalized spacing), for explanations and messages."""

    def go(n: Node, prec: int) -> str:
        if isinstance(n, Lit):
            return _lit_text(n.value, n.kind)
        if isinstance(n, Ident):
            return n.name
        if isinstance(n, Select):
            inner = f"{go(n.operand, 9)}.{n.field}"
            return f"has({inner})" if n.test_only else inner
        if isinstance(n, Index):
            return f"{go(n.operand, 9)}[{go(n.index, 0)}]"
        if isinstance(n, Call):
            args = ", ".join(go(a, 0) for a in n.args)
            return f"{go(n.target, 9)}.{n.name}({args})" if n.target else f"{n.name}({args})"
        if isinstance(n, Macro):
            args = ", ".join([n.var, *(go(a, 0) for a in n.args)])
            return f"{go(n.target, 9)}.{n.name}({args})"
        if isinstance(n, ListLit):
            return "[" + ", ".join(go(a, 0) for a in n.items) + "]"
        if isinstance(n, MapLit):
            return "{" + ", ".join(f"{go(k, 0)}: {go(v, 0)}" for k, v in n.entries) + "}"
        if isinstance(n, Unary):
            return n.op + go(n.operand, 8)
        if isinstance(n, Binary):
            p = _PREC[n.op]
            text = f"{go(n.left, p)} {n.op} {go(n.right, p + 1)}"
            return f"({text})" if p < prec else text
        if isinstance(n, Cond):
            text = f"{go(n.test, 1)} ? {go(n.then, 1)} : {go(n.otherwise, 0)}"
            return f"({text})" if prec > 0 else text
        raise TypeError(n)

    return go(node, 0)
