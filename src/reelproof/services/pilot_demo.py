"""`reelproof demo --pilot`: a pilot programme of two pilot and two comparison productions.

Everything goes through the real use cases (apply, approve, asset add, the delivery check,
the survey CSV import, contribution records) on a store of its own; only the clock is the
demo's, so that six months of production happen in a few seconds and the cycle times read
from the audit log are days, not microseconds. Effort, timings and answers are drawn from a
seeded generator: the same demo gives the same report.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonObject
from reelproof.services import (
    approvals,
    assets,
    contributions,
    delivery,
    feedback,
    pilot_report,
    pilots,
    roles,
    surveys,
)
from reelproof.services import documents as docsvc
from reelproof.services.context import Context
from reelproof.services.demo import DemoStep
from reelproof.services.init import init_store

PILOT_ID = "genai-pilot-2027h1"
SURVEY_ID = "creative-satisfaction-2027h1"
ARMS = {
    "harbour-lights": "pilot",
    "north-star": "pilot",
    "quay-street": "comparison",
    "north-quay": "comparison",
}
USES_PER_PRODUCTION = 10
STAGES = ("vfx", "sound", "post_production", "marketing", "vfx")
ROLES = {"writer": 3, "director": 3, "performer": 3, "vfx": 3, "editor": 3, "sound": 1}
APPROVER = "counsel@studio.example"
START = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
SEED = 2027


@dataclass
class DemoClock:
    """The demo's time: moved forward by the demo, read by every transaction."""

    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, hours: float) -> None:
        """Let `hours` pass."""
        self.now += dt.timedelta(hours=hours)


def _apply(ctx: Context, folder: Path, name: str, docs: list[JsonObject]) -> None:
    path = folder / "documents" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    docsvc.apply_documents(ctx, docsvc.parse_sources([docsvc.SourceFile.read(path)]))


def _doc(kind: str, metadata: JsonObject, spec: JsonObject) -> JsonObject:
    return {"apiVersion": "reelproof/v1", "kind": kind, "metadata": metadata, "spec": spec}


def _declaration(production: str, n: int, day: dt.date, rng: np.random.Generator) -> JsonObject:
    """A use: every other one in the final deliverable and prominent enough to need approval,
    every fourth a temp shot that must not reach delivery."""
    pilot = ARMS[production] == "pilot"
    estimate = float(rng.integers(16, 80))
    ratio = rng.uniform(0.3, 0.65) if pilot else rng.uniform(0.55, 0.95)
    final = n % 2 == 0
    return _doc(
        "AIUseDeclaration",
        {
            "id": f"use-{n:02d}",
            "production": production,
            "declared_by": "vfx.sup@studio.example",
            "declared_at": day.isoformat(),
        },
        {
            "title": f"Shot {n:02d}: generated {'set extension' if final else 'temp element'}",
            "stage": STAGES[n % len(STAGES)],
            "phase": "final" if final or n % 4 != 1 else "temp",
            "tool": {
                "name": "ExampleGen 3",
                "vendor": "ExampleCo",
                "enterprise_agreement": True,
                "trains_on_inputs": False,
                "stores_inputs": False,
            },
            "output": {
                "in_final_deliverable": final,
                "element": "setting",
                "prominence": "key_creative" if final else "incidental",
            },
            "effort": {
                "estimate_without_ai": {"hours": estimate, "cost": round(estimate * 95, 2)},
                "actual_with_ai": {
                    "hours": round(estimate * ratio, 1),
                    "cost": round(estimate * ratio * 95 + 300, 2),
                },
            },
        },
    )


def _production_docs() -> list[JsonObject]:
    return [
        _doc(
            "Production",
            {"id": p},
            {
                "title": p.replace("-", " ").title(),
                "studio": "netflix",
                "unions": ["wga", "sag_aftra_tv_theatrical"],
                "territories": ["US", "GB"],
            },
        )
        for p in ARMS
    ]


