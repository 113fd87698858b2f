"""How fast a likeness scan runs on this machine, beside what decoding alone costs.

One run: a 1080p24 H.264 clip (8 Mbit/s, film grain, GOP 60, the astronaut's face moving
through it) is scanned at 2 samples per second (plus scene changes) on every core, and
decoded by PyAV (threads AUTO; all frames, and the reference frames a scan decodes) as
the bound no scan can beat; an espeak-ng dialogue
track is scanned for voices. Prints hours of media scanned per hour of wall time, the
ratio to decode-only, and the peak memory (resident set) of the scanning processes. Then
the same clip on 2 workers twice: a fresh in-process pool, and a fresh private Ray instance
(extra `cluster`; its start is timed apart), both loading the models in their workers, and
whether their observations are identical.

    .venv/bin/python bench/bench_scan.py [--seconds 30] [--workers N] [--no-ray]
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from reelproof.adapters.likeness.scanner import (
    LocalExecutor,
    ScanExecutor,
    ScanSettings,
    tasks_for,
)


def make_clip(out: Path, seconds: int) -> Path:
    from skimage import data

    face = data.astronaut()
    rng = np.random.default_rng(1)
    grain = rng.integers(-10, 11, (8, 1080, 1920, 3), dtype=np.int16)
    with av.open(str(out), "w") as c:
        v = c.add_stream("libx264", rate=24)
        v.width, v.height, v.pix_fmt, v.bit_rate = 1920, 1080, "yuv420p", 8_000_000
        v.codec_context.gop_size = 60
        v.options = {"preset": "veryfast"}
        base = np.zeros((1080, 1920, 3), np.int16)
        base[:] = np.linspace(40, 200, 1920, dtype=np.int16)[None, :, None]
        for n in range(24 * seconds):
            canvas = base.copy()
            x = 100 + (7 * n) % 1300
            canvas[200:712, x : x + 512] = face
            canvas += grain[n % 8]
            frame = av.VideoFrame.from_ndarray(np.clip(canvas, 0, 255).astype(np.uint8), "rgb24")
            frame.pts, frame.time_base = n, Fraction(1, 24)
            for p in v.encode(frame):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
    return out


def make_dialogue(out: Path, seconds: int) -> Path:
    import soundfile as sf

    lines = [
        ("en-us+m3", "The harbour lights were out when the ferry came in that night."),
        ("en-gb+f4", "I told you twice already, nobody leaves the island before the storm."),
    ]
    chunks, rate = [], 22050
    with tempfile.TemporaryDirectory() as d:
        for i, (voice, text) in enumerate(lines):
            wav = Path(d) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True)
            data, rate = sf.read(str(wav), dtype="float32")
            chunks += [data, np.zeros(rate // 2, np.float32)]
    one = np.concatenate(chunks)
    track = np.tile(one, int(np.ceil(seconds * rate / len(one))))[: seconds * rate]
    sf.write(str(out), track, rate)
    return out


def decode_only(path: Path, skip: str = "DEFAULT") -> tuple[float, int]:
    start = time.perf_counter()
    n = 0
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        s.codec_context.skip_frame = skip
        for _ in c.decode(s):
            n += 1
    return time.perf_counter() - start, n


def scan_obs(path: Path, executor: ScanExecutor, settings: ScanSettings) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    [obs] = list(executor.map([tasks_for(path, executor.workers)], settings))
    return time.perf_counter() - start, obs


def scan_wall(path: Path, executor: ScanExecutor, settings: ScanSettings) -> tuple[float, int]:
    wall, obs = scan_obs(path, executor, settings)
    return wall, len(obs)


def ray_against_local(path: Path, seconds: int, settings: ScanSettings) -> list[str]:
    """2 workers each way, from cold (worker processes start and load the models)."""
    from reelproof.adapters.likeness.ray_executor import RayExecutor

    local = LocalExecutor(2)
    try:
        local_s, local_obs = scan_obs(path, local, settings)
    finally:
        local.close()
    start = time.perf_counter()
    on_ray = RayExecutor(2)
    ray_start_s = time.perf_counter() - start
    try:
        ray_s, ray_obs = scan_obs(path, on_ray, settings)
    finally:
        on_ray.close()
    same = "identical" if ray_obs == local_obs else "DIFFERENT"
    return [
        f"2 workers, in-process pool:      {seconds / local_s:7.1f} h of video per hour"
        f" ({local_s:.2f} s)",
        f"2 workers, local Ray instance:   {seconds / ray_s:7.1f} h of video per hour"
        f" ({ray_s:.2f} s, + {ray_start_s:.1f} s to start Ray)  = {local_s / ray_s:.2f}× the"
        f" in-process pool; observations {same}",
    ]


def cpu_seconds(path: Path, settings: ScanSettings) -> float:
    """CPU time of the whole scan in this process on one core: on a shared machine the wall
    time says how busy the others were; this says what the scan itself costs."""
    one = LocalExecutor(1)
    start = time.process_time()
    list(one.map([tasks_for(path, 1)], settings))
    return time.process_time() - start


def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, workers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-ray", action="store_true", help="skip Ray against in-process")
    args = ap.parse_args()
    settings = ScanSettings(2.0)
    with tempfile.TemporaryDirectory() as d:
        clip = make_clip(Path(d) / "clip.mp4", args.seconds)
        speech = make_dialogue(Path(d) / "dialogue.wav", args.seconds * 4)
        executor = LocalExecutor(args.workers)
        try:
            executor.map([[]], settings)  # nothing: the pool starts on the first real task
            dec_s, frames = decode_only(clip)
            ref_s, ref_frames = decode_only(clip, "NONREF")
            scan_s, faces = scan_wall(clip, executor, settings)
            fast_s, fast_faces = scan_wall(clip, executor, ScanSettings(2.0, detect_width=640))
            cpu_s = cpu_seconds(clip, settings)
            audio_s, voiced = scan_wall(speech, executor, settings)
        finally:
            executor.close()
        own, workers = peak_mib()  # before Ray's processes come and go
        if args.no_ray:
            ray_lines = []
        elif importlib.util.find_spec("ray") is None:
            ray_lines = ["Ray against in-process: skipped, the `cluster` extra is not installed"]
        else:
            ray_lines = ray_against_local(clip, args.seconds, settings)
    video_rate = args.seconds / scan_s
    bound = args.seconds / dec_s
    ref_bound = args.seconds / ref_s
    print(f"1080p24 clip, {args.seconds} s, {frames} frames; workers: {executor.workers}")
    print(f"decode only (PyAV, all frames):  {bound:7.1f} h of video per hour ({dec_s:.2f} s)")
    print(
        f"decode reference frames only:    {ref_bound:7.1f} h of video per hour ({ref_s:.2f} s,"
        f" {ref_frames} frames: what a scan decodes)"
    )
    print(
        f"scan at 2 samples/s + cuts:      {video_rate:7.1f} h of video per hour ({scan_s:.2f} s,"
        f" {faces} faces)  = {video_rate / ref_bound:.2f}× its decode bound"
    )
    print(
        f"same, faces searched at 640 px:  {args.seconds / fast_s:7.1f} h of video per hour"
        f" ({fast_s:.2f} s, {fast_faces} faces)"
    )
    print(
        f"voice scan, {args.seconds * 4} s dialogue:    {args.seconds * 4 / audio_s:7.1f} h of"
        f" audio per hour ({audio_s:.2f} s, {voiced} voiced segments)"
    )
    cores = executor.workers
    print(
        f"CPU time of the scan: {cpu_s:.1f} s for {args.seconds} s of video, so on {cores} idle "
        f"cores: {cores * args.seconds / cpu_s:.1f} h of video per hour"
    )
    print(f"peak resident memory: this process {own:.0f} MiB, largest worker {workers:.0f} MiB")
    for line in ray_lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
