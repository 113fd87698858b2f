"""Provenance reports and AI classification of media assets (pure: no I/O, no SDK).

The C2PA reader adapter turns a file into a ``ProvenanceGraph`` (the manifests of its
store, their actions and ingredients, plus any XMP declaration); ``classify`` follows the
IPTC digital source types through that graph. The rule that shapes everything here:
*unknown is never counted as human*. Missing, broken or unrecognised provenance anywhere
in the graph keeps an asset out of ``human``, while an AI disclosure is believed even in
a broken manifest (a false alarm costs a review; a missed disclosure costs a breach).

Mapping of every IPTC term (catalogue §4.3; scheme of 2024-10-23) to its effect:

=====================================  ===========  ======================================
term                                   effect       why
=====================================  ===========  ======================================
trainedAlgorithmicMedia                generated    GenAI made the content
algorithmicMedia                       generated    synthetic, not captured; conservative
                                                    (IPTC: no trained data; a reviewer can
                                                    clear it)
trainedAlgorithmicData (C2PA)          generated    C2PA's GenAI term for non-media data
compositeWithTrainedAlgorithmicMedia   genai_edit   GenAI edit of existing media
compositeSynthetic                     genai_edit   a composite with at least one GenAI part
algorithmicallyEnhanced                assisted     non-generative correction, meaning kept
computationalCapture                   human        a capture; frames merged by DSP
digitalCapture, negativeFilm,          human        captured from real life
positiveFilm, print, screenCapture
compositeCapture                       human        made only from captures
digitalCreation, digitalArt (retired)  human        made by a person with non-AI tools
humanEdits, minorHumanEdits (retired)  human        non-generative human edits
dataDrivenMedia                        human        visualisation by human programming
composite, virtualRecording,           deferred     says nothing about AI by itself: the
empty (C2PA)                                        ingredients decide; none -> unknown
softwareImage (retired 2022), other    unknown      no reliable meaning
=====================================  ===========  ======================================

Combining through the graph: ``parentOf`` ingredients pass their class on unchanged (an
edit of generated content is still generated); ``componentOf`` AI material makes the
whole ``ai_edited`` (``ai_generated`` when nothing else went in); ``inputTo`` AI material
makes it ``ai_assisted`` (it informed the result without being placed in it). The highest
AI class found wins (generated > edited > assisted); otherwise ``human`` needs positive
human evidence and no unknown ingredient; everything else is ``unknown``.

Trust: an ``invalid`` manifest (or ingredient) still counts for its AI disclosures but
not for its human claims. ``valid`` (intact, signer not anchored) counts fully, with a
reason saying so; whether an untrusted signer is acceptable is policy, not classification.
XMP ``Iptc4xmpExt:DigitalSourceType`` is unsigned: its AI terms always count; its human
terms count only when the file has no C2PA manifest at all (never next to a store that
failed to read, which might be hiding a disclosure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from reelproof.core.json_types import JsonMapping, JsonObject

IPTC_DST_BASE = "http://cv.iptc.org/newscodes/digitalsourcetype/"
C2PA_DST_BASE = "http://c2pa.org/digitalsourcetype/"
_DST_PREFIXES = (
    IPTC_DST_BASE,
    "https://cv.iptc.org/newscodes/digitalsourcetype/",
    C2PA_DST_BASE,
    "https://c2pa.org/digitalsourcetype/",
)
MAX_DEPTH = 32  # deeper ingredient chains are treated as unknown (hostile stores)


class C2paState(StrEnum):
    """Outcome of reading a file's C2PA manifest store; kept apart on purpose (DESIGN.md)."""

    NO_MANIFEST = "no_manifest"
    VALID = "valid"  # intact, but the signer is not on the configured trust list
    TRUSTED = "trusted"
    INVALID = "invalid"
    UNVERIFIABLE = "unverifiable"  # e.g. a remote manifest that may not be fetched offline
    UNSUPPORTED = "unsupported"
    ERROR = "error"


class Classification(StrEnum):
    """How much of an asset came from AI, as far as its provenance shows."""

    AI_GENERATED = "ai_generated"
    AI_EDITED = "ai_edited"
    AI_ASSISTED = "ai_assisted"
    HUMAN = "human"
    UNKNOWN = "unknown"


class SourceEffect(StrEnum):
    """What one digital source type says about AI involvement."""

    GENERATED = "generated"
    GENAI_EDITED = "genai_edited"
    ASSISTED = "assisted"
    HUMAN = "human"
    DEFERRED = "deferred"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SourceType:
    """One vocabulary term, its IPTC label and its effect on classification."""

    term: str
    label: str
    effect: SourceEffect


def _t(term: str, label: str, effect: SourceEffect) -> tuple[str, SourceType]:
    return term, SourceType(term, label, effect)


