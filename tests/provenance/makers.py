"""Tiny, valid media files made from scratch, so signing tests need no corpus and no PIL."""

from __future__ import annotations

import struct
import wave
import zlib
from pathlib import Path

XMP_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"


def _png_chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def png_bytes(
    width: int = 8,
    height: int = 8,
    rgb: tuple[int, int, int] = (200, 40, 40),
    extra_chunks: list[bytes] | None = None,
) -> bytes:
    """An RGB PNG of one colour; ``extra_chunks`` go before IDAT (e.g. an iTXt XMP)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + b"".join(extra_chunks or [])
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def xmp_packet(source_type: str, style: str = "attribute", prefix: str = "Iptc4xmpExt") -> str:
    """An XMP packet declaring a digital source type, attribute or element style."""
    ns = f'xmlns:{prefix}="{XMP_NS}"'
    if style == "attribute":
        desc = f'<rdf:Description rdf:about="" {ns} {prefix}:DigitalSourceType="{source_type}"/>'
    elif style == "resource":
        desc = (
            f'<rdf:Description rdf:about="" {ns}>'
            f'<{prefix}:DigitalSourceType rdf:resource="{source_type}"/></rdf:Description>'
        )
    else:
        desc = (
            f'<rdf:Description rdf:about="" {ns}>'
            f"<{prefix}:DigitalSourceType>{source_type}</{prefix}:DigitalSourceType>"
            "</rdf:Description>"
        )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{desc}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


def png_itxt_xmp(packet: str, compressed: bool = False) -> bytes:
    """The iTXt chunk Adobe uses for XMP in PNG (keyword XML:com.adobe.xmp)."""
    text = packet.encode("utf-8")
    body = b"XML:com.adobe.xmp\x00" + (b"\x01\x00" if compressed else b"\x00\x00")
    body += b"\x00\x00" + (zlib.compress(text) if compressed else text)
    return _png_chunk(b"iTXt", body)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_bytes(xmp: str | None = None) -> bytes:
    """An 8x8 flat grey baseline JPEG (one Huffman code per table), optional XMP APP1."""
    app0 = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    app1 = _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp.encode()) if xmp else b""
    dqt = _segment(0xDB, b"\x00" + b"\x01" * 64)
    sof0 = _segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
    one_code = bytes([1] + [0] * 15) + b"\x00"  # a single 1-bit code for symbol 0
    dht = _segment(0xC4, b"\x00" + one_code + b"\x10" + one_code)
    sos = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    # DC category 0 ("0") then AC end-of-block ("0"), padded with ones.
    return b"\xff\xd8" + app0 + app1 + dqt + sof0 + dht + sos + b"\x3f" + b"\xff\xd9"


def write_wav(path: Path, seconds: float = 0.1, rate: int = 8000) -> Path:
    """A mono 16-bit PCM WAV of silence, written with the standard ``wave`` module."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return path


def mp4_head(mdat_size: int) -> bytes:
    """ftyp, moov with an mvhd, and the header of an mdat box of `mdat_size` payload bytes."""

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    mvhd = box(
        b"mvhd",
        b"\x00" * 4
        + struct.pack(">IIII", 0, 0, 1000, 0)
        + struct.pack(">IH", 0x00010000, 0x0100)
        + b"\x00" * 10
        + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
        + b"\x00" * 24
        + struct.pack(">I", 2),
    )
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    return ftyp + box(b"moov", mvhd) + struct.pack(">I", 8 + mdat_size) + b"mdat"


def mp4_bytes(payload: bytes = b"\x00" * 64) -> bytes:
    """A minimal ISO BMFF file: ftyp, moov with an mvhd, and one mdat box."""
    return mp4_head(len(payload)) + payload
