"""The reelproof/v1 documents (spec/formats.md) as strict, typed models.

Unknown keys are errors: a typo must never silently change a decision. Parsing keeps the
line of every key so an error can name the file, the line and the key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeAlias, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from reelproof.core.errors import DocumentError
from reelproof.core.json_types import JsonMapping, JsonObject, JsonValue

API_VERSION = "reelproof/v1"
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_TERRITORY = re.compile(r"^(?:[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3}|EU|WORLD)$")


def _territory(value: str) -> str:
    if not _TERRITORY.match(value):
        raise ValueError(
            f"'{value}' is not a territory; expected an ISO 3166-1 alpha-2 code (FR), "
            "an ISO 3166-2 subdivision (US-CA), EU or WORLD"
        )
    return value


Id = Annotated[str, Field(pattern=ID_PATTERN)]
Territory = Annotated[str, AfterValidator(_territory)]
TriState: TypeAlias = StrictBool | Literal["unknown"]

UnionKey = Literal[
    "sag_aftra_tv_theatrical",
    "sag_aftra_interactive",
    "sag_aftra_commercials",
    "wga",
    "dga",
    "iatse",
    "equity_pact",
]
Medium = Literal["series", "film", "trailer", "marketing", "game"]
ReplicaType = Literal["employment_based", "independently_created", "background_actor"]
ConsentForm = Literal["separate_signed", "initialed_clause", "boilerplate"]
TalentUse = Literal[
    "replica_creation",
    "replica_use",
    "digital_alteration",
    "voice_replica",
    "dubbing",
    "training",
    "biometric_enrollment",
]
Outcome = Literal["proceed", "inform", "escalate", "written_approval", "prohibited"]
OUTCOME_ORDER: tuple[Outcome, ...] = (
    "proceed",
    "inform",
    "escalate",
    "written_approval",
    "prohibited",
)
ObligationKind = Literal[
    "consent",
    "compensation",
    "notice_to_union",
    "bargain_with_union",
    "consult",
    "disclose_to",
    "label_visible",
    "mark_machine_readable",
    "rights_clearance",
    "legal_review",
    "record_keep",
]


def allowed_values(model: type[BaseModel], field_name: str) -> tuple[JsonValue, ...]:
    """The values a Literal field accepts, so generators and tests never restate them."""
    annotation = model.model_fields[field_name].annotation
    return tuple(v for v in get_args(annotation) if v is not None and v is not type(None))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- metadata -----------------------------------------------------------------------------


class Metadata(_Strict):
    """Every document's identity: the id other documents refer to."""

    id: Id


class DeclarationMetadata(_Strict):
    """A declaration's identity is per production, and says who declared it and when."""

    id: Id
    production: Id
    declared_by: str | None = None
    declared_at: dt.date | None = None


# --- Production ---------------------------------------------------------------------------


class ProductionSpec(_Strict):
    """What the standards select on: the studio, the unions, the territories and the dates."""

    title: str
    studio: str
    unions: list[UnionKey] = []
    territories: Annotated[list[Territory], Field(min_length=1)]
    principal_photography_start: dt.date | None = None
    strike_in_progress: StrictBool = False


# --- Performer ----------------------------------------------------------------------------


class PerformerSpec(_Strict):
    """Who a consent and a replica belong to; union, domicile and life status decide which laws and
    terms apply."""

    name: str
    unions: list[str] = []
    domicile: Territory | None = None
    deceased: StrictBool = False
    date_of_death: dt.date | None = None
    minor: StrictBool = False
    representation: Literal["union", "counsel", "none"] = "none"
    estate_contact: str | None = None


# --- Consent ------------------------------------------------------------------------------


class ConsentScope(_Strict):
    """What a consent covers; a use outside any of these is not consented to."""

    uses: Annotated[list[TalentUse], Field(min_length=1)]
    replica_types: list[ReplicaType] = []
    productions: list[Id]
    media: list[Medium] = []
    territories: list[Territory] = ["WORLD"]


class Compensation(_Strict):
    """What the performer is paid for the use, checked against the pay floors of their terms."""

    basis: Literal["day_rate", "flat", "scale", "none"] = "none"
    amount: float | None = None
    currency: str | None = None


class ConsentSpec(_Strict):
    """A performer's (or estate's) consent: who gave it, when, for what and for how long."""

    performer: Id
    granted_by: Literal["performer", "authorized_representative", "estate", "union"] = "performer"
    granted_at: dt.date
    expires_at: dt.date | None = None
    form: ConsentForm = "separate_signed"
    description: str
    scope: ConsentScope
    compensation: Compensation = Compensation()
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


