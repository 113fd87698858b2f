"""Load-time errors name the pack file, the rule and the position."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelproof.core.errors import DocumentError
from reelproof.core.standards import load_pack_text

from .helpers import pack, rule

NETFLIX = Path(__file__).resolve().parents[2] / "src/reelproof/packs/netflix-genai-2025.1.yaml"


def _error(when: str = "true", **extra: object) -> str:
    with pytest.raises(DocumentError) as exc:
        pack([rule("R-1"), rule("R-2", when, **extra)])  # type: ignore[arg-type]
    return str(exc.value)


def test_syntax_error_names_file_rule_and_column() -> None:
    msg = _error("use.output.in_final_deliverable &&")
    assert msg.startswith("packs/p.yaml")
    assert "rule R-2" in msg and "column 35" in msg and "Syntax error" in msg


def test_unknown_fact_is_an_error_with_suggestion() -> None:
    msg = _error("usage.output.in_final_deliverable")
    assert "rule R-2" in msg and "unknown fact 'usage'" in msg and "did you mean 'use'" in msg
    assert "column 1" in msg


def test_unknown_field_path_is_an_error() -> None:
    msg = _error("use.output.in_final_deliverabel")
    assert "unknown field 'in_final_deliverabel' of use.output" in msg
    assert "did you mean 'in_final_deliverable'" in msg and "column 12" in msg


def test_unknown_field_under_talent_entry() -> None:
    msg = _error("t.consent.coverd", for_each="talent")
    assert "unknown field 'coverd' of t.consent" in msg


def test_enum_literal_typo_is_an_error() -> None:
    msg = _error('use.phase == "finale"')
    assert 'never "finale"' in msg and "column 14" in msg


def test_what_an_ad_promotes_is_a_checked_field() -> None:
    pack([rule("R-1", 'use.output.advertisement && use.output.promotes != "production"')])
    msg = _error('use.output.promotes == "third-party"')
    assert "use.output.promotes is one of production, third_party, unknown" in msg
    assert "did you mean 'promotes'" in _error('use.output.promote == "production"')


def test_t_only_in_for_each_rules() -> None:
    msg = _error("t.use == 'training'")
    assert "only bound in rules with `for_each: talent`" in msg


def test_bad_date_literal_is_an_error() -> None:
    msg = _error('production.principal_photography_start >= "2026-7-1"')
    assert "ISO date" in msg


def test_unknown_function_is_an_error() -> None:
    assert "unknown function 'frob'" in _error("frob(use.title)")


def test_type_errors_from_the_cel_checker() -> None:
    assert "no matching overload" in _error('"x" == 1')


def test_bad_template_names_rule_and_position() -> None:
    with pytest.raises(DocumentError) as exc:
        pack([rule("R-1", message="Use {{use.titel}} now")])
    msg = str(exc.value)
    assert (
        "rule R-1 message" in msg and "column 11" in msg and "unknown field 'titel' of use" in msg
    )


def test_template_with_t_outside_for_each() -> None:
    with pytest.raises(DocumentError, match="only bound"):
        pack([rule("R-1", message="{{t.performer.name}}")])


def test_unbalanced_template() -> None:
    with pytest.raises(DocumentError, match="unbalanced"):
        pack([rule("R-1", message="oops {{use.title")])


def test_obligation_detail_template_is_checked() -> None:
    with pytest.raises(DocumentError, match="detail"):
        pack([rule("R-1", obligations=[{"kind": "consent", "detail": "{{use.nope}}"}])])


def test_applies_when_cannot_read_the_declaration() -> None:
    with pytest.raises(DocumentError, match="not available in applies_when"):
        pack([rule("R-1")], applies_when='use.phase == "final"')


def test_duplicate_rule_ids() -> None:
    with pytest.raises(DocumentError, match="duplicate rule id R-1"):
        pack([rule("R-1"), rule("R-1")])


def test_unknown_source_ref() -> None:
    with pytest.raises(DocumentError, match="unknown source 'nope'"):
        pack([rule("R-1", source={"ref": "nope"})])


def test_aggregate_references_checked() -> None:
    with pytest.raises(DocumentError, match="unknown rule R-9"):
        pack([rule("R-1", if_any_fired=["R-9"])])
    with pytest.raises(DocumentError, match="itself an aggregate"):
        pack([rule("R-1"), rule("R-2", if_any_fired=["R-1"]), rule("R-3", if_none_fired=["R-2"])])


def test_yaml_line_of_the_rule_is_reported() -> None:
    text = NETFLIX.read_text()
    broken = text.replace(
        "when: use.inputs.copyrighted_reference\n", "when: use.inputs.copyrighted_referense\n", 1
    )
    line = text[: text.index("when: use.inputs.copyrighted_reference\n")].count("\n") + 1
    with pytest.raises(DocumentError) as exc:
        load_pack_text(broken, "packs/netflix.yaml")
    assert exc.value.file == "packs/netflix.yaml" and exc.value.line == line
    assert "rule NFX-P1" in str(exc.value) and "column 12" in str(exc.value)