_E = SourceEffect
SOURCE_TYPES: Mapping[str, SourceType] = dict(
    [
        _t("trainedAlgorithmicMedia", "Created using Generative AI", _E.GENERATED),
        _t("algorithmicMedia", "Pure algorithmic media", _E.GENERATED),
        _t("trainedAlgorithmicData", "Data created by a trained model", _E.GENERATED),
        _t("compositeWithTrainedAlgorithmicMedia", "Edited using Generative AI", _E.GENAI_EDITED),
        _t("compositeSynthetic", "Composite including generative AI elements", _E.GENAI_EDITED),
        _t("algorithmicallyEnhanced", "Algorithmically-altered media", _E.ASSISTED),
        _t("computationalCapture", "Multi-frame computational capture", _E.HUMAN),
        _t("digitalCapture", "Digital capture sampled from real life", _E.HUMAN),
        _t("negativeFilm", "Digitised from a negative on film", _E.HUMAN),
        _t("positiveFilm", "Digitised from a positive on film", _E.HUMAN),
        _t("print", "Digitised from a print on non-transparent medium", _E.HUMAN),
        _t("screenCapture", "Screen capture", _E.HUMAN),
        _t("compositeCapture", "Composite of captured elements", _E.HUMAN),
        _t("digitalCreation", "Digital creation", _E.HUMAN),
        _t("digitalArt", "Digital art (retired; now digitalCreation)", _E.HUMAN),
        _t("humanEdits", "Human-edited media", _E.HUMAN),
        _t("minorHumanEdits", "Minor human edits (retired; now humanEdits)", _E.HUMAN),
        _t("dataDrivenMedia", "Data-driven media", _E.HUMAN),
        _t("composite", "Composite of elements", _E.DEFERRED),
        _t("virtualRecording", "Virtual event recording", _E.DEFERRED),
        _t("empty", "Empty asset (C2PA)", _E.DEFERRED),
        _t("softwareImage", "Software image (retired 2022)", _E.UNKNOWN),
    ]
)


def source_term(value: str) -> str:
    """The bare vocabulary term of a digital source type URI (whitespace and base removed)."""
    v = value.strip()
    for prefix in _DST_PREFIXES:
        if v.startswith(prefix):
            return v[len(prefix) :].strip("/")
    return v


def describe_source_type(value: str) -> SourceType:
    """Known terms map to their effect; anything unrecognised is ``unknown``, never human."""
    term = source_term(value)
    known = SOURCE_TYPES.get(term)
    if known is not None:
        return known
    return SourceType(term or value.strip(), "unrecognised source type", SourceEffect.UNKNOWN)


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class ActionRecord:
    """One entry of a manifest's ``c2pa.actions`` assertion, reduced to what we classify."""

    action: str
    digital_source_type: str | None = None


@dataclass(frozen=True)
class IngredientReport:
    """An ingredient of some manifest, with its own validation outcome.

    ``codes`` are failure codes for the ingredient's manifest: the SDK's current
    validation (ingredient deltas) plus failures recorded when it was ingested.
    """

    title: str | None
    relationship: str
    state: C2paState
    codes: tuple[str, ...]
    manifest_label: str | None
    parent_manifest: str | None = None

    def to_json(self) -> JsonObject:
        """The ingredient as `inspect --format json` shows it."""
        return {
            "title": self.title,
            "relationship": self.relationship,
            "state": self.state.value,
            "codes": list(self.codes),
        }


@dataclass(frozen=True)
class ManifestSummary:
    """One manifest of a store: who made it, what it declares, what went into it."""

    label: str
    title: str | None
    claim_generator: str | None
    actions: tuple[ActionRecord, ...] = ()
    ingredients: tuple[IngredientReport, ...] = ()

    @property
    def digital_source_types(self) -> tuple[str, ...]:
        """Every IPTC digital source type the manifest's actions name, once each."""
        out: list[str] = []
        for a in self.actions:
            if a.digital_source_type and a.digital_source_type not in out:
                out.append(a.digital_source_type)
        return tuple(out)