# --- DigitalReplica -----------------------------------------------------------------------


class DigitalReplicaSpec(_Strict):
    """A digital replica as a held thing: whose it is, what it was made under, who holds it, when it
    must go."""

    performer: Id
    replica_type: ReplicaType
    modality: Annotated[
        list[Literal["face", "body", "voice", "performance_model"]], Field(min_length=1)
    ]
    created_under: Id
    created_at: dt.date | None = None
    custodian: str
    owner: str | None = None
    location: str | None = None
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    productions: list[Id] = []
    delete_by: dt.date | None = None
    access: list[str] = []


# --- AIUseDeclaration ---------------------------------------------------------------------


class Tool(_Strict):
    """The AI tool used; its data terms (training on inputs, storing them) are what the studio
    guidance asks about."""

    name: str
    vendor: str | None = None
    enterprise_agreement: StrictBool = False
    trains_on_inputs: TriState = "unknown"
    stores_inputs: TriState = "unknown"
    custom_pipeline: StrictBool = False


class Inputs(_Strict):
    """What goes into the tool: proprietary, personal, copyrighted or real-person material raises
    the tier."""

    studio_proprietary: StrictBool = False
    personal_data: StrictBool = False
    copyrighted_reference: StrictBool = False
    real_person_reference: Literal["none", "public_figure", "private_person", "deceased_person"] = (
        "none"
    )
    # The registered performer the use references, so their consents are matched too.
    real_person: Id | None = None
    training_or_finetune: StrictBool = False
    training_data_cleared: TriState = "unknown"

    @model_validator(mode="after")
    def _named_person_is_referenced(self) -> Inputs:
        if self.real_person is not None and self.real_person_reference == "none":
            raise ValueError(
                f"real_person names performer {self.real_person!r}, so real_person_reference "
                "cannot be 'none' (public_figure, private_person or deceased_person)"
            )
        return self


class Output(_Strict):
    """What comes out and where it ends up; final, prominent or realistic output needs more
    clearance."""

    in_final_deliverable: StrictBool
    element: Literal[
        "ideation",
        "background",
        "prop_text",
        "character_design",
        "key_visual",
        "setting",
        "performance",
        "voice",
        "script_text",
        "music",
        "marketing_art",
    ] = "background"
    prominence: Literal["incidental", "story_relevant", "key_creative"] = "incidental"
    realistic_depiction: StrictBool = False
    advertisement: StrictBool = False
    # What an advertisement promotes: the production itself (a trailer, a promo for the work)
    # or a third party's product or service; `unknown` is read as third_party by the packs.
    # Never inferred from `media`: a production also makes ads for other people's products.
    promotes: Literal["production", "third_party", "unknown"] = "unknown"
    replaces_union_work: StrictBool = False

    @field_validator("promotes")
    @classmethod
    def _promotes_needs_advertisement(cls, value: str, info: ValidationInfo) -> str:
        # Saying what a non-advertisement promotes is a contradiction, not a harmless extra:
        # it would let a declaration look exempt while no rule reads it.
        # (An advertisement value that failed its own check is reported on its own.)
        if value != "unknown" and info.data.get("advertisement", True) is False:
            raise ValueError(
                f"'{value}' says what an advertisement promotes, but advertisement is not "
                "true; set output.advertisement: true (a trailer or promo for the work is an "
                "advertisement too) or leave promotes unknown"
            )
        return value


class Talent(_Strict):
    """One performer the use touches, and how: the use, the replica type, how far the performance is
    altered."""

    performer: Id
    use: TalentUse
    replica_type: ReplicaType | None = None
    alteration: Literal[
        "none", "as_scripted", "customary_post", "performance_change", "new_performance"
    ] = "none"
    exception: Literal["none", "safety", "unrecognizable"] = "none"


class SyntheticPerformer(_Strict):
    """Whether a synthetic performer stands in for a human one, which the union terms restrict."""

    used: StrictBool = False
    in_place_of_human: StrictBool = False
    recognizable_feature_of: Id | None = None


class AIUseDeclarationSpec(_Strict):
    """The declared AI use: the facts every rule pack decides on."""

    title: str
    description: str = ""
    stage: Literal[
        "development",
        "pre_production",
        "production",
        "post_production",
        "vfx",
        "sound",
        "localization",
        "marketing",
    ]
    phase: Literal["ideation", "previs", "temp", "final"]
    media: Medium = "series"
    tool: Tool
    inputs: Inputs = Inputs()
    output: Output
    talent: list[Talent] = []
    synthetic_performer: SyntheticPerformer = SyntheticPerformer()
    territories: list[Territory] = []


