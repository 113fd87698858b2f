"""The public API as a pipeline script uses it, on SQLite and PostgreSQL, beside the CLI."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import reelproof
from reelproof import _api
from tests.helpers import EXAMPLE, cli_json


def test_all_lists_exactly_the_public_names() -> None:
    """Each name resolves, is documented, and a result is a frozen dataclass."""
    for name in reelproof.__all__:
        obj = getattr(reelproof, name)
        if name == "__version__":
            continue
        assert inspect.getdoc(obj), f"reelproof.{name} has no docstring"
        if dataclasses.is_dataclass(obj):
            assert obj.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
    assert set(reelproof.__all__) == {*_api.__all__, "__version__"}
    with pytest.raises(AttributeError):
        _ = reelproof.Context  # type: ignore[attr-defined]


def test_a_script_and_the_cli_share_one_store(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "harbour.yaml"
    path.write_text(EXAMPLE)
    with reelproof.open_store(db_url, create=True) as store:
        (applied,) = store.apply(path)
        assert applied.file == str(path)
        assert {d.kind for d in applied.documents} >= {"Production", "AIUseDeclaration"}
        # The apply decided the new declaration; the CLI reads the same decision.
        (made,) = applied.decisions
        assert made.declaration == "harbour-s1/moodboard-1"
        assert made.status == "cleared" and made.outcome in ("proceed", "inform")
        assert all(isinstance(r, reelproof.Rule) and r.source for r in made.rules)
        shown = cli_json("decide", "moodboard-1", db=db_url)
        assert shown["outcome"] == made.outcome
        assert [r["id"] for r in shown["rules"]] == [r.id for r in made.rules]

        again = store.apply(path)[0]
        assert {d.status for d in again.documents} == {"unchanged"} and not again.decisions

        with pytest.raises(reelproof.NotFoundError, match="no-such"):
            store.decide("no-such")
        # Stored documents read the same through the API as through `reelproof get`.
        listed = store.documents("declarations")
        assert [r.id for r in listed] == ["harbour-s1/moodboard-1"]
        assert [{**r.content, "revision": r.revision} for r in listed] == cli_json(
            "get", "declarations", db=db_url
        )
        (first,) = store.history("declaration", "moodboard-1")
        assert first.content == cli_json("get", "declaration", "moodboard-1", db=db_url)
        with pytest.raises(reelproof.NotFoundError, match="no-such"):
            store.history("consent", "no-such")
        with pytest.raises(reelproof.ConflictError, match="approver role"):
            store.reject("moodboard-1", note="no")
        store.grant_role("approver", store.actor)
        with pytest.raises(reelproof.ConflictError, match="needs no written approval"):
            store.reject("moodboard-1", note="no")
        report = store.verify_log()
        assert report.ok and report.authenticated and report.rows > 0


def test_the_verifier_imports_without_the_package() -> None:
    """`import reelproof` is lazy: an auditor's `reelproof.verify` pulls in no database layer."""
    code = (
        "import sys, reelproof.verify; "
        "print(sorted({'sqlalchemy', 'reelproof._api'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
