"""Streaming SHA-256, content sniffing and XMP scanning (adapters.media)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelproof.adapters.media import (
    CHUNK_SIZE,
    parse_xmp_digital_source_types,
    read_xmp_digital_source_types,
    sha256_file,
    sniff_media_type,
)
from reelproof.core.errors import ReelproofError
from tests.provenance.makers import (
    jpeg_bytes,
    mp4_bytes,
    png_bytes,
    png_itxt_xmp,
    write_wav,
    xmp_packet,
)

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def test_sha256_of_large_sparse_file_matches_hashlib(tmp_path: Path) -> None:
    f = tmp_path / "sparse.bin"
    size = 256 * CHUNK_SIZE + 12345  # not a multiple of the chunk size
    with open(f, "wb") as fh:
        fh.write(b"start")
        fh.truncate(size - 3)
        fh.seek(0, 2)
        fh.write(b"end")
    expected = hashlib.sha256()
    with open(f, "rb") as fh:
        while block := fh.read(1 << 22):
            expected.update(block)
    assert sha256_file(f) == expected.hexdigest()


@given(st.binary(max_size=5000), st.integers(min_value=1, max_value=70))
def test_sha256_any_content_any_chunk(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, chunk: int
) -> None:
    f = tmp_path_factory.mktemp("h") / "f"
    f.write_bytes(data)
    assert sha256_file(f, chunk_size=chunk) == hashlib.sha256(data).hexdigest()


def test_sha256_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ReelproofError, match="no such file"):
        sha256_file(tmp_path / "missing.mov")
    with pytest.raises(ReelproofError, match="directory"):
        sha256_file(tmp_path)


def _disguised(tmp_path: Path, data: bytes, name: str) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (png_bytes(), "track.mp3", "image/png"),
        (jpeg_bytes(), "clip.mp4", "image/jpeg"),
        (mp4_bytes(), "photo.jpg", "video/mp4"),
        (b"GIF89a" + b"\x00" * 20, "a.png", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "a.wav", "image/webp"),
        (b"fLaC\x00\x00\x00\x22", "a.wav", "audio/flac"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "a.flac", "audio/mpeg"),
        (b"\xff\xfb\x90\x00" + b"\x00" * 10, "a.bin", "audio/mpeg"),
        (b"%PDF-1.7\n", "a.jpg", "application/pdf"),
        (b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  ", "a.mp4", "video/quicktime"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "a.jpg", "image/heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "a.jpg", "image/avif"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom", "a.mp4", "audio/mp4"),
        (b"\x00\x00\x00\x18stypmsdh\x00\x00\x00\x00msdhmsix", "a.mp4", "video/iso.segment"),
        (b"\x00\x00\x01\x00jumb\x00\x00\x00\x1ejumdc2pa", "a.jpg", "application/c2pa"),
        (
            b'<?xml version="1.0"?>\n<!-- x -->\n<svg xmlns="http://www.w3.org/2000/svg"/>',
            "a.txt",
            "image/svg+xml",
        ),
        (b"\x06\x0e\x2b\x34\x02\x05\x01\x01\x0d\x01\x02\x01", "a.mov", "application/mxf"),
        (b"II*\x00\x08\x00\x00\x00\x00\x00", "a.dng", "image/tiff"),
        (b"hello, world\n", "a.png", "text/plain"),
        (bytes(range(256)), "a.png", "application/octet-stream"),
        (b"", "a.png", "application/octet-stream"),
    ],
)
def test_sniffing_ignores_the_extension(
    tmp_path: Path, data: bytes, name: str, expected: str
) -> None:
    assert sniff_media_type(_disguised(tmp_path, data, name)) == expected


def test_wav_renamed_and_no_extension(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "x.wav")
    target = tmp_path / "noext"
    wav.rename(target)
    assert sniff_media_type(target) == "audio/wav"


def test_dng_is_told_from_plain_tiff_by_ifd0(tmp_path: Path) -> None:
    # Little-endian TIFF, IFD0 at offset 8 with one entry: DNGVersion (0xC612).
    dng = (
        b"II*\x00\x08\x00\x00\x00"
        + b"\x01\x00"
        + b"\x12\xc6\x01\x00\x04\x00\x00\x00\x01\x04\x00\x00"
    )
    assert sniff_media_type(_disguised(tmp_path, dng + b"\x00" * 4, "x.tif")) == "image/x-adobe-dng"


def test_sniff_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ReelproofError, match="no such file"):
        sniff_media_type(tmp_path / "nope")


# --------------------------------------------------------------------------- XMP


@pytest.mark.parametrize("style", ["attribute", "element", "resource"])
def test_xmp_styles(style: str) -> None:
    packet = xmp_packet(IPTC + "compositeSynthetic", style=style).encode()
    assert parse_xmp_digital_source_types(packet) == [IPTC + "compositeSynthetic"]


def test_xmp_prefix_is_resolved_through_the_namespace() -> None:
    ok = xmp_packet(IPTC + "digitalCapture", prefix="ext").encode()
    assert parse_xmp_digital_source_types(ok) == [IPTC + "digitalCapture"]
    wrong_ns = ok.replace(b"Iptc4xmpExt/2008-02-29/", b"SomethingElse/")
    assert parse_xmp_digital_source_types(wrong_ns) == []


def test_xmp_in_tail_of_large_file_and_bounded_window(tmp_path: Path) -> None:
    packet = xmp_packet(IPTC + "trainedAlgorithmicMedia").encode()
    f = tmp_path / "big.bin"
    with open(f, "wb") as fh:
        fh.truncate(3 * CHUNK_SIZE)
        fh.seek(0, 2)
        fh.write(packet)
    assert read_xmp_digital_source_types(f, window=CHUNK_SIZE) == [IPTC + "trainedAlgorithmicMedia"]
    # A packet in the middle, outside both windows, is (by design) not scanned.
    g = tmp_path / "middle.bin"
    with open(g, "wb") as fh:
        fh.truncate(2 * CHUNK_SIZE)
        fh.seek(0, 2)
        fh.write(packet)
        fh.truncate(4 * CHUNK_SIZE)
    assert read_xmp_digital_source_types(g, window=CHUNK_SIZE) == []


def test_compressed_png_xmp_is_inflated(tmp_path: Path) -> None:
    chunk = png_itxt_xmp(xmp_packet(IPTC + "algorithmicallyEnhanced"), compressed=True)
    f = tmp_path / "x.png"
    f.write_bytes(png_bytes(extra_chunks=[chunk]))
    assert read_xmp_digital_source_types(f) == [IPTC + "algorithmicallyEnhanced"]


@given(st.binary(max_size=3000))
def test_xmp_parser_never_raises(data: bytes) -> None:
    parse_xmp_digital_source_types(data + b"Iptc4xmpExt:DigitalSourceType=" + data)


@pytest.mark.parametrize(
    "data",
    [
        b"a" * 4_000_000 + b":DigitalSourceType",  # quadratic backtracking bait
        b"x:DigitalSourceType" * 300_000,
        b"xmlns:" + b"a" * 4_000_000,
        b"<" * 4_000_000 + b":DigitalSourceType",
    ],
)
def test_xmp_parser_is_linear_on_hostile_input(data: bytes) -> None:
    start = time.perf_counter()
    assert parse_xmp_digital_source_types(data) == []
    assert time.perf_counter() - start < 2.0
