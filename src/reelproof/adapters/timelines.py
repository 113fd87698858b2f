"""Read the locked cut with OpenTimelineIO: OTIO natively, EDL / FCP 7 XML / FCPXML / AAF
through the OTIO adapter plugins (the `timelines` extra).

A cut is reduced to plain data: every media clip with its record in/out timecodes (where it
sits in the programme), its media-reference path, its reel and any SHA-256 an editor or a
tool put in its metadata. Mapping clips to assets is the delivery check's job; this module
only reads, and turns every way a timeline can be unreadable into one clear error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from reelproof.core.errors import ReelproofError

# Adapter by file suffix. `.xml` is FCP 7 (xmeml); a different XML dialect fails clearly.
ADAPTERS = {
    ".otio": "otio_json",
    ".otioz": "otioz",
    ".otiod": "otiod",
    ".edl": "cmx_3600",
    ".xml": "fcp_xml",
    ".fcpxml": "fcpx_xml",
    ".aaf": "AAF",
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class TimelineError(ReelproofError):
    """A timeline that cannot be read, named with its file and what was expected."""


@dataclass(frozen=True, slots=True)
class CutClip:
    """One media clip of the cut, where it sits in the programme and what it points to."""

    index: int  # position among the cut's media clips, 1-based
    name: str
    track: str
    record_in: str  # timecode in the programme
    record_out: str
    seconds: float  # running time of the clip in the programme
    target: str | None  # media-reference path (file URL decoded), if any
    reel: str | None
    sha256: str | None  # from clip or media-reference metadata

    @property
    def region(self) -> str:
        """Record in-out timecodes: where an issue about this clip sits in the cut."""
        return f"{self.record_in}-{self.record_out}"


@dataclass(frozen=True, slots=True)
class Cut:
    """A locked cut as read from its timeline file: the clips the delivery check places."""

    path: str
    name: str
    digest: str  # SHA-256 of the timeline file: what the check's log entry names
    duration_s: float
    clips: tuple[CutClip, ...]


def _otio() -> Any:
    try:
        import opentimelineio as otio
    except ImportError as exc:  # pragma: no cover - the extra is part of setup.sh
        raise TimelineError(
            "reading timelines needs OpenTimelineIO: pip install 'reelproof[timelines]'"
        ) from exc
    return otio


def file_digest(path: Path) -> str:
    """SHA-256 of a file, or of a bundle folder's files in name order (`.otiod`)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def _timelines(obj: Any, otio: Any) -> Iterator[Any]:
    """A Timeline, or every Timeline in a collection (FCPXML libraries and events)."""
    if isinstance(obj, otio.schema.Timeline):
        yield obj
    elif isinstance(obj, otio.schema.SerializableCollection):
        for child in obj:
            yield from _timelines(child, otio)


def _sha_in(metadata: Any) -> str | None:
    """`sha256` at the top of the metadata or under a `reelproof` key, lower-case hex."""
    for holder in (metadata, _get(metadata, "reelproof")):
        if holder is not None:
            value = _get(holder, "sha256")
            if isinstance(value, str) and _SHA256.match(value.strip().lower()):
                return value.strip().lower()
    return None


def _target(ref: Any, otio: Any) -> str | None:
    if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url:
        return None
    url = str(ref.target_url)
    parsed = urlparse(url)
    if parsed.scheme == "file":
        # `file://plates/a.png` (what the AAF adapter writes for a relative path) parses
        # with `plates` as a host: a host other than this one is the path's first folder.
        host = parsed.netloc if parsed.netloc not in ("", "localhost") else ""
        return unquote(host + parsed.path)
    return None if parsed.scheme and len(parsed.scheme) > 1 else url


def _timecode(otio: Any, t: Any) -> str:
    try:
        return str(otio.opentime.to_timecode(t, t.rate))
    except (ValueError, TypeError):  # a rate timecode cannot express (e.g. 23.976 drop)
        return f"{t.to_seconds():.3f}s"


def _placed(comp: Any, offset: Any, track: str, otio: Any) -> Iterator[tuple[Any, Any, str]]:
    """(clip, record range, track name) for every clip under a composition, in one pass per
    composition (`range_of_all_children`; asking each clip for its range is quadratic)."""
    if isinstance(comp, otio.schema.Track):
        track = str(comp.name or track)
    ranges = comp.range_of_all_children()
    for child in comp:
        rng = ranges.get(child)
        if rng is None:
            continue
        if isinstance(child, otio.schema.Clip):
            yield child, otio.opentime.TimeRange(offset + rng.start_time, rng.duration), track
        elif isinstance(child, otio.core.Composition):
            inner = offset + rng.start_time - child.trimmed_range().start_time
            yield from _placed(child, inner, track, otio)


