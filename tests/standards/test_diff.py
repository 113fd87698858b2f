"""diff_packs: rules added, removed and changed, field by field."""

from __future__ import annotations

from reelproof.core.standards import diff_packs

from .helpers import pack, rule


def test_diff_added_removed_changed() -> None:
    old = pack([rule("A"), rule("B"), rule("C", outcome="inform")], version="2025.1")
    new = pack(
        [rule("A"), rule("C", "use.output.realistic_depiction", "escalate"), rule("D")],
        version="2025.2",
        effective_from="2025-06-01",
    )
    d = diff_packs(old, new)
    assert d.added == ("D",) and d.removed == ("B",)
    assert [(c.id, c.fields) for c in d.changed] == [("C", ("when", "outcome"))]
    assert d.pack_fields == ("effective_from",)
    assert (d.old_version, d.new_version) == ("2025.1", "2025.2")
    assert d.to_json()["changed"] == [{"id": "C", "fields": ["when", "outcome"]}]
    assert not d.empty


def test_diff_identical_is_empty() -> None:
    a = pack([rule("A")])
    assert diff_packs(a, pack([rule("A")])).empty
    assert diff_packs(a.doc, a).empty
