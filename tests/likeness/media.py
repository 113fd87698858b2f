"""Test media made with the real decoders: H.264 clips of still photos, speech by espeak-ng.

Photos come from Debian's opencv-doc (fetched by setup.sh, never committed: their licences
vary) and voices from espeak-ng; the helpers skip with the reason when either is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OPENCV_DOC_PLACES = (
    Path(os.environ.get("REELPROOF_OPENCV_DOC", "/nonexistent")),
    REPO / ".cache" / "opencv-doc" / "usr" / "share" / "doc" / "opencv-doc",
    Path("/usr/share/doc/opencv-doc"),
)
# The face-swap trio of OpenCV's face-swap tutorial: the swapped face is the donor's.
DONOR, HOST, SWAPPED = "230501201_1.jpg", "227943776_1.jpg", "face_swapped.jpg"


def opencv_doc() -> Path:
    for base in OPENCV_DOC_PLACES:
        if (base / "opencv4" / "html" / SWAPPED).is_file():
            return base
    pytest.skip("Debian's opencv-doc images are not here (./setup.sh fetches them into .cache/)")


def photo(name: str) -> Path:
    base = opencv_doc()
    for sub in ("opencv4/html", "examples/data"):
        if (base / sub / name).is_file():
            return base / sub / name
    pytest.skip(f"{name} is not in opencv-doc here")


def clip(
    out: Path,
    shots: Sequence[tuple[Path, float]],
    *,
    size: tuple[int, int] = (640, 360),
    fps: int = 24,
    bit_rate: int = 2_000_000,
    audio: Path | None = None,
) -> Path:
    """An H.264 MP4 showing each photo (centred on grey) for its seconds, GOP 250 as x264's
    default, so a short shot falls between keyframes; with `audio`'s sound as AAC."""
    import av
    import numpy as np

    w, h = size
    with av.open(str(out), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt, v.bit_rate = w, h, "yuv420p", bit_rate
        v.codec_context.gop_size = 250
        a = c.add_stream("aac", rate=16000) if audio else None
        n = 0
        for path, seconds in shots:
            with av.open(str(path)) as src:
                img = next(src.decode(video=0))
            scale = min(w / img.width, h / img.height, 1.0)
            pic = img.to_ndarray(
                format="rgb24",
                width=int(img.width * scale) // 2 * 2,
                height=int(img.height * scale) // 2 * 2,
            )
            canvas = np.full((h, w, 3), 128, np.uint8)
            y, x = (h - pic.shape[0]) // 2, (w - pic.shape[1]) // 2
            canvas[y : y + pic.shape[0], x : x + pic.shape[1]] = pic
            for _ in range(round(seconds * fps)):
                frame = av.VideoFrame.from_ndarray(canvas, format="rgb24")
                frame.pts, frame.time_base = n, Fraction(1, fps)
                n += 1
                for p in v.encode(frame):
                    c.mux(p)
        for p in v.encode():
            c.mux(p)
        if audio is not None and a is not None:
            with av.open(str(audio)) as src:
                resampler = av.AudioResampler(format="fltp", layout="mono", rate=16000)
                for frame in src.decode(audio=0):
                    for f in resampler.resample(frame):
                        f.pts = None
                        for p in a.encode(f):
                            c.mux(p)
            for p in a.encode():
                c.mux(p)
    return out


def espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; ./setup.sh does)")
    return exe


def say(out: Path, voice: str, text: str) -> Path:
    subprocess.run([espeak(), "-v", voice, "-w", str(out), text], check=True, capture_output=True)
    return out


def concat_wav(out: Path, parts: Sequence[Path], silence_s: float = 1.0) -> Path:
    """The parts one after another with silence between: a dialogue track."""
    import numpy as np
    import soundfile as sf

    rate = 0
    chunks = []
    for p in parts:
        data, rate = sf.read(str(p), dtype="float32")
        chunks += [data, np.zeros(int(rate * silence_s), np.float32)]
    sf.write(str(out), np.concatenate(chunks), rate)
    return out
