"""`reelproof demo`: the whole flow on the bundled example production, in a fresh folder."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from reelproof.adapters.c2pa_signer import sign_file
from reelproof.adapters.config import Config, SigningConfig
from reelproof.adapters.devca import make_dev_ca
from reelproof.adapters.timelines import write_otio
from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonObject
from reelproof.services import (
    approvals,
    assets,
    auditlog,
    decisions,
    delivery,
    disclosure,
    roles,
    talent,
)
from reelproof.services import documents as docsvc
from reelproof.services import report as report_svc
from reelproof.services.context import Context
from reelproof.services.init import init_store
from reelproof.verify import verify_bundle

EXAMPLE = "stranger-tides.yaml"
FRAME = "stadium-double-frame.png"
PRODUCTION = "stranger-tides-s1"
DOUBLE = f"{PRODUCTION}/vfx-stadium-fall"
SHOT = "vfx/sh042-stadium-fall.png"
PLATE = "plates/sh041-stadium.png"
CONSENT = "jane-doe-stadium-double"


def example_path(name: str = EXAMPLE) -> Path:
    """The bundled example production used by the demo and the documentation."""
    return Path(str(resources.files("reelproof.examples") / name))


@dataclass
class DemoStep:
    """One step of the demo: what it shows, the command a user would type, and its output."""

    title: str
    lines: list[str] = field(default_factory=list)
    data: JsonObject = field(default_factory=dict)
    ok: bool = True


def _statuses(ctx: Context) -> list[str]:
    with ctx.read() as conn:
        lines = []
        for key in decisions.declarations_touching(conn):
            s = decisions.status_of(conn, key, ctx.clock().date())
            outcome = s.decision.outcome if s.decision else "-"
            lines.append(f"{key}: {outcome} → {s.status}")
        return lines


def _issue_lines(outcome: delivery.CheckOutcome) -> list[str]:
    return [
        f"{i.level} {i.rule}" + (f" [{i.region}]" if i.region else "") + f": {i.message}"
        for i in outcome.issues
    ]


def _delivery(ctx: Context, folder: Path, config: Config) -> Generator[DemoStep, None, Path]:
    """The vendor's generated shot and the camera plate, signed; the editor's locked cut
    (its path is the generator's return value)."""
    assert config.signing is not None
    src = folder / FRAME
    src.write_bytes(example_path(FRAME).read_bytes())
    root = folder / "delivery"
    files = {
        SHOT: ("trainedAlgorithmicMedia", "ExampleDouble"),
        PLATE: ("digitalCapture", "Camera"),
    }
    for rel, (source_type, agent) in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        sign_file(
            src,
            root / rel,
            key_pem=config.signing.key,
            chain_pem=config.signing.chain,
            alg=config.signing.alg,
            digital_source_type=source_type,
            software_agent={"name": agent, "version": "1.0"},
            reelproof_assertion={"demo": True},
            title=Path(rel).name,
        )
    added = list(assets.add_assets(ctx, [root / SHOT], PRODUCTION, DOUBLE, config.provenance()))
    cut = write_otio(
        folder / "locked-cut.otio",
        "Stranger Tides 104, locked cut",
        [
            ("sh041 stadium plate", PLATE, 96, {}),
            ("sh042 stadium fall", SHOT, 48, {}),
            ("sh043 stadium plate", PLATE, 72, {}),
        ],
    )
    yield DemoStep(
        "The VFX vendor delivered the generated stadium-fall shot; the editor locked the cut",
        [
            f"{SHOT}: {added[0].report.classification.value}, C2PA "
            f"{added[0].report.c2pa_state.value}, linked to {DOUBLE}",
            f"{PLATE}: camera plate",
            f"cut {cut.name}: 3 clips",
        ],
    )
    return cut


def run_demo(folder: Path) -> Iterator[DemoStep]:
    """Yields each step as it finishes, so the CLI can show progress."""
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / ".reelproof"
    if (state / "reelproof.db").exists():
        raise ReelproofError(f"{folder}: already holds a reelproof store; choose an empty folder")
    ctx = Context.open(f"sqlite:///{(state / 'reelproof.db').resolve()}")
    ctx.key_path = state / "log-signing.key"
    result = init_store(ctx)
    yield DemoStep(
        "Created the store, the audit log's signing key, and loaded the bundled standards",
        [f"store {result.db}", f"{len(result.packs)} standards packs", f"verifier {result.vkey}"],
    )

    example = folder / EXAMPLE
    example.write_text(example_path().read_text(encoding="utf-8"), encoding="utf-8")
    applied = docsvc.apply_documents(ctx, docsvc.parse_sources([docsvc.SourceFile.read(example)]))
    yield DemoStep(
        f"Applied the example production ({example.name}); each AI use was decided",
        [f"{d.kind} {d.key}" for d in applied.documents],
    )
    yield DemoStep("Decisions and statuses", _statuses(ctx))

    ca = make_dev_ca(state / "dev-ca")
    (state / "config.toml").write_text(
        "# Written by `reelproof demo`: a DEVELOPMENT CA, never for real media.\n"
        f'[provenance]\ntrust_anchors = "{ca.root_pem.resolve()}"\n\n'
        f'[signing]\nkey = "{ca.signer_key.resolve()}"\nchain = "{ca.chain_pem.resolve()}"\n'
        f'alg = "{ca.alg}"\n',
        encoding="utf-8",
    )
    config = Config(
        state / "config.toml",
        trust_anchors=ca.root_pem,
        signing=SigningConfig(ca.signer_key, ca.chain_pem, ca.alg),
    )
    settings = config.provenance()
    cut = yield from _delivery(ctx, folder, config)
    first = delivery.check(ctx, folder / "delivery", PRODUCTION, settings, timeline=cut)
    yield DemoStep(
        "Delivery check of the locked cut: BLOCKED, as it should be",
        _issue_lines(first),
        first.to_data(),
        first.blocked,
    )

    with ctx.write() as unit:
        roles.grant(unit, "approver", "counsel@studio.example")
        answer = approvals.record(
            unit,
            DOUBLE,
            "approved",
            "counsel@studio.example",
            conditions="Credit line required; not for marketing use.",
        )
    yield DemoStep(
        "Studio counsel approved the digital double in writing",
        [f"{answer.declaration}: {answer.status} (approval {answer.approval_id})"],
    )

    shown = disclosure.disclose(ctx, PRODUCTION, folder / "disclosures", config)
    yield DemoStep(
        "Wrote the disclosures: credits, the label each territory needs at release, a page",
        [
            *shown.credits,
            *(f"{lb.territory} (release {lb.released}): {lb.text}" for lb in shown.labels),
            f"page {shown.files['page']}",
        ],
    )
    second = delivery.check(ctx, folder / "delivery", PRODUCTION, settings, timeline=cut)
    yield DemoStep(
        "Delivery check again: CLEAR",
        [f"verdict {second.verdict}, audit-log entry {second.log_index}", *_issue_lines(second)],
        second.to_data(),
        not second.blocked,
    )

    frame = folder / FRAME
    signed = assets.sign(ctx, frame, folder / "stadium-double-frame.signed.png", DOUBLE, config)
    report = signed.report
    yield DemoStep(
        "Signed a frame of the cleared digital double with C2PA (development CA)",
        [
            f"{signed.out.name}: C2PA {report.c2pa_state.value}, {report.classification.value}",
            *report.reasons[:2],
        ],
        ok=report.c2pa_state.value == "trusted",
    )

    built = report_svc.build(ctx, PRODUCTION, folder / "report")
    yield DemoStep(
        "Built the compliance report (charts from the store, proofs to verify it offline)",
        [
            f"report {built.html}",
            f"pdf {built.pdf or built.pdf_problem}",
            f"{built.entries} entries proved against checkpoint {built.checkpoint_size}",
        ],
        {"report": str(built.html)},
    )

    with ctx.read() as conn:
        view = talent.performer_view(conn, "jane-doe", ctx.clock().date())
    lines = []
    for use in view["uses"]:
        cover = f"covered by {use['consent']}" if use["covered"] else "NOT covered"
        lines.append(f"{use['declaration']} ({use['use']}): {use['status']}, {cover}")
        lines.extend(f"  owed: {o}" for o in use["owed"])
    yield DemoStep("Jane Doe asks where her likeness is used and what she is owed", lines)

    cascade = talent.revoke_consent(ctx, CONSENT, ctx.clock().date(), "performer withdrew")
    yield DemoStep(
        "Jane Doe revoked her consent: the use it covered went back to review",
        [f"{d}: needs_review" for d in cascade.needs_review] + _statuses(ctx),
        ok=DOUBLE in cascade.needs_review,
    )

    report_v = auditlog.verify(ctx)
    bundle = folder / "audit-bundle"
    exported = auditlog.export(ctx, bundle)
    offline = verify_bundle(bundle, trusted_vkey=result.vkey)
    yield DemoStep(
        "Verified the audit log, exported it, and checked the bundle offline",
        [
            *report_v.checks,
            *(p.message for p in report_v.problems),
            f"bundle {bundle.name}: {exported['size']} entries, root verified offline "
            f"({offline.size} entries)",
        ],
        report_v.to_json(),
        report_v.ok,
    )