# --- Approval -----------------------------------------------------------------------------


class ApprovalSpec(_Strict):
    """A written approval or refusal given outside reelproof, recorded as a document."""

    declaration: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$")]
    decision: Literal["approved", "rejected"]
    by: str
    at: dt.date
    conditions: str | None = None


# --- StandardsPack ------------------------------------------------------------------------


class PackSource(_Strict):
    """A published source a pack's rules cite, so every decision names where its rule comes from."""

    id: str
    title: str
    publisher: str | None = None  # cited first: "Netflix, <title> (2025), '<section>'"
    published: dt.date | None = None
    url: str | None = None


class ObligationTemplate(_Strict):
    """An obligation a rule adds when it fires; `party` and `detail` may use message templates."""

    kind: ObligationKind
    party: str | None = None
    detail: str | None = None


class SourceRef(_Strict):
    """A rule's citation: which of the pack's sources, and which section of it."""

    ref: str
    section: str | None = None


class Rule(_Strict):
    """One rule: when it fires, its tier, what it obliges and the sentence a producer reads."""

    id: str
    title: str
    when: str
    outcome: Outcome
    obligations: list[ObligationTemplate] = []
    message: str
    source: SourceRef
    # V read in the primary text, S secondary sources only, U unverified, A applied by analogy:
    # the source was written for someone else (the generic studio baseline applies Netflix's
    # guidance to other studios), so a reader must not take it as that source's own rule.
    verification: Literal["V", "S", "U", "A"]
    # `talent`: `when` is evaluated once per talent fact with `t` bound to it; each firing
    # names the performer and fills consent obligations from `t.consent`.
    for_each: Literal["talent"] | None = None
    # Aggregate rules: fire only when `when` holds and any / none of these rules of the same
    # pack fired (e.g. "escalate when any guiding principle failed").
    if_any_fired: list[str] = []
    if_none_fired: list[str] = []


# Legal parameters: the law a pack owns, read by the consent checks (a change is a new version).


class DescriptionLaw(_Strict):
    """A state law voiding a replica clause that lacks a reasonably specific description
    unless counsel (in one of `counsel_forms`) or a union agreement protected the performer."""

    jurisdiction: Territory  # the performer's domicile it protects
    source: str  # cited at the start of the finding's sentence
    counsel_forms: list[ConsentForm]
    counsel_writing: str  # what those forms are called in the sentence
    verdict: str  # what happens to the clause
    in_force: dt.date
    # use_date: uses from `in_force` on; grant_date: consents granted from `in_force` on
    applies_by: Literal["use_date", "grant_date"] = "use_date"
    # the clause survives a use that fits the recorded performance (as_scripted, customary_post)
    fits_recording_exempt: StrictBool = False


class PostMortemRight(_Strict):
    """A state's right of publicity after death: who must consent, and for how long."""

    jurisdiction: Territory  # the domicile at death
    source: str
    years: int | None  # None: lasts while the likeness is exploited (cannot be shown to end)


class PayFloor(_Strict):
    """What an edition requires at least for uses of one replica type, and the rule saying so."""

    rule: str  # the catalogue entry, e.g. SAG23-EBDR-3
    floor: str


class ContractEdition(_Strict):
    """Which edition of a union agreement governs, by the start of principal photography,
    and its pay floors by replica type."""

    agreement: Literal["sag_aftra_tv_theatrical"]
    edition: int
    photography_from: dt.date | None = None  # None: every production not under a later one
    pay_floors: dict[ReplicaType, PayFloor] = {}


class PackParameters(_Strict):
    """The law a pack owns (description rules, post-mortem rights, contract editions), read by the
    consent checks."""

    description_law: DescriptionLaw | None = None
    post_mortem: PostMortemRight | None = None
    contract_edition: ContractEdition | None = None


class PackTestExpect(_Strict):
    """What a pack test expects: the outcome, and rules that must or must not fire."""

    outcome: Outcome
    rules: list[str] = []
    not_rules: list[str] = []


class PackTest(_Strict):
    """One test case of a pack: a declaration (and facts) in, the expected outcome and rules out."""

    name: str
    declaration: JsonObject | None = None
    file: str | None = None
    production: JsonObject | None = None
    performers: list[JsonObject] = []
    consents: list[JsonObject] = []
    # Talent facts as the consent registry would give them; entries are overlaid onto the
    # registry-less facts of the declaration's talent, matched by performer_id (and use).
    talent: list[JsonObject] | None = None
    today: dt.date | None = None
    expect: PackTestExpect


