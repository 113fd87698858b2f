"""File identity and type: streaming SHA-256, content sniffing, and XMP source-type lookup.

An asset is identified by its SHA-256 and typed by its bytes, never by its name: a
renamed file must neither change identity nor fool the C2PA reader about its format.
Everything here reads in bounded chunks so memory stays flat whatever the file size.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from reelproof.core.errors import ReelproofError

CHUNK_SIZE = 1 << 20  # 1 MiB: large enough for hashlib to release the GIL, small in memory
OCTET_STREAM = "application/octet-stream"
XMP_WINDOW = 4 << 20  # XMP packets live near the start (or the end) of media files
_IPTC_EXT_NS = b"http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
_XMP_INFLATE_LIMIT = 4 << 20  # bound on a compressed PNG XMP packet: no zlib bombs


def _open_error(path: Path, exc: OSError) -> ReelproofError:
    if isinstance(exc, FileNotFoundError):
        return ReelproofError(f"{path}: no such file")
    if isinstance(exc, IsADirectoryError):
        return ReelproofError(f"{path}: is a directory, expected a media file")
    if isinstance(exc, PermissionError):
        return ReelproofError(f"{path}: permission denied")
    return ReelproofError(f"{path}: cannot read ({exc.strerror or exc})")


def sha256_file(
    path: Path | str, chunk_size: int = CHUNK_SIZE, buffer: bytearray | None = None
) -> str:
    """Hex SHA-256 of a file, read into one reused buffer (constant memory, GIL released).
    A caller hashing many files passes its own `buffer`: allocating a large one per file
    costs more than hashing a small file."""
    p = Path(path)
    digest = hashlib.sha256()
    buf = buffer if buffer is not None else bytearray(chunk_size)
    view = memoryview(buf)
    try:
        with open(p, "rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                digest.update(view[:n])
    except OSError as exc:
        raise _open_error(p, exc) from exc
    return digest.hexdigest()


# --------------------------------------------------------------------------- sniffing

_HEAD = 4096

# ISO BMFF major/compatible brands -> media type (checked in this order).
_BMFF_BRANDS: tuple[tuple[frozenset[bytes], str], ...] = (
    (frozenset({b"avif", b"avis"}), "image/avif"),
    (frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}), "image/heic"),
    (frozenset({b"jxl "}), "image/jxl"),
    (frozenset({b"crx "}), "image/x-canon-cr3"),
    (frozenset({b"qt  "}), "video/quicktime"),
    (frozenset({b"M4A ", b"M4B ", b"M4P "}), "audio/mp4"),
    (frozenset({b"M4V ", b"M4VH", b"M4VP"}), "video/x-m4v"),
)
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_SVG_RE = re.compile(
    rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>)\s*)*<svg[\s>/]",
    re.DOTALL | re.IGNORECASE,
)
_DNG_VERSION_TAG = 0xC612


def _bmff_type(head: bytes) -> str:
    major = head[8:12]
    size = struct.unpack(">I", head[0:4])[0]
    compatible = {head[i : i + 4] for i in range(16, min(max(size, 16), len(head)) - 3, 4)}
    generic = {b"mif1", b"msf1", b"isom", b"iso2", b"mp41", b"mp42"}
    if major not in generic:
        for brands, media_type in _BMFF_BRANDS:
            if major in brands:
                return media_type
    # A generic major brand with a more specific compatible brand (AVIF before HEIC).
    for brands, media_type in _BMFF_BRANDS[:2]:
        if brands & compatible:
            return media_type
    return "image/heif" if major in (b"mif1", b"msf1") else "video/mp4"


def _is_dng(f: BinaryIO, head: bytes) -> bool:
    """A TIFF is a DNG when IFD0 carries the DNGVersion tag; IFD0 may sit at the file end."""
    endian = "<" if head[:2] == b"II" else ">"
    try:
        (ifd,) = struct.unpack(endian + "I", head[4:8])
        f.seek(ifd)
        raw = f.read(2)
        if len(raw) < 2:
            return False
        (count,) = struct.unpack(endian + "H", raw)
        entries = f.read(min(count, 4096) * 12)
    except (OSError, struct.error):
        return False
    for i in range(0, len(entries) - 11, 12):
        (tag,) = struct.unpack(endian + "H", entries[i : i + 2])
        if tag == _DNG_VERSION_TAG:
            return True
    return False


def _sniff_head(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}.get(
            head[8:12]
        )
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _bmff_type(head)
    if len(head) >= 8 and head[4:8] == b"styp":
        return "video/iso.segment"  # a DASH/CMAF media segment, meaningless without its init
    if len(head) >= 8 and head[4:8] == b"jumb":
        return "application/c2pa"  # a bare C2PA manifest store (sidecar)
    if head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n") or head.startswith(b"\xff\x0a"):
        return "image/jxl"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n"):
        return "image/jp2"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"\x06\x0e\x2b\x34\x02\x05\x01\x01"):
        return "application/mxf"
    if head.startswith(b"\x76\x2f\x31\x01"):
        return "image/x-exr"
    if head[:4] in (b"SDPX", b"XPDS"):
        return "image/x-dpx"
    if head.startswith(b"8BPS"):
        return "image/vnd.adobe.photoshop"
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if len(head) >= 8 and head[4:8] in _QT_ATOMS:
        return "video/quicktime"  # pre-ftyp QuickTime
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0x3
        return "audio/aac" if layer == 0 else "audio/mpeg"  # ADTS vs MPEG audio frame
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if _SVG_RE.match(body):
        return "image/svg+xml"
    return None


def _puremagic_type(head: bytes) -> str | None:
    """Fallback for formats outside the table; a low-confidence guess is worse than none."""
    try:
        import puremagic

        for hit in puremagic.magic_string(head):
            if hit.mime_type and hit.confidence >= 0.8:
                return str(hit.mime_type)
    except Exception:  # puremagic raises its own errors on unknown data
        return None
    return None


def sniff_media_type(path: Path | str) -> str:
    """Media type from the file's content (magic bytes), ignoring its extension."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return sniff_stream(fh)
    except OSError as exc:
        raise _open_error(p, exc) from exc