def _get(metadata: Any, key: str) -> Any:
    """One key of OTIO metadata. Lookups of a missing key are slow (an exception each), so
    empty metadata, the common case, is answered by its length."""
    try:
        return metadata[key] if len(metadata) else None
    except (KeyError, TypeError, IndexError):
        return None


def _clips(timeline: Any, otio: Any, first: int) -> Iterator[CutClip]:
    start = timeline.global_start_time
    index = first
    origin = otio.opentime.RationalTime(0, start.rate if start is not None else 24)
    if start is not None:
        origin = start
    for clip, rng, track in _placed(timeline.tracks, origin, "track", otio):
        ref = clip.media_reference
        if isinstance(ref, otio.schema.GeneratorReference):
            continue  # bars, slugs, solids: made by the editing system, not media
        rin = rng.start_time
        rout = rin + rng.duration
        meta = clip.metadata
        reel = _get(_get(meta, "cmx_3600"), "reel")
        index += 1
        yield CutClip(
            index=index,
            name=str(clip.name or ""),
            track=track,
            record_in=_timecode(otio, rin),
            record_out=_timecode(otio, rout),
            seconds=float(rng.duration.to_seconds()),
            target=_target(ref, otio),
            reel=str(reel) if reel else None,
            sha256=_sha_in(meta) or _sha_in(getattr(ref, "metadata", None)),
        )


def read_cut(path: Path, rate: float | None = None) -> Cut:
    """Read a timeline file; `rate` is an EDL's frame rate (EDLs don't say theirs)."""
    if not path.exists():
        raise TimelineError(f"{path}: no such timeline file")
    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None:
        raise TimelineError(
            f"{path}: unknown timeline type {path.suffix!r}; expected one of "
            f"{', '.join(sorted(ADAPTERS))}"
        )
    if rate is not None and adapter != "cmx_3600":
        raise TimelineError(f"{path}: --rate applies to EDL files only (the file says its rate)")
    otio = _otio()
    kwargs: dict[str, Any] = {"rate": rate} if adapter == "cmx_3600" and rate else {}
    try:
        obj = otio.adapters.read_from_file(str(path), adapter_name=adapter, **kwargs)
    except Exception as exc:  # adapters raise anything from ValueError to their own errors
        message = str(exc).strip() or type(exc).__name__
        hint = ""
        if adapter == "cmx_3600" and "rate" in message.lower():
            hint = "; EDLs don't record their frame rate: pass it with --rate (e.g. --rate 25)"
        raise TimelineError(f"{path}: not a readable {adapter} timeline: {message}{hint}") from exc
    timelines = list(_timelines(obj, otio))
    if not timelines:
        raise TimelineError(f"{path}: holds no timeline (an empty {adapter} collection)")
    clips: list[CutClip] = []
    duration = 0.0
    for tl in timelines:
        clips.extend(_clips(tl, otio, len(clips)))
        duration += float(tl.duration().to_seconds())
    name = str(timelines[0].name or path.stem)
    return Cut(str(path), name, file_digest(path), duration, tuple(clips))


def read_mapping(path: Path) -> dict[str, str]:
    """A YAML or JSON object: clip or reel name -> asset path (relative to the delivery
    root) or SHA-256."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TimelineError(f"{path}: cannot read the mapping file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise TimelineError(f"{path}: not YAML or JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise TimelineError(
            f"{path}: expected a mapping of clip or reel names to asset paths or SHA-256s"
        )
    out: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            raise TimelineError(
                f"{path}: entry {key!r}: expected an asset path or a SHA-256, got {value!r}"
            )
        out[str(key)] = value.strip()
    return out


def write_otio(
    path: Path,
    name: str,
    shots: Sequence[tuple[str, str | None, int, Mapping[str, Any]]],
    rate: int = 24,
    start: str = "01:00:00:00",
) -> Path:
    """Write a one-track OTIO cut: (clip name, media path, frames, clip metadata) in order.
    Used by the demo and by tests that need a real cut."""
    otio = _otio()
    track = otio.schema.Track(name="V1")
    for clip_name, target, frames, meta in shots:
        clip = otio.schema.Clip(
            name=clip_name,
            media_reference=otio.schema.ExternalReference(target_url=target) if target else None,
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(frames, rate)
            ),
        )
        clip.metadata.update(dict(meta))
        track.append(clip)
    timeline = otio.schema.Timeline(
        name=name, global_start_time=otio.opentime.from_timecode(start, rate)
    )
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(path))
    return path
