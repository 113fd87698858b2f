"""SARIF 2.1.0 for code-scanning tools: one run, one rule per check id, one result per issue.

Timecodes are not text lines, so a cut finding's record in/out goes into the result's
message and its `properties.record`, with the file as the artifact location.
"""

from __future__ import annotations

import json
from typing import IO, Any

from reelproof import __version__
from reelproof.interfaces.formats import Gate, Result

name = "sarif"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def supports(result: Result) -> bool:
    """Only gates have findings for code-scanning tools."""
    return isinstance(result, Gate)


def render(result: Result, out: IO[str], *, color: bool) -> None:
    """One SARIF run: a rule per check id, a result per issue."""
    assert isinstance(result, Gate)
    issues = list(result.issues())
    rules = sorted({i.rule for i in issues})
    results: list[dict[str, Any]] = []
    for i in issues:
        entry: dict[str, Any] = {
            "ruleId": i.rule,
            "ruleIndex": rules.index(i.rule),
            "level": "error" if i.level == "error" else "warning",
            "message": {"text": f"{i.message} [{i.region}]" if i.region else i.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": i.location}}}],
        }
        if i.region:
            entry["properties"] = {"record": i.region}
        results.append(entry)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "reelproof",
                        "version": __version__,
                        "rules": [{"id": r, "name": r} for r in rules],
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "properties": {"gate": result.gate_name()},
                "results": results,
            }
        ],
    }
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
