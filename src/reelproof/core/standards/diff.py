"""What changed between two versions of a pack: rules added, removed and changed, pack
fields and each legal parameter (`parameters.<section>.<field>`) that changed."""

from __future__ import annotations

from dataclasses import dataclass

from reelproof.core.documents import StandardsPack
from reelproof.core.json_types import JsonObject
from reelproof.core.standards.pack import CompiledPack


@dataclass(frozen=True)
class RuleChange:
    """A rule present in both versions, with the fields that differ."""

    id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class PackDiff:
    """Rules added, removed and changed, and the pack-level fields that changed."""

    pack: str
    old_version: str
    new_version: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[RuleChange, ...]
    pack_fields: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """Whether the two versions decide alike (no rule or parameter changed)."""
        return not (self.added or self.removed or self.changed or self.pack_fields)

    def to_json(self) -> JsonObject:
        """The diff as `standards diff --format json` prints it."""
        return {
            "pack": self.pack,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [{"id": c.id, "fields": list(c.fields)} for c in self.changed],
            "pack_fields": list(self.pack_fields),
        }


_ABSENT = object()


def flat_parameters(doc: StandardsPack) -> JsonObject:
    """A pack's parameters as `parameters.<section>.<field>` keys (plain JSON values), the
    form `standards show` prints and `standards diff` compares."""
    out: JsonObject = {}
    sections = doc.spec.parameters.model_dump(mode="json", exclude_none=True)
    for section, fields in sections.items():
        for name, value in fields.items():
            out[f"parameters.{section}.{name}"] = value
    return out


def _doc(p: CompiledPack | StandardsPack) -> StandardsPack:
    return p.doc if isinstance(p, CompiledPack) else p


def diff_packs(old: CompiledPack | StandardsPack, new: CompiledPack | StandardsPack) -> PackDiff:
    """Compare two packs (normally two versions of one pack), rule by rule."""
    a, b = _doc(old), _doc(new)
    old_rules = {r.id: r.model_dump(mode="json") for r in a.spec.rules}
    new_rules = {r.id: r.model_dump(mode="json") for r in b.spec.rules}
    changed = []
    for rid, rule in new_rules.items():
        before = old_rules.get(rid)
        if before is None:
            continue
        fields = tuple(k for k in rule if rule[k] != before.get(k))
        if fields:
            changed.append(RuleChange(rid, fields))
    skip = {"rules", "tests", "version", "parameters"}
    old_spec = a.spec.model_dump(mode="json", exclude=skip)
    new_spec = b.spec.model_dump(mode="json", exclude=skip)
    pack_fields = tuple(k for k in new_spec if new_spec[k] != old_spec.get(k))
    # Legal parameters are compared one by one: each is a legal change of its own.
    old_params, new_params = flat_parameters(a), flat_parameters(b)
    pack_fields += tuple(
        k
        for k in sorted({*old_params, *new_params})
        if old_params.get(k, _ABSENT) != new_params.get(k, _ABSENT)
    )
    if a.metadata.id != b.metadata.id:
        pack_fields = ("id", *pack_fields)
    return PackDiff(
        pack=b.metadata.id,
        old_version=a.spec.version,
        new_version=b.spec.version,
        added=tuple(r for r in new_rules if r not in old_rules),
        removed=tuple(r for r in old_rules if r not in new_rules),
        changed=tuple(changed),
        pack_fields=pack_fields,
    )
