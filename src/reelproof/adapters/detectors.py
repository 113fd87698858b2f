"""The detectors installed as plugins: `reelproof.detectors` entry points (docs/plugins.md).

An entry point names a Detector object, or a class (or factory) that makes one with no
arguments; detectors are made only when they are to run, so a model loads in its factory and
importing the plugin stays cheap.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from reelproof.core.detectors import Detector
from reelproof.core.errors import ReelproofError

ENTRY_POINT_GROUP = "reelproof.detectors"


def installed() -> dict[str, Detector]:
    """Every installed detector by entry-point name, made once per call."""
    found: dict[str, Detector] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            target = ep.load()
            # A class matches the protocol too (its attributes are there): make one.
            made = isinstance(target, type) or not isinstance(target, Detector)
            detector = target() if made else target
        except Exception as exc:  # a broken plugin: say which one, never a traceback
            raise ReelproofError(
                f"{ENTRY_POINT_GROUP} entry point {ep.name!r} ({ep.value}) cannot be loaded: {exc}"
            ) from None
        if not isinstance(detector, Detector):
            raise ReelproofError(
                f"{ENTRY_POINT_GROUP} entry point {ep.name!r} ({ep.value}) is not a detector: "
                "expected an object with `name`, `version` and `detect(media)`"
            )
        found[ep.name] = detector
    return found
