"""Matching a declared talent use against the performer's consents, and judging those consents.

Two separate questions, kept apart on purpose so a producer knows what to fix:

* scope (`missing`): does a consent in force today cover this use, replica type, production,
  medium and every territory? The gaps come from the closest consent.
* validity (`invalid_reasons`): is that consent effective under the union agreement and the
  performer's state law (description, form, who signed, death, minority, revocation)?

Each gap and defect is a Finding: a stable code with parameters, which rule packs match, and
a sentence for people. A talent use is covered only when both hold. Whether a use needs
consent at all (the as-scripted, safety and unrecognizable carve-outs) is the standards
engine's decision, made from the `talent[i]` fact built here. Every rule is explained in
docs/consent-matching.md. Pure: the caller passes `today` and the legal parameters of the
packs in force (core.law), so no law is written here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import get_args

from reelproof.core import replicas as _replicas
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import (
    AIUseDeclaration,
    ContractEdition,
    DescriptionLaw,
    Performer,
    Production,
    Talent,
    TalentUse,
)
from reelproof.core.findings import Finding, finding_facts, messages
from reelproof.core.json_types import JsonObject
from reelproof.core.law import LegalParameters
from reelproof.core.standards.facts import Via, performer_fact, touched_talent, unknown_performer
from reelproof.core.territories import covers

# --- scope --------------------------------------------------------------------------------


def scope_gaps(
    record: ConsentRecord,
    talent: Talent,
    *,
    production_id: str,
    medium: str,
    territories: Sequence[str],
    today: dt.date,
) -> list[Finding]:
    """Every element of the use that `record` does not cover on `today` (consent.scope.*,
    consent.term.*).

    Empty lists in a scope grant nothing: `productions: []`, `media: []` and
    `replica_types: []` are never read as "all".
    """
    cid = record.id
    scope = record.consent.spec.scope
    gaps: list[Finding] = []
    if talent.use not in scope.uses:
        gaps.append(
            Finding(
                "consent.scope.use_missing",
                f"consent {cid} does not cover the use '{talent.use}'",
                {"consent": cid, "use": talent.use},
            )
        )
    if talent.replica_type is not None and talent.replica_type not in scope.replica_types:
        gaps.append(
            Finding(
                "consent.scope.replica_type_missing",
                f"consent {cid} does not cover replica type '{talent.replica_type}'",
                {"consent": cid, "replica_type": talent.replica_type},
            )
        )
    if production_id not in scope.productions:
        gaps.append(
            Finding(
                "consent.scope.production_missing",
                f"consent {cid} does not cover production {production_id}",
                {"consent": cid, "production": production_id},
            )
        )
    if medium not in scope.media:
        gaps.append(
            Finding(
                "consent.scope.medium_missing",
                f"consent {cid} does not cover the medium '{medium}'",
                {"consent": cid, "medium": medium},
            )
        )
    for territory in territories:
        if not covers(scope.territories, territory):
            gaps.append(
                Finding(
                    "consent.scope.territory_missing",
                    f"consent {cid} does not cover territory {territory}",
                    {"consent": cid, "territory": territory},
                )
            )
    gaps.extend(_term_gaps(record, today))
    return gaps


def _expired(record: ConsentRecord, today: dt.date, text: str) -> Finding | None:
    expires = record.consent.spec.expires_at
    if expires is None or today <= expires:
        return None
    return Finding(
        "consent.term.expired",
        text.format(cid=record.id, on=expires.isoformat()),
        {"consent": record.id, "on": expires.isoformat()},
    )


def _revoked(record: ConsentRecord, today: dt.date, text: str) -> Finding | None:
    if record.revoked_at is None or record.revoked_at > today:
        return None
    return Finding(
        "consent.term.revoked",
        text.format(cid=record.id, on=_revocation(record)),
        {"consent": record.id, "on": record.revoked_at.isoformat()},
    )


def _term_gaps(record: ConsentRecord, today: dt.date) -> list[Finding]:
    spec = record.consent.spec
    gaps: list[Finding | None] = []
    if today < spec.granted_at:
        gaps.append(
            Finding(
                "consent.term.not_yet_in_force",
                f"consent {record.id} is not in force until {spec.granted_at.isoformat()}",
                {"consent": record.id, "from": spec.granted_at.isoformat()},
            )
        )
    gaps.append(_expired(record, today, "consent {cid} expired on {on}"))
    gaps.append(_revoked(record, today, "consent {cid} was revoked on {on}"))
    return [g for g in gaps if g is not None]


def _revocation(record: ConsentRecord) -> str:
    assert record.revoked_at is not None
    note = f" (note: {record.revocation_note})" if record.revocation_note else ""
    return f"{record.revoked_at.isoformat()}{note}"


# --- validity -----------------------------------------------------------------------------

MIN_DESCRIPTION_WORDS = 6
"""A description shorter than this many words cannot describe a use reasonably specifically."""

BLANKET_PHRASES: tuple[str, ...] = (
    "any and all",
    "all uses",
    "all purposes",
    "any purpose",
    "in perpetuity",
    "perpetual",
    "now known or hereafter",
    "hereafter devised",
    "hereafter developed",
    "hereafter invented",
    "hereafter created",
    "throughout the universe",
    "without limitation",
    "unlimited",
    "all media",
    "any media",
    "any medium",
    "all productions",
    "any production",
)
"""Catch-all wording that describes no particular use: its presence fails the description test."""

_BLANKET = [
    (p, re.compile(r"\b" + r"\s+".join(map(re.escape, p.split())) + r"\b", re.IGNORECASE))
    for p in BLANKET_PHRASES
]
_WORD = re.compile(r"\w+")

_FORM_WORDS = {
    "separate_signed": "a separate signed writing",
    "initialed_clause": "an initialed clause",
    "boilerplate": "boilerplate",
}
# CA and NY keep a provision without a specific description when the use fits the fundamental
# character of the performance as recorded (CA-2602-2); these alterations are that case.
_FITS_RECORDING = frozenset({"as_scripted", "customary_post"})
# Uses a replica provision governs; biometric enrollment keeps reference data, not a replica.
_REPLICA_PROVISION_USES = frozenset(get_args(TalentUse)) - {"biometric_enrollment"}


def _vagueness(description: str) -> tuple[int, str | None] | None:
    """(word count, blanket phrase) when the description fails the test, else None."""
    words = len(_WORD.findall(description))
    if words < MIN_DESCRIPTION_WORDS:
        return words, None
    for phrase, pattern in _BLANKET:
        if pattern.search(description):
            return words, phrase
    return None


def description_problem(description: str) -> str | None:
    """Why a description is not reasonably specific, or None when it passes the test.

    The test is deliberately mechanical so that it can be explained: fewer than
    MIN_DESCRIPTION_WORDS words, or any of BLANKET_PHRASES, fails.
    """
    vague = _vagueness(description)
    if vague is None:
        return None
    words, phrase = vague
    if phrase is None:
        return (
            f"has no reasonably specific description of the intended uses (it has {words} "
            f"word{'s' if words != 1 else ''}; at least {MIN_DESCRIPTION_WORDS} are needed)"
        )
    return (
        "has no reasonably specific description of the intended uses "
        f"(it uses the blanket wording '{phrase}')"
    )


def sag_agreements(production: Production) -> list[str]:
    """The production's SAG-AFTRA agreements: each of them addresses digital replicas."""
    return [u for u in production.spec.unions if u.startswith("sag_aftra")]


