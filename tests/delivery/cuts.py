"""Delivery folders and cuts for the gate's tests, made with the real C2PA signer and the
OpenTimelineIO API."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reelproof.adapters.c2pa_signer import sign_file
from reelproof.adapters.devca import DevCA
from reelproof.adapters.timelines import ADAPTERS, write_otio
from tests.provenance.makers import png_bytes

RATE = 24


def signed_png(ca: DevCA, out: Path, source_type: str, rgb: tuple[int, int, int]) -> Path:
    """A PNG signed the way a vendor's tool or a camera would sign it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_name(f".raw-{out.name}")
    raw.write_bytes(png_bytes(rgb=rgb))
    sign_file(
        raw,
        out,
        key_pem=ca.signer_key,
        chain_pem=ca.chain_pem,
        alg=ca.alg,
        digital_source_type=source_type,
        software_agent={"name": "VendorTool", "version": "1.0"},
        reelproof_assertion={"note": "made for a test"},
        title=out.name,
    )
    raw.unlink()
    return out


def write_cut(
    path: Path, shots: Sequence[tuple[str, str | None, int]], **meta: dict[str, Any]
) -> Path:
    """An OTIO cut starting at 01:00:00:00: (clip name, media path, frames) in order;
    `meta` puts metadata on the named clips."""
    return write_otio(path, "locked cut", [(n, t, f, meta.get(n, {})) for n, t, f in shots], RATE)


def convert_cut(cut: Path, suffix: str) -> Path:
    """The same cut written by an OTIO adapter (`.fcpxml`, `.aaf`), as an editing system
    would export it: the samples the corpus lacks. Writers need each media's range, and AAF a
    mob id per clip, which a cut made outside Avid doesn't have."""
    import opentimelineio as otio

    timeline = otio.adapters.read_from_file(str(cut))
    for clip in timeline.find_clips():
        if clip.media_reference.available_range is None:
            clip.media_reference.available_range = clip.source_range
    out = cut.with_suffix(suffix)
    options = {"use_empty_mob_ids": True} if suffix == ".aaf" else {}
    otio.adapters.write_to_file(timeline, str(out), adapter_name=ADAPTERS[suffix], **options)
    return out
