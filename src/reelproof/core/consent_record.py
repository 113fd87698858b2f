"""A consent as held: the document with its amendments folded in, and its revocation.

Its own module because both consent matching (`core.consent`) and the replica checks
(`core.replicas`) read it, and matching also reads replicas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, TypeAlias

from reelproof.core.documents import Consent

ConsentState: TypeAlias = Literal["active", "expired", "revoked", "not_yet_valid"]


@dataclass(frozen=True)
class ConsentRecord:
    """A Consent document (amendments already folded in) plus its revocation, if any.

    A revocation takes effect on `revoked_at` itself: the consent covers nothing from that
    day on. A revocation dated in the future leaves the consent active until then.
    """

    consent: Consent
    revoked_at: dt.date | None = None
    revocation_note: str | None = None

    @property
    def id(self) -> str:
        """The consent's id."""
        return self.consent.metadata.id

    @property
    def performer(self) -> str:
        """The performer the consent is for."""
        return self.consent.spec.performer

    def state(self, today: dt.date) -> ConsentState:
        """Where the consent stands on `today`; revocation wins over the dates.

        Both ends of the term are inclusive: a consent granted on D covers D, and one that
        expires on E still covers E.
        """
        spec = self.consent.spec
        if self.revoked_at is not None and self.revoked_at <= today:
            return "revoked"
        if today < spec.granted_at:
            return "not_yet_valid"
        if spec.expires_at is not None and today > spec.expires_at:
            return "expired"
        return "active"
