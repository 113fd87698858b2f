"""The reelproof/v1 documents (spec/formats.md) as strict, typed models.

Unknown keys are errors: a typo must never silently change a decision. Parsing keeps the
line of every key so an error can name the file, the line and the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeAlias, get_args

import pycountry
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from yaml.resolver import BaseResolver

from reelproof.core import territories
from reelproof.core.errors import DocumentError
from reelproof.core.json_types import JsonMapping, JsonObject, JsonValue

API_VERSION = "reelproof/v1"
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_TERRITORY = re.compile(r"^(?:[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3}|EU|WORLD)$")
_TERRITORY_EXPECTED = (
    "expected an ISO 3166-1 alpha-2 code (FR), an ISO 3166-2 subdivision (US-CA), EU or WORLD"
)


def _territory(value: str) -> str:
    if not _TERRITORY.match(value):
        raise ValueError(f"'{value}' is not a territory; {_TERRITORY_EXPECTED}")
    country = territories.country_of(value)
    if country is not None and country not in territories.COUNTRIES:
        raise ValueError(f"'{country}' is not an ISO 3166-1 country; {_TERRITORY_EXPECTED}")
    if country is not None and value != country and not _is_subdivision(value):
        raise ValueError(f"'{value}' is not an ISO 3166-2 subdivision of {country}")
    return value


def _is_subdivision(code: str) -> bool:
    return code in _subdivision_codes()


@functools.cache
def _subdivision_codes() -> frozenset[str]:
    """Every ISO 3166-2 code, read straight from pycountry's data (the file its own lookup
    reads): that lookup builds an object per subdivision (5,000) and its indexes, three times
    the cost, in every process that validates a subdivision."""
    db = pycountry.subdivisions
    with open(db.filename, encoding="utf-8") as fh:
        return frozenset(entry["code"] for entry in json.load(fh)[db.root_key])


def _currency(value: str) -> str:
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code; expected e.g. USD, EUR, GBP")
    return value


# Studios with a standards pack of their own (or a well-known id a pack may target). A typo
# such as `netflixx` would silently select no studio pack, so any other studio is written
# `custom:<id>` to say it is meant.
CUSTOM_STUDIO = "custom:"
KNOWN_STUDIOS = frozenset(
    {
        "netflix",
        "amazon-mgm",
        "apple-tv",
        "disney",
        "lionsgate",
        "nbcuniversal",
        "paramount",
        "sony-pictures",
        "warner-bros-discovery",
    }
)


def _studio(value: str) -> str:
    custom = value.removeprefix(CUSTOM_STUDIO)
    if custom != value:
        if not re.match(ID_PATTERN, custom):
            raise ValueError(f"'{custom}' is not an id; expected lowercase [a-z0-9][a-z0-9._-]*")
        return value
    if value not in KNOWN_STUDIOS:
        close = difflib.get_close_matches(value, KNOWN_STUDIOS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(
            f"unknown studio '{value}'{hint}; expected one of {', '.join(sorted(KNOWN_STUDIOS))}"
            f", or '{CUSTOM_STUDIO}{value}' for a studio of your own"
        )
    return value


Id = Annotated[str, Field(pattern=ID_PATTERN)]
Territory = Annotated[str, AfterValidator(_territory)]
Currency = Annotated[str, AfterValidator(_currency)]
Amount = Annotated[StrictFloat, Field(ge=0, allow_inf_nan=False)]
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
    studio: Annotated[str, AfterValidator(_studio)]
    unions: list[UnionKey] = []
    territories: Annotated[list[Territory], Field(min_length=1)]
    principal_photography_start: dt.date | None = None
    strike_in_progress: StrictBool = False
    # Release date per distribution territory: the delivery check decides each territory
    # under the rules in force on its release date (a territory left out: the check's day).
    release_dates: dict[Territory, dt.date] = {}

    @model_validator(mode="after")
    def _released_where_distributed(self) -> ProductionSpec:
        extra = sorted(set(self.release_dates) - set(self.territories))
        if extra:
            raise ValueError(
                f"release_dates names {', '.join(extra)}, which is not among the production's "
                f"territories ({', '.join(self.territories)})"
            )
        return self


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
    amount: Amount | None = None
    currency: Currency | None = None


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

    @model_validator(mode="after")
    def _expires_after_grant(self) -> ConsentSpec:
        if self.expires_at is not None and self.expires_at < self.granted_at:
            raise ValueError(
                f"expires_at {self.expires_at} is before granted_at {self.granted_at}; "
                "a consent cannot end before it is given"
            )
        return self


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


class Work(_Strict):
    """Hours and money (in the production's currency) one piece of work took or would take."""

    hours: Amount
    cost: Amount | None = None


class Effort(_Strict):
    """The production's estimate of a use without AI and what it took with it: the efficiency a
    pilot programme measures. `department` groups it (default: the declaration's stage)."""

    estimate_without_ai: Work
    actual_with_ai: Work
    department: Id | None = None

    @model_validator(mode="after")
    def _costs_given_together(self) -> Effort:
        if (self.estimate_without_ai.cost is None) != (self.actual_with_ai.cost is None):
            raise ValueError(
                "give cost in both estimate_without_ai and actual_with_ai, or in neither; "
                "a saving needs both sides"
            )
        return self


class EffortRecordSpec(Effort):
    """Effort recorded after the fact, for a use or one asset of it, without editing the
    declaration (an edit would put an approved use back into review)."""

    production: Id
    declaration: Id
    asset: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


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
    # Optional, for pilot programmes; left out of the stored content when absent, so a
    # declaration without it is byte for byte what it was before pilots existed.
    effort: Effort | None = Field(default=None, exclude_if=lambda v: v is None)


# --- Approval -----------------------------------------------------------------------------


class ApprovalSpec(_Strict):
    """A written approval or refusal given outside reelproof, recorded as a document."""

    declaration: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$")]
    decision: Literal["approved", "rejected"]
    by: str
    at: dt.date
    conditions: str | None = None


# --- Pilot programmes, surveys, contributions (docs/pilots.md) ------------------------------

Metric = Literal["hours_saved", "cost_saved", "cycle_time", "rework", "satisfaction"]
SurveyRole = Literal[
    "writer",
    "director",
    "performer",
    "vfx",
    "editor",
    "producer",
    "sound",
    "art",
    "crew",
    "other",
]
PSEUDONYM_PATTERN = r"^p-[0-9a-f]{16}$"
Share = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class Period(_Strict):
    """The days a pilot runs: what falls inside is measured."""

    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"to {self.end} is before from {self.start}")
        return self


