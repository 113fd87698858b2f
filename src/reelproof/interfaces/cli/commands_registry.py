"""Which module holds each command, and its one-line help, so the CLI imports a command's
module (and through it SQLAlchemy, Alembic, c2pa) only when that command runs: `--help` and
`reelproof decide ID` start in a fraction of the time. Each module exposes `register(app)`;
a test checks this table against what the modules register. The order is the order in --help.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """Where a command lives and its help: enough to list it without importing it."""

    module: str  # under reelproof.interfaces.cli
    help: str  # shown in `reelproof --help` without importing the module


COMMANDS: dict[str, Entry] = {
    "demo": Entry(
        "demo_cmd", "Run the whole flow on an example production, in a folder of its own."
    ),
    "init": Entry(
        "documents_cmds", "Create the store and the audit log's signing key (safe to run again)."
    ),
    "apply": Entry(
        "documents_cmds", "Store documents from files, folders (-R) or stdin; all or nothing."
    ),
    "get": Entry("documents_cmds", "Show stored documents: a list of a kind, or one document."),
    "decide": Entry(
        "decide_cmds", "Decide a declaration and explain the outcome (exit 1 at --fail-on)."
    ),
    "approve": Entry("decide_cmds", "Give written approval to the declaration's current decision."),
    "reject": Entry("decide_cmds", "Refuse the declaration's current decision in writing."),
    "status": Entry(
        "decide_cmds", "One screen: what blocks delivery, approvals waiting, consents expiring."
    ),
    "declaration": Entry("decide_cmds", "Declarations: withdraw one made by mistake."),
    "new": Entry("documents_cmds", "A commented template for a new document."),
    "role": Entry(
        "roles_cmds", "Roles: who may approve, audit, publish standards (logged records)."
    ),
    "standards": Entry(
        "standards_cmds", "Standards packs: list, show, test, diff, impact, publish, feedback."
    ),
    "consent": Entry("talent_cmds", "Consents: list, show, revoke, sweep expiries."),
    "performer": Entry("talent_cmds", "Performers: every use of their likeness and voice."),
    "replica": Entry("talent_cmds", "Digital replicas as held things."),
    "inspect": Entry(
        "media_cmds", "Provenance of media files: C2PA state, ingredients, AI classification."
    ),
    "sign": Entry("media_cmds", "Write a C2PA manifest for a cleared synthetic asset."),
    "asset": Entry("media_cmds", "Register media and link it to declarations."),
    "keys": Entry("media_cmds", "Signing keys."),
    "scan": Entry("likeness_cmds", "Scan media for enrolled performers' faces and voices."),
    "finding": Entry("likeness_cmds", "Likeness findings: list, confirm, dismiss."),
    "check": Entry(
        "delivery_cmds",
        "The delivery gate on the locked cut: exit 0 clear, 1 blocked, 2 bad input.",
    ),
    "disclose": Entry(
        "delivery_cmds", "Credits, territory labels, union notices and the master's C2PA manifest."
    ),
    "report": Entry(
        "delivery_cmds", "The production's compliance report: HTML and PDF, with charts."
    ),
    "pilot": Entry("pilot_cmds", "Pilot programmes: metrics, reports, the pilot demo."),
    "survey": Entry("pilot_cmds", "Surveys: import responses from CSV, under pseudonyms."),
    "contribution": Entry("pilot_cmds", "Contribution records: who did what, human and AI."),
    "log": Entry("log_cmds", "The audit log: entries, proofs, verification, offline bundle."),
    "witness": Entry(
        "log_cmds", "A witness: cosigns a log's checkpoints only if consistent with what it saw."
    ),
    "serve": Entry("web_cmds", "The web app and REST API (uvicorn), over this store."),
    "user": Entry("web_cmds", "Accounts for the web app: `user add NAME [--admin]`."),
}