def sag_terms(
    production: Production, today: dt.date, law: LegalParameters
) -> ContractEdition | None:
    """Which TV/Theatrical edition applies (the SAG-AFTRA packs' `contract_edition`), or None
    when no pack says.

    The production's principal_photography_start selects the contract; without one, `today`.
    """
    start = production.spec.principal_photography_start or today
    return law.edition("sag_aftra_tv_theatrical", start)


def sag_edition(production: Production, today: dt.date, law: LegalParameters) -> int | None:
    """The year of the TV/Theatrical edition that applies (see sag_terms)."""
    terms = sag_terms(production, today, law)
    return terms.edition if terms else None


def _sag_label(key: str, production: Production, today: dt.date, law: LegalParameters) -> str:
    if key == "sag_aftra_tv_theatrical":
        edition = sag_edition(production, today, law)
        return (
            f"SAG-AFTRA {edition} TV/Theatrical Agreement"
            if edition
            else ("SAG-AFTRA TV/Theatrical Agreement")
        )
    if key == "sag_aftra_interactive":
        return "SAG-AFTRA 2025 Interactive Media Agreement"
    return "SAG-AFTRA 2025 Commercials Contract"


# The catalogue entry behind each agreement's consent-form rule.
_SAG_FORM_RULE = {
    "sag_aftra_tv_theatrical": "SAG23-EBDR-2",
    "sag_aftra_interactive": "IMA25-1",
    "sag_aftra_commercials": "Digital Replica Rider",
}


