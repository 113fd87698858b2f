"""Turns files into observations (faces per sampled frame, voiced segments), on all cores.

A file is cut into tasks (a video into time ranges, its audio track as one more) so one long
clip also uses every core; each worker process loads the models once. The result of a file
depends only on its bytes and `ScanSettings.models_key()`, so the caller can cache it.
A `ScanExecutor` runs the tasks: `LocalExecutor` on this machine's cores, or
`ray_executor.RayExecutor` on a Ray cluster; both run the same `run_task`, so the
observations, and the findings made of them, are the same whichever ran them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from reelproof.adapters.likeness import decode, faces, voices
from reelproof.core.likeness import Observation

MIN_CHUNK_S = 5.0  # shorter ranges cost more in seeking than they gain in parallelism


@dataclass(frozen=True)
class ScanSettings:
    """How densely a scan samples video and how hard it looks for small faces."""

    per_second: float = 2.0  # fixed-interval samples per second, plus scene changes
    upsample: int = 1
    detect_width: int = decode.DETECT_WIDTH  # wider frames are searched at this width

    def models_key(self) -> str:
        """Everything a file's observations depend on besides its bytes."""
        return (
            f"{faces.model_version(self.upsample)}; {voices.model_version()}; "
            f"{self.per_second}/s + cuts>{decode.SCENE_CHANGE}, detect at {self.detect_width}px"
        )


@cache
def face_detector(upsample: int) -> faces.FaceDetector:
    """One face detector per process and setting: loading the model costs seconds."""
    return faces.FaceDetector(upsample)


@cache
def voice_detector() -> voices.VoiceDetector:
    """One voice encoder per process: loading the model costs seconds."""
    return voices.VoiceDetector()


@dataclass(frozen=True)
class Task:
    """One unit of scan work (a still, a span of frames, an audio track) a worker can run alone."""

    path: str
    kind: str  # still | frames | audio
    start: float = 0.0
    end: float | None = None


def tasks_for(path: Path, workers: int) -> list[Task]:
    """The work one file needs: its picture(s) and its sound."""
    streams = decode.probe(path)
    out: list[Task] = []
    if streams.still:
        return [Task(str(path), "still")]
    if streams.video:
        n = max(1, min(workers, int(streams.duration // MIN_CHUNK_S)))
        step = streams.duration / n if streams.duration else 0.0
        for i in range(n):
            end = None if i == n - 1 else (i + 1) * step
            out.append(Task(str(path), "frames", i * step, end))
    if streams.audio:
        out.append(Task(str(path), "audio"))
    return out


def run_task(task: Task, settings: ScanSettings) -> list[Observation]:
    """The observations (faces, voiced windows) of one task, in a worker."""
    path = Path(task.path)
    if task.kind == "audio":
        wav = decode.audio(path)
        return [
            Observation("voice", round(v.start, 3), round(v.end, 3), v.embedding)
            for v in voice_detector().detect(wav)
        ]
    detector = face_detector(settings.upsample)
    samples: Iterator[decode.Sample] = (
        iter([decode.Sample(0.0, decode.still(path), None, 1.0)])
        if task.kind == "still"
        else decode.sample_frames(
            path, settings.per_second, task.start, task.end, settings.detect_width
        )
    )
    out = []
    for s in samples:
        t = round(s.time, 3)
        for f in detector.detect(s.rgb, s.small, s.scale):
            out.append(Observation("face", t, t, f.embedding, f.box, faces.confidence(f.score)))
    return out


def _run_many(args: tuple[Sequence[Task], ScanSettings]) -> list[Observation]:
    tasks, settings = args
    return [o for t in tasks for o in run_task(t, settings)]


class ScanExecutor(Protocol):
    """Where the tasks run. `workers` is how many run side by side (it sets how finely a
    clip is cut)."""

    workers: int

    def map(
        self, groups: Sequence[Sequence[Task]], settings: ScanSettings
    ) -> Iterator[list[Observation]]:
        """Observations per group of tasks (one group per file), in order."""
        ...

    def close(self) -> None:
        """Release the workers; called once the scan is over, even when it failed."""


def default_workers() -> int:
    """One worker per CPU this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


class LocalExecutor:
    """In-process for a single task, else a pool of worker processes (one per core)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: Executor | None = None

    def map(
        self, groups: Sequence[Sequence[Task]], settings: ScanSettings
    ) -> Iterator[list[Observation]]:
        """Observations per group of tasks, in order."""
        if self.workers == 1 or sum(len(g) for g in groups) <= 1:
            yield from (_run_many((g, settings)) for g in groups)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers)
        # One future per task, so a long clip's ranges run side by side.
        futures = [[self._pool.submit(run_task, t, settings) for t in g] for g in groups]
        for fs in futures:
            yield [o for f in fs for o in f.result()]

    def close(self) -> None:
        """Shut the worker pool down."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
