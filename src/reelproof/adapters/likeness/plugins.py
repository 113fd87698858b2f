"""The face and voice models as `reelproof.detectors` plugins (`reelproof.detect`).

A plugin sees one file and no store, so it says where faces and speech are, not whose: naming
the performer needs their encrypted references, whose every read is logged, which is what
`reelproof scan` does. Models load on the first `detect`, so listing detectors stays cheap;
without the `likeness` extra, `detect` says how to install it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reelproof.adapters import likeness
from reelproof.core.detectors import Detection, Media


def _observe(media: Media, kind: str) -> list[Detection]:
    likeness.require()
    from reelproof.adapters.likeness import decode, scanner

    try:
        tasks = scanner.tasks_for(Path(media.path), 1)
    except decode.MediaError:
        return []  # not audio, video or a picture: nothing to see
    settings = scanner.ScanSettings()
    wanted = [t for t in tasks if (t.kind == "audio") == (kind == "voice")]
    return [
        Detection(o.modality, "face" if kind == "face" else "speech", o.confidence, o.start, o.end)
        for t in wanted
        for o in scanner.run_task(t, settings)
    ]


class Faces:
    """Faces in stills and sampled video frames (dlib HOG, 5-point alignment)."""

    name = "faces"

    @property
    def version(self) -> str:
        """The face model's version, or `not installed` without the likeness extra."""
        from reelproof.adapters.likeness import faces

        return faces.model_version(1) if not likeness.missing() else "not installed"

    def detect(self, media: Media) -> Sequence[Detection]:
        """Where faces are in the file (not whose: matching needs the enrolled references)."""
        return _observe(media, "face")


class Voices:
    """Voiced segments of a file's sound (WebRTC voice activity, Resemblyzer windows)."""

    name = "voices"

    @property
    def version(self) -> str:
        """The voice model's version, or `not installed` without the likeness extra."""
        from reelproof.adapters.likeness import voices

        return voices.model_version() if not likeness.missing() else "not installed"

    def detect(self, media: Media) -> Sequence[Detection]:
        """Where speech is in the file (not whose: matching needs the enrolled references)."""
        return _observe(media, "voice")