def invalid_reasons(
    record: ConsentRecord,
    talent: Talent,
    performer: Performer | None,
    production: Production,
    today: dt.date,
    law: LegalParameters,
) -> list[Finding]:
    """Why `record` is not an effective consent for `talent`; each sentence led by its source."""
    reasons: list[Finding | None] = []
    spec = record.consent.spec
    cid = record.id
    reasons.append(
        _expired(
            record,
            today,
            "Consent terms: consent {cid} expired on {on} and authorises no use after that day",
        )
    )
    reasons.append(
        _revoked(
            record,
            today,
            "Consent terms: consent {cid} was revoked on {on} and authorises no use from that day",
        )
    )
    sag = sag_agreements(production)
    if spec.form == "boilerplate" and sag:
        source = " and ".join(
            f"{_sag_label(k, production, today, law)} ({_SAG_FORM_RULE[k]})" for k in sag
        )
        reasons.append(
            Finding(
                "consent.form.boilerplate_under_union",
                f"{source}: consent {cid} is boilerplate; under a SAG-AFTRA "
                "agreement consent to a digital replica must be clear and conspicuous, in a "
                "separate signed writing or a separately signed or initialed provision",
                {"consent": cid, "agreements": sag},
            )
        )
    if performer is None:
        reasons.append(
            Finding(
                "consent.performer.not_recorded",
                f"Performer record: there is no Performer document for {talent.performer}, so "
                f"the rules on domicile, death and minors cannot be checked for consent {cid}; "
                "record the performer",
                {"consent": cid, "performer": talent.performer},
            )
        )
        return [r for r in reasons if r is not None]
    reasons.extend(_description_reasons(record, talent, performer, production, today, law))
    reasons.extend(_grantor_reasons(record, performer, production, today, law))
    return [r for r in reasons if r is not None]


def _representation_gap(
    performer: Performer,
    production: Production,
    form: str,
    counsel_forms: frozenset[str],
    counsel_writing: str,
) -> str | None:
    """None when counsel or a replica-covering union agreement protected the performer."""
    name = performer.spec.name
    rep = performer.spec.representation
    if rep == "counsel":
        if form in counsel_forms:
            return None
        form_words = _FORM_WORDS[form]
        return f"although {name} had counsel, the consent is {form_words}, not {counsel_writing}"
    if rep == "union":
        if sag_agreements(production):
            return None
        return (
            f"although {name} is union-represented, production {production.metadata.id} "
            "is under no SAG-AFTRA agreement, so no collective bargaining agreement covers "
            "the replica terms"
        )
    return f"{name} had neither counsel nor a union agreement covering digital replicas"


