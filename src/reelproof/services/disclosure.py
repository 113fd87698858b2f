"""`reelproof disclose`: tell the audience what AI made or changed, in the form each
territory's law asks at its release date, and record it so the delivery check can see it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelproof.adapters import packs
from reelproof.adapters.c2pa_signer import sign_file
from reelproof.adapters.config import Config
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import require
from reelproof.core import disclosure as words
from reelproof.core.delivery import AI_MATERIAL
from reelproof.core.documents import AIUseDeclaration, Production
from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonObject
from reelproof.services import assets, contributions, decisions, delivery, registry
from reelproof.services.context import Context

MASTER_SOURCE_TYPE = "compositeWithTrainedAlgorithmicMedia"


@dataclass
class DisclosureOutcome:
    """What `disclose` wrote and recorded: credits, labels, notices, files."""

    production: str
    title: str
    medium: str
    uses: list[words.DisclosedUse]
    labels: list[words.TerritoryLabel]
    credits: list[str]
    ingredients: list[JsonObject]  # the AI material, as the master's C2PA ingredients
    files: dict[str, str]  # name -> path written
    log_index: int | None = None

    def to_data(self) -> JsonObject:
        """The disclosures as the JSON of `reelproof disclose`."""
        return {
            "production": self.production,
            "credits": self.credits,
            "labels": [
                {
                    "territory": lb.territory,
                    "released": lb.released,
                    "text": lb.text,
                    "declarations": list(lb.uses),
                    "why": list(lb.why),
                }
                for lb in self.labels
            ],
            "union_notices": [
                {"declaration": u.key, "notice": n} for u in self.uses for n in u.union_notices
            ],
            "uses": [{"declaration": u.key, "classification": u.classification} for u in self.uses],
            "master_ingredients": self.ingredients,
            "files": self.files,
            "log_index": self.log_index,
        }


def _union_notices(conn: Connection, key: str) -> tuple[str, ...]:
    latest = decisions.latest_decision(conn, key)
    if latest is None:
        return ()
    return tuple(
        f"{o.get('party') or 'the unions'}: {o.get('detail')}"
        for o in latest.content.get("obligations", [])
        if o.get("kind") == "notice_to_union"
    )


def gather(
    conn: Connection, production: Production, today: dt.date
) -> tuple[list[words.DisclosedUse], list[JsonObject], str]:
    """The final uses whose AI material is registered, their ingredients, and the medium."""
    linked: dict[str, list[JsonObject]] = {}
    for a in assets.production_assets(conn, production.id):
        if a["classification"] in AI_MATERIAL:
            for key in a["declarations"]:
                linked.setdefault(key, []).append(a)
    uses: list[words.DisclosedUse] = []
    ingredients: list[JsonObject] = []
    media: list[str] = []
    for key in sorted(linked):
        decl = require(conn, "AIUseDeclaration", key)
        assert isinstance(decl, AIUseDeclaration)
        if decl.spec.phase != "final" or not decl.spec.output.in_final_deliverable:
            continue  # temporary material is the gate's problem, not the audience's
        classes = {a["classification"] for a in linked[key]}
        cls = "ai_generated" if "ai_generated" in classes else "ai_edited"
        reqs = delivery.requirements(conn, today, decl, production)
        uses.append(words.DisclosedUse(key, decl.spec.title, cls, reqs, _union_notices(conn, key)))
        media.append(decl.spec.media)
        ingredients += [
            {
                "title": Path(a["path"]).name,
                "sha256": a["sha256"],
                "path": a["path"],
                "relationship": "componentOf",
                "classification": a["classification"],
                "declaration": key,
            }
            for a in linked[key]
        ]
    return uses, ingredients, media[0] if media else "work"


def disclose(
    ctx: Context, production_id: str, out: Path, config: Config, master: Path | None = None
) -> DisclosureOutcome:
    """Write credits, labels, the disclosure page and the master's manifest; log them."""
    if master is not None and config.signing is None:
        raise ReelproofError(
            "--master needs a signing key: add a [signing] section to the configuration "
            "(`reelproof keys dev-ca` makes one to try)"
        )
    with ctx.read() as conn:
        production = require(conn, "Production", production_id)
        assert isinstance(production, Production)
        uses, ingredients, medium = gather(conn, production, ctx.clock().date())
        # Who did what on the disclosed AI material, as its creators recorded it.
        disclosed = {u.key for u in uses}
        recorded = [
            c
            for c in contributions.listing(conn, production_id)
            if c.spec.declaration and f"{production_id}/{c.spec.declaration}" in disclosed
        ]
    labels = words.territory_labels(uses, packs.load_label_table())
    credit_lines = words.credits(medium, uses) + contributions.credit_lines(recorded)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "credits": _write(out / "credits.txt", "\n".join(credit_lines) + "\n"),
        "page": _write(
            out / "disclosure.html", words.page(production.spec.title, medium, uses, labels)
        ),
        "manifest": _write(
            out / "master-manifest.json",
            json.dumps(_manifest(production, ingredients), indent=2, ensure_ascii=False) + "\n",
        ),
    }
    if master is not None:
        files["master"] = str(_sign_master(master, out, production, ingredients, config))
    outcome = DisclosureOutcome(
        production_id,
        production.spec.title,
        medium,
        uses,
        labels,
        credit_lines,
        ingredients,
        files,
    )
    with ctx.write() as unit:
        outcome.log_index = registry.record_event(
            unit,
            "Production",
            production_id,
            "disclosed",
            unit.today,
            {
                "labels": sorted([k, lb.territory] for lb in labels for k in lb.uses),
                "credits": credit_lines,
                "files": {name: _sha(Path(p)) for name, p in files.items()},
            },
        )
    return outcome


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(production: Production, ingredients: Sequence[JsonObject]) -> JsonObject:
    """The C2PA manifest definition of the master: the AI material in it as ingredients."""
    labels = [f"ingredient-{i}" for i in range(len(ingredients))]
    return {
        "title": production.spec.title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {"action": "c2pa.created", "digitalSourceType": MASTER_SOURCE_TYPE},
                        {"action": "c2pa.placed", "parameters": {"ingredientIds": labels}},
                    ]
                },
            }
        ],
        "ingredients": [
            {
                "title": i["title"],
                "relationship": "componentOf",
                "label": label,
                "instance_id": f"sha256:{i['sha256']}",
                "metadata": {"classification": i["classification"], "use": i["declaration"]},
            }
            for label, i in zip(labels, ingredients, strict=True)
        ],
    }


def _sign_master(
    master: Path,
    out: Path,
    production: Production,
    ingredients: Sequence[JsonObject],
    config: Config,
) -> Path:
    assert config.signing is not None
    missing = [i["path"] for i in ingredients if not Path(i["path"]).is_file()]
    if missing:
        raise ReelproofError(
            f"--master: the AI material must be at its registered path to be an ingredient; "
            f"missing: {', '.join(missing)}"
        )
    target = out / f"{master.stem}.disclosed{master.suffix}"
    sign_file(
        master,
        target,
        key_pem=config.signing.key,
        chain_pem=config.signing.chain,
        alg=config.signing.alg,
        digital_source_type=MASTER_SOURCE_TYPE,
        software_agent={"name": "reelproof disclose"},
        reelproof_assertion={
            "production": production.id,
            "ingredients": [{"sha256": i["sha256"], "use": i["declaration"]} for i in ingredients],
        },
        title=master.name,
        ingredients=[Path(i["path"]) for i in ingredients],
    )
    return target
