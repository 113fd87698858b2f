"""Findings: what the consent, validity and replica checks found, as stable codes.

A finding carries a code from CODES, parameters (plain JSON values) and a sentence for
people. Rule packs match the code and the parameters, never the sentence, so rewording a
message can never change a legal outcome; the sentence is for display and message
templates only. docs/consent-matching.md lists every code with its parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from reelproof.core.json_types import JsonObject

Param: TypeAlias = str | int | bool | list[str] | None

CODES: dict[str, str] = {
    # scope: what the closest consent does not cover (consent.missing)
    "consent.none_on_record": "no consent of the performer is on record",
    "consent.scope.use_missing": "the consent does not cover the talent use",
    "consent.scope.replica_type_missing": "the consent does not cover the replica type",
    "consent.scope.production_missing": "the consent does not cover the production",
    "consent.scope.medium_missing": "the consent does not cover the medium",
    "consent.scope.territory_missing": "the consent does not cover a territory",
    "consent.term.not_yet_in_force": "the consent is not in force yet",
    "consent.term.expired": "the consent has expired",
    "consent.term.revoked": "the consent was revoked",
    # validity: why the consent is not effective (consent.invalid_reasons)
    "consent.form.boilerplate_under_union": "boilerplate consent under a SAG-AFTRA agreement",
    "consent.performer.not_recorded": "no Performer document, so validity cannot be checked",
    "consent.description.not_specific": "no reasonably specific description, no counsel or union",
    "consent.grantor.not_performer_in_life": "estate or union consented for a living performer",
    "consent.grantor.minor_signed": "a minor signed personally",
    "consent.grantor.death_date_unknown": "deceased, no date of death: consent in life unshown",
    "consent.grantor.after_death": "recorded as given by the performer after their death",
    "consent.grantor.union_without_agreement": "the union consented without a SAG-AFTRA agreement",
    "consent.grantor.union_while_estate_exists": "the union consented although the estate exists",
    # replica records (replica.findings)
    "replica.wrong_performer": "the replica is of another performer",
    "replica.creation.consent_not_on_record": "the consent it was created under is not on record",
    "replica.creation.consent_other_performer": "it was created under another performer's consent",
    "replica.creation.use_not_covered": "its creation consent does not cover replica_creation",
    "replica.creation.replica_type_not_covered": "its creation consent does not cover its type",
    "replica.creation.date_unknown": "no created_at: creation under consent cannot be shown",
    "replica.creation.consent_not_in_force": "created when its consent was not in force",
    "replica.production_not_permitted": "the replica is not permitted for the production",
    "replica.retention.past_delete_by": "held past its delete_by day",
    "replica.transferred_without_consent": "transferred to another holder without consent",
    "replica.destroyed": "the replica was destroyed",
    # likeness scan (a person reviews each match: open | confirmed; dismissed ones are gone)
    "likeness.unconsented_match": "an enrolled performer's face or voice found in AI or "
    "unknown-provenance media without a consent covering that use",
}


@dataclass(frozen=True)
class Finding:
    """One thing a check found: a stable code, its parameters, and a sentence for people."""

    code: str
    message: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a new code is documented here first
            raise ValueError(f"unknown finding code {self.code!r}")

    def to_fact(self) -> JsonObject:
        """The `{code, params}` fact conditions read (the message stays out of reach)."""
        return {"code": self.code, "params": dict(self.params)}


def messages(findings: Iterable[Finding]) -> list[str]:
    """The sentences of `findings`, in order, for display."""
    return [f.message for f in findings]


def finding_facts(*groups: Sequence[Finding]) -> list[JsonObject]:
    """The facts of several groups of findings, each (code, params) once, in order."""
    seen: set[str] = set()
    out: list[JsonObject] = []
    for group in groups:
        for f in group:
            fact = f.to_fact()
            key = repr((fact["code"], sorted(fact["params"].items())))
            if key not in seen:
                seen.add(key)
                out.append(fact)
    return out
