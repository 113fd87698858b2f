"""Document builders for the consent tests, modelled on the Stranger Tides example.

The documents are built here rather than read from ../shared so the tests run on a clone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reelproof.adapters.packs import bundled_pack_files, load_pack_file
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import (
    AIUseDeclaration,
    Consent,
    DigitalReplica,
    Performer,
    Production,
    Talent,
)
from reelproof.core.law import legal_parameters
from reelproof.core.replicas import AccessGrant, ReplicaRecord, ReplicaTransfer

TODAY = dt.date(2026, 9, 14)
PID = "stranger-tides-s1"
GOOD_DESCRIPTION = (
    "Digital double for the stadium fall, episode 4 scene 42, as scripted on 2026-02-20."
)
SAG_UNIONS = ("sag_aftra_tv_theatrical", "wga", "dga", "iatse")
BUNDLED = [load_pack_file(p) for p in bundled_pack_files()]
# The legal parameters of the bundled packs: what the consent checks read in a fresh store.
LAW = legal_parameters(BUNDLED, TODAY)


def production(
    id: str = PID,
    *,
    unions: Sequence[str] = SAG_UNIONS,
    territories: Sequence[str] = ("US", "EU", "KR", "GB"),
    principal_photography_start: dt.date | None = dt.date(2026, 2, 1),
) -> Production:
    return Production.model_validate(
        {
            "apiVersion": "reelproof/v1",
            "kind": "Production",
            "metadata": {"id": id},
            "spec": {
                "title": "Stranger Tides, season 1",
                "studio": "netflix",
                "unions": list(unions),
                "territories": list(territories),
                "principal_photography_start": principal_photography_start,
            },
        }
    )


def performer(
    id: str = "jane-doe",
    *,
    name: str = "Jane Doe",
    domicile: str | None = "US-CA",
    representation: str = "union",
    deceased: bool = False,
    date_of_death: dt.date | None = None,
    minor: bool = False,
    estate_contact: str | None = None,
    unions: Sequence[str] = ("sag_aftra",),
) -> Performer:
    return Performer.model_validate(
        {
            "apiVersion": "reelproof/v1",
            "kind": "Performer",
            "metadata": {"id": id},
            "spec": {
                "name": name,
                "unions": list(unions),
                "domicile": domicile,
                "deceased": deceased,
                "date_of_death": date_of_death,
                "minor": minor,
                "representation": representation,
                "estate_contact": estate_contact,
            },
        }
    )


def arthur(**overrides: Any) -> Performer:
    """The deceased New York performer of the example production."""
    kw: dict[str, Any] = {
        "name": "Arthur Vance",
        "domicile": "US-NY",
        "deceased": True,
        "date_of_death": dt.date(2019, 5, 2),
        "representation": "none",
        "estate_contact": "estate-of-arthur-vance@example.org",
    }
    kw.update(overrides)
    return performer("arthur-vance", **kw)


def consent(
    id: str = "jane-doe-stadium-double",
    *,
    performer: str = "jane-doe",
    granted_by: str = "performer",
    granted_at: dt.date = dt.date(2026, 3, 1),
    expires_at: dt.date | None = dt.date(2027, 12, 31),
    form: str = "separate_signed",
    description: str = GOOD_DESCRIPTION,
    uses: Sequence[str] = ("replica_creation", "replica_use"),
    replica_types: Sequence[str] = ("employment_based",),
    productions: Sequence[str] = (PID,),
    media: Sequence[str] = ("series",),
    territories: Sequence[str] = ("WORLD",),
    compensation: dict[str, Any] | None = None,
) -> Consent:
    return Consent.model_validate(
        {
            "apiVersion": "reelproof/v1",
            "kind": "Consent",
            "metadata": {"id": id},
            "spec": {
                "performer": performer,
                "granted_by": granted_by,
                "granted_at": granted_at,
                "expires_at": expires_at,
                "form": form,
                "description": description,
                "scope": {
                    "uses": list(uses),
                    "replica_types": list(replica_types),
                    "productions": list(productions),
                    "media": list(media),
                    "territories": list(territories),
                },
                "compensation": compensation
                or {"basis": "day_rate", "amount": 1450, "currency": "USD"},
            },
        }
    )


def record(
    *,
    revoked_at: dt.date | None = None,
    revocation_note: str | None = None,
    **kw: Any,
) -> ConsentRecord:
    return ConsentRecord(consent(**kw), revoked_at=revoked_at, revocation_note=revocation_note)


def talent(
    performer: str = "jane-doe",
    *,
    use: str = "replica_use",
    replica_type: str | None = "employment_based",
    alteration: str = "as_scripted",
    exception: str = "none",
) -> Talent:
    return Talent.model_validate(
        {
            "performer": performer,
            "use": use,
            "replica_type": replica_type,
            "alteration": alteration,
            "exception": exception,
        }
    )


def declaration(
    talents: Sequence[Talent] = (),
    *,
    id: str = "vfx-stadium-fall",
    production: str = PID,
    media: str = "series",
    territories: Sequence[str] = (),
) -> AIUseDeclaration:
    return AIUseDeclaration.model_validate(
        {
            "apiVersion": "reelproof/v1",
            "kind": "AIUseDeclaration",
            "metadata": {"id": id, "production": production},
            "spec": {
                "title": "Digital double of Jane Doe for the stadium fall",
                "stage": "vfx",
                "phase": "final",
                "media": media,
                "tool": {"name": "ExampleDouble", "vendor": "ExampleVFX"},
                "output": {"in_final_deliverable": True, "element": "performance"},
                "talent": [t.model_dump() for t in talents],
                "territories": list(territories),
            },
        }
    )


def replica(
    id: str = "jane-doe-body-scan-2026",
    *,
    performer: str = "jane-doe",
    replica_type: str = "employment_based",
    modality: Sequence[str] = ("face", "body"),
    created_under: str = "jane-doe-stadium-double",
    created_at: dt.date | None = dt.date(2026, 3, 4),
    productions: Sequence[str] = (PID,),
    delete_by: dt.date | None = dt.date(2027, 12, 31),
    transfers: Sequence[ReplicaTransfer] = (),
    access_grants: Sequence[AccessGrant] = (),
    destroyed_at: dt.date | None = None,
) -> ReplicaRecord:
    doc = DigitalReplica.model_validate(
        {
            "apiVersion": "reelproof/v1",
            "kind": "DigitalReplica",
            "metadata": {"id": id},
            "spec": {
                "performer": performer,
                "replica_type": replica_type,
                "modality": list(modality),
                "created_under": created_under,
                "created_at": created_at,
                "custodian": "ExampleVFX",
                "owner": "Example Studio",
                "productions": list(productions),
                "delete_by": delete_by,
                "access": ["vfx.sup@studio.example"],
            },
        }
    )
    return ReplicaRecord(
        doc,
        transfers=tuple(transfers),
        access_grants=tuple(access_grants),
        destroyed_at=destroyed_at,
    )
