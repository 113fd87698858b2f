"""`standards impact` is `publish` rehearsed: over generated stores and pack edits, the
decisions impact lists are exactly those publish then re-makes, with the same outcomes and the
same effect on each use's status."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelproof.adapters.packs import bundled_pack_files, load_pack_file
from reelproof.core.errors import ConflictError
from reelproof.core.standards import load_pack_text
from reelproof.services import approvals, decisions, roles
from reelproof.services import documents as docsvc
from reelproof.services import standards as stdsvc
from reelproof.services.context import Context
from reelproof.services.init import init_store
from tests.flow.test_trust import SERIES

_counter = itertools.count()
_declaration = st.fixed_dictionaries(
    {
        "stage": st.sampled_from(["pre_production", "vfx", "sound", "localization"]),
        "phase": st.sampled_from(["ideation", "temp", "final"]),
        "final": st.booleans(),
        "element": st.sampled_from(["background", "performance", "voice", "key_visual"]),
        "prominence": st.sampled_from(["incidental", "story_relevant", "key_creative"]),
        "talent": st.sampled_from([None, "digital_alteration", "dubbing", "replica_use"]),
        "approve": st.booleans(),
    }
)
_edit = st.sampled_from(["outcome", "never", "retitle", "obligation", "later"])
PACKS = ["netflix-genai", "dga", "sag-aftra-tv-2023", "california"]


def _declaration_doc(i: int, d: dict[str, Any]) -> str:
    talent = (
        f"\n  talent: [{{performer: mara-quinn, use: {d['talent']}, "
        "replica_type: employment_based}]"
        if d["talent"]
        else ""
    )
    return (
        f"apiVersion: reelproof/v1\nkind: AIUseDeclaration\n"
        f"metadata: {{id: use-{i}, production: north-light}}\n"
        f"spec:\n  title: Use {i}\n  stage: {d['stage']}\n  phase: {d['phase']}\n"
        "  tool: {name: Gen, enterprise_agreement: true, trains_on_inputs: false, "
        "stores_inputs: false}\n"
        f"  output: {{in_final_deliverable: {str(d['final']).lower()}, element: {d['element']}, "
        f"prominence: {d['prominence']}}}" + talent + "\n"
    )


def _edited_pack(pack_id: str, edit: str, rule_index: int) -> str:
    source = next(
        p for p in bundled_pack_files() if load_pack_text(p.read_text(), str(p)).id == pack_id
    )
    data = yaml.safe_load(source.read_text())
    spec = data["spec"]
    spec["version"] = f"{spec['version']}-edit{next(_counter)}"
    rule = spec["rules"][rule_index % len(spec["rules"])]
    if edit == "outcome":
        rule["outcome"] = "prohibited" if rule["outcome"] != "prohibited" else "inform"
    elif edit == "never":
        rule["when"] = "false"
    elif edit == "retitle":
        spec["title"] = "Revised " + spec["title"]
    elif edit == "obligation":
        rule["obligations"] = [{"kind": "record_keep", "detail": "keep the edit log"}]
    else:
        spec["effective_from"] = "2099-01-01"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(_declaration, min_size=1, max_size=4),
    st.sampled_from(PACKS),
    _edit,
    st.integers(min_value=0, max_value=60),
)
def test_impact_lists_exactly_what_publish_changes(
    tmp_path: Path, uses: list[dict[str, Any]], pack_id: str, edit: str, rule_index: int
) -> None:
    folder = tmp_path / f"store-{next(_counter)}"
    folder.mkdir()
    ctx = Context.open(f"sqlite:///{folder / 'reelproof.db'}")
    ctx.key_path = folder / "log.key"
    init_store(ctx)
    text = SERIES + "".join("---\n" + _declaration_doc(i, d) for i, d in enumerate(uses))
    docsvc.apply_documents(ctx, docsvc.parse_sources([docsvc.SourceFile("series.yaml", text)]))
    with ctx.write() as unit:
        roles.grant(unit, "approver", "counsel@studio.example")
    for i, d in enumerate(uses):
        if d["approve"]:
            try:
                with ctx.write() as unit:
                    approvals.record(
                        unit, f"north-light/use-{i}", "approved", "counsel@studio.example"
                    )
            except ConflictError:
                pass  # nothing to approve (proceed, prohibited or a consent gap)
    pack_file = folder / f"{pack_id}-edited.yaml"
    pack_file.write_text(_edited_pack(pack_id, edit, rule_index))
    candidate = load_pack_file(pack_file)

    predicted = stdsvc.impact(ctx, [candidate])
    with ctx.read() as conn:  # the rehearsal left nothing behind
        assert all(p.version != candidate.version for p in decisions.stored_packs(conn))
    with ctx.write() as unit:
        published = stdsvc.publish_packs(unit, [candidate], "published", run_tests=False)
    with ctx.read() as conn:
        after = {
            d.declaration: decisions.status_of(conn, d.declaration, ctx.clock().date()).status
            for d in published.redecided
        }
    assert [(r.declaration, r.new_outcome, r.new_status) for r in predicted] == [
        (d.declaration, d.outcome, after[d.declaration]) for d in published.redecided
    ]
