"""Face and voice models and media decoding for likeness scanning (extra `likeness`).

The heavy modules (dlib, torch, Resemblyzer, PyAV) are imported only when a scan or an
enrolment runs; `require()` turns their absence into a message that says how to install them.
"""

from __future__ import annotations

import importlib.util

from reelproof.core.errors import ReelproofError

INSTALL_HINT = (
    "likeness scanning needs the `likeness` extra: run ./setup.sh, or "
    "pip install 'reelproof[likeness]' && pip install --no-deps resemblyzer==0.1.4"
)

MODULES = ("dlib", "face_recognition_models", "av", "numpy", "torch", "resemblyzer", "webrtcvad")


class LikenessUnavailable(ReelproofError):
    """The likeness extra is not installed."""


def missing() -> list[str]:
    """The modules of the extra that cannot be imported here."""
    return [m for m in MODULES if importlib.util.find_spec(m) is None]


def require() -> None:
    """Refuse, saying how to install the likeness extra, when a model package is missing."""
    gone = missing()
    if gone:
        raise LikenessUnavailable(f"{INSTALL_HINT} (missing: {', '.join(gone)})")