class PilotProgrammeSpec(_Strict):
    """Which productions try which standards versions, against which comparison productions,
    measured on which metrics: the frame every pilot metric is computed in."""

    title: str
    period: Period
    productions: Annotated[list[Id], Field(min_length=1)]
    comparison: list[Id] = []
    standards: dict[Id, str] = {}
    metrics: list[Metric] = ["hours_saved", "cost_saved", "cycle_time", "rework", "satisfaction"]
    targets: dict[Metric, StrictFloat] = {}

    @model_validator(mode="after")
    def _consistent(self) -> PilotProgrammeSpec:
        both = sorted(set(self.productions) & set(self.comparison))
        if both:
            raise ValueError(
                f"{', '.join(both)} is both in the pilot and a comparison production; "
                "a production is in one arm only"
            )
        unmeasured = sorted(set(self.targets) - set(self.metrics))
        if unmeasured:
            raise ValueError(f"targets name {', '.join(unmeasured)}, which is not in metrics")
        return self


class LikertScale(_Strict):
    """The answers a Likert question allows, from `min` (worst) to `max` (best)."""

    min: Annotated[int, Field(ge=0)] = 1
    max: Annotated[int, Field(le=10)] = 5
    low: str = "strongly disagree"
    high: str = "strongly agree"

    @model_validator(mode="after")
    def _ordered(self) -> LikertScale:
        if self.max <= self.min:
            raise ValueError(f"max {self.max} must be above min {self.min}")
        return self


