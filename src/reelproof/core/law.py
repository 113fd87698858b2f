"""The legal parameters the consent checks read, collected from the packs that own them.

Post-mortem terms, description-specificity laws and union contract editions are pack data
(`spec.parameters`), so a legal change is a new pack version that `standards diff` shows and
`standards impact` re-decides. The consent checks are pure: the caller collects the
parameters of the pack versions in force and passes them in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reelproof.core.documents import (
    ContractEdition,
    DescriptionLaw,
    PostMortemRight,
    StandardsPack,
)
from reelproof.core.standards.pack import CompiledPack, version_key


@dataclass(frozen=True)
class LegalParameters:
    """Every description law and post-mortem right by jurisdiction, and the union editions."""

    description_laws: Mapping[str, DescriptionLaw] = field(default_factory=dict)
    post_mortem: Mapping[str, PostMortemRight] = field(default_factory=dict)
    editions: tuple[ContractEdition, ...] = ()

    def edition(self, agreement: str, photography_start: dt.date) -> ContractEdition | None:
        """The newest edition of `agreement` that governs photography from that day."""
        found = [
            e
            for e in self.editions
            if e.agreement == agreement
            and (e.photography_from is None or photography_start >= e.photography_from)
        ]
        return max(found, key=lambda e: e.edition) if found else None


def _in_force(packs: Iterable[CompiledPack], today: dt.date) -> list[StandardsPack]:
    """The newest version in force on `today` of each pack, as the engine selects them."""
    newest: dict[str, CompiledPack] = {}
    for p in packs:
        until = p.doc.spec.effective_until
        if p.effective_from > today or (until is not None and today > until):
            continue
        held = newest.get(p.id)
        if held is None or version_key(p.version) > version_key(held.version):
            newest[p.id] = p
    return [newest[k].doc for k in sorted(newest)]


def legal_parameters(packs: Iterable[CompiledPack], today: dt.date) -> LegalParameters:
    """The parameters of every pack version in force on `today`, whether or not it applies
    to the production: a performer's state law follows the performer, and an unknown domicile
    must be checked against every state's law (unknown is never the safe answer)."""
    laws: dict[str, DescriptionLaw] = {}
    terms: dict[str, PostMortemRight] = {}
    editions: list[ContractEdition] = []
    for doc in _in_force(packs, today):
        params = doc.spec.parameters
        if params.description_law is not None:
            laws[params.description_law.jurisdiction] = params.description_law
        if params.post_mortem is not None:
            terms[params.post_mortem.jurisdiction] = params.post_mortem
        if params.contract_edition is not None:
            editions.append(params.contract_edition)
    return LegalParameters(laws, terms, tuple(editions))
