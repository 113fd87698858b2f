"""Small builders for packs, productions and declarations used by the standards tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reelproof.core.documents import AIUseDeclaration, Production, StandardsPack, parse_one
from reelproof.core.standards import CompiledPack, compile_pack

TODAY = dt.date(2026, 9, 14)


def rule(rid: str, when: str = "true", outcome: str = "inform", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rid,
        "title": f"rule {rid}",
        "when": when,
        "outcome": outcome,
        "message": f"{rid} fired for '{{{{use.title}}}}'",
        "source": {"ref": "src", "section": "s1"},
        "verification": "V",
    }
    out.update(extra)
    return out


def pack_doc(rules: list[dict[str, Any]], pid: str = "p", **spec: Any) -> StandardsPack:
    data = {
        "apiVersion": "reelproof/v1",
        "kind": "StandardsPack",
        "metadata": {"id": pid},
        "spec": {
            "title": f"pack {pid}",
            "version": "1.0",
            "effective_from": "2025-01-01",
            "sources": [
                {"id": "src", "title": "Source", "publisher": "Pub", "published": "2025-01-02"}
            ],
            "rules": rules,
            **spec,
        },
    }
    doc = parse_one(data, f"{pid}.yaml")
    assert isinstance(doc, StandardsPack)
    return doc


def pack(rules: list[dict[str, Any]], pid: str = "p", **spec: Any) -> CompiledPack:
    return compile_pack(pack_doc(rules, pid, **spec), f"packs/{pid}.yaml")


def production(**spec: Any) -> Production:
    base: dict[str, Any] = {"title": "Prod", "studio": "netflix", "territories": ["US"]}
    base.update(spec)
    pid = base.pop("id", "prod")
    doc = parse_one(
        {"apiVersion": "reelproof/v1", "kind": "Production", "metadata": {"id": pid}, "spec": base}
    )
    assert isinstance(doc, Production)
    return doc


def declaration(**spec: Any) -> AIUseDeclaration:
    base: dict[str, Any] = {
        "title": "A use",
        "stage": "vfx",
        "phase": "final",
        "tool": {
            "name": "Gen",
            "enterprise_agreement": True,
            "trains_on_inputs": False,
            "stores_inputs": False,
        },
        "output": {"in_final_deliverable": True},
    }
    base.update(spec)
    doc = parse_one(
        {
            "apiVersion": "reelproof/v1",
            "kind": "AIUseDeclaration",
            "metadata": {"id": "use-1", "production": "prod"},
            "spec": base,
        }
    )
    assert isinstance(doc, AIUseDeclaration)
    return doc