def _programme() -> list[JsonObject]:
    return [
        _doc(
            "PilotProgramme",
            {"id": PILOT_ID},
            {
                "title": "GenAI standards pilot, first half of 2027",
                "period": {"from": "2027-01-01", "to": "2027-06-30"},
                "productions": [p for p, a in ARMS.items() if a == "pilot"],
                "comparison": [p for p, a in ARMS.items() if a == "comparison"],
                "standards": {"netflix-genai": "2025.1"},
                "targets": {"hours_saved": 0.25, "satisfaction": 4.0},
            },
        ),
        _doc(
            "SatisfactionSurvey",
            {"id": SURVEY_ID},
            {
                "title": "How did working under the AI standards feel?",
                "pilot": PILOT_ID,
                "roles": list(ROLES),
                "questions": [
                    {
                        "id": "creative-control",
                        "type": "likert",
                        "text": "I kept creative control over the work AI touched.",
                    },
                    {
                        "id": "process-clear",
                        "type": "likert",
                        "text": "The approval process was clear and quick enough.",
                    },
                    {
                        "id": "would-continue",
                        "type": "likert",
                        "scale": {"min": 1, "max": 7},
                        "text": "I would work under these standards again.",
                    },
                    {
                        "id": "comments",
                        "type": "free_text",
                        "text": "Which rule got in the way, and how?",
                    },
                ],
            },
        ),
    ]


def _run_uses(
    ctx: Context, clock: DemoClock, folder: Path, rng: np.random.Generator
) -> dict[str, list[str]]:
    """Declare, decide, answer and deliver every production's uses; the temp shots."""
    temps: dict[str, list[str]] = {p: [] for p in ARMS}
    for n in range(USES_PER_PRODUCTION):
        for production in ARMS:
            clock.advance(float(rng.uniform(20, 60)))
            doc = _declaration(production, n, clock.now.date(), rng)
            _apply(ctx, folder, f"{production}-use-{n:02d}.yaml", [doc])
            key = f"{production}/use-{n:02d}"
            spec = doc["spec"]
            if spec["phase"] == "temp":
                temps[production].append(key)
            if not spec["output"]["in_final_deliverable"]:
                continue
            pilot = ARMS[production] == "pilot"
            clock.advance(float(rng.uniform(4, 30) if pilot else rng.uniform(24, 110)))
            refuse = n % (8 if pilot else 4) == 2
            with ctx.write() as unit:
                approvals.record(
                    unit,
                    key,
                    "rejected" if refuse else "approved",
                    APPROVER,
                    note="not at this prominence" if refuse else None,
                    conditions="Credit line required." if n % 3 == 0 and not refuse else None,
                )
            if refuse:  # reworked: brought down to an incidental background element
                spec["output"] = {
                    "in_final_deliverable": True,
                    "element": "background",
                    "prominence": "incidental",
                }
                clock.advance(float(rng.uniform(8, 40)))
                _apply(ctx, folder, f"{production}-use-{n:02d}.rev.yaml", [doc])
    return temps


def _deliver(
    ctx: Context, clock: DemoClock, folder: Path, temps: dict[str, list[str]]
) -> list[str]:
    """Each production delivers; a temp shot left in blocks it, and it delivers again."""
    lines = []
    settings = ctx.config().provenance()
    for production, keys in temps.items():
        root = folder / "deliveries" / production
        root.mkdir(parents=True, exist_ok=True)
        temp = root / "temp-shot.exr"
        temp.write_bytes(f"temp shot of {production}".encode())
        list(assets.add_assets(ctx, [temp], production, keys[0], settings))
        clock.advance(12)
        first = delivery.check(ctx, root, production, settings)
        temp.unlink()
        clock.advance(30 if ARMS[production] == "pilot" else 70)
        second = delivery.check(ctx, root, production, settings)
        lines.append(f"{production}: {first.verdict}, then {second.verdict}")
    return lines


def _likert(rng: np.random.Generator, top: int, centre: float) -> int:
    return int(np.clip(round(rng.normal(centre, 0.8)), 1, top))


def _survey_csv(folder: Path, rng: np.random.Generator, rule: str) -> Path:
    path = folder / "survey-responses.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "respondent",
                "role",
                "production",
                "creative-control",
                "process-clear",
                "would-continue",
                "comments",
            ]
        )
        for production, arm in ARMS.items():
            lift = 0.7 if arm == "pilot" else 0.0
            for role, count in ROLES.items():
                for i in range(count):
                    comment = ""
                    if i == 0 and role in ("vfx", "editor"):
                        comment = (
                            f"{rule} sent every key shot to written approval; it held "
                            "us up for days"
                            if arm == "comparison"
                            else f"{rule} approvals came back within a day"
                        )
                    w.writerow(
                        [
                            f"{role}.{i}@{production}.example",
                            role,
                            production,
                            _likert(rng, 5, 3.2 + lift),
                            _likert(rng, 5, 2.9 + lift),
                            _likert(rng, 7, 4.4 + lift),
                            comment,
                        ]
                    )
    return path


