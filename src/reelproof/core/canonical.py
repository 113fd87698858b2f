"""RFC 8785 (JSON Canonicalization Scheme) canonical JSON: the bytes the audit log hashes.

Why not a pure-Python walker: canonical JSON is the hot spot of writing and verifying the log
(every entry and every recorded row is canonicalised). RFC 8785 output equals the C encoder of
``json`` with sorted keys and compact separators exactly when the value holds no float and no
object key outside the Basic Multilingual Plane: JSON escaping (RFC 8785 §3.2.2.2) is the same,
and for BMP-only keys code-point order is UTF-16 order (§3.2.3). So a cheap type check picks
the C encoder for the usual case, and the exact rules (ECMAScript number formatting, UTF-16
key order) run in Python only for values that need them.
"""

from __future__ import annotations

from _json import make_encoder  # the C encoder behind json.dumps
from json.encoder import encode_basestring  # the C escaper, without ensure_ascii
from typing import Any

from reelproof.core.json_types import JsonValue

__all__ = ["CanonicalizationError", "dumps"]

_INT_LIMIT = 2**53 - 1  # I-JSON (RFC 7493): integers beyond this lose precision as doubles


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not a JSON value")  # _plain lets none through


# json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False), made once: dumps
# builds its encoder (and a dict for circular checks) on every call, a third of the time here.
# No circular check: a cycle recurses in _plain first and raises RecursionError.
_FAST = make_encoder(None, _refuse, encode_basestring, None, ":", ",", True, False, False)
_LEAVES = frozenset({str, bool, type(None)})


class CanonicalizationError(ValueError):
    """The value has no RFC 8785 form: NaN, infinity, a huge integer, a lone surrogate..."""


def _utf16(key: str) -> bytes:
    """RFC 8785 §3.2.3 orders keys by their UTF-16 code units."""
    return key.encode("utf-16-be", "surrogatepass")


def _plain(value: JsonValue) -> bool:
    """True when the C encoder's output is already canonical (no floats, BMP keys only).

    One loop over the members with the scalar checks inline: this runs on every entry and
    row, so it must cost far less than the encoding it enables.
    """
    kind = type(value)
    if kind is dict:
        for key in value:
            # str subclasses (column names are SQLAlchemy's quoted_name) encode as their text
            if not isinstance(key, str) or (not key.isascii() and max(key) > "\uffff"):
                return False
        members = value.values()
    elif kind is list or kind is tuple:
        members = value
    else:
        return _plain([value])
    for member in members:
        kind = type(member)
        if kind in _LEAVES:
            continue
        if kind is int:
            if not -_INT_LIMIT <= member <= _INT_LIMIT:
                return False
        elif kind is dict or kind is list or kind is tuple:
            if not _plain(member):
                return False
        elif not isinstance(member, str):  # floats, and what only _write can judge
            return False
    return True


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError(f"not valid Unicode ({exc.reason})") from None


def dumps(value: JsonValue) -> bytes:
    """The RFC 8785 canonical form of a JSON value (dict, list, str, int, float, bool, None)."""
    if _plain(value):
        return _utf8("".join(_FAST(value, 0)))
    parts: list[str] = []
    _write(value, parts)
    return _utf8("".join(parts))


def _write(value: JsonValue, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, int):
        if not -_INT_LIMIT <= value <= _INT_LIMIT:
            raise CanonicalizationError(f"integer {value} is outside ±(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise CanonicalizationError("object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16)):
            if i:
                out.append(",")
            out.append(encode_basestring(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise CanonicalizationError(f"{type(value).__name__} is not a JSON value")


def number(value: float) -> str:
    """ECMAScript Number::toString (RFC 8785 §3.2.2.3) from Python's shortest round-trip digits."""
    if value != value or value in (float("inf"), float("-inf")):
        raise CanonicalizationError(f"{value} has no JSON form")
    if value == 0:
        return "0"  # also -0
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # value = 0.DIGITS x 10**n, counting the zeros stripped from the front
    n = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        head = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text
