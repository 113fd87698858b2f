"""`reelproof demo`: the whole flow on the bundled example production, in a fresh folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from reelproof.adapters.config import Config, SigningConfig
from reelproof.adapters.devca import make_dev_ca
from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonObject
from reelproof.services import approvals, assets, auditlog, decisions, roles, talent
from reelproof.services import documents as docsvc
from reelproof.services.context import Context
from reelproof.services.init import init_store
from reelproof.verify import verify_bundle

EXAMPLE = "stranger-tides.yaml"
FRAME = "stadium-double-frame.png"
DOUBLE = "stranger-tides-s1/vfx-stadium-fall"
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
    applied = list(docsvc.apply_documents(ctx, docsvc.read_files([example])))
    yield DemoStep(
        f"Applied the example production ({example.name}); each AI use was decided",
        [f"{d.kind} {d.key}" for r in applied for d in r.documents],
    )
    yield DemoStep("Decisions and statuses", _statuses(ctx))

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
    frame = folder / FRAME
    frame.write_bytes(example_path(FRAME).read_bytes())
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
