"""Every corpus timeline imports or fails with a clear error; clip facts come out right."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelproof.adapters.timelines import TimelineError, read_cut
from tests.conftest import CORPORA
from tests.delivery.cuts import convert_cut, write_cut

OTIO = CORPORA / "otio"
SAMPLES = (
    sorted(
        p.relative_to(OTIO).as_posix()
        for p in OTIO.rglob("*")
        if p.suffix in (".otio", ".edl", ".xml", ".fcpxml", ".aaf")
    )
    if OTIO.is_dir()
    else []
)
# (rate, clips) the corpus INDEX records; None: the file must fail with a clear error.
EXPECTED: dict[str, tuple[float | None, int | None]] = {
    "edl/25fps.edl": (25, 4),
    "edl/screening_example.edl": (None, 9),
    "edl/timecode_mismatch.edl": (25, None),
    "fcp7_xml/sample_just_track.xml": (None, 0),
    "otio/nested_example.otio": (None, 7),
    "otio/multitrack.otio": (None, 5),
    "otio/screening_example.otio": (None, 9),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_corpus_timeline_imports_or_errors_clearly(corpora: Path, name: str) -> None:
    rate, clips = EXPECTED.get(name, (None, -1))
    path = corpora / "otio" / name
    if clips is None:
        with pytest.raises(TimelineError, match=name.split("/")[-1]):
            read_cut(path, rate)
        return
    try:
        cut = read_cut(path, rate)
    except TimelineError as exc:  # only the EDL rate can be missing, and the error says so
        assert name.endswith(".edl") and "--rate" in str(exc)
        return
    assert len(cut.digest) == 64
    if clips >= 0:
        assert len(cut.clips) == clips
    for clip in cut.clips:
        assert clip.record_in <= clip.record_out or "s" in clip.record_in


def test_corpus_is_present_or_skipped(corpora: Path) -> None:
    assert SAMPLES, f"no timelines found under {corpora / 'otio'}"


def test_edl_needs_its_rate(corpora: Path) -> None:
    with pytest.raises(TimelineError, match="--rate"):
        read_cut(corpora / "otio" / "edl" / "25fps.edl")


def test_record_timecodes_and_sha_metadata(tmp_path: Path) -> None:
    sha = "ab" * 32
    cut = read_cut(
        write_cut(
            tmp_path / "c.otio", [("a", "x/a.png", 30), ("b", None, 6)], b={"sha256": sha.upper()}
        )
    )
    a, b = cut.clips
    assert (a.record_in, a.record_out, b.record_out) == (
        "01:00:00:00",
        "01:00:01:06",
        "01:00:01:12",
    )
    assert a.target == "x/a.png" and b.sha256 == sha and b.seconds == 0.25


@pytest.mark.parametrize("suffix", [".fcpxml", ".aaf"])
def test_fcpxml_and_aaf_exports_import_with_their_clips(tmp_path: Path, suffix: str) -> None:
    shots = [("plate", "plates/plate.png", 48), ("sh010-double", "shots/double.png", 24)]
    original = read_cut(write_cut(tmp_path / "cut.otio", shots))
    cut = read_cut(convert_cut(tmp_path / "cut.otio", suffix))
    assert len(cut.digest) == 64 and cut.digest != original.digest
    assert [(c.name, c.target, c.seconds) for c in cut.clips] == [
        ("plate", "plates/plate.png", 2.0),
        ("sh010-double", "shots/double.png", 1.0),
    ]
    assert cut.duration_s == original.duration_s == 3.0
    first, second = cut.clips
    assert first.record_out == second.record_in  # placed one after the other
    if suffix == ".aaf":  # AAF keeps the programme's start; the FCPXML writer drops it
        assert [c.region for c in cut.clips] == [c.region for c in original.clips]


def test_a_file_url_read_as_a_host_keeps_its_first_folder(tmp_path: Path) -> None:
    cut = read_cut(write_cut(tmp_path / "c.otio", [("a", "file://plates/a%20b.png", 24)]))
    assert cut.clips[0].target == "plates/a b.png"
    cut = read_cut(write_cut(tmp_path / "d.otio", [("a", "file:///abs/a.png", 24)]))
    assert cut.clips[0].target == "/abs/a.png"