class StandardsPackSpec(_Strict):
    """A versioned rule pack: when it applies, its sources, legal parameters and rules."""

    title: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None = None
    applies_when: str = "true"
    # Template for the selection reason when the pack applies (else one is derived).
    applies_reason: str | None = None
    category: Literal["studio", "union", "law"] | None = None
    # A fallback pack applies only when no other pack of its category applies.
    fallback: StrictBool = False
    sources: list[PackSource] = []
    # The legal parameters the consent checks read from this pack (see PackParameters).
    parameters: PackParameters = PackParameters()
    rules: list[Rule]
    # Never set: named only so that an inline `tests:` gets the error that says where they go.
    tests: None = Field(default=None, exclude=True)

    @field_validator("tests", mode="before")
    @classmethod
    def _no_inline_tests(cls, value: JsonValue) -> None:
        # Tests inside the pack would change its version and digest with every new test case.
        raise ValueError(
            "a pack's test cases live beside it, in <pack file>.tests.yaml "
            "(kind: StandardsPackTests), not inside the versioned pack"
        )


class StandardsPackTestsSpec(_Strict):
    """A pack's test cases, kept beside it: adding one changes neither version nor digest."""

    pack: str  # the id of the pack the tests are for
    tests: list[PackTest]


# --- envelopes ----------------------------------------------------------------------------


class _Envelope(_Strict):
    api_version: Literal["reelproof/v1"] = Field(alias="apiVersion")

    @property
    def id(self) -> str:
        return self.metadata.id  # type: ignore[attr-defined, no-any-return]

    def content(self) -> JsonObject:
        """The document as plain JSON-able data, in the wire format (aliases, ISO dates)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)


class Production(_Envelope):
    """A film or series: the root every declaration belongs to."""

    kind: Literal["Production"]
    metadata: Metadata
    spec: ProductionSpec


class Performer(_Envelope):
    """A performer whose likeness or voice a use can touch."""

    kind: Literal["Performer"]
    metadata: Metadata
    spec: PerformerSpec


class Consent(_Envelope):
    """A performer's consent to uses of their likeness or voice."""

    kind: Literal["Consent"]
    metadata: Metadata
    spec: ConsentSpec


class DigitalReplica(_Envelope):
    """A digital replica of a performer, tracked as a held thing."""

    kind: Literal["DigitalReplica"]
    metadata: Metadata
    spec: DigitalReplicaSpec


class AIUseDeclaration(_Envelope):
    """One intended AI use, declared by production and decided against the standards."""

    kind: Literal["AIUseDeclaration"]
    metadata: DeclarationMetadata
    spec: AIUseDeclarationSpec

    @property
    def key(self) -> str:
        """Declarations are unique per production: `production/id`."""
        return f"{self.metadata.production}/{self.metadata.id}"


class Approval(_Envelope):
    """A written answer to a declaration's decision, given as a document."""

    kind: Literal["Approval"]
    metadata: Metadata
    spec: ApprovalSpec


class StandardsPack(_Envelope):
    """A rule pack as a document: published and versioned in the store."""

    kind: Literal["StandardsPack"]
    metadata: Metadata
    spec: StandardsPackSpec


class StandardsPackTests(_Envelope):
    """A pack's test cases as a document (the `.tests.yaml` beside the pack)."""

    kind: Literal["StandardsPackTests"]
    metadata: Metadata
    spec: StandardsPackTestsSpec


AnyDocument = (
    Production
    | Performer
    | Consent
    | DigitalReplica
    | AIUseDeclaration
    | Approval
    | StandardsPack
    | StandardsPackTests
)
KINDS: dict[str, type[_Envelope]] = {
    "Production": Production,
    "Performer": Performer,
    "Consent": Consent,
    "DigitalReplica": DigitalReplica,
    "AIUseDeclaration": AIUseDeclaration,
    "Approval": Approval,
    "StandardsPack": StandardsPack,
    "StandardsPackTests": StandardsPackTests,
}
_ADAPTER: TypeAdapter[AnyDocument] = TypeAdapter(
    Annotated[AnyDocument, Field(discriminator="kind")]
)


