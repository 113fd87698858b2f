"""Evaluation of the likeness models at the default thresholds (docs/likeness.md).

Faces: Debian opencv-doc's face-swap trio (the swapped face must match its donor, not its
host), Messi in two photos, Lena's processed variants, and scikit-image's astronaut rendered
into 1280×720 H.264 at several bit rates and scanned as a scan samples it (2 frames/s);
impostors are every cross-identity pair plus the faces of OpenCV's facemark demo grids
(assumed to be none of the five references). Voices: espeak-ng voices, each enrolled from two
sentences, probed with four others clean and as MP3 32 kbit/s, Opus 12 kbit/s and 8 kHz
μ-law telephone copies, segmented as a scan segments them.

    REELPROOF_OPENCV_DOC=.cache/opencv-doc/usr/share/doc/opencv-doc \
        .venv/bin/python bench/eval_likeness.py [--sweep]

Prints the Markdown tables of docs/likeness.md; --sweep adds the rates at other thresholds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from reelproof.adapters.likeness import decode
from reelproof.adapters.likeness.scanner import face_detector, voice_detector
from reelproof.core.likeness import DEFAULT_FACE_THRESHOLD, DEFAULT_VOICE_THRESHOLD

DOC = Path(os.environ.get("REELPROOF_OPENCV_DOC", ".cache/opencv-doc/usr/share/doc/opencv-doc"))
HTML = DOC / "opencv4" / "html"
LENA = [
    "blurred.png",
    "faceDetection.png",
    "Sobel_Derivatives_Tutorial_Theory_0.jpg",
    "Adding_Trackbars_Tutorial_Result_1.jpg",
    "Basic_Linear_Transform_Tutorial_Result_big.jpg",
]
GRIDS = ["2.jpg", "3.jpg", "d.png", "facereg.jpg"]
BITRATES = [4_000_000, 1_000_000, 400_000, 150_000]
VOICES = ["en-us+m1", "en-us+m3", "en-us+f2", "en-gb+f4", "en-gb-x-rp+m7"]
SENTENCES = [
    "The harbour lights were out when the ferry came in that night.",
    "I told you twice already, nobody leaves the island before the storm.",
    "Give me the keys and walk away from the dock.",
    "Where were you when the lighthouse went dark?",
    "She counted the boats twice and still came up one short.",
    "If the tide turns early we lose the whole evening's work.",
]

Vec = np.ndarray


def faces_in(path: Path) -> list[Vec]:
    return [np.array(f.embedding) for f in face_detector(1).detect(decode.still(path))]


def one_face(path: Path) -> Vec:
    found = sorted(face_detector(1).detect(decode.still(path)), key=lambda f: -f.score)
    return np.array(found[0].embedding)


def astronaut_clip(out: Path, bit_rate: int) -> Path:
    from skimage import data

    face = data.astronaut()
    with av.open(str(out), "w") as c:
        v = c.add_stream("libx264", rate=24)
        v.width, v.height, v.pix_fmt, v.bit_rate = 1280, 720, "yuv420p", bit_rate
        rng = np.random.default_rng(7)
        for n in range(24 * 6):
            canvas = np.full((720, 1280, 3), 90, np.uint8)
            x = 200 + 3 * n  # the face moves, as in footage
            canvas[104:616, x : x + 512] = face
            noise = rng.integers(-12, 13, canvas.shape)
            frame = av.VideoFrame.from_ndarray(
                np.clip(canvas + noise, 0, 255).astype(np.uint8), format="rgb24"
            )
            frame.pts, frame.time_base = n, Fraction(1, 24)
            for p in v.encode(frame):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
    return out


def face_trials(tmp: Path) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(genuine, impostor) trials: (what, L2 distance)."""
    from skimage import data

    ids: dict[str, list[tuple[str, Vec]]] = {
        "swap donor": [("230501201_1.jpg", one_face(HTML / "230501201_1.jpg"))],
        "swap host": [("227943776_1.jpg", one_face(HTML / "227943776_1.jpg"))],
        "messi": [("messi5.jpg", one_face(DOC / "examples" / "data" / "messi5.jpg"))],
        "lena": [
            ("GCC_CMake_Example_Tutorial.jpg", one_face(HTML / "GCC_CMake_Example_Tutorial.jpg"))
        ],
    }
    astro = tmp / "astronaut.png"
    with av.open(str(astro), "w") as c:
        s = c.add_stream("png")
        s.width, s.height, s.pix_fmt = 512, 512, "rgb24"
        for p in s.encode(av.VideoFrame.from_ndarray(data.astronaut(), format="rgb24")):
            c.mux(p)
        for p in s.encode():
            c.mux(p)
    ids["astronaut"] = [("astronaut.png", one_face(astro))]
    probes: dict[str, list[tuple[str, Vec]]] = {
        "swap donor": [("face_swapped.jpg (the swap)", one_face(HTML / "face_swapped.jpg"))],
        "messi": [("inpaint_result.jpg", one_face(HTML / "inpaint_result.jpg"))],
        "lena": [(name, v) for name in LENA for v in faces_in(HTML / name)],
        "astronaut": [],
    }
    for rate in BITRATES:
        clip = astronaut_clip(tmp / f"astro-{rate}.mp4", rate)
        for s in decode.sample_frames(clip, 2.0):
            t = s.time
            for f in face_detector(1).detect(s.rgb, s.small, s.scale):
                probes["astronaut"].append(
                    (f"H.264 {rate // 1000} kbit/s @{t:.1f}s", np.array(f.embedding))
                )
    genuine = [
        (f"{who}: {name}", float(np.linalg.norm(v - ids[who][0][1])))
        for who, items in probes.items()
        for name, v in items
    ]
    impostor = [
        (f"{who} probe {name} vs {other}", float(np.linalg.norm(v - ref)))
        for who, items in probes.items()
        for name, v in items
        for other, refs in ids.items()
        if other != who
        for _n, ref in refs
    ]
    pool = [v for name in GRIDS for v in faces_in(HTML / name)]
    impostor += [
        (f"facemark grid face vs {other}", float(np.linalg.norm(v - ref)))
        for v in pool
        for other, refs in ids.items()
        for _n, ref in refs
    ]
    return genuine, impostor


