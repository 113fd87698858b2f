"""What a detector is: a face, voice or AI-generation model that looks at one media file.

Detectors come from plugins (`reelproof.detectors` entry points, docs/plugins.md); the core
only fixes the shape, so that a scan, a review and a rule pack read every detector's output
the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Media:
    """A file to look at, as registered: the detector reads the bytes at `path` itself."""

    path: str
    media_type: str
    sha256: str


@dataclass(frozen=True)
class Detection:
    """One thing a detector saw. `kind` and `label` are the detector's own vocabulary (e.g.
    kind "face", label the enrolled performer's id); `score` is its confidence, 0 to 1."""

    kind: str
    label: str
    score: float
    start_s: float | None = None  # where in time, for video and audio
    end_s: float | None = None


@runtime_checkable
class Detector(Protocol):
    """A named, versioned model; a finding records both, so a result can be reproduced."""

    name: str
    version: str

    def detect(self, media: Media) -> Sequence[Detection]:
        """Everything seen in the file; an empty sequence when nothing was."""
        ...