def _description_reasons(
    record: ConsentRecord,
    talent: Talent,
    performer: Performer,
    production: Production,
    today: dt.date,
    law: LegalParameters,
) -> list[Finding]:
    """CA §927, NY §5-302, IL HB 4762 (the packs' `description_law`): a vague replica
    provision without counsel or union fails.

    The finding's `laws` parameter names every jurisdiction whose law the defect falls
    under: the domicile's, or all those in force when the domicile is unknown.
    """
    if talent.use not in _REPLICA_PROVISION_USES:
        return []
    spec = record.consent.spec
    vague = _vagueness(spec.description)
    problem = description_problem(spec.description)
    if vague is None or problem is None:
        return []
    cid = record.id
    domicile = performer.spec.domicile
    params: JsonObject = {
        "consent": cid,
        "domicile": domicile,
        "words": vague[0],
        "blanket": vague[1],
        "representation": performer.spec.representation,
        "form": spec.form,
    }

    def in_force(d: DescriptionLaw) -> bool:
        return (spec.granted_at if d.applies_by == "grant_date" else today) >= d.in_force

    if domicile is not None and domicile in law.description_laws:
        d = law.description_laws[domicile]
        if not in_force(d) or (d.fits_recording_exempt and talent.alteration in _FITS_RECORDING):
            return []
        gap = _representation_gap(
            performer, production, spec.form, frozenset(d.counsel_forms), d.counsel_writing
        )
        if gap is None:
            return []
        return [
            Finding(
                "consent.description.not_specific",
                f"{d.source}: consent {cid} {problem}, and {gap}, so {d.verdict}",
                {**params, "laws": [domicile]},
            )
        ]
    laws = [d for _, d in sorted(law.description_laws.items()) if in_force(d)]
    if domicile not in (None, "US") or not laws:
        return []
    # Unknown domicile: the strictest of the laws that could apply.
    strictest = min(laws, key=lambda d: len(d.counsel_forms))
    forms = frozenset.intersection(*(frozenset(d.counsel_forms) for d in laws))
    gap = _representation_gap(performer, production, spec.form, forms, strictest.counsel_writing)
    if gap is None:
        return []
    where = "no domicile" if domicile is None else "no US state as domicile"
    sources = [d.source for d in laws]
    named = sources[0] if len(sources) == 1 else ", ".join(sources[:-1]) + " and " + sources[-1]
    return [
        Finding(
            "consent.description.not_specific",
            f"Performer record: {performer.spec.name} has {where} on record, so {named} "
            f"cannot be ruled out; consent {cid} {problem}, and {gap}",
            {**params, "laws": [d.jurisdiction for d in laws]},
        )
    ]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def post_mortem_source(performer: Performer, today: dt.date, law: LegalParameters) -> str | None:
    """The domicile state's post-mortem right (the packs' `post_mortem`) that still runs on
    `today`, or None.

    An unknown date of death keeps the right running (unknown is never the safe answer).
    """
    right = law.post_mortem.get(performer.spec.domicile or "")
    if right is None:
        return None
    died = performer.spec.date_of_death
    if right.years is None or died is None or today <= _add_years(died, right.years):
        return right.source
    return None