def transcode(src: Path, out: Path, codec: str, rate: int, bit_rate: int | None) -> Path:
    with av.open(str(src)) as i, av.open(str(out), "w") as o:
        s = o.add_stream(codec, rate=rate)
        if bit_rate:
            s.bit_rate = bit_rate
        resampler = av.AudioResampler(format=s.format.name, layout="mono", rate=rate)
        for frame in i.decode(audio=0):
            for f in resampler.resample(frame):
                f.pts = None
                for p in s.encode(f):
                    o.mux(p)
        for p in s.encode():
            o.mux(p)
    return out


def voice_trials(tmp: Path) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    enc = voice_detector()
    wavs = {}
    for v in VOICES:
        for k, text in enumerate(SENTENCES):
            out = tmp / f"{v}-{k}.wav"
            subprocess.run(["espeak-ng", "-v", v, "-w", str(out), text], check=True)
            wavs[(v, k)] = out
    refs = {v: [enc.enrolment(decode.audio(wavs[(v, k)])) for k in (0, 1)] for v in VOICES}
    genuine, impostor = [], []
    for v in VOICES:
        for k in range(2, len(SENTENCES)):
            src = wavs[(v, k)]
            copies = {
                "clean": src,
                "MP3 32k": transcode(src, tmp / f"{v}-{k}.mp3", "libmp3lame", 16000, 32000),
                "Opus 12k": transcode(src, tmp / f"{v}-{k}.ogg", "libopus", 48000, 12000),
                "telephone 8k": transcode(src, tmp / f"{v}-{k}.wav8k.wav", "pcm_mulaw", 8000, None),
            }
            for kind, path in copies.items():
                for seg in enc.detect(decode.audio(path)):
                    e = np.array(seg.embedding)
                    for other, vecs in refs.items():
                        sim = max(
                            float(np.dot(e, r) / np.linalg.norm(e) / np.linalg.norm(r))
                            for r in vecs
                            if r
                        )
                        (genuine if other == v else impostor).append(
                            (f"{v} {kind} vs {other}", sim)
                        )
    return genuine, impostor


def rates(
    genuine: Sequence[tuple[str, float]],
    impostor: Sequence[tuple[str, float]],
    thr: float,
    lower_is_match: bool,
) -> tuple[float, float]:
    def match(s: float) -> bool:
        return s <= thr if lower_is_match else s >= thr

    fnmr = sum(1 for _w, s in genuine if not match(s)) / max(1, len(genuine))
    fmr = sum(1 for _w, s in impostor if match(s)) / max(1, len(impostor))
    return fmr, fnmr


def table(
    name: str,
    genuine: Sequence[tuple[str, float]],
    impostor: Sequence[tuple[str, float]],
    thr: float,
    lower: bool,
    sweep: Sequence[float],
) -> None:
    print(f"\n### {name}\n")
    print("| threshold | genuine trials | false non-match | impostor trials | false match |")
    print("|---|---|---|---|---|")
    for t in [thr, *sweep]:
        fmr, fnmr = rates(genuine, impostor, t, lower)
        mark = " (default)" if t == thr else ""
        print(f"| {t}{mark} | {len(genuine)} | {fnmr:.1%} | {len(impostor)} | {fmr:.2%} |")
    worst_g = max(genuine, key=lambda w: w[1]) if lower else min(genuine, key=lambda w: w[1])
    worst_i = min(impostor, key=lambda w: w[1]) if lower else max(impostor, key=lambda w: w[1])
    print(f"\nhardest genuine: {worst_g[0]} ({worst_g[1]:.3f})")
    print(f"closest impostor: {worst_i[0]} ({worst_i[1]:.3f})")
    misses = [w for w in genuine if not (w[1] <= thr if lower else w[1] >= thr)]
    for w, s in misses[:8]:
        print(f"- missed at the default: {w} ({s:.3f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--skip-faces", action="store_true")
    ap.add_argument("--skip-voices", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not args.skip_faces:
            if not (HTML / "face_swapped.jpg").is_file():
                print(f"opencv-doc not found at {DOC}: set REELPROOF_OPENCV_DOC", file=sys.stderr)
                return 2
            g, i = face_trials(tmp)
            table(
                "Faces (L2 distance, match ≤ threshold)",
                g,
                i,
                DEFAULT_FACE_THRESHOLD,
                True,
                [0.45, 0.55, 0.6] if args.sweep else [],
            )
        if not args.skip_voices:
            g, i = voice_trials(tmp)
            table(
                "Voices (cosine similarity, match ≥ threshold)",
                g,
                i,
                DEFAULT_VOICE_THRESHOLD,
                False,
                [0.8, 0.86, 0.87, 0.88, 0.89, 0.9] if args.sweep else [],
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
