"""Document validation: every error names the file, the line, the key and what was expected."""

from __future__ import annotations

import pytest

from reelproof.core.documents import AIUseDeclaration, Production, parse_documents
from reelproof.core.errors import DocumentError
from tests.helpers import EXAMPLE


def _error(text: str) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        parse_documents(text, "prod.yaml")
    return info.value


def test_example_parses_every_kind() -> None:
    docs = parse_documents(EXAMPLE, "prod.yaml")
    assert [d.kind for d in docs] == ["Production", "Performer", "Consent", "AIUseDeclaration"]
    decl = docs[3]
    assert isinstance(decl, AIUseDeclaration)
    assert decl.key == "harbour-s1/moodboard-1"
    assert decl.spec.tool.trains_on_inputs is False
    assert decl.spec.inputs.training_data_cleared == "unknown"  # tri-state default


def test_unknown_key_names_line_and_key() -> None:
    err = _error(EXAMPLE.replace("enterprise_agreement: true", "enterprise_agrement: true"))
    assert err.file == "prod.yaml"
    assert err.line == 43
    assert err.key == "spec.tool.enterprise_agrement"
    assert "unknown key" in str(err)


def test_missing_required_key() -> None:
    err = _error(EXAMPLE.replace("  title: Moodboards for the harbour\n", ""))
    assert err.key == "spec.title"
    assert "required key is missing" in str(err)
    assert "moodboard-1" in str(err)


def test_bad_enum_lists_expected_values() -> None:
    err = _error(EXAMPLE.replace("phase: ideation", "phase: idea"))
    assert err.key == "spec.phase" and err.line == 42
    assert "'ideation'" in str(err) and "'final'" in str(err)


def test_wrong_type() -> None:
    err = _error(EXAMPLE.replace("uses: [replica_creation, replica_use]", "uses: replica_use"))
    assert err.key == "spec.scope.uses"
    assert "valid list" in str(err)


def test_bad_territory() -> None:
    err = _error(EXAMPLE.replace("territories: [US, FR, KR]", "territories: [US, France]"))
    assert err.key == "spec.territories.1" and err.line == 8
    assert "ISO 3166" in str(err)


def test_yaml_12_booleans_keep_norway_a_country() -> None:
    docs = parse_documents(EXAMPLE.replace("[US, FR, KR]", "[NO, US]"), "p.yaml")
    prod = docs[0]
    assert isinstance(prod, Production)
    assert prod.spec.territories == ["NO", "US"]
    # `ON` is read as the text ON (then refused as no country), never as the boolean true
    err = _error(EXAMPLE.replace("[US, FR, KR]", "[NO, ON]"))
    assert "'ON' is not an ISO 3166-1 country" in str(err)


def test_yes_is_not_a_boolean() -> None:
    err = _error(EXAMPLE.replace("trains_on_inputs: false", "trains_on_inputs: yes"))
    assert err.key is not None and err.key.startswith("spec.tool.trains_on_inputs")


def test_unknown_kind_and_api_version() -> None:
    assert "unknown kind 'Movie'" in str(_error(EXAMPLE.replace("kind: Production", "kind: Movie")))
    err = _error(EXAMPLE.replace("apiVersion: reelproof/v1", "apiVersion: reelproof/v2", 1))
    assert err.key == "apiVersion"


def test_bad_id_pattern() -> None:
    err = _error(EXAMPLE.replace("{id: harbour-s1}", "{id: Harbour S1}"))
    assert err.key == "metadata.id"


def test_invalid_yaml_names_line() -> None:
    err = _error("apiVersion: reelproof/v1\nkind: [Production\n")
    assert err.line is not None and "invalid YAML" in str(err)


def test_json_documents() -> None:
    docs = parse_documents(
        '[{"apiVersion": "reelproof/v1", "kind": "Performer", "metadata": {"id": "x"},'
        ' "spec": {"name": "X"}}]',
        "p.json",
    )
    assert docs[0].id == "x"


def test_every_problem_of_a_document_is_named() -> None:
    err = _error(
        EXAMPLE.replace("phase: ideation", "phase: idea").replace(
            "trains_on_inputs: false", "trains_on_inputs: maybe"
        )
    )
    assert err.key == "spec.phase" and err.line == 42
    assert (
        "also line 44: spec.tool.trains_on_inputs: got 'maybe'; expected true or false or "
        "'unknown'" in str(err)
    )