def _grantor_reasons(
    record: ConsentRecord,
    performer: Performer,
    production: Production,
    today: dt.date,
    law: LegalParameters,
) -> list[Finding]:
    """Who may consent: the performer in life (a parent or guardian for a minor); after death
    the estate or an authorized representative, the union only where no estate exists."""
    spec = record.consent.spec
    cid = record.id
    ids = {"consent": cid, "granted_by": spec.granted_by}
    p = performer.spec
    name = p.name
    by = spec.granted_by
    sag = sag_agreements(production)
    dead = p.deceased or p.date_of_death is not None  # a date of death alone is enough
    if dead and p.date_of_death is None:
        alive_at_grant: bool | None = None
    else:
        alive_at_grant = not dead or (
            p.date_of_death is not None and spec.granted_at < p.date_of_death
        )

    if alive_at_grant:
        if by in ("estate", "union"):
            return [
                Finding(
                    "consent.grantor.not_performer_in_life",
                    f"Consent record: consent {cid} was given by the {by} on "
                    f"{spec.granted_at.isoformat()}, but {name} was alive then; a living "
                    "performer consents personally (a minor through a parent or guardian)",
                    ids,
                )
            ]
        if p.minor and not dead and by == "performer":
            edition = sag_edition(production, today, law) or 0
            sag26 = "sag_aftra_tv_theatrical" in sag and edition >= 2026
            if sag26:
                source = "SAG-AFTRA 2026 TV/Theatrical Agreement (SAG26-5, minors; detail [U])"
            else:
                source = "Contract law on minors (a minor's own signature can be disaffirmed)"
            return [
                Finding(
                    "consent.grantor.minor_signed",
                    f"{source}: consent {cid} was given by {name}, who is a minor; a minor's "
                    "consent must be given by a parent or guardian (granted_by: "
                    "authorized_representative)",
                    {**ids, "sag_edition": 2026 if sag26 else None},
                )
            ]
        return []

    # The deceased-performer rule is catalogued for TV/Theatrical (SAG23-DEC-1); the other
    # SAG-AFTRA agreements are cited by name, on the assumption that they follow it.
    sources = [
        _sag_label(k, production, today, law)
        + (" (SAG23-DEC-1)" if k == "sag_aftra_tv_theatrical" else "")
        for k in sag
    ]
    state = post_mortem_source(performer, today, law)
    if state is not None:
        sources.append(state)
    source = " and ".join(sources) or "Consent record"
    if by == "performer":
        if alive_at_grant is None:
            return [
                Finding(
                    "consent.grantor.death_date_unknown",
                    f"Performer record: {name} is recorded as deceased without a date of "
                    f"death, so it cannot be shown that consent {cid} (given by the performer "
                    f"on {spec.granted_at.isoformat()}) was given in life; record the date of "
                    "death or obtain consent from the estate or an authorized representative",
                    ids,
                )
            ]
        assert p.date_of_death is not None
        return [
            Finding(
                "consent.grantor.after_death",
                f"{source}: consent {cid} is recorded as given by the performer on "
                f"{spec.granted_at.isoformat()}, after {name} died on "
                f"{p.date_of_death.isoformat()}; after death consent must come from the estate "
                "or an authorized representative (the union only where no estate can be "
                "identified)",
                {
                    **ids,
                    "granted_at": spec.granted_at.isoformat(),
                    "date_of_death": p.date_of_death.isoformat(),
                    "post_mortem_right": state is not None,
                },
            )
        ]
    if by == "union":
        if not sag:
            return [
                Finding(
                    "consent.grantor.union_without_agreement",
                    "SAG-AFTRA 2023 TV/Theatrical Agreement (SAG23-DEC-1): consent "
                    f"{cid} was given by the union, but production {production.metadata.id} "
                    "is under no SAG-AFTRA agreement; the union may consent for a deceased "
                    "performer only under one",
                    ids,
                )
            ]
        if p.estate_contact:
            return [
                Finding(
                    "consent.grantor.union_while_estate_exists",
                    f"{source}: consent {cid} was given by the union, but {name}'s estate can "
                    f"be reached ({p.estate_contact}); the union may consent for a deceased "
                    "performer only when no estate or authorized representative can be "
                    "identified",
                    ids,
                )
            ]
    return []


# --- matching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TalentMatch:
    """The outcome for one talent entry: the closest consent, its gaps and its defects."""

    talent: Talent
    performer: Performer | None
    consent: ConsentRecord | None
    gaps: tuple[Finding, ...]
    defects: tuple[Finding, ...]
    today: dt.date
    replica: _replicas.ReplicaRecord | None = None
    replica_problems: tuple[Finding, ...] = ()
    via: Via = "talent"  # how the use touches the performer (facts.touched_talent)

    @property
    def missing(self) -> tuple[str, ...]:
        """The scope gaps in words (for display; rules read `findings`)."""
        return tuple(messages(self.gaps))

    @property
    def invalid_reasons(self) -> tuple[str, ...]:
        """Why the consent is not effective, in words (for display; rules read `findings`)."""
        return tuple(messages(self.defects))

    @property
    def replica_findings(self) -> tuple[str, ...]:
        """What is wrong with the replica, in words (for display; rules read `findings`)."""
        return tuple(messages(self.replica_problems))

    @property
    def in_scope(self) -> bool:
        """A consent in force covers every element of the use (validity aside)."""
        return self.consent is not None and not self.gaps

    @property
    def valid(self) -> bool:
        """The chosen consent exists and nothing makes it ineffective."""
        return self.consent is not None and not self.defects

    @property
    def covered(self) -> bool:
        """Scope covers AND the consent is valid: the only state in which the use is consented."""
        return self.in_scope and self.valid

    def to_fact(self) -> JsonObject:
        """The `talent[i]` fact the standards engine reads in CEL (plain JSON types only)."""
        t = self.talent
        record = self.consent
        compensation: JsonObject | None = None
        if record is not None:
            c = record.consent.spec.compensation
            compensation = {"basis": c.basis, "amount": c.amount, "currency": c.currency}
        return {
            "performer_id": t.performer,
            "via": self.via,
            "use": t.use,
            "replica_type": t.replica_type,
            "alteration": t.alteration,
            "exception": t.exception,
            "performer": _performer_fact(t.performer, self.performer),
            "consent": {
                "covered": self.covered,
                "id": record.id if record else None,
                "missing": list(self.missing),
                "valid": self.valid,
                "invalid_reasons": list(self.invalid_reasons),
                "granted_by": record.consent.spec.granted_by if record else None,
                "form": record.consent.spec.form if record else None,
                "compensation": compensation,
            },
            "replica": {
                "id": self.replica.id if self.replica else None,
                "findings": finding_facts(self.replica_problems),
                "messages": list(self.replica_findings),
            },
            "findings": finding_facts(self.gaps, self.defects, self.replica_problems),
        }


