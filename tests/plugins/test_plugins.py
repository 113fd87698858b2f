"""A studio's plugin distribution, installed the way pip installs one (a package beside a
`*.dist-info` with `entry_points.txt`, on a `sys.path` entry), seen through the real code
paths: its pack is loaded by `init` and decides, its detector is run by `reelproof.detect`,
its output format renders a command's result."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import reelproof
from reelproof.interfaces import formats
from tests.helpers import EXAMPLE, cli, cli_json

PACK = """\
apiVersion: reelproof/v1
kind: StandardsPack
metadata: {id: acme-studio}
spec:
  title: Acme Pictures house rules for generative AI
  version: "2026.1"
  effective_from: 2026-01-01
  sources:
    - {id: acme-handbook, publisher: Acme Pictures, title: Production handbook}
  rules:
    - id: ACME-1
      title: Image generators go through the AI desk
      when: use.tool.name == "ExampleGen 3"
      outcome: escalate
      obligations:
        - {kind: consult, party: "studio:acme-ai-desk", detail: "book the tool through the AI desk"}
      message: "'{{use.title}}' uses ExampleGen 3: book it through Acme's AI desk first."
      source: {ref: acme-handbook, section: "4.2 AI tools"}
      verification: V
"""

PACK_TESTS = """\
apiVersion: reelproof/v1
kind: StandardsPackTests
metadata: {id: acme-studio-tests}
spec:
  pack: acme-studio
  tests:
    - name: ExampleGen goes to the AI desk
      declaration:
        title: Moodboards
        stage: pre_production
        phase: ideation
        tool: {name: ExampleGen 3}
        output: {in_final_deliverable: false, element: ideation}
      expect: {outcome: escalate, rules: [ACME-1]}
"""

MODULE = '''\
"""Acme's reelproof plugins: a detector stub and a CSV output format."""

import csv
from reelproof import Detection, Media

CALLS = []


class StubDetector:
    name = "acme-stub"
    version = "0.1"

    def detect(self, media: Media) -> list[Detection]:
        CALLS.append(media)
        return [Detection("ai_generated", "examplegen", 0.9)]


def _rows(data):
    return data if isinstance(data, list) else [data]


class CsvFormat:
    name = "csv"

    def supports(self, result) -> bool:
        return all(isinstance(r, dict) for r in _rows(result.to_data()))

    def render(self, result, out, *, color: bool) -> None:
        rows = _rows(result.to_data())
        writer = csv.writer(out, lineterminator="\\n")
        writer.writerow(["declaration", "outcome", "rules"])
        for r in rows:
            writer.writerow([r["declaration"], r["outcome"], " ".join(x["id"] for x in r["rules"])])


csv_format = CsvFormat()
'''

ENTRY_POINTS = """\
[reelproof.packs]
acme = acme_reelproof.packs

[reelproof.detectors]
acme-stub = acme_reelproof:StubDetector

[reelproof.formats]
csv = acme_reelproof:csv_format
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The distribution `acme-reelproof` installed on a sys.path entry of its own."""
    site = tmp_path / "site"
    pkg = site / "acme_reelproof"
    (pkg / "packs").mkdir(parents=True)
    (pkg / "__init__.py").write_text(MODULE)
    (pkg / "packs" / "__init__.py").write_text("")
    (pkg / "packs" / "acme-studio-2026.1.yaml").write_text(PACK)
    (pkg / "packs" / "acme-studio-2026.1.tests.yaml").write_text(PACK_TESTS)
    info = site / "acme_reelproof-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-reelproof\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [m for m in sys.modules if m.startswith("acme_reelproof")]:
        del sys.modules[name]


def test_the_studio_pack_is_loaded_and_decides(plugin: Path, db_url: str, tmp_path: Path) -> None:
    init = cli("init", db=db_url)
    assert init.exit_code == 0, init.output
    listed = cli_json("standards", "list", db=db_url)
    assert "acme-studio" in json.dumps(listed)
    example = tmp_path / "harbour.yaml"
    example.write_text(EXAMPLE)
    assert cli("apply", str(example), db=db_url).exit_code == 0
    decision = cli_json("decide", "moodboard-1", db=db_url)
    acme = [r for r in decision["rules"] if r["pack"] == "acme-studio"]
    assert [r["id"] for r in acme] == ["ACME-1"]
    assert decision["outcome"] == "escalate"
    assert decision["standards"]["acme-studio"] == "2026.1"
    tested = cli("standards", "test", "acme-studio", db=db_url)
    assert tested.exit_code == 0, tested.output


def test_a_studio_pack_whose_tests_fail_is_refused(plugin: Path, db_url: str) -> None:
    pack = plugin / "acme_reelproof" / "packs" / "acme-studio-2026.1.tests.yaml"
    pack.write_text(PACK_TESTS.replace("outcome: escalate", "outcome: proceed"))
    result = cli("init", db=db_url)
    assert result.exit_code == 2
    assert "acme-studio 2026.1 fails 1 of its own tests" in result.output


def test_the_detector_stub_is_called(plugin: Path, tmp_path: Path) -> None:
    still = tmp_path / "frame.txt"
    still.write_text("a frame")
    (run,) = reelproof.detect(still, detectors=["acme-stub"])  # reelproof's own: faces, voices
    assert (run.detector, run.version) == ("acme-stub", "0.1")
    assert run.detections == (reelproof.Detection("ai_generated", "examplegen", 0.9),)
    assert run.media.path == str(still) and len(run.media.sha256) == 64
    calls = sys.modules["acme_reelproof"].CALLS
    assert calls == [run.media]
    with pytest.raises(reelproof.NotFoundError, match="installed: acme-stub"):
        reelproof.detect(still, detectors=["face"])


def test_the_output_format_renders_a_decision(plugin: Path, db_url: str, tmp_path: Path) -> None:
    assert "csv" in formats.names()
    example = tmp_path / "harbour.yaml"
    example.write_text(EXAMPLE)
    with reelproof.open_store(db_url, create=True) as store:
        store.apply(example)
        decision = store.decide("moodboard-1")
    out = io.StringIO()
    formats.render(decision, "csv", out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "declaration,outcome,rules"
    declaration, outcome, rules = lines[1].split(",")
    assert (declaration, outcome) == ("moodboard-1", "escalate")
    assert "ACME-1" in rules.split()


def test_a_broken_plugin_is_named(plugin: Path, db_url: str) -> None:
    entry_points = plugin / "acme_reelproof-1.0.dist-info" / "entry_points.txt"
    entry_points.write_text(ENTRY_POINTS.replace("acme_reelproof.packs", "acme_reelproof.nothing"))
    result = cli("init", db=db_url)
    assert result.exit_code == 2
    assert "reelproof.packs entry point 'acme'" in result.output
    assert "Traceback" not in result.output
