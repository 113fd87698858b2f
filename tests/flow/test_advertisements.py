"""Advertisements say what they promote: New York §396-b exempts only promotion of the work.

A production makes a trailer for its own series and a standalone commercial for a partner's
product, both with the same synthetic performer. Whether each is promotion of the work comes
from `output.promotes`, never from the medium, and `unknown` is read as a third party's ad.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLE, cli, cli_json

AD = """\
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {id: ID, production: harbour-s1}
spec:
  title: TITLE
  stage: marketing
  phase: final
  media: MEDIA
  tool:
    {name: ExampleGen 3, enterprise_agreement: true, trains_on_inputs: false, stores_inputs: false}
  output:
    in_final_deliverable: true
    element: performance
    advertisement: ADVERTISEMENT
    promotes: PROMOTES
  synthetic_performer: {used: true}
"""

LABEL_396B = "conspicuous disclosure in the advertisement that it contains a synthetic performer"


def _ad(doc_id: str, title: str, media: str, promotes: str, *, advertisement: bool = True) -> str:
    return (
        AD.replace("ID", doc_id, 1)
        .replace("TITLE", title)
        .replace("MEDIA", media)
        .replace("ADVERTISEMENT", "true" if advertisement else "false")
        .replace("PROMOTES", promotes)
    )


def _ny(decision: dict[str, Any]) -> set[str]:
    return {r["id"] for r in decision["rules"] if r["pack"] == "new-york"}


def _labels(decision: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        o
        for o in decision["obligations"]
        if o["kind"] == "label_visible" and LABEL_396B in (o["detail"] or "")
    ]


@pytest.fixture
def ads_db(db_url: str, tmp_path: Path) -> str:
    if dt.date.today() < dt.date(2026, 6, 9):
        pytest.skip("New York §396-b applies from 2026-06-09; decisions use today's date")
    assert cli("init", db=db_url).exit_code == 0
    (tmp_path / "harbour.yaml").write_text(
        "---\n".join(
            [
                EXAMPLE,  # harbour-s1, distributed in the US (so New York), France and Korea
                _ad("partner-watch-ad", "Partner watch commercial", "marketing", "third_party"),
                _ad("s1-trailer", "Season trailer", "trailer", "production"),
                _ad("s1-teaser", "Season teaser", "trailer", "unknown"),
            ]
        )
    )
    result = cli("apply", str(tmp_path / "harbour.yaml"), db=db_url)
    assert result.exit_code == 0, result.output
    return db_url


def test_ny_396b_label_applies_to_a_product_ad_and_unknown_but_not_to_the_trailer(
    ads_db: str, tmp_path: Path
) -> None:
    product = cli_json("decide", "partner-watch-ad", db=ads_db)
    trailer = cli_json("decide", "s1-trailer", db=ads_db)
    teaser = cli_json("decide", "s1-teaser", db=ads_db)

    assert "new-york" in product["standards"] and "new-york" in trailer["standards"]
    # A standalone product ad made by the production is no promotion of the work.
    assert "NY-396B" in _ny(product) and "NY-396B.promo" not in _ny(product)
    assert _labels(product) and all(o["party"] == "production" for o in _labels(product))
    # The trailer for the work takes the expressive-work path: no label, a record instead.
    assert _ny(trailer) == {"NY-396B.promo"}
    assert not _labels(trailer)
    # Unknown is the stricter reading: treated as a third party's ad.
    assert "NY-396B" in _ny(teaser) and "NY-396B.promo" not in _ny(teaser)
    assert _labels(teaser)
    message = next(r["message"] for r in teaser["rules"] if r["id"] == "NY-396B")
    assert "promotes: unknown" in message

    text = cli("decide", "s1-trailer", db=ads_db).stdout
    assert "NY-396B.promo" in text and LABEL_396B not in text

    # The teaser turns out to promote the work: a new revision re-decides it.
    revised = _ad("s1-teaser", "Season teaser", "trailer", "production")
    (tmp_path / "teaser.yaml").write_text(revised)
    assert cli("apply", str(tmp_path / "teaser.yaml"), db=ads_db).exit_code == 0
    teaser = cli_json("decide", "s1-teaser", db=ads_db)
    assert _ny(teaser) == {"NY-396B.promo"} and not _labels(teaser)
    history = cli_json("get", "declaration", "s1-teaser", "--history", db=ads_db)
    assert [h["revision"] for h in history] == [1, 2]


def test_promotes_on_a_non_advertisement_is_refused_and_nothing_is_stored(
    ads_db: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    text = (
        _ad("partner-bag-ad", "Partner bag commercial", "marketing", "third_party")
        + "---\n"
        + _ad("s1-poster", "Key art", "marketing", "production", advertisement=False)
    )
    bad.write_text(text)
    line = text.splitlines().index("    promotes: production") + 1
    result = cli("apply", str(bad), db=ads_db)
    assert result.exit_code == 2
    assert f"bad.yaml:{line}: spec.output.promotes" in result.output
    assert "advertisement is not true" in result.output
    assert "Traceback" not in result.output
    stored = {d["metadata"]["id"] for d in cli_json("get", "declaration", db=ads_db)}
    assert stored == {"moodboard-1", "partner-watch-ad", "s1-trailer", "s1-teaser"}