def _contributions(ctx: Context) -> int:
    made = 0
    for production in ARMS:
        for n in (0, 2, 4):
            contributions.record(
                ctx,
                _doc(
                    "Contribution",
                    {"id": f"shot-{n:02d}"},
                    {
                        "production": production,
                        "subject": "asset",
                        "ref": f"shot {n:02d} set extension",
                        "department": "vfx",
                        "declaration": f"use-{n:02d}",
                        "humans": [
                            {
                                "role": "vfx artist",
                                "name": f"Artist {n + 1}",
                                "share": 55.0 + n,
                                "did": "layout, paint-out and final comp",
                            }
                        ],
                        "ai": [
                            {
                                "tool": "ExampleGen 3",
                                "share": 45.0 - n,
                                "did": "generated the plate",
                            }
                        ],
                    },
                ),
            )
            made += 1
        contributions.record(
            ctx,
            _doc(
                "Contribution",
                {"id": "ep1-script"},
                {
                    "production": production,
                    "subject": "scene",
                    "ref": "episode 1 script",
                    "department": "writing",
                    "humans": [
                        {
                            "role": "writer",
                            "name": "Sam Writer",
                            "share": 100.0,
                            "did": "wrote every draft",
                        }
                    ],
                },
            ),
        )
        made += 1
    return made


def run_pilot_demo(folder: Path) -> Iterator[DemoStep]:
    """Yields each step as it finishes, so the CLI can show progress."""
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / ".reelproof"
    if (state / "reelproof.db").exists():
        raise ReelproofError(f"{folder}: already holds a reelproof store; choose an empty folder")
    clock = DemoClock()
    ctx = Context.open(f"sqlite:///{(state / 'reelproof.db').resolve()}")
    ctx.key_path, ctx.clock = state / "log-signing.key", clock
    init_store(ctx)
    rng = np.random.default_rng(SEED)
    _apply(ctx, folder, "productions.yaml", _production_docs())
    _apply(ctx, folder, "pilot.yaml", _programme())
    with ctx.write() as unit:
        roles.grant(unit, "approver", APPROVER)
        roles.grant(unit, "standards_owner", unit.actor)
    yield DemoStep(
        "Four productions, the pilot programme and its survey",
        [
            f"pilot: {', '.join(p for p, a in ARMS.items() if a == 'pilot')}",
            f"comparison: {', '.join(p for p, a in ARMS.items() if a == 'comparison')}",
        ],
    )
    temps = _run_uses(ctx, clock, folder, rng)
    yield DemoStep(
        "Declared, decided and answered every AI use, with its effort",
        [f"{len(ARMS) * USES_PER_PRODUCTION} uses over {(clock.now - START).days} days"],
    )
    yield DemoStep(
        "Delivered: a temp shot left in blocked each first check",
        _deliver(ctx, clock, folder, temps),
    )
    ranked = feedback.feedback(ctx, "netflix-genai").rules
    rule = next((r.rule for r in ranked if r.held), ranked[0].rule if ranked else "NFX-1")
    imported = surveys.import_csv(ctx, _survey_csv(folder, rng, rule), SURVEY_ID)
    yield DemoStep(
        "Imported the satisfaction survey from CSV, under pseudonyms",
        [f"{len(imported.documents)} responses; no respondent name is stored"],
    )
    yield DemoStep(
        "Creators recorded who did what", [f"{_contributions(ctx)} contribution records"]
    )
    m = pilots.metrics(ctx, PILOT_ID)
    lines = [
        f"{s.metric}: pilot {s.arms['pilot'].text()}; comparison {s.arms['comparison'].text()}"
        for s in m.summaries[:2]
    ]
    yield DemoStep("Pilot metrics, with bootstrap intervals", lines, {"metrics": m.to_data()})
    top = feedback.feedback(ctx).rules[:3]
    yield DemoStep(
        "Standards feedback: rules by friction",
        [f"{r.pack} {r.rule}: friction {r.friction} (fired {r.fired})" for r in top],
    )
    out = folder / "reports"
    built = [
        pilot_report.pilot_report(ctx, PILOT_ID, out),
        pilot_report.creators_report(ctx, None, out),
        pilot_report.investors_summary(ctx, PILOT_ID, out),
    ]
    yield DemoStep(
        "Wrote the pilot report, the creators' report and the investors' summary",
        [f"{b.html}" + (f" and {b.pdf.name}" if b.pdf else f" ({b.pdf_problem})") for b in built],
        {"report": str(built[0].html)},
        all(b.pdf is not None for b in built),
    )
