"""Media decoding through PyAV: stills, sampled video frames, audio as 16 kHz mono.

Frames are sampled at a fixed interval plus every scene change, never keyframes only: an
encoder puts keyframes up to seconds apart, so a short inserted shot could fall between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from reelproof.core.errors import ReelproofError

AUDIO_RATE = 16_000
# Mean absolute change of a ~64-column luma thumbnail (0–255) that counts as a cut.
SCENE_CHANGE = 30.0
# Faces are looked for in a copy of at most this width (HOG with one 2× upsampling there finds
# faces of ≳ 40 px, i.e. ≳ 80 px in 1080p) and embedded from the full frame.
DETECT_WIDTH = 960

RGB = npt.NDArray[np.uint8]


class MediaError(ReelproofError):
    """A file PyAV cannot decode."""


@dataclass(frozen=True)
class Streams:
    """What a file holds: its kind for scanning and its duration in seconds."""

    video: bool
    audio: bool
    still: bool
    duration: float


def probe(path: Path) -> Streams:
    """What streams a file has (video size, audio), so a scan plans its work before decoding."""
    try:
        with av.open(str(path)) as c:
            v = c.streams.video[0] if c.streams.video else None
            a = bool(c.streams.audio)
            frames = v.frames if v is not None else 0
            duration = float(c.duration / av.time_base) if c.duration else 0.0
            fmt = c.format.name
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise MediaError(f"{path}: cannot decode ({exc})") from None
    still = v is not None and (
        "image2" in fmt or "_pipe" in fmt or (frames <= 1 and duration == 0.0 and not a)
    )
    return Streams(v is not None, a, still, duration)


def _rgb(frame: av.VideoFrame) -> RGB:
    # dlib reads the buffer as packed rows: PyAV's arrays may carry line padding.
    return np.ascontiguousarray(frame.to_ndarray(format="rgb24"))


def still(path: Path) -> RGB:
    """The first frame of an image or video, as RGB."""
    try:
        with av.open(str(path)) as c:
            for frame in c.decode(video=0):
                return _rgb(frame)
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode the image ({exc})") from None
    raise MediaError(f"{path}: no picture in the file")


@dataclass(frozen=True)
class Sample:
    """A sampled frame: full resolution for embedding, a small copy for detection."""

    time: float
    rgb: RGB
    small: RGB | None  # None when the frame is small already
    scale: float  # full / small


def _sample(t: float, frame: av.VideoFrame, detect_width: int) -> Sample:
    full = _rgb(frame)
    if frame.width <= detect_width:
        return Sample(t, full, None, 1.0)
    scale = frame.width / detect_width
    height = int(frame.height / scale) // 2 * 2
    small = np.ascontiguousarray(
        frame.to_ndarray(width=detect_width, height=height, format="rgb24"), dtype=np.uint8
    )
    return Sample(t, full, small, scale)


def _thumb(frame: av.VideoFrame) -> npt.NDArray[np.int16]:
    """About 64 columns of the luma plane, read in place (no scaling pass)."""
    plane = frame.planes[0]
    luma = np.frombuffer(memoryview(plane), np.uint8).reshape(frame.height, plane.line_size)
    step = max(1, frame.width // 64)
    return luma[::step, : frame.width : step].astype(np.int16)


def sample_frames(
    path: Path,
    per_second: float,
    start: float = 0.0,
    end: float | None = None,
    detect_width: int = DETECT_WIDTH,
) -> Iterator[Sample]:
    """A sample every 1/per_second seconds and at each scene change, in [start, end).

    Frames no other frame refers to (most B-frames) are not decoded: a sample lands on the
    nearest reference frame, at most a few frames late, and decoding costs about half.
    """
    interval = 1.0 / per_second
    next_at = start
    last_thumb: npt.NDArray[np.int16] | None = None
    try:
        with av.open(str(path)) as c:
            stream = c.streams.video[0]
            stream.thread_type = "AUTO"
            stream.codec_context.skip_frame = "NONREF"
            if start > 0 and stream.time_base is not None:
                c.seek(int(start / stream.time_base), stream=stream, backward=True)
            for frame in c.decode(stream):
                if frame.time is None:
                    continue
                t = float(frame.time)
                if t < start:
                    continue
                if end is not None and t >= end:
                    break
                thumb = _thumb(frame)
                cut = last_thumb is not None and float(np.abs(thumb - last_thumb).mean()) > (
                    SCENE_CHANGE
                )
                last_thumb = thumb
                if t + 1e-6 >= next_at or cut:
                    if t + 1e-6 >= next_at:
                        next_at += interval * (1 + int((t - next_at) // interval))
                    yield _sample(t, frame, detect_width)
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode the video ({exc})") from None


def audio(path: Path) -> npt.NDArray[np.float32]:
    """The first audio stream as mono float32 at 16 kHz (what the voice model expects)."""
    chunks: list[npt.NDArray[np.float32]] = []
    resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
    try:
        with av.open(str(path)) as c:
            if not c.streams.audio:
                return np.zeros(0, dtype=np.float32)
            for frame in c.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
            for out in resampler.resample(None):
                chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode the audio ({exc})") from None
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