class SurveyQuestion(_Strict):
    """One question: a Likert scale or free text; `rules` are the rule ids it asks about."""

    id: Id
    text: str
    type: Literal["likert", "free_text"]
    scale: LikertScale | None = None
    rules: list[str] = []

    @model_validator(mode="after")
    def _scale_for_likert(self) -> SurveyQuestion:
        if self.type == "free_text" and self.scale is not None:
            raise ValueError(f"question {self.id!r} is free text; it takes no scale")
        return self

    @property
    def likert(self) -> LikertScale:
        """The question's scale (the default 1-5 when none is given)."""
        return self.scale or LikertScale()


class SatisfactionSurveySpec(_Strict):
    """A creative-satisfaction survey sent to roles; its results are shown only for groups of
    at least five respondents."""

    title: str
    pilot: Id | None = None
    roles: Annotated[list[SurveyRole], Field(min_length=1)]
    questions: Annotated[list[SurveyQuestion], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_questions(self) -> SatisfactionSurveySpec:
        ids = [q.id for q in self.questions]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"question id {', '.join(twice)} is given twice")
        return self


class SurveyResponseSpec(_Strict):
    """One respondent's answers, under a pseudonym (never a name): `p-` and 16 hex digits."""

    survey: Id
    respondent: Annotated[str, Field(pattern=PSEUDONYM_PATTERN)]
    role: SurveyRole
    production: Id
    answers: dict[Id, int | str]
    submitted_at: dt.date | None = None


class HumanPart(_Strict):
    """A person's part in an element, scene or asset, by role, as they would be credited."""

    role: str
    name: str
    did: str = ""
    share: Share


class AIPart(_Strict):
    """An AI tool's part in an element, scene or asset."""

    tool: str
    did: str = ""
    share: Share


class ContributionSpec(_Strict):
    """Who did what on one element, scene or asset: the human roles and the AI tools, and the
    declaration the AI work falls under. Shares are percentages of the work and add to 100."""

    production: Id
    subject: Literal["element", "scene", "asset"]
    ref: str
    department: Id
    declaration: Id | None = None
    humans: list[HumanPart] = []
    ai: list[AIPart] = []

    @model_validator(mode="after")
    def _shares_add_up(self) -> ContributionSpec:
        shares = [p.share for p in self.humans] + [p.share for p in self.ai]
        if not shares:
            raise ValueError("name at least one human or AI contribution")
        total = sum(shares)
        if abs(total - 100) > 0.01:
            raise ValueError(f"shares add to {total:g}; they are percentages and must add to 100")
        if self.ai and self.declaration is None:
            raise ValueError("AI work needs the declaration it falls under (declaration: ID)")
        return self


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


class PilotProgramme(_Envelope):
    """A pilot of the standards: pilot and comparison productions, period, metrics, targets."""

    kind: Literal["PilotProgramme"]
    metadata: Metadata
    spec: PilotProgrammeSpec


class EffortRecord(_Envelope):
    """A use's (or one asset's) effort without and with AI, applied after the declaration."""

    kind: Literal["EffortRecord"]
    metadata: Metadata
    spec: EffortRecordSpec


class SatisfactionSurvey(_Envelope):
    """A survey of creative satisfaction, per role."""

    kind: Literal["SatisfactionSurvey"]
    metadata: Metadata
    spec: SatisfactionSurveySpec


class SurveyResponse(_Envelope):
    """One pseudonymous respondent's answers to a survey."""

    kind: Literal["SurveyResponse"]
    metadata: Metadata
    spec: SurveyResponseSpec


