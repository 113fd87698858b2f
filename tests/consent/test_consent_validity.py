"""Example-based tests of every invalidity rule, with the exact sentences producers read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reelproof.core.consent import (
    BLANKET_PHRASES,
    TalentMatch,
    description_problem,
    match_talent,
)
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import Performer, Production, Talent
from tests.consent.consent_docs import (
    LAW,
    PID,
    TODAY,
    arthur,
    declaration,
    performer,
    production,
    record,
    talent,
)

CID = "jane-doe-stadium-double"
VAGUE = "Any and all uses of the performer's likeness in perpetuity."
NEW = talent(alteration="new_performance")
JANE = object()  # "the default performer for the talent entry"


def run(
    rec: ConsentRecord | list[ConsentRecord],
    *,
    who: Performer | object | None = JANE,
    prod: Production | None = None,
    tal: Talent = NEW,
    today: dt.date = TODAY,
) -> TalentMatch:
    records = rec if isinstance(rec, list) else [rec]
    person = performer() if who is JANE else who
    assert person is None or isinstance(person, Performer)
    return match_talent(
        tal, declaration([tal]), prod or production(), person, records, today, law=LAW
    )


def reasons(rec: ConsentRecord, **kw: Any) -> list[str]:
    return list(run(rec, **kw).invalid_reasons)


def codes(rec: ConsentRecord, **kw: Any) -> list[tuple[str, dict[str, Any]]]:
    """(code, params) of each validity finding: what packs match."""
    return [(f.code, dict(f.params)) for f in run(rec, **kw).defects]


def vague(laws: list[str], **params: Any) -> tuple[str, dict[str, Any]]:
    """The description finding for VAGUE (blanket wording 'any and all')."""
    base = {"consent": CID, "domicile": "US-CA", "words": 11, "blanket": "any and all"}
    base.update(representation="none", form="separate_signed", laws=laws)
    return ("consent.description.not_specific", {**base, **params})


# --- reasonably specific description (CA / NY / IL) ------------------------------------------


def test_description_test_is_mechanical() -> None:
    assert description_problem("Digital double.") == (
        "has no reasonably specific description of the intended uses "
        "(it has 2 words; at least 6 are needed)"
    )
    assert description_problem(VAGUE) == (
        "has no reasonably specific description of the intended uses "
        "(it uses the blanket wording 'any and all')"
    )
    assert description_problem("ALL   MEDIA now known, for the stadium scene only") is not None
    assert description_problem("Digital double for the stadium fall, episode 4") is None
    for phrase in BLANKET_PHRASES:
        assert description_problem(f"Stadium fall digital double, episode 4, {phrase}.")


def test_california_vague_description_without_counsel_or_union() -> None:
    jane = performer(representation="none")
    assert codes(record(description=VAGUE), who=jane) == [vague(["US-CA"])]
    assert reasons(record(description=VAGUE), who=jane) == [
        f"California Labor Code §927 (AB 2602): consent {CID} has no reasonably specific "
        "description of the intended uses (it uses the blanket wording 'any and all'), and "
        "Jane Doe had neither counsel nor a union agreement covering digital replicas, so the "
        "replica provision is unenforceable"
    ]


def test_new_york_counsel_needs_a_separately_signed_writing() -> None:
    jane = performer(domicile="US-NY", representation="counsel")
    rec = record(description="Digital double.", form="initialed_clause")
    assert codes(rec, who=jane) == [
        vague(
            ["US-NY"],
            domicile="US-NY",
            words=2,
            blanket=None,
            representation="counsel",
            form="initialed_clause",
        )
    ]
    assert reasons(rec, who=jane) == [
        f"New York General Obligations Law §5-302: consent {CID} has no reasonably specific "
        "description of the intended uses (it has 2 words; at least 6 are needed), and although "
        "Jane Doe had counsel, the consent is an initialed clause, not a separately signed "
        "writing, so the replica provision is void"
    ]
    assert reasons(record(description="Digital double."), who=jane) == []


def test_california_counsel_accepts_an_initialed_clause() -> None:
    jane = performer(representation="counsel")
    assert reasons(record(description=VAGUE, form="initialed_clause"), who=jane) == []


def test_illinois_applies_to_agreements_from_2025() -> None:
    jane = performer(domicile="US-IL", representation="none")
    old = record(description=VAGUE, granted_at=dt.date(2024, 6, 1))
    new = record(description=VAGUE, granted_at=dt.date(2025, 6, 1))
    assert reasons(old, who=jane) == []
    assert codes(new, who=jane) == [vague(["US-IL"], domicile="US-IL")]
    assert reasons(new, who=jane) == [
        "Illinois Digital Voice and Likeness Protection Act (HB 4762, Public Act 103-0830): "
        f"consent {CID} has no reasonably specific description of the intended uses (it uses "
        "the blanket wording 'any and all'), and Jane Doe had neither counsel nor a union "
        "agreement covering digital replicas, so the replica provision is unenforceable"
    ]


def test_union_representation_counts_only_under_a_sag_aftra_agreement() -> None:
    jane = performer(representation="union")
    rec = record(description=VAGUE)
    assert reasons(rec, who=jane) == []
    non_union = production(unions=[])
    assert codes(rec, who=jane, prod=non_union) == [vague(["US-CA"], representation="union")]
    assert reasons(rec, who=jane, prod=non_union) == [
        f"California Labor Code §927 (AB 2602): consent {CID} has no reasonably specific "
        "description of the intended uses (it uses the blanket wording 'any and all'), and "
        f"although Jane Doe is union-represented, production {PID} is under no SAG-AFTRA "
        "agreement, so no collective bargaining agreement covers the replica terms, so the "
        "replica provision is unenforceable"
    ]


def test_use_that_fits_the_recording_keeps_a_california_provision() -> None:
    jane = performer(representation="none")
    rec = record(description=VAGUE)
    assert reasons(rec, who=jane, tal=talent(alteration="as_scripted")) == []
    assert reasons(rec, who=jane, tal=talent(alteration="customary_post")) == []
    assert reasons(rec, who=jane, tal=talent(alteration="performance_change")) != []


def test_biometric_enrollment_is_not_a_replica_provision() -> None:
    jane = performer(representation="none")
    rec = record(description=VAGUE, uses=["biometric_enrollment"])
    tal = talent(use="biometric_enrollment", replica_type=None)
    assert reasons(rec, who=jane, tal=tal) == []


def test_other_domiciles_are_not_tested_and_unknown_ones_are_flagged() -> None:
    rec = record(description=VAGUE)
    assert reasons(rec, who=performer(domicile="GB", representation="none")) == []
    assert reasons(rec, who=performer(domicile="US-TX", representation="none")) == []
    assert reasons(rec, who=performer(domicile=None, representation="none")) == [
        "Performer record: Jane Doe has no domicile on record, so California Labor Code §927 "
        "(AB 2602), Illinois Digital Voice and Likeness Protection Act (HB 4762, Public Act "
        "103-0830) and New York General Obligations Law §5-302 cannot be ruled out; consent "
        f"{CID} has no reasonably specific "
        "description of the intended uses (it uses the blanket wording 'any and all'), and "
        "Jane Doe had neither counsel nor a union agreement covering digital replicas"
    ]


def test_state_replica_laws_start_in_2025() -> None:
    jane = performer(representation="none")
    rec = record(description=VAGUE, granted_at=dt.date(2024, 1, 1), expires_at=None)
    assert reasons(rec, who=jane, today=dt.date(2024, 12, 31)) == []
    assert len(reasons(rec, who=jane, today=dt.date(2025, 1, 1))) == 1


# --- form under SAG-AFTRA ---------------------------------------------------------------------


def test_boilerplate_under_sag_aftra() -> None:
    rec = record(form="boilerplate")
    m = run(rec)
    assert m.in_scope and not m.valid and not m.covered
    assert list(m.invalid_reasons) == [
        f"SAG-AFTRA 2023 TV/Theatrical Agreement (SAG23-EBDR-2): consent {CID} is boilerplate; "
        "under a SAG-AFTRA agreement consent to a digital replica must be clear and "
        "conspicuous, in a separate signed writing or a separately signed or initialed provision"
    ]
    assert reasons(rec, prod=production(unions=["wga"])) == []


def test_boilerplate_names_every_sag_aftra_agreement() -> None:
    prod = production(
        unions=["sag_aftra_tv_theatrical", "sag_aftra_interactive"],
        principal_photography_start=dt.date(2026, 8, 1),
    )
    (reason,) = reasons(record(form="boilerplate"), prod=prod)
    assert reason.startswith(
        "SAG-AFTRA 2026 TV/Theatrical Agreement (SAG23-EBDR-2) and "
        "SAG-AFTRA 2025 Interactive Media Agreement (IMA25-1): "
    )


def test_initialed_clause_is_enough_under_sag_aftra() -> None:
    assert run(record(form="initialed_clause")).covered


# --- term ---------------------------------------------------------------------------------


def test_expired_consent_is_a_gap_and_invalid() -> None:
    m = run(record(), today=dt.date(2028, 1, 1))
    assert m.missing == (f"consent {CID} expired on 2027-12-31",)
    assert m.invalid_reasons == (
        f"Consent terms: consent {CID} expired on 2027-12-31 and authorises no use after that day",
    )


def test_revoked_consent_is_a_gap_and_invalid() -> None:
    rec = record(revoked_at=dt.date(2026, 10, 1), revocation_note="withdrawn by letter")
    m = run(rec, today=dt.date(2026, 10, 1))
    assert m.missing == (f"consent {CID} was revoked on 2026-10-01 (note: withdrawn by letter)",)
    assert m.invalid_reasons == (
        f"Consent terms: consent {CID} was revoked on 2026-10-01 (note: withdrawn by letter) "
        "and authorises no use from that day",
    )
    assert run(rec, today=dt.date(2026, 9, 30)).covered


def test_not_yet_valid_is_only_a_gap() -> None:
    m = run(record(), today=dt.date(2026, 2, 1))
    assert m.missing == (f"consent {CID} is not in force until 2026-03-01",)
    assert m.invalid_reasons == ()
    assert m.valid and not m.covered


# --- deceased performers ------------------------------------------------------------------

VANCE = talent("arthur-vance", use="voice_replica", replica_type="independently_created")


def vance(**kw: Any) -> ConsentRecord:
    base: dict[str, Any] = {
        "id": "vance-radio-voice",
        "performer": "arthur-vance",
        "granted_by": "estate",
        "uses": ["voice_replica"],
        "replica_types": ["independently_created"],
        "description": "Recreated voice for the flashback radio broadcast, episode 6 scene 12.",
    }
    base.update(kw)
    return record(**base)


def test_estate_consent_for_a_deceased_performer_is_valid() -> None:
    assert run(vance(), who=arthur(), tal=VANCE).covered
    assert run(vance(granted_by="authorized_representative"), who=arthur(), tal=VANCE).covered


def test_deceased_performer_cannot_sign_after_death() -> None:
    m = run(vance(granted_by="performer"), who=arthur(), tal=VANCE)
    assert m.invalid_reasons == (
        "SAG-AFTRA 2023 TV/Theatrical Agreement (SAG23-DEC-1) and New York Civil Rights Law "
        "§50-f: consent vance-radio-voice is recorded as given by the performer on 2026-03-01, "
        "after Arthur Vance died on 2019-05-02; after death consent must come from the estate "
        "or an authorized representative (the union only where no estate can be identified)",
    )


def test_consent_given_in_life_survives_death() -> None:
    rec = vance(granted_by="performer", granted_at=dt.date(2018, 1, 10), expires_at=None)
    assert run(rec, who=arthur(), tal=VANCE).covered
    on_the_day = vance(granted_by="performer", granted_at=dt.date(2019, 5, 2), expires_at=None)
    assert not run(on_the_day, who=arthur(), tal=VANCE).valid


def test_union_consents_only_when_no_estate_exists() -> None:
    rec = vance(granted_by="union")
    assert reasons(rec, who=arthur(), tal=VANCE) == [
        "SAG-AFTRA 2023 TV/Theatrical Agreement (SAG23-DEC-1) and New York Civil Rights Law "
        "§50-f: consent vance-radio-voice was given by the union, but Arthur Vance's estate can "
        "be reached (estate-of-arthur-vance@example.org); the union may consent for a deceased "
        "performer only when no estate or authorized representative can be identified"
    ]
    assert run(rec, who=arthur(estate_contact=None), tal=VANCE).covered
    assert reasons(rec, who=arthur(estate_contact=None), tal=VANCE, prod=production(unions=[]))


def test_post_mortem_terms_decide_which_state_law_is_cited() -> None:
    rec = vance(granted_by="performer")
    ny_old = arthur(date_of_death=dt.date(1980, 1, 1))  # NY: 40 years, ended 2020
    (reason,) = reasons(rec, who=ny_old, tal=VANCE)
    assert reason.startswith("SAG-AFTRA 2023 TV/Theatrical Agreement (SAG23-DEC-1): ")
    ca_recent = arthur(domicile="US-CA", date_of_death=dt.date(1960, 1, 1))  # 70 years
    (reason,) = reasons(rec, who=ca_recent, tal=VANCE)
    assert "California Civil Code §3344.1 (AB 1836)" in reason
    ca_old = arthur(domicile="US-CA", date_of_death=dt.date(1950, 1, 1))
    assert "California" not in reasons(rec, who=ca_old, tal=VANCE)[0]
    tn_old = arthur(domicile="US-TN", date_of_death=dt.date(1977, 8, 16))
    assert "(ELVIS Act)" in reasons(rec, who=tn_old, tal=VANCE)[0]
    (reason,) = reasons(rec, who=ny_old, tal=VANCE, prod=production(unions=[]))
    assert reason.startswith("Consent record: consent vance-radio-voice is recorded as given")


def test_a_date_of_death_alone_marks_the_performer_deceased() -> None:
    who = arthur(deceased=False)
    assert not run(vance(granted_by="performer"), who=who, tal=VANCE).valid
    assert run(vance(), who=who, tal=VANCE).covered


def test_deceased_without_date_of_death() -> None:
    who = arthur(date_of_death=None)
    assert reasons(vance(granted_by="performer"), who=who, tal=VANCE) == [
        "Performer record: Arthur Vance is recorded as deceased without a date of death, so it "
        "cannot be shown that consent vance-radio-voice (given by the performer on 2026-03-01) "
        "was given in life; record the date of death or obtain consent from the estate or an "
        "authorized representative"
    ]
    assert reasons(vance(), who=who, tal=VANCE) == []


def test_estate_or_union_cannot_consent_for_a_living_performer() -> None:
    for by in ("estate", "union"):
        assert codes(record(granted_by=by)) == [
            ("consent.grantor.not_performer_in_life", {"consent": CID, "granted_by": by})
        ]
        assert reasons(record(granted_by=by)) == [
            f"Consent record: consent {CID} was given by the {by} on 2026-03-01, but Jane Doe "
            "was alive then; a living performer consents personally (a minor through a parent "
            "or guardian)"
        ]
    assert reasons(record(granted_by="authorized_representative")) == []


# --- minors -------------------------------------------------------------------------------


def test_a_minor_consents_through_a_parent_or_guardian() -> None:
    kid = performer(minor=True)
    assert codes(record(), who=kid) == [
        (
            "consent.grantor.minor_signed",
            {"consent": CID, "granted_by": "performer", "sag_edition": None},
        )
    ]
    assert reasons(record(), who=kid) == [
        f"Contract law on minors (a minor's own signature can be disaffirmed): consent {CID} was "
        "given by Jane Doe, who is a minor; a minor's consent must be given by a parent or "
        "guardian (granted_by: authorized_representative)"
    ]
    assert run(record(granted_by="authorized_representative"), who=kid).covered


def test_minors_under_the_2026_agreement_cite_it() -> None:
    prod = production(principal_photography_start=dt.date(2026, 7, 1))
    (reason,) = reasons(record(), who=performer(minor=True), prod=prod)
    ((_, params),) = codes(record(), who=performer(minor=True), prod=prod)
    assert params["sag_edition"] == 2026
    assert reason.startswith(
        "SAG-AFTRA 2026 TV/Theatrical Agreement (SAG26-5, minors; detail [U]): "
    )


# --- unknown performer, missing consent -------------------------------------------------------


def test_unknown_performer_is_never_valid() -> None:
    m = run(record(), who=None, tal=talent("jane-doe"))
    assert m.in_scope and not m.covered
    assert m.invalid_reasons == (
        "Performer record: there is no Performer document for jane-doe, so the rules on "
        f"domicile, death and minors cannot be checked for consent {CID}; record the performer",
    )
    assert m.to_fact()["performer"] == {
        "id": "jane-doe",
        "known": False,
        "name": "jane-doe",
        "unions": [],
        "domicile": None,
        "deceased": False,
        "date_of_death": None,
        "minor": False,
        "representation": "none",
        "estate_contact": None,
    }


def test_no_consent_on_record() -> None:
    m = run([], who=arthur(), tal=VANCE)
    assert m.missing == ("no consent on record for performer arthur-vance",)
    assert not m.valid and m.invalid_reasons == ()
    fact = m.to_fact()["consent"]
    assert fact == {
        "covered": False,
        "id": None,
        "missing": ["no consent on record for performer arthur-vance"],
        "valid": False,
        "invalid_reasons": [],
        "granted_by": None,
        "form": None,
        "compensation": None,
    }


def test_closest_consent_reports_every_gap() -> None:
    narrow = record(
        id="narrow",
        uses=["replica_creation"],
        productions=["other-show"],
        media=["film"],
        territories=["US"],
        expires_at=dt.date(2026, 6, 30),
    )
    close = record(id="close", territories=["US", "EU", "GB"])
    tal = talent(use="dubbing")
    m = run([narrow, close], tal=tal)
    assert m.consent is not None and m.consent.id == "close"
    assert m.missing == (
        "consent close does not cover the use 'dubbing'",
        "consent close does not cover territory KR",
    )
    alone = run([narrow], tal=tal, prod=production(territories=["US", "KR"]))
    assert alone.missing == (
        "consent narrow does not cover the use 'dubbing'",
        f"consent narrow does not cover production {PID}",
        "consent narrow does not cover the medium 'series'",
        "consent narrow does not cover territory KR",
        "consent narrow expired on 2026-06-30",
    )


def test_mismatched_inputs_are_programming_errors() -> None:
    tal = talent()
    with pytest.raises(ValueError):
        match_talent(
            tal,
            declaration([tal], production="other"),
            production(),
            performer(),
            [],
            TODAY,
            law=LAW,
        )
    with pytest.raises(ValueError):
        match_talent(tal, declaration([tal]), production(), arthur(), [], TODAY, law=LAW)