@dataclass(frozen=True)
class ProvenanceGraph:
    """Everything ``classify`` needs: the store's manifests and the file's XMP claim."""

    state: C2paState
    active_manifest: str | None = None
    manifests: Mapping[str, ManifestSummary] = field(default_factory=dict)
    xmp_source_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProvenanceReport:
    """The result of inspecting one file; ``to_json`` is the stable, documented shape.

    ``assertions`` holds the active manifest's assertion data by label (e.g.
    ``org.reelproof.clearance``, ``cawg.training-mining``); it is not part of the JSON.
    """

    path: str
    sha256: str
    media_type: str
    c2pa_state: C2paState
    codes: tuple[str, ...]
    active_manifest: str | None
    claim_generator: str | None
    ingredients: tuple[IngredientReport, ...]
    digital_source_types: tuple[str, ...]
    classification: Classification
    reasons: tuple[str, ...]
    assertions: JsonMapping = field(default_factory=dict, compare=False)

    def to_json(self) -> JsonObject:
        """The stable JSON of `reelproof inspect` (spec/formats.md)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "c2pa": {
                "state": self.c2pa_state.value,
                "codes": list(self.codes),
                "active_manifest": self.active_manifest,
                "claim_generator": self.claim_generator,
                "ingredients": [i.to_json() for i in self.ingredients],
            },
            "digital_source_types": list(self.digital_source_types),
            "classification": self.classification.value,
            "reasons": list(self.reasons),
        }


# --------------------------------------------------------------------------- classify

_AI_RANK = {
    Classification.AI_GENERATED: 3,
    Classification.AI_EDITED: 2,
    Classification.AI_ASSISTED: 1,
}
_BROKEN = frozenset({C2paState.INVALID, C2paState.ERROR})
_GOOD = frozenset({C2paState.VALID, C2paState.TRUSTED})


@dataclass
class _Finding:
    """Evidence collected for one manifest before it is turned into a class."""

    ai: Classification | None = None
    human: bool = False
    deferred: bool = False
    gaps: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add_ai(self, cls: Classification, reason: str) -> None:
        if self.ai is None or _AI_RANK[cls] > _AI_RANK[self.ai]:
            self.ai = cls
        self.reasons.append(reason)


def _manifest_name(node: ManifestSummary) -> str:
    return f"manifest '{node.title}' ({node.label})" if node.title else f"manifest {node.label}"


def _own_actions(node: ManifestSummary, name: str, trustworthy: bool, f: _Finding) -> None:
    has_parent = any(i.relationship == "parentOf" for i in node.ingredients) or any(
        a.action == "c2pa.opened" for a in node.actions
    )
    for a in node.actions:
        if not a.digital_source_type:
            continue
        st = describe_source_type(a.digital_source_type)
        said = f"{name} declares {a.action} with {st.term} ({st.label})"
        if st.effect is SourceEffect.GENERATED:
            if a.action == "c2pa.created" or not has_parent:
                f.add_ai(Classification.AI_GENERATED, f"{said}.")
            else:
                f.add_ai(Classification.AI_EDITED, f"{said} on an existing asset.")
        elif st.effect is SourceEffect.GENAI_EDITED:
            f.add_ai(Classification.AI_EDITED, f"{said}.")
        elif st.effect is SourceEffect.ASSISTED:
            f.add_ai(Classification.AI_ASSISTED, f"{said}.")
        elif st.effect is SourceEffect.HUMAN:
            if trustworthy:
                f.human = True
                f.reasons.append(f"{said}.")
            else:
                f.gaps.append(
                    f"{said}, but that manifest failed validation so it is not relied on."
                )
        elif st.effect is SourceEffect.DEFERRED:
            f.deferred = True
            f.reasons.append(f"{said}; its ingredients decide.")
        else:
            f.gaps.append(f"{said}: not a term we can rely on.")


def _ingredient(
    graph: ProvenanceGraph,
    ing: IngredientReport,
    owner: str,
    trustworthy: bool,
    stack: frozenset[str],
    f: _Finding,
) -> bool:
    """Fold one ingredient into ``f``; True when it is AI-generated material placed as a part."""
    iname = f"ingredient '{ing.title or '(untitled)'}' ({ing.relationship}) of {owner}"
    if ing.manifest_label is None:
        f.gaps.append(f"The {iname} has no C2PA manifest, so its provenance is unknown.")
        return False
    sub_cls, sub_reasons = _classify_manifest(
        graph, ing.manifest_label, trustworthy and ing.state not in _BROKEN, stack
    )
    state_note = "" if ing.state in _GOOD else f" (ingredient state: {ing.state.value})"
    if sub_cls is Classification.UNKNOWN:
        f.gaps.append(f"The {iname} has unknown provenance{state_note}.")
        f.gaps.extend(sub_reasons)
        return False
    if sub_cls is Classification.HUMAN:
        if ing.relationship in ("parentOf", "componentOf"):
            f.human = True
            f.reasons.append(f"The {iname} is human-made{state_note}.")
        return False
    said = f"The {iname} is {sub_cls.value}{state_note}"
    if ing.relationship == "parentOf":
        f.add_ai(sub_cls, f"{said}, and this asset is derived from it.")
    elif ing.relationship == "componentOf":
        placed = (
            Classification.AI_ASSISTED
            if sub_cls is Classification.AI_ASSISTED
            else Classification.AI_EDITED
        )
        f.add_ai(placed, f"{said}, composited into this asset.")
    else:
        f.add_ai(Classification.AI_ASSISTED, f"{said}, used as an input ({ing.relationship}).")
    f.reasons.extend(sub_reasons)
    return sub_cls is Classification.AI_GENERATED and ing.relationship == "componentOf"


def _classify_manifest(
    graph: ProvenanceGraph, label: str, trustworthy: bool, stack: frozenset[str]
) -> tuple[Classification, list[str]]:
    node = graph.manifests.get(label)
    if node is None:
        return Classification.UNKNOWN, [f"Manifest {label} is referenced but not in the store."]
    name = _manifest_name(node)
    if label in stack or len(stack) >= MAX_DEPTH:
        return Classification.UNKNOWN, [f"The ingredient graph loops or nests too deep at {name}."]
    stack = stack | {label}
    f = _Finding()
    _own_actions(node, name, trustworthy, f)
    generated_parts = [
        _ingredient(graph, ing, name, trustworthy, stack, f) for ing in node.ingredients
    ]
    if f.ai is not None:
        only_generated_parts = (
            bool(generated_parts) and all(generated_parts) and not f.human and not f.gaps
        )
        if f.ai is Classification.AI_EDITED and only_generated_parts:
            f.add_ai(
                Classification.AI_GENERATED,
                f"Everything composited into {name} is AI-generated.",
            )
        return f.ai, f.reasons
    if f.gaps:
        return Classification.UNKNOWN, [*f.reasons, *f.gaps]
    if f.human:
        return Classification.HUMAN, f.reasons
    if f.deferred:
        return Classification.UNKNOWN, [
            *f.reasons,
            f"{name} names no ingredient to decide from, so it stays unknown.",
        ]
    return Classification.UNKNOWN, [f"{name} declares no digital source type."]


def _xmp(terms: tuple[str, ...]) -> tuple[Classification | None, bool, list[str], list[str]]:
    ai: Classification | None = None
    human = False
    reasons: list[str] = []
    gaps: list[str] = []
    to_cls = {
        SourceEffect.GENERATED: Classification.AI_GENERATED,
        SourceEffect.GENAI_EDITED: Classification.AI_EDITED,
        SourceEffect.ASSISTED: Classification.AI_ASSISTED,
    }
    for value in terms:
        st = describe_source_type(value)
        said = f"XMP Iptc4xmpExt:DigitalSourceType is {st.term} ({st.label})"
        cls = to_cls.get(st.effect)
        if cls is not None:
            if ai is None or _AI_RANK[cls] > _AI_RANK[ai]:
                ai = cls
            reasons.append(f"{said}.")
        elif st.effect is SourceEffect.HUMAN:
            human = True
            reasons.append(f"{said}; an unsigned declaration, not bound to the file.")
        else:
            gaps.append(f"{said}, which does not say whether AI was involved.")
    return ai, human, reasons, gaps


def classify(graph: ProvenanceGraph) -> tuple[Classification, list[str]]:
    """Classify an asset from its C2PA graph and XMP; reasons name manifests and terms."""
    c2pa_cls: Classification | None = None
    reasons: list[str] = []
    if graph.active_manifest is not None and graph.state in (*_GOOD, C2paState.INVALID):
        trustworthy = graph.state is not C2paState.INVALID
        c2pa_cls, reasons = _classify_manifest(
            graph, graph.active_manifest, trustworthy, frozenset()
        )
        if graph.state is C2paState.INVALID:
            reasons.append("C2PA validation failed: only its AI disclosures are relied on.")
        elif graph.state is C2paState.VALID:
            reasons.append(
                "C2PA state is valid, not trusted: a signing credential is not on the "
                "configured trust list."
            )
    xmp_ai, xmp_human, xmp_reasons, xmp_gaps = _xmp(graph.xmp_source_types)

    if c2pa_cls is not None:
        if xmp_ai is not None and (
            c2pa_cls not in _AI_RANK or _AI_RANK[xmp_ai] > _AI_RANK[c2pa_cls]
        ):
            return xmp_ai, [*reasons, *xmp_reasons]
        return c2pa_cls, reasons
    if xmp_ai is not None:
        return xmp_ai, [*reasons, *xmp_reasons]
    if graph.state is C2paState.NO_MANIFEST:
        if xmp_human and not xmp_gaps:
            return Classification.HUMAN, xmp_reasons
        if not graph.xmp_source_types:
            return Classification.UNKNOWN, [
                "No C2PA manifest and no XMP digital source type: provenance is unknown "
                "(never assumed human)."
            ]
        return Classification.UNKNOWN, [*xmp_reasons, *xmp_gaps]
    return Classification.UNKNOWN, [
        *reasons,
        f"C2PA state is {graph.state.value}, so provenance cannot be established.",
        *xmp_reasons,
        *xmp_gaps,
    ]