def _performer_fact(performer_id: str, performer: Performer | None) -> JsonObject:
    """The same `performer` fact the standards engine builds, so packs see one shape."""
    return unknown_performer(performer_id) if performer is None else performer_fact(performer)


def use_territories(declaration: AIUseDeclaration, production: Production) -> list[str]:
    """Where the use is distributed: the declaration's territories, else the production's."""
    return list(declaration.spec.territories or production.spec.territories)


def match_talent(
    talent: Talent,
    declaration: AIUseDeclaration,
    production: Production,
    performer: Performer | None,
    consents: Sequence[ConsentRecord],
    today: dt.date,
    *,
    law: LegalParameters,
    replicas: Sequence[_replicas.ReplicaRecord] = (),
) -> TalentMatch:
    """Find the performer's best consent for one talent entry and say what is missing.

    The best consent is the one with the fewest scope gaps, then the fewest invalid reasons,
    then the most recently granted, then the smallest id, so the answer is deterministic.
    Consents of other performers are ignored. When `replicas` are given, the replica the entry
    uses (see replicas.find_replica_for) and its findings are attached.
    """
    production_id = declaration.metadata.production
    if production.metadata.id != production_id:
        raise ValueError(
            f"declaration {declaration.key} belongs to production {production_id}, "
            f"not {production.metadata.id}"
        )
    if performer is not None and performer.metadata.id != talent.performer:
        raise ValueError(
            f"performer {performer.metadata.id} passed for talent entry {talent.performer}"
        )
    territories = use_territories(declaration, production)
    best: tuple[tuple[int, int, int, str], ConsentRecord, list[Finding], list[Finding]] | None = (
        None
    )
    for record in consents:
        if record.performer != talent.performer:
            continue
        gaps = scope_gaps(
            record,
            talent,
            production_id=production_id,
            medium=declaration.spec.media,
            territories=territories,
            today=today,
        )
        reasons = invalid_reasons(record, talent, performer, production, today, law)
        key = (len(gaps), len(reasons), -record.consent.spec.granted_at.toordinal(), record.id)
        if best is None or key < best[0]:
            best = (key, record, gaps, reasons)

    replica = _replicas.find_replica_for(talent, replicas, production_id=production_id, today=today)
    problems: tuple[Finding, ...] = ()
    if replica is not None:
        problems = tuple(
            _replicas.replica_findings(replica, talent, production_id, consents, today)
        )
    if best is None:
        none = Finding(
            "consent.none_on_record",
            f"no consent on record for performer {talent.performer}",
            {"performer": talent.performer},
        )
        return TalentMatch(talent, performer, None, (none,), (), today, replica, problems)
    _, record, gaps, reasons = best
    return TalentMatch(
        talent, performer, record, tuple(gaps), tuple(reasons), today, replica, problems
    )