class Contribution(_Envelope):
    """A creator's record of who did what, human and AI, on one element, scene or asset."""

    kind: Literal["Contribution"]
    metadata: Metadata
    spec: ContributionSpec


AnyDocument = (
    Production
    | Performer
    | Consent
    | DigitalReplica
    | AIUseDeclaration
    | Approval
    | StandardsPack
    | StandardsPackTests
    | PilotProgramme
    | EffortRecord
    | SatisfactionSurvey
    | SurveyResponse
    | Contribution
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
    "PilotProgramme": PilotProgramme,
    "EffortRecord": EffortRecord,
    "SatisfactionSurvey": SatisfactionSurvey,
    "SurveyResponse": SurveyResponse,
    "Contribution": Contribution,
}
_ADAPTER: TypeAdapter[AnyDocument] = TypeAdapter(
    Annotated[AnyDocument, Field(discriminator="kind")]
)


# --- parsing with line numbers -------------------------------------------------------------

# Limits checked while a document is built, so a hostile file fails fast and small: the text
# itself, nesting (a recursive alias is infinitely deep) and the values built, aliases
# counted each time they are used (a "billion laughs" file is tiny but expands without end).
MAX_TEXT_CHARS = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000
# C0 controls other than tab, newline and carriage return, DEL, and lone surrogates (which
# cannot be stored or written as UTF-8): never meaningful in a document's text.
_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _yaml12_resolvers(base: type[BaseResolver]) -> dict[Any, Any]:
    """YAML 1.2 booleans only (`NO` for Norway and `on` stay strings), and no implicit
    timestamps: a date stays text until the model validates it, so `2026-02-30` is a clear
    error naming its key instead of an exception from the YAML library."""
    dropped = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
    return {
        first: [(tag, rx) for tag, rx in resolvers if tag not in dropped]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }


_CLoader: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
_LoaderBase: type[yaml.SafeLoader] = _CLoader or yaml.SafeLoader


class _Loader(_LoaderBase):  # type: ignore[valid-type, misc]
    """libyaml's parser where installed (ten times faster), with the YAML 1.2 resolvers."""


_Loader.yaml_implicit_resolvers = _yaml12_resolvers(yaml.SafeLoader)
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
    data: Any  # parsed YAML/JSON: any shape until validated
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
    """The key a document is stored under: declarations, effort and contribution records are
    per production; each version of a standards pack is its own document."""
    if isinstance(doc, AIUseDeclaration):
        return doc.key
    if isinstance(doc, StandardsPack):
        return f"{doc.id}@{doc.spec.version}"
    if isinstance(doc, Contribution | EffortRecord):
        return f"{doc.spec.production}/{doc.id}"
    return doc.id


def _key_text(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "(document)"


class _Builder:
    """Turns YAML nodes into plain data, refusing duplicate keys and enforcing the limits."""

    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        # id(node) -> (values it expands to, levels below it): an alias reuses its node, so
        # measuring each node once sizes a "billion laughs" file without expanding it.
        self.measured: dict[int, tuple[int, int]] = {}

    def fail(self, node: yaml.Node, path: Path_, problem: str) -> DocumentError:
        return DocumentError(self.file, node.start_mark.line + 1, _key_text(path), problem)

    def measure(self, node: yaml.Node, active: set[int] | None = None) -> tuple[int, int]:
        """Size and height of what `node` expands to, refused past the limits before any
        value is built (the recursion stops at MAX_DEPTH)."""
        key = id(node)
        if key in self.measured:
            return self.measured[key]
        active = set() if active is None else active
        if key in active or len(active) > MAX_DEPTH:
            raise self.fail(node, (), f"nested deeper than {MAX_DEPTH} levels (a recursive alias?)")
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        active.add(key)
        size, height = 1, 0
        for child in children:
            child_size, child_height = self.measure(child, active)
            size, height = size + child_size, max(height, child_height + 1)
        active.discard(key)
        if size > MAX_NODES:
            raise self.fail(
                node,
                (),
                f"expands to more than {MAX_NODES:,} values (aliases counted each time "
                "they are used); is an alias expanding without end?",
            )
        if height > MAX_DEPTH:
            raise self.fail(node, (), f"nested deeper than {MAX_DEPTH} levels")
        self.measured[key] = (size, height)
        return size, height

    def build(self, node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, path, "a key must be plain text, not a list or map")
                key = str(self.scalar(key_node, path))
                if key in out:
                    first = lines[(*path, key)]
                    raise self.fail(
                        key_node, (*path, key), f"duplicate key (first given on line {first})"
                    )
                lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, (*path, key), lines)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), lines) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Path_) -> Any:
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError) as exc:
            raise self.fail(node, path, f"invalid value: {exc}") from None
        return _checked_scalar(value, lambda problem: self.fail(node, path, problem))