def sniff_stream(fh: BinaryIO) -> str:
    """Media type of the bytes from the stream's current position (a file or in memory)."""
    head = fh.read(_HEAD)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/x-adobe-dng" if _is_dng(fh, head) else "image/tiff"
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return "image/tiff"  # BigTIFF
    found = _sniff_head(head)
    if found:
        return found
    if not head:
        return OCTET_STREAM
    return _puremagic_type(head) or ("text/plain" if _looks_like_text(head) else OCTET_STREAM)


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 without control bytes other than whitespace (a cut last character is fine)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


# --------------------------------------------------------------------------- XMP

# Every quantifier is bounded and matching is anchored at ``bytes.find`` hits: an unbounded
# ``[\w.-]*`` before a literal backtracks quadratically (200 KB of letters took 200 s).
_MARK = b":DigitalSourceType"
_MAX_XMP_HITS = 1024
_PREFIX_RE = re.compile(rb"(<?)([A-Za-z_][\w.-]{0,63})\Z")
_ATTR_TAIL_RE = re.compile(rb'\s{0,64}=\s{0,64}["\']([^"\'<>]{1,512})["\']')
_ELEM_TAIL_RE = re.compile(
    rb'(?:\s{1,64}rdf:resource\s{0,64}=\s{0,64}["\']([^"\'<>]{1,512})["\'])?'
    rb"\s{0,64}(/?)>([^<]{0,512})"
)
_NS_RE = re.compile(
    rb'xmlns:([A-Za-z_][\w.-]{0,63})\s{0,64}=\s{0,64}["\']' + re.escape(_IPTC_EXT_NS)
)


def parse_xmp_digital_source_types(data: bytes | bytearray) -> list[str]:
    """Every ``Iptc4xmpExt:DigitalSourceType`` value in XMP text, in order, deduplicated.

    Regex over bytes rather than an XML parser: the packet comes from an untrusted file,
    may be truncated by the scan window, and must never expand entities.
    """
    if _MARK not in data:
        return []
    prefixes = {m.group(1) for m in _NS_RE.finditer(data)} | {b"Iptc4xmpExt"}
    out: list[str] = []
    pos = data.find(_MARK)
    for _ in range(_MAX_XMP_HITS):  # a real packet has one or two; garbage gets a bound
        if pos < 0:
            break
        end = pos + len(_MARK)
        before = _PREFIX_RE.search(data, max(0, pos - 65), pos)
        value = b""
        if before is not None and before.group(2) in prefixes:
            if before.group(1):  # <prefix:DigitalSourceType ...>value</...> or rdf:resource
                m = _ELEM_TAIL_RE.match(data, end)
                if m is not None:
                    value = m.group(1) or (b"" if m.group(2) else m.group(3))
            else:  # prefix:DigitalSourceType="value" (attribute form)
                a = _ATTR_TAIL_RE.match(data, end)
                value = a.group(1) if a is not None else b""
        text = value.decode("utf-8", "replace").strip()
        if text and text not in out:
            out.append(text)
        pos = data.find(_MARK, end)
    return out


