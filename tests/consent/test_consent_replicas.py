"""Replica records: which replica a talent entry uses, findings, retention, and the fact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reelproof.core.consent import compensation_owed, match_talent
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import Production, Talent
from reelproof.core.findings import Finding, messages
from reelproof.core.replicas import (
    AccessGrant,
    ReplicaRecord,
    ReplicaTransfer,
    find_replica_for,
    past_retention,
    replica_findings,
)
from tests.consent.consent_docs import (
    LAW,
    PID,
    TODAY,
    arthur,
    declaration,
    performer,
    production,
    record,
    replica,
    talent,
)

RID = "jane-doe-body-scan-2026"
USE = talent(use="replica_use")


def found(
    rep: ReplicaRecord | None = None,
    *,
    consents: Sequence[ConsentRecord] | None = None,
    today: dt.date = TODAY,
) -> list[Finding]:
    r = rep if rep is not None else replica()
    return replica_findings(r, USE, PID, [record()] if consents is None else consents, today)


def findings(
    rep: ReplicaRecord | None = None,
    *,
    consents: Sequence[ConsentRecord] | None = None,
    today: dt.date = TODAY,
) -> list[tuple[str, dict[str, Any]]]:
    """(code, params) of each finding: what packs match."""
    return [(f.code, dict(f.params)) for f in found(rep, consents=consents, today=today)]


CID = "jane-doe-stadium-double"
IDS = {"replica": RID, "consent": CID}


def test_a_replica_made_and_used_under_consent_has_no_findings() -> None:
    assert findings() == []


def test_created_under_an_unknown_consent() -> None:
    assert findings(replica(created_under="nope")) == [
        ("replica.creation.consent_not_on_record", {"replica": RID, "consent": "nope"})
    ]
    assert messages(found(replica(created_under="nope"))) == [
        f"replica {RID} was created under consent nope, which is not on record"
    ]


def test_created_under_a_consent_that_does_not_cover_creation() -> None:
    consents = [record(uses=["replica_use"], replica_types=["independently_created"])]
    assert findings(consents=consents) == [
        ("replica.creation.use_not_covered", IDS),
        ("replica.creation.replica_type_not_covered", {**IDS, "replica_type": "employment_based"}),
    ]


def test_created_under_another_performers_consent() -> None:
    consents = [record(performer="arthur-vance")]
    assert findings(consents=consents) == [
        ("replica.creation.consent_other_performer", {**IDS, "performer": "arthur-vance"})
    ]


def test_created_outside_the_consent_term() -> None:
    assert findings(replica(created_at=dt.date(2026, 2, 1))) == [
        (
            "replica.creation.consent_not_in_force",
            {**IDS, "created_at": "2026-02-01", "state": "not_yet_valid"},
        )
    ]
    revoked = [record(revoked_at=dt.date(2026, 3, 2))]
    assert messages(found(consents=revoked, today=dt.date(2026, 3, 1))) == [
        f"replica {RID} was created on 2026-03-04, when consent {CID} was revoked"
    ]
    assert findings(replica(created_at=None)) == [("replica.creation.date_unknown", IDS)]


def test_used_in_a_production_it_is_not_permitted_for() -> None:
    assert findings(replica(productions=["other-show"])) == [
        (
            "replica.production_not_permitted",
            {"replica": RID, "production": PID, "permitted": ["other-show"]},
        )
    ]
    assert messages(found(replica(productions=[]))) == [
        f"replica {RID} is not permitted for production {PID} (it is permitted for: no production)"
    ]


def test_used_after_delete_by() -> None:
    rep = replica(delete_by=dt.date(2026, 9, 13))
    assert findings(rep) == [
        ("replica.retention.past_delete_by", {"replica": RID, "delete_by": "2026-09-13"})
    ]
    assert findings(replica(delete_by=TODAY)) == []


def test_transfer_without_consent_is_flagged_as_unverified_rule() -> None:
    rep = replica(
        transfers=[
            ReplicaTransfer(
                at=dt.date(2026, 6, 1), to_custodian="OtherVFX", consented=False, note="rush job"
            ),
            ReplicaTransfer(at=dt.date(2026, 7, 1), to_owner="Studio B", consented=True),
            ReplicaTransfer(at=dt.date(2026, 12, 1), to_custodian="Later", consented=False),
        ]
    )
    assert findings(rep) == [
        (
            "replica.transferred_without_consent",
            {"replica": RID, "at": "2026-06-01", "to_custodian": "OtherVFX", "to_owner": None},
        )
    ]
    assert messages(found(rep)) == [
        f"replica {RID} was transferred to custodian OtherVFX on 2026-06-01 without the "
        "performer's consent (note: rush job); under SAG-AFTRA 2026 (SAG26-12, unverified [U]) "
        "the producer stays responsible unless the union approved the transferee and the "
        "transferee agreed in writing to comply"
    ]
    assert rep.custodian(TODAY) == "OtherVFX"
    assert rep.owner(TODAY) == "Studio B"
    assert rep.custodian(dt.date(2027, 1, 1)) == "Later"


def test_destroyed_replica() -> None:
    rep = replica(destroyed_at=dt.date(2026, 9, 1))
    assert findings(rep) == [("replica.destroyed", {"replica": RID, "on": "2026-09-01"})]
    assert findings(rep, today=dt.date(2026, 8, 31)) == []


def test_access_grants_accumulate() -> None:
    rep = replica(
        access_grants=[
            AccessGrant("comp.lead@vendor.example", dt.date(2026, 5, 1), "vfx.sup@studio.example"),
            AccessGrant("later@vendor.example", dt.date(2026, 12, 1), "vfx.sup@studio.example"),
        ]
    )
    assert rep.access(TODAY) == ["vfx.sup@studio.example", "comp.lead@vendor.example"]


def test_find_replica_for() -> None:
    body = replica()
    voice = replica("jane-doe-voice-2026", modality=["voice"], created_at=dt.date(2026, 3, 5))
    icdr = replica("jane-doe-icdr", replica_type="independently_created")
    other = replica("other-show-scan", productions=["other-show"], created_at=dt.date(2026, 8, 1))
    gone = replica("destroyed-scan", created_at=dt.date(2026, 9, 1), destroyed_at=TODAY)
    everything = [gone, other, icdr, voice, body]
    assert find_replica_for(USE, everything, production_id=PID, today=TODAY) is voice
    assert find_replica_for(talent(use="voice_replica"), [body, voice], production_id=PID) is voice
    assert find_replica_for(talent(use="voice_replica"), [body], production_id=PID) is None
    assert find_replica_for(talent(replica_type="independently_created"), everything) is icdr
    assert find_replica_for(talent(use="digital_alteration"), everything) is None
    assert find_replica_for(talent("arthur-vance"), everything) is None
    assert find_replica_for(USE, [gone, other], production_id=PID, today=TODAY) is other
    assert find_replica_for(USE, [gone], production_id=PID, today=TODAY) is gone


def test_past_retention() -> None:
    due = replica("due", delete_by=dt.date(2026, 9, 1))
    due_earlier = replica("due-earlier", delete_by=dt.date(2026, 1, 1))
    destroyed = replica("done", delete_by=dt.date(2026, 1, 1), destroyed_at=dt.date(2026, 1, 1))
    today_is_last = replica("last-day", delete_by=TODAY)
    forever = replica("kept", delete_by=None)
    got = past_retention([due, due_earlier, destroyed, today_is_last, forever], TODAY)
    assert [r.id for r in got] == ["due-earlier", "due"]


def test_match_attaches_the_replica_and_builds_the_exact_fact() -> None:
    tal = talent(use="replica_use", alteration="as_scripted", exception="safety")
    rep = replica(transfers=[ReplicaTransfer(at=dt.date(2026, 6, 1), to_custodian="OtherVFX")])
    m = match_talent(
        tal,
        declaration([tal]),
        production(),
        performer(),
        [record()],
        TODAY,
        replicas=[rep],
        law=LAW,
    )
    transfer = {
        "code": "replica.transferred_without_consent",
        "params": {
            "replica": RID,
            "at": "2026-06-01",
            "to_custodian": "OtherVFX",
            "to_owner": None,
        },
    }
    assert m.to_fact() == {
        "performer_id": "jane-doe",
        "via": "talent",
        "use": "replica_use",
        "replica_type": "employment_based",
        "alteration": "as_scripted",
        "exception": "safety",
        "performer": {
            "id": "jane-doe",
            "known": True,
            "name": "Jane Doe",
            "unions": ["sag_aftra"],
            "domicile": "US-CA",
            "deceased": False,
            "date_of_death": None,
            "minor": False,
            "representation": "union",
            "estate_contact": None,
        },
        "consent": {
            "covered": True,
            "id": "jane-doe-stadium-double",
            "missing": [],
            "valid": True,
            "invalid_reasons": [],
            "granted_by": "performer",
            "form": "separate_signed",
            "compensation": {"basis": "day_rate", "amount": 1450.0, "currency": "USD"},
        },
        "replica": {
            "id": RID,
            "findings": [transfer],
            "messages": [
                f"replica {RID} was transferred to custodian OtherVFX on 2026-06-01 without the "
                "performer's consent; under SAG-AFTRA 2026 (SAG26-12, unverified [U]) the "
                "producer stays responsible unless the union approved the transferee and the "
                "transferee agreed in writing to comply"
            ],
        },
        "findings": [transfer],
    }


def test_fact_dates_are_iso_strings() -> None:
    tal = talent("arthur-vance", use="voice_replica", replica_type="independently_created")
    m = match_talent(tal, declaration([tal]), production(), arthur(), [], TODAY, law=LAW)
    assert m.to_fact()["performer"]["date_of_death"] == "2019-05-02"
    assert m.to_fact()["replica"] == {"id": None, "findings": [], "messages": []}


# --- compensation -------------------------------------------------------------------------


def owed(
    tal: Talent | None = None,
    *,
    prod: Production | None = None,
    consents: Sequence[ConsentRecord] | None = None,
    **kw: Any,
) -> list[str]:
    t = tal if tal is not None else talent(use="replica_use")
    p = prod or production()
    recs = [record(**kw)] if consents is None else consents
    return compensation_owed(
        match_talent(t, declaration([t]), p, performer(), recs, TODAY, law=LAW), p, LAW
    )


def test_day_rate_under_sag_aftra_ebdr() -> None:
    assert owed() == [
        "day rate USD 1450 per day of replica use (SAG-AFTRA 2023 EBDR floor: the performer's "
        "day rate or scale, whichever is higher)",
        "residuals as if the performer had performed in person (SAG-AFTRA 2023, SAG23-EBDR-3)",
    ]


def test_flat_fee_and_none_still_show_the_ebdr_floor() -> None:
    floor = (
        "SAG-AFTRA 2023 EBDR floor (SAG23-EBDR-3): pay for the days the performer would have "
        "worked, at the performer's day rate or scale, whichever is higher"
    )
    flat = owed(compensation={"basis": "flat", "amount": 5000.5, "currency": "EUR"})
    assert flat[:2] == ["flat fee EUR 5000.50 under consent jane-doe-stadium-double", floor]
    none = owed(compensation={"basis": "none"})
    assert none[:2] == ["consent jane-doe-stadium-double records no compensation", floor]
    assert owed(consents=[])[0] == floor


def test_compensation_for_creation_icdr_and_background() -> None:
    creation = owed(talent(use="replica_creation"))
    assert "time spent creating the replica is paid work (SAG-AFTRA 2023, SAG23-EBDR-2)" in (
        creation
    )
    icdr = talent(use="replica_use", replica_type="independently_created")
    assert owed(icdr, replica_types=["independently_created"])[-1] == (
        "SAG-AFTRA 2023 (SAG23-ICDR-1): compensation is bargained, with pension and health "
        "contributions"
    )
    late = production(principal_photography_start=dt.date(2026, 7, 1))
    assert owed(icdr, replica_types=["independently_created"], prod=late)[-1].startswith(
        "SAG-AFTRA 2026 (SAG26-8)"
    )
    bg = talent(use="replica_use", replica_type="background_actor")
    assert owed(bg, replica_types=["background_actor"])[-1].startswith(
        "SAG-AFTRA 2023 (SAG23-BG-1)"
    )


def test_no_union_floor_without_sag_aftra() -> None:
    assert owed(prod=production(unions=["wga"])) == ["day rate USD 1450 per day of replica use"]
    assert owed(prod=production(unions=["wga"]), consents=[]) == []