def match_declaration(
    declaration: AIUseDeclaration,
    production: Production,
    performers: Sequence[Performer],
    consents: Sequence[ConsentRecord],
    today: dt.date,
    *,
    law: LegalParameters,
    replicas: Sequence[_replicas.ReplicaRecord] = (),
) -> list[TalentMatch]:
    """match_talent for every performer the use touches (facts.touched_talent), in order:
    the `talent` list, then the indirectly named performers."""
    by_id = {p.metadata.id: p for p in performers}
    return [
        replace(
            match_talent(
                t,
                declaration,
                production,
                by_id.get(t.performer),
                consents,
                today,
                law=law,
                replicas=replicas,
            ),
            via=via,
        )
        for t, via in touched_talent(declaration)
    ]


def touched_performers(declaration: AIUseDeclaration) -> list[str]:
    """The ids of every performer the use touches, once each."""
    return list(dict.fromkeys(t.performer for t, _ in touched_talent(declaration)))


# --- compensation -------------------------------------------------------------------------

_USES_OF_REPLICA = frozenset({"replica_use", "voice_replica", "dubbing"})


def _money(amount: float | None, currency: str | None) -> str:
    if amount is None:
        return "(amount not recorded)"
    number = f"{int(amount)}" if float(amount).is_integer() else f"{amount:.2f}"
    return f"{currency} {number}" if currency else number


def compensation_owed(
    match: TalentMatch, production: Production, law: LegalParameters
) -> list[str]:
    """What must be paid for the use: the consent's own terms, then the union floors (the
    `pay_floors` of the SAG-AFTRA edition that applies, from its pack).

    Descriptive only: the lines say what the consent and the production's SAG-AFTRA agreement
    call for; they are not a payroll calculation.
    """
    t = match.talent
    sag = sag_agreements(production)
    terms = sag_terms(production, match.today, law) if "sag_aftra_tv_theatrical" in sag else None
    label = f"SAG-AFTRA {terms.edition}" if terms else ""
    floor = terms.pay_floors.get(t.replica_type) if terms and t.replica_type else None
    replica_use = t.use in _USES_OF_REPLICA
    ebdr = floor if t.replica_type == "employment_based" and replica_use else None
    ebdr_line = (
        f"{label} EBDR floor ({ebdr.rule}): pay for the days the performer would have worked, "
        f"at {ebdr.floor}"
        if ebdr
        else ""
    )
    lines: list[str] = []
    if match.consent is not None:
        cid = match.consent.id
        c = match.consent.consent.spec.compensation
        per = "per day of replica use" if replica_use else "per day"
        if c.basis == "day_rate":
            line = f"day rate {_money(c.amount, c.currency)} {per}"
            lines.append(line + (f" ({label} EBDR floor: {ebdr.floor})" if ebdr else ""))
        elif c.basis == "flat":
            lines.append(f"flat fee {_money(c.amount, c.currency)} under consent {cid}")
        elif c.basis == "scale":
            lines.append(f"union scale {per} under consent {cid}")
        else:
            lines.append(f"consent {cid} records no compensation")
        if ebdr and c.basis != "day_rate":
            lines.append(ebdr_line)
    elif ebdr:
        lines.append(ebdr_line)
    if ebdr:
        lines.append(
            f"residuals as if the performer had performed in person ({label}, {ebdr.rule})"
        )
    if terms and t.use == "replica_creation" and t.replica_type in (None, "employment_based"):
        lines.append("time spent creating the replica is paid work (SAG-AFTRA 2023, SAG23-EBDR-2)")
    # Independently created replicas are paid per use; a background scan is paid as such.
    other = floor if t.replica_type != "employment_based" else None
    if other and (replica_use or t.replica_type == "background_actor"):
        lines.append(f"{label} ({other.rule}): {other.floor}")
    if "sag_aftra_interactive" in sag and replica_use:
        lines.append(
            "SAG-AFTRA 2025 Interactive Media Agreement (IMA25-5): replica-generated "
            "performances that replace the performer's services are paid, with disclosure "
            "and usage reports (amounts unverified [U])"
        )
    return lines