def _png_xmp(data: bytes) -> bytes:
    """Inflate compressed PNG iTXt XMP chunks (bounded) so they can be scanned as text."""
    out = bytearray()
    pos = 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        is_xmp = ctype == b"iTXt" and body.startswith(b"XML:com.adobe.xmp\x00")
        if is_xmp and len(body) > 19 and body[18] == 1:  # compression flag set
            rest = body[20:]
            for _ in range(2):  # skip language tag and translated keyword
                nul = rest.find(b"\x00")
                rest = rest[nul + 1 :] if nul >= 0 else b""
            with contextlib.suppress(zlib.error):
                out += zlib.decompressobj().decompress(rest, _XMP_INFLATE_LIMIT)
        if ctype in (b"IDAT", b"IEND"):
            break
        pos += 12 + length
    return bytes(out)


def read_xmp_digital_source_types(
    path: Path | str, window: int = XMP_WINDOW, buffers: tuple[bytearray, bytearray] | None = None
) -> list[str]:
    """IPTC digital source types from XMP in the first and last ``window`` bytes of a file.

    Bounded reads: a multi-gigabyte video costs at most two windows, never a full scan. A
    caller scanning many large files passes two reusable ``window``-sized ``buffers``:
    fresh 4 MiB buffers per file cost more in page faults than reading into them.
    """
    p = Path(path)
    try:
        with open(p, "rb", buffering=0) as fh:
            size = fh.seek(0, 2)
            head: bytes | bytearray
            tail: bytes | bytearray
            if buffers is not None and size > 2 * window and all(len(b) == window for b in buffers):
                head, tail = buffers
                _fill(fh, head, 0)
                _fill(fh, tail, size - window)
            else:
                fh.seek(0)
                head, tail = _read_at_most(fh, window), b""
                if size > window:
                    fh.seek(max(window, size - window))
                    tail = _read_at_most(fh, window)
    except OSError as exc:
        raise _open_error(p, exc) from exc
    blobs = [head, tail]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        blobs.append(_png_xmp(bytes(head)))
    out: list[str] = []
    for blob in blobs:
        for value in parse_xmp_digital_source_types(blob):
            if value not in out:
                out.append(value)
    return out


def _fill(fh: io.FileIO, buf: bytearray, offset: int) -> None:
    """Read exactly ``len(buf)`` bytes at ``offset`` (the file shrank: the rest is zeros)."""
    fh.seek(offset)
    view, got = memoryview(buf), 0
    while got < len(buf) and (n := fh.readinto(view[got:])):
        got += n
    view[got:] = bytes(len(buf) - got)


def _read_at_most(fh: io.FileIO, n: int) -> bytes:
    out = bytearray()
    while len(out) < n and (chunk := fh.read(n - len(out))):
        out += chunk
    return bytes(out)


def hash_and_scan(path: Path | str, window: int = XMP_WINDOW) -> tuple[str, list[str]]:
    """SHA-256 and XMP source types together: one read for files up to two windows.

    Small files (the bulk of a media library) are read once into at most ``2 * window``
    bytes; larger ones are streamed for the hash and only their two windows re-read.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > 2 * window:
            return sha256_file(p), read_xmp_digital_source_types(p, window)
        with open(p, "rb") as fh:
            data = fh.read(2 * window + 1)
    except OSError as exc:
        raise _open_error(p, exc) from exc
    if len(data) > 2 * window:  # grew since stat: fall back to the streaming path
        return sha256_file(p), read_xmp_digital_source_types(p, window)
    return hashlib.sha256(data).hexdigest(), scan_bytes(data, window)


def scan_bytes(data: bytes, window: int = XMP_WINDOW) -> list[str]:
    """XMP digital source types of a whole file held in memory."""
    blobs = [data]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        blobs.append(_png_xmp(data[:window]))
    found: list[str] = []
    for blob in blobs:
        found += [v for v in parse_xmp_digital_source_types(blob) if v not in found]
    return found
