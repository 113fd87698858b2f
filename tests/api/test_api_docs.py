"""docs/api.md is run, not just read: every ```python block runs in order, in one namespace, in
an empty folder with its own log key and trust list (the autouse fixture), as a script would."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list[str]:
    """The page's python blocks, in order."""
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_page_has_examples_for_every_use_case() -> None:
    text = "\n".join(blocks())
    calls = ("open_store", "apply_text", "decide", "approve", "consents", "revoke_consent")
    for call in (*calls, "documents", "history", "approvals"):
        assert f"{call}(" in text
    assert "inspect(" in text and "verify_log(" in text


def test_every_example_runs(tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    for i, code in enumerate(blocks(), 1):
        exec(compile(code, f"{DOC.name}, block {i}", "exec"), namespace)
    assert (tmp_path / ".reelproof" / "reelproof.db").exists()


def test_the_plugin_page_examples_run() -> None:
    """docs/plugins.md's detector example is a real `reelproof.Detector`."""
    page = DOC.with_name("plugins.md").read_text(encoding="utf-8")
    (code,) = BLOCK.findall(page)
    exec(compile(code, "plugins.md", "exec"), {"__name__": "__main__"})
