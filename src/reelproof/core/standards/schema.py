"""The fact schema: what conditions and message templates may read, derived from the
document models so that a field added to a document is at once available to rules, and a
misspelt field in a rule is an error when the pack loads.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from reelproof.core import documents as d
from reelproof.core.findings import CODES
from reelproof.core.json_types import JsonValue

Kind = Literal["object", "list", "str", "bool", "number", "date", "enum", "tristate", "any"]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TERRITORY = re.compile(r"^(?:[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3}|EU|WORLD)$")


@dataclass(frozen=True, eq=False)
class FType:
    """The type of a fact value, as far as static checks need it."""

    kind: Kind
    fields: Mapping[str, FType] = field(default_factory=dict)
    item: FType | None = None
    values: frozenset[str] = frozenset()
    nullable: bool = False
    territory: bool = False  # a string holding a territory code
    text: bool = False  # a sentence for people: conditions never compare or search it

    def describe(self) -> str:
        """The type as a message names it (`list of string`, `use.output`…)."""
        if self.kind == "object":
            return "an object"
        if self.kind == "list":
            return "a list"
        if self.kind == "enum":
            return "one of " + ", ".join(sorted(self.values))
        if self.kind == "tristate":
            return 'true, false or "unknown"'
        if self.kind == "date":
            return "an ISO date string (YYYY-MM-DD)"
        return {"str": "a string", "bool": "a boolean", "number": "a number"}.get(
            self.kind, "any value"
        )

    def with_null(self) -> FType:
        """The same type, allowing null."""
        return FType(
            self.kind, self.fields, self.item, self.values, True, self.territory, self.text
        )


ANY = FType("any")
STR = FType("str")
BOOL = FType("bool")
NUMBER = FType("number")
DATE = FType("date")
TERRITORY = FType("str", territory=True)
TEXT = FType("str", text=True)


def obj(fields: Mapping[str, FType], nullable: bool = False) -> FType:
    """An object type with the given fields."""
    return FType("object", dict(fields), nullable=nullable)


def list_of(item: FType) -> FType:
    """A list type of `item`."""
    return FType("list", item=item)


def enum(*values: str, nullable: bool = False) -> FType:
    """A string type limited to `values`."""
    return FType("enum", values=frozenset(values), nullable=nullable)


def _is_territory_meta(meta: Any) -> bool:  # Any: pydantic field metadata
    return getattr(meta, "func", None) is d._territory


def _strip(ann: Any) -> Any:  # Any: a typing annotation object
    if typing.get_origin(ann) is typing.Annotated and typing.get_args(ann)[0] is bool:
        return bool
    return ann


def from_annotation(ann: Any, metadata: tuple[Any, ...] = ()) -> FType:  # Any: typing objects
    """The FType of a pydantic field annotation."""
    if any(_is_territory_meta(m) for m in metadata):
        return TERRITORY
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(ann)
        return from_annotation(base, tuple(meta))
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(ann)
        nullable = type(None) in args
        rest = [_strip(a) for a in args if a is not type(None)]
        bools = [a for a in rest if a is bool]
        lits = [a for a in rest if typing.get_origin(a) is Literal]
        if bools and lits and len(bools) + len(lits) == len(rest):
            t = FType("tristate", values=frozenset(v for a in lits for v in typing.get_args(a)))
        elif len(rest) == 1:
            t = from_annotation(rest[0])
        else:
            t = ANY
        return t.with_null() if nullable else t
    if origin is Literal:
        return FType("enum", values=frozenset(str(v) for v in typing.get_args(ann)))
    if origin is list:
        (item,) = typing.get_args(ann) or (Any,)
        return list_of(from_annotation(item))
    if origin is dict or ann is dict:
        return ANY
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return model_type(ann)
    if ann is bool:
        return BOOL
    if ann is str:
        return STR
    if ann in (int, float):
        return NUMBER
    if ann is dt.date:
        return DATE
    return ANY


def model_type(model: type[BaseModel], extra: Mapping[str, FType] | None = None) -> FType:
    """The fact type of a pydantic model, so conditions are checked against the documents' own
    schema."""
    fields: dict[str, FType] = dict(extra or {})
    for name, info in model.model_fields.items():
        fields[name] = from_annotation(info.annotation, tuple(info.metadata))
    return obj(fields)


USE = model_type(d.AIUseDeclarationSpec, {"id": STR, "production": STR})
PRODUCTION = model_type(d.ProductionSpec, {"id": STR})
PERFORMER = model_type(d.PerformerSpec, {"id": STR, "known": BOOL})
_COMPENSATION = model_type(d.Compensation)
# A finding of the consent, validity or replica checks: conditions match its code (one of
# findings.CODES, so a misspelt code is a load-time error) and parameters.
FINDING = obj({"code": enum(*CODES), "params": ANY})
CONSENT_FACT = obj(
    {
        "covered": BOOL,
        "id": STR.with_null(),
        "missing": list_of(TEXT),
        "valid": BOOL,
        "invalid_reasons": list_of(TEXT),
        "granted_by": from_annotation(
            d.ConsentSpec.model_fields["granted_by"].annotation
        ).with_null(),
        "form": from_annotation(d.ConsentSpec.model_fields["form"].annotation).with_null(),
        "compensation": FType("object", _COMPENSATION.fields, nullable=True),
    }
)
_TALENT_SPEC = d.Talent.model_fields
TALENT_ENTRY = obj(
    {
        "performer_id": STR,
        # how the use touches the performer: a talent entry, the synthetic performer's
        # recognizable feature, or the real person it references (inputs.real_person)
        "via": enum("talent", "synthetic_performer", "real_person"),
        "use": from_annotation(_TALENT_SPEC["use"].annotation),
        "replica_type": from_annotation(_TALENT_SPEC["replica_type"].annotation),
        "alteration": from_annotation(_TALENT_SPEC["alteration"].annotation),
        "exception": from_annotation(_TALENT_SPEC["exception"].annotation),
        "performer": PERFORMER,
        "consent": CONSENT_FACT,
        "replica": obj(
            {"id": STR.with_null(), "findings": list_of(FINDING), "messages": list_of(TEXT)}
        ),
        "findings": list_of(FINDING),
    }
)

# Every fact a condition may read. `t` exists only in rules with `for_each: talent`.
FACTS: dict[str, FType] = {
    "use": USE,
    "production": PRODUCTION,
    "territories": list_of(TERRITORY),
    "talent": list_of(TALENT_ENTRY),
    "performers": list_of(PERFORMER),
    "today": DATE,
    "findings": list_of(obj({**FINDING.fields, "performer": STR})),
    "t": TALENT_ENTRY,
}
RULE_SCOPE = frozenset(
    {"use", "production", "territories", "talent", "performers", "today", "findings"}
)
TALENT_RULE_SCOPE = RULE_SCOPE | {"t"}
SELECTION_SCOPE = frozenset({"production", "territories", "performers", "today"})


def literal_problem(t: FType, value: JsonValue, kind: str) -> str | None:
    """Why a literal can never equal a value of type t (None when it can)."""
    if t.kind == "any":
        return None
    if kind == "null":
        return None if t.nullable else f"is never null; it is {t.describe()}"
    if t.kind == "enum":
        if kind != "str" or value not in t.values:
            return f"is {t.describe()}, never {_show(value, kind)}"
    elif t.kind == "tristate":
        if not (kind == "bool" or (kind == "str" and value in t.values)):
            return f"is {t.describe()}, never {_show(value, kind)}"
    elif t.kind == "bool":
        if kind != "bool":
            return f"is a boolean, never {_show(value, kind)}"
    elif t.kind == "date":
        if kind != "str" or not _ISO_DATE.match(value):
            return f"is {t.describe()}; {_show(value, kind)} is not one"
    elif t.kind == "str":
        if kind != "str":
            return f"is a string, never {_show(value, kind)}"
        if t.territory and not _TERRITORY.match(value):
            return f"holds territory codes (FR, US-CA, EU, WORLD); {_show(value, kind)} is not one"
    elif t.kind == "number":
        if kind not in ("int", "uint", "float"):
            return f"is a number, never {_show(value, kind)}"
    elif t.kind in ("object", "list"):
        return f"is {t.describe()}, never {_show(value, kind)}"
    return None


def _show(value: JsonValue, kind: str) -> str:
    if kind == "str":
        return f'"{value}"'
    if kind == "bool":
        return "true" if value else "false"
    return "null" if kind == "null" else str(value)


def conform(value: JsonValue, t: FType, where: str) -> list[str]:
    """Problems with a plain value against a fact type (used to check supplied talent facts)."""
    if value is None:
        return [] if t.nullable or t.kind == "any" else [f"{where}: must not be null"]
    k = t.kind
    if k == "any":
        return []
    if k == "object":
        if not isinstance(value, Mapping):
            return [f"{where}: expected a mapping"]
        out = [f"{where}.{key}: unknown key" for key in value if key not in t.fields]
        for key, ft in t.fields.items():
            if key not in value:
                out.append(f"{where}.{key}: missing")
            else:
                out += conform(value[key], ft, f"{where}.{key}")
        return out
    if k == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        assert t.item is not None
        return [p for i, v in enumerate(value) for p in conform(v, t.item, f"{where}[{i}]")]
    if k == "bool":
        return [] if isinstance(value, bool) else [f"{where}: expected true or false"]
    if k == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected a number"]
    if k == "tristate":
        ok = isinstance(value, bool) or value in t.values
        return [] if ok else [f"{where}: expected {t.describe()}"]
    if not isinstance(value, str):
        return [f"{where}: expected {t.describe()}"]
    if k == "enum" and value not in t.values:
        return [f"{where}: got {value!r}; expected {t.describe()}"]
    if k == "date" and not _ISO_DATE.match(value):
        return [f"{where}: expected {t.describe()}"]
    return []