# --- parsing with line numbers -------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only: `NO` (Norway) and `on` must stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class RawDocument:
    """One parsed document before validation, with the line of every key path."""

    file: str
    index: int
    line: int
    data: JsonValue  # as parsed from YAML or JSON
    lines: Mapping[Path_, int]

    def line_of(self, path: Sequence[str | int]) -> int:
        """The line of a key path, or of its nearest parent, so errors point at the right line."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.line


def doc_key(doc: AnyDocument) -> str:
    """The key a document is stored under: declarations are per production; each version of a
    standards pack is its own document."""
    if isinstance(doc, AIUseDeclaration):
        return doc.key
    if isinstance(doc, StandardsPack):
        return f"{doc.id}@{doc.spec.version}"
    return doc.id


def _to_python(node: yaml.Node, path: Path_, lines: dict[Path_, int], loader: _Loader) -> JsonValue:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}  # Any: YAML keys and values, checked below
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _to_python(value_node, (*path, key), lines, loader)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def read_raw(text: str, file: str) -> list[RawDocument]:
    """Split a YAML or JSON stream into raw documents, keeping key lines."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DocumentError(file, exc.lineno, None, f"invalid JSON: {exc.msg}") from None
        items = data if isinstance(data, list) else [data]
        return [RawDocument(file, i, 1, d, {}) for i, d in enumerate(items)]
    loader = _Loader(text)
    docs: list[RawDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            lines: dict[Path_, int] = {}
            data = _to_python(node, (), lines, loader)
            if data is None:
                continue
            docs.append(RawDocument(file, len(docs), node.start_mark.line + 1, data, lines))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DocumentError(file, line, None, f"invalid YAML: {exc.problem}") from None
    finally:
        loader.dispose()
    return docs


def _describe(err: JsonMapping) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling)"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"got {err['input']!r}; expected one of {expected}"
    if kind == "string_pattern_mismatch":
        return f"got {err['input']!r}; expected lowercase [a-z0-9][a-z0-9._-]*"
    if kind == "union_tag_invalid":
        return f"unknown kind {err['input'].get('kind')!r}; expected one of {', '.join(KINDS)}"
    if kind == "union_tag_not_found":
        return f"missing 'kind'; expected one of {', '.join(KINDS)}"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{msg} (got {err['input']!r})" if "input" in err and kind != "value_error" else msg


_MEMBER_TAGS = frozenset({"bool", "str", "int", "float", "date", "none", "list", "dict"})


def _describe_union(errs: Sequence[JsonMapping]) -> str:
    """A field that accepts several forms (true/false/unknown, a date or null…)."""
    expected = []
    for err in errs:
        kind = str(err["type"])
        if kind.startswith("bool"):
            expected.append("true or false")
        elif kind == "literal_error":
            expected.append(str(err.get("ctx", {}).get("expected", "")))
        elif kind.startswith("date"):
            expected.append("a date (YYYY-MM-DD)")
        else:
            expected.append(str(err["msg"]))
    return f"got {errs[0]['input']!r}; expected {' or '.join(expected)}"


def validate(raw: RawDocument) -> AnyDocument:
    """Validate one raw document; the first problem becomes a DocumentError with its line."""
    if not isinstance(raw.data, dict):
        raise DocumentError(raw.file, raw.line, None, "a document must be a mapping")
    try:
        return _ADAPTER.validate_python(raw.data)
    except ValidationError as exc:
        grouped: dict[str, tuple[int, list[JsonValue]]] = {}
        for err in exc.errors():
            # Pydantic adds union member names (`bool`, `literal['unknown']`…) to the location.
            clean = [
                p
                for p in err["loc"]
                if not (isinstance(p, str) and (p in KINDS or p in _MEMBER_TAGS or "[" in p))
                and not (isinstance(p, str) and p.startswith("function-"))
            ]
            key = ".".join(str(p) for p in clean)
            grouped.setdefault(key, (raw.line_of(clean), []))[1].append(err)
        problems = {
            key: (line, _describe(errs[0]) if len(errs) == 1 else _describe_union(errs))
            for key, (line, errs) in grouped.items()
        }
        (first_key, (line, problem)), *others = problems.items()
        doc_id = raw.data.get("metadata", {}).get("id") if isinstance(raw.data, dict) else None
        where = f" (document {raw.index + 1}{f', id {doc_id}' if doc_id else ''})"
        also = "".join(f"; also line {ln}: {k}: {msg}" for k, (ln, msg) in others[:3])
        if len(others) > 3:
            also += f"; and {len(others) - 3} more"
        raise DocumentError(raw.file, line, first_key or None, problem + where + also) from None


def parse_documents(text: str, file: str) -> list[AnyDocument]:
    """Parse every document in a file; any error rejects the whole file."""
    return [validate(raw) for raw in read_raw(text, file)]


def parse_one(data: JsonMapping, file: str = "<data>") -> AnyDocument:
    """Validate an already-decoded document (from JSON over the API or the store)."""
    return validate(RawDocument(file, 0, 1, dict(data), {}))
