"""The audience label wording is pack data: every bundled duty to label is worded, every
citation is real, the wording follows the rule that asked for it, and a broken table is a
clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reelproof.adapters.packs import bundled_pack_files, load_label_table
from reelproof.core.delivery import Requirement
from reelproof.core.disclosure import DisclosedUse, territory_labels
from reelproof.core.errors import DocumentError


def _label_rules() -> dict[str, str]:
    """Bundled rule id -> pack file, for every rule with a `label_visible` obligation."""
    out: dict[str, str] = {}
    for path in bundled_pack_files():
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["spec"]["rules"]:
            if any(o.get("kind") == "label_visible" for o in rule.get("obligations") or []):
                out[rule["id"]] = path.name
    return out


def test_every_duty_to_label_is_worded_and_every_citation_is_real() -> None:
    table = load_label_table()
    duties = _label_rules()
    worded = [r for lb in table.labels for r in lb.rules]
    assert sorted(worded) == sorted(duties), "each labelling rule is worded exactly once"
    texts = "\n".join(p.read_text(encoding="utf-8") for p in bundled_pack_files())
    for lb in table.labels:
        assert all(c in texts for c in lb.cites), lb.cites  # the packs refer to them


def _use(key: str, *duties: tuple[str, str]) -> DisclosedUse:
    reqs = tuple(
        Requirement(t, "2026-09-01", "label_visible", "production", f"duty of {r}", (r,))
        for t, r in duties
    )
    return DisclosedUse(key, key, "ai_generated", reqs, ())


def test_the_wording_follows_the_rule_that_asked_for_it() -> None:
    table = load_label_table()
    labels = territory_labels(
        [
            _use("ad", ("US-NY", "NY-396B"), ("EU", "EU-50-4a")),
            _use("estate", ("US-NY", "NY-50F-2020")),
            _use("elsewhere", ("BR", "BR-X")),
        ],
        table,
    )
    words = {r: lb.text for lb in table.labels for r in lb.rules}
    got = {(lb.territory, lb.text): lb.uses for lb in labels}
    assert got == {
        ("BR", table.default): ("elsewhere",),
        ("EU", words["EU-50-4a"]): ("ad",),
        ("US-NY", words["NY-396B"]): ("ad",),
        ("US-NY", words["NY-50F-2020"]): ("estate",),  # the deceased-performer disclaimer
    }
    assert words["NY-396B"] != words["NY-50F-2020"]
    eu = next(lb for lb in labels if lb.territory == "EU")
    assert "artificial intelligence" in eu.text and eu.why == ("duty of EU-50-4a (EU-50-4a)",)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("default: x\nlabels:\n  - {territory: EU, rules: [EU-1]}\n", "labels[0].text"),
        ("default: x\nlabels:\n  - {territory: EU, text: t, rules: []}\n", "labels[0].rules"),
        ("labels: []\n", "default"),
        ("default: x\nlabels: [\n", ":3"),
    ],
)
def test_a_broken_table_names_its_file_and_field(tmp_path: Path, text: str, where: str) -> None:
    bad = tmp_path / "labels.yaml"
    bad.write_text(text)
    with pytest.raises(DocumentError) as caught:
        load_label_table(bad)
    assert str(bad) in str(caught.value) and where in str(caught.value)
