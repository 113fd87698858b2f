"""Classification through the ingredient graph (core.provenance, pure)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelproof.core.provenance import (
    C2PA_DST_BASE,
    IPTC_DST_BASE,
    SOURCE_TYPES,
    ActionRecord,
    C2paState,
    Classification,
    IngredientReport,
    ManifestSummary,
    ProvenanceGraph,
    ProvenanceReport,
    SourceEffect,
    classify,
    describe_source_type,
    source_term,
)

C = Classification
S = C2paState


def uri(term: str) -> str:
    return (C2PA_DST_BASE if term in ("empty", "trainedAlgorithmicData") else IPTC_DST_BASE) + term


def manifest(
    label: str,
    *types: str,
    action: str = "c2pa.created",
    ingredients: tuple[IngredientReport, ...] = (),
) -> ManifestSummary:
    actions = tuple(ActionRecord(action, uri(t)) for t in types)
    return ManifestSummary(label, f"{label}.png", "tool/1", actions, ingredients)


def ing(
    label: str | None, relationship: str = "componentOf", state: S = S.VALID
) -> IngredientReport:
    return IngredientReport(f"{label}.png", relationship, state, (), label)


def graph(
    *manifests: ManifestSummary, state: S = S.TRUSTED, xmp: tuple[str, ...] = ()
) -> ProvenanceGraph:
    return ProvenanceGraph(
        state, manifests[0].label if manifests else None, {m.label: m for m in manifests}, xmp
    )


# Every term of catalogue §4.3 (plus C2PA's two) and what a single c2pa.created says.
TERM_EXPECTATIONS = {
    "trainedAlgorithmicMedia": C.AI_GENERATED,
    "algorithmicMedia": C.AI_GENERATED,
    "trainedAlgorithmicData": C.AI_GENERATED,
    "compositeWithTrainedAlgorithmicMedia": C.AI_EDITED,
    "compositeSynthetic": C.AI_EDITED,
    "algorithmicallyEnhanced": C.AI_ASSISTED,
    "computationalCapture": C.HUMAN,
    "digitalCapture": C.HUMAN,
    "negativeFilm": C.HUMAN,
    "positiveFilm": C.HUMAN,
    "print": C.HUMAN,
    "screenCapture": C.HUMAN,
    "compositeCapture": C.HUMAN,
    "digitalCreation": C.HUMAN,
    "digitalArt": C.HUMAN,
    "humanEdits": C.HUMAN,
    "minorHumanEdits": C.HUMAN,
    "dataDrivenMedia": C.HUMAN,
    "composite": C.UNKNOWN,  # deferred to ingredients; there are none
    "virtualRecording": C.UNKNOWN,
    "empty": C.UNKNOWN,
    "softwareImage": C.UNKNOWN,
}


def test_every_vocabulary_term_has_a_documented_expectation() -> None:
    assert set(TERM_EXPECTATIONS) == set(SOURCE_TYPES)


@pytest.mark.parametrize(("term", "expected"), sorted(TERM_EXPECTATIONS.items()))
def test_single_created_action(term: str, expected: C) -> None:
    cls, reasons = classify(graph(manifest("m", term)))
    assert cls is expected
    assert any(term in r for r in reasons)  # reasons name the source type


def test_uri_normalisation() -> None:
    assert (
        source_term(" http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture")
        == "digitalCapture"
    )
    assert source_term("https://cv.iptc.org/newscodes/digitalsourcetype/print/") == "print"
    assert describe_source_type("http://example.com/madeUp").effect is SourceEffect.UNKNOWN
    # The misspelling some guidance uses is not silently accepted.
    assert (
        describe_source_type("compositedWithTrainedAlgorithmicMedia").effect is SourceEffect.UNKNOWN
    )


def test_ai_component_in_capture_is_ai_edited() -> None:
    top = manifest("top", "digitalCapture", ingredients=(ing("gen"),))
    cls, reasons = classify(graph(top, manifest("gen", "trainedAlgorithmicMedia")))
    assert cls is C.AI_EDITED
    assert any("gen.png" in r and "componentOf" in r for r in reasons)


def test_only_ai_components_is_ai_generated() -> None:
    top = manifest("top", "composite", ingredients=(ing("a"), ing("b")))
    g = graph(
        top, manifest("a", "trainedAlgorithmicMedia"), manifest("b", "trainedAlgorithmicMedia")
    )
    assert classify(g)[0] is C.AI_GENERATED


def test_parent_generated_stays_generated_after_human_edits() -> None:
    top = manifest("top", "humanEdits", action="c2pa.edited", ingredients=(ing("p", "parentOf"),))
    assert classify(graph(top, manifest("p", "trainedAlgorithmicMedia")))[0] is C.AI_GENERATED


def test_generative_edit_of_a_parent_is_ai_edited() -> None:
    top = manifest(
        "top", "trainedAlgorithmicMedia", action="c2pa.edited", ingredients=(ing("p", "parentOf"),)
    )
    assert classify(graph(top, manifest("p", "digitalCapture")))[0] is C.AI_EDITED


def test_ai_input_is_ai_assisted() -> None:
    top = manifest("top", "digitalCreation", ingredients=(ing("ref", "inputTo"),))
    assert classify(graph(top, manifest("ref", "trainedAlgorithmicMedia")))[0] is C.AI_ASSISTED


def test_assisted_component_is_ai_assisted_and_recursion_works() -> None:
    top = manifest("top", "digitalCapture", ingredients=(ing("mid"),))
    mid = manifest("mid", "composite", ingredients=(ing("leaf"),))
    leaf = manifest("leaf", "algorithmicallyEnhanced")
    assert classify(graph(top, mid, leaf))[0] is C.AI_ASSISTED


def test_deep_ai_ingredient_is_found() -> None:
    chain = [
        manifest(f"m{i}", "digitalCapture", ingredients=(ing(f"m{i + 1}", "parentOf"),))
        for i in range(10)
    ]
    chain.append(manifest("m10", "trainedAlgorithmicMedia"))
    assert classify(graph(*chain))[0] is C.AI_GENERATED


def test_composite_of_human_parts_is_human() -> None:
    top = manifest("top", "composite", ingredients=(ing("a"), ing("b")))
    g = graph(top, manifest("a", "digitalCapture"), manifest("b", "negativeFilm"))
    assert classify(g)[0] is C.HUMAN


def test_unknown_ingredient_blocks_human() -> None:
    top = manifest("top", "digitalCapture", ingredients=(ing(None),))
    cls, reasons = classify(graph(top))
    assert cls is C.UNKNOWN
    assert any("no C2PA manifest" in r for r in reasons)


def test_broken_ingredient_claims_no_human_but_keeps_ai() -> None:
    top = manifest("top", "digitalCapture", ingredients=(ing("x", state=S.INVALID),))
    assert classify(graph(top, manifest("x", "digitalCapture")))[0] is C.UNKNOWN
    assert classify(graph(top, manifest("x", "trainedAlgorithmicMedia")))[0] is C.AI_EDITED


def test_invalid_top_state_relies_only_on_ai_disclosures() -> None:
    assert classify(graph(manifest("m", "digitalCapture"), state=S.INVALID))[0] is C.UNKNOWN
    assert (
        classify(graph(manifest("m", "trainedAlgorithmicMedia"), state=S.INVALID))[0]
        is C.AI_GENERATED
    )


def test_untrusted_but_intact_is_classified_with_a_note() -> None:
    cls, reasons = classify(graph(manifest("m", "digitalCapture"), state=S.VALID))
    assert cls is C.HUMAN
    assert any("trust list" in r for r in reasons)


def test_loops_and_missing_manifests_are_unknown() -> None:
    a = manifest("a", "digitalCapture", ingredients=(ing("b"),))
    b = manifest("b", "digitalCapture", ingredients=(ing("a"),))
    assert classify(graph(a, b))[0] is C.UNKNOWN
    assert (
        classify(graph(manifest("a", "digitalCapture", ingredients=(ing("ghost"),))))[0]
        is C.UNKNOWN
    )


def test_no_information_is_unknown() -> None:
    assert classify(graph(manifest("m")))[0] is C.UNKNOWN
    assert classify(ProvenanceGraph(S.NO_MANIFEST))[0] is C.UNKNOWN


@pytest.mark.parametrize("state", [S.ERROR, S.UNVERIFIABLE, S.UNSUPPORTED])
def test_unreadable_c2pa_with_xmp(state: S) -> None:
    g = ProvenanceGraph(state, xmp_source_types=(uri("digitalCapture"),))
    assert classify(g)[0] is C.UNKNOWN  # a capture claim next to an unreadable store: no
    g = ProvenanceGraph(state, xmp_source_types=(uri("trainedAlgorithmicMedia"),))
    assert classify(g)[0] is C.AI_GENERATED


def test_xmp_alone_and_xmp_raising_c2pa() -> None:
    assert (
        classify(ProvenanceGraph(S.NO_MANIFEST, xmp_source_types=(uri("digitalCapture"),)))[0]
        is C.HUMAN
    )
    assert (
        classify(ProvenanceGraph(S.NO_MANIFEST, xmp_source_types=(uri("composite"),)))[0]
        is C.UNKNOWN
    )
    g = graph(manifest("m", "digitalCapture"), xmp=(uri("compositeSynthetic"),))
    assert classify(g)[0] is C.AI_EDITED
    g = graph(manifest("m", "trainedAlgorithmicMedia"), xmp=(uri("digitalCapture"),))
    assert classify(g)[0] is C.AI_GENERATED


# --------------------------------------------------------------------------- property

TERMS = sorted(SOURCE_TYPES)
AI_EFFECTS = {SourceEffect.GENERATED, SourceEffect.GENAI_EDITED, SourceEffect.ASSISTED}


@st.composite
def random_graphs(draw: st.DrawFn) -> ProvenanceGraph:
    n = draw(st.integers(1, 6))
    labels = [f"m{i}" for i in range(n)]
    manifests = []
    for i, label in enumerate(labels):
        kids = (
            draw(st.lists(st.sampled_from([*labels[i + 1 :], None]), max_size=3))
            if i + 1 < n
            else []
        )
        ings = tuple(
            ing(
                k,
                draw(st.sampled_from(["parentOf", "componentOf", "inputTo"])),
                draw(st.sampled_from(list(S))),
            )
            for k in kids
        )
        terms = draw(st.lists(st.sampled_from(TERMS), max_size=2))
        actions = tuple(ActionRecord("c2pa.created", uri(t)) for t in terms)
        manifests.append(ManifestSummary(label, None, None, actions, ings))
    state = draw(st.sampled_from(list(S)))
    xmp = tuple(uri(t) for t in draw(st.lists(st.sampled_from(TERMS), max_size=2)))
    return ProvenanceGraph(state, labels[0], {m.label: m for m in manifests}, xmp)


def _reachable(g: ProvenanceGraph) -> tuple[list[ManifestSummary], list[IngredientReport]]:
    seen: dict[str, ManifestSummary] = {}
    ingredients: list[IngredientReport] = []
    todo = [g.active_manifest]
    while todo:
        label = todo.pop()
        if label is None or label in seen or label not in g.manifests:
            continue
        seen[label] = g.manifests[label]
        ingredients.extend(seen[label].ingredients)
        todo.extend(i.manifest_label for i in seen[label].ingredients)
    return list(seen.values()), ingredients


@settings(max_examples=300, deadline=None)
@given(random_graphs())
def test_unknown_is_never_counted_as_human(g: ProvenanceGraph) -> None:
    cls, reasons = classify(g)
    assert reasons and all(isinstance(r, str) and r for r in reasons)
    manifests, ingredients = _reachable(g)
    if g.state not in (S.VALID, S.TRUSTED, S.INVALID):
        manifests, ingredients = [], []  # the store was not read: only XMP speaks
    all_terms = [a.digital_source_type for m in manifests for a in m.actions] + list(
        g.xmp_source_types
    )
    effects = {describe_source_type(t).effect for t in all_terms if t}
    if cls is C.HUMAN:
        assert not effects & AI_EFFECTS
        assert SourceEffect.HUMAN in effects
        if g.state in (S.VALID, S.TRUSTED, S.INVALID):
            assert g.state is not S.INVALID
            assert all(i.manifest_label is not None for i in ingredients)
            assert all(i.state not in (S.INVALID, S.ERROR) for i in ingredients)
        else:
            assert g.state is S.NO_MANIFEST
    if effects & AI_EFFECTS and cls is not C.UNKNOWN:
        assert cls is not C.HUMAN


def test_report_to_json_shape() -> None:
    i = IngredientReport("a.png", "parentOf", S.VALID, ("x",), "urn:a", "urn:top")
    r = ProvenanceReport(
        path="f.png",
        sha256="0" * 64,
        media_type="image/png",
        c2pa_state=S.VALID,
        codes=("signingCredential.untrusted",),
        active_manifest="urn:top",
        claim_generator="tool/1",
        ingredients=(i,),
        digital_source_types=(uri("digitalCapture"),),
        classification=C.HUMAN,
        reasons=("because",),
    )
    assert r.to_json() == {
        "path": "f.png",
        "sha256": "0" * 64,
        "media_type": "image/png",
        "c2pa": {
            "state": "valid",
            "codes": ["signingCredential.untrusted"],
            "active_manifest": "urn:top",
            "claim_generator": "tool/1",
            "ingredients": [
                {"title": "a.png", "relationship": "parentOf", "state": "valid", "codes": ["x"]}
            ],
        },
        "digital_source_types": [uri("digitalCapture")],
        "classification": "human",
        "reasons": ["because"],
    }
