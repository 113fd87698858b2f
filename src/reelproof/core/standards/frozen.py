"""A pack's compiled rules as bytes, so a later process need not compile them again.

Compiling a pack's rules (parse, check, prefilter and template code generation, the agreement
check) costs a fresh process about as much as everything else it does for `decide ID`. The
CEL programs themselves cannot be pickled, so they are kept as their source and compiled by
the CEL library on first use; the generated prefilter and template functions are kept as their
code objects (marshal); the rules' own documents are not kept at all: they are taken from the
pack the caller read from the store. The bytes start with a SHA-256 of the rest, and the rest
names the digest of the pack's content they were compiled from: a corrupt file, or one for
any other version of the pack, is `Unusable` and the caller compiles the pack again. Only
reelproof's own classes are read back (no other module is ever imported by a load).
"""

from __future__ import annotations

import hashlib
import io
import json
import marshal
import pickle
import types
from collections.abc import Callable
from typing import Any

from reelproof.core.documents import StandardsPack
from reelproof.core.standards import prefilter, templates
from reelproof.core.standards.cel_backend import Program
from reelproof.core.standards.pack import RuleSet

_MAGIC = b"reelproof-rules-1\n"
_GENERATED = ("<prefilter>", "<template>")  # the file names the code generators compile under
# Objects whose identity the generated code tests (`is M`): restored as the very same object.
_SENTINELS: dict[str, object] = {
    "prefilter.MISSING": prefilter.MISSING,
    "prefilter.UNKNOWN": prefilter.UNKNOWN,
    "prefilter.TRUE": prefilter.TRUE,
    "prefilter._EMPTY": prefilter._EMPTY,
    "templates._MISSING": templates._MISSING,
}
_SENTINEL_NAMES = {id(v): k for k, v in _SENTINELS.items()}
_BUILTINS = frozenset({"frozenset", "set", "complex", "bytearray", "slice", "getattr"})


class Unusable(ValueError):
    """The bytes are not a usable compilation of this pack (or the rules cannot be kept)."""


def content_digest(doc: StandardsPack) -> str:
    """SHA-256 of the pack's content: which pack, exactly, a compilation is of."""
    text = json.dumps(doc.content(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _sentinel(name: str) -> object:
    return _SENTINELS[name]


def _function(code: bytes, namespace: dict[str, Any], name: str) -> types.FunctionType:
    fn = namespace[name] = types.FunctionType(marshal.loads(code), namespace, name)
    return fn


def _program(source: str, names: frozenset[str]) -> Program:
    return Program(source, names, checked=True)


def _documents(doc: StandardsPack) -> dict[tuple[Any, ...], object]:
    """The pack's own rule and obligation objects, by position: never stored, always the
    caller's (the store's) own."""
    out: dict[tuple[Any, ...], object] = {}
    for i, rule in enumerate(doc.spec.rules):
        out[("rule", i)] = rule
        for j, ob in enumerate(rule.obligations):
            out[("obligation", i, j)] = ob
    return out


class _Pickler(pickle.Pickler):
    def __init__(self, out: io.BytesIO, doc: StandardsPack) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self._refs = {id(v): k for k, v in _documents(doc).items()}

    def persistent_id(self, obj: Any) -> Any:  # Any: pickle's own signature
        return self._refs.get(id(obj))

    def reducer_override(self, obj: Any) -> Any:  # Any: pickle's own signature
        name = _SENTINEL_NAMES.get(id(obj))
        if name is not None:
            return _sentinel, (name,)
        if isinstance(obj, Program):
            return _program, (obj.source, obj.names)
        if isinstance(obj, types.FunctionType) and obj.__code__.co_filename in _GENERATED:
            if obj.__closure__ or obj.__defaults__ or obj.__kwdefaults__:
                raise Unusable(f"generated function {obj.__name__} is not self-contained")
            namespace = {  # not the function itself, which exec put there too
                k: v for k, v in obj.__globals__.items() if k != "__builtins__" and v is not obj
            }
            return _function, (marshal.dumps(obj.__code__), namespace, obj.__name__)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, doc: StandardsPack) -> None:
        super().__init__(io.BytesIO(data))
        self._docs = _documents(doc)

    def persistent_load(self, pid: Any) -> object:  # Any: whatever persistent_id gave
        try:
            return self._docs[tuple(pid)]
        except (KeyError, TypeError):
            raise Unusable(f"no such part of the pack: {pid!r}") from None

    def find_class(self, module: str, name: str) -> Any:  # Any: a class or function
        if module.startswith("reelproof.") or (module == "builtins" and name in _BUILTINS):
            found: Callable[..., Any] = super().find_class(module, name)
            return found
        raise Unusable(f"a cached pack may not name {module}.{name}")


def freeze(doc: StandardsPack, ruleset: RuleSet) -> bytes:
    """The rules as bytes for `thaw` (Unusable when something in them cannot be kept)."""
    out = io.BytesIO()
    try:
        _Pickler(out, doc).dump((content_digest(doc), ruleset))
    except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
        raise Unusable(str(exc)) from None
    body = out.getvalue()
    return _MAGIC + hashlib.sha256(body).digest() + body


def thaw(doc: StandardsPack, data: bytes) -> RuleSet:
    """The rules `freeze` kept, bound to this pack's own documents; Unusable if the bytes
    are damaged, from another reelproof, or of another pack."""
    head = len(_MAGIC)
    if not data.startswith(_MAGIC) or len(data) < head + 32:
        raise Unusable("not a compiled pack")
    body = data[head + 32 :]
    if hashlib.sha256(body).digest() != data[head : head + 32]:
        raise Unusable("checksum mismatch")
    try:
        digest, ruleset = _Unpickler(body, doc).load()
    except Unusable:
        raise
    except Exception as exc:
        raise Unusable(f"unreadable: {exc}") from None
    if digest != content_digest(doc) or not isinstance(ruleset, RuleSet):
        raise Unusable("compiled from another version of the pack")
    if len(ruleset.rules) != len(doc.spec.rules):
        raise Unusable("rule count differs")
    return ruleset