def _checked_scalar(value: Any, fail: Callable[[str], DocumentError]) -> Any:
    """Numbers must be finite and text printable, whatever the key (stored data is JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise fail(f"got {value!r}; expected a finite number (.nan and .inf are not numbers)")
    if isinstance(value, str):
        bad = _BAD_CHAR.search(value)
        if bad:
            raise fail(
                f"text holds the control character or lone surrogate U+{ord(bad.group()):04X} "
                f"at position {bad.start()}; remove it"
            )
    return value


def _check_json(data: Any, file: str) -> None:
    """The same limits and checks for JSON input, walked without recursion."""
    stack: list[tuple[Any, Path_]] = [(data, ())]
    while stack:
        value, path = stack.pop()

        def fail(problem: str, path: Path_ = path) -> DocumentError:
            return DocumentError(file, None, _key_text(path), problem)

        if len(path) > MAX_DEPTH:
            raise fail(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for k in value:
                _checked_scalar(k, fail)
            stack.extend((v, (*path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        else:
            _checked_scalar(value, fail)


def _duplicate_json_keys(file: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise DocumentError(file, None, key, "duplicate key in a JSON object")
            out[key] = value
        return out

    return pairs


def _read_json(text: str, file: str) -> list[RawDocument]:
    try:
        data = json.loads(text, object_pairs_hook=_duplicate_json_keys(file))
    except json.JSONDecodeError as exc:
        raise DocumentError(file, exc.lineno, None, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise DocumentError(file, None, None, f"nested deeper than {MAX_DEPTH} levels") from None
    _check_json(data, file)
    items = data if isinstance(data, list) else [data]
    return [RawDocument(file, i, 1, d, {}) for i, d in enumerate(items)]


def read_raw(text: str, file: str) -> list[RawDocument]:
    """Split a YAML or JSON stream into raw documents, keeping key lines."""
    if len(text) > MAX_TEXT_CHARS:
        raise DocumentError(
            file, None, None, f"larger than {MAX_TEXT_CHARS // (1024 * 1024)} MiB; split it"
        )
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        return _read_json(text, file)
    loader = _Loader(text)
    builder = _Builder(file, loader)
    docs: list[RawDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            lines: dict[Path_, int] = {}
            builder.measure(node)
            data = builder.build(node, (), lines)
            if data is None:
                continue
            docs.append(RawDocument(file, len(docs), node.start_mark.line + 1, data, lines))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DocumentError(file, line, None, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:  # the reader's errors (e.g. a NUL byte) carry no mark
        raise DocumentError(file, None, None, f"invalid YAML: {exc}") from None
    except RecursionError:  # the pure-Python composer, without libyaml's own depth limit
        raise DocumentError(file, None, None, f"nested deeper than {MAX_DEPTH} levels") from None
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
        metadata = raw.data.get("metadata")
        doc_id = metadata.get("id") if isinstance(metadata, dict) else None
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
