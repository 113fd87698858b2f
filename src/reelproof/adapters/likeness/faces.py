"""Faces: dlib's HOG detector, its 5-point aligner and its 128-d ResNet embedding.

The model files come from `face-recognition-models`, loaded with dlib directly: importing
`face_recognition` pulls in `pkg_resources` and calls `quit()` when that fails. The 68-point
landmark model in the same package is not used: its training data is non-commercial.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import dlib

from reelproof.adapters.likeness.decode import RGB

# HOG scores below this are mostly not faces (e.g. a mission patch scores 0.12, a face > 1).
MIN_SCORE = 0.3


def _models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")  # without running its __init__
    assert spec is not None and spec.submodule_search_locations is not None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def model_version(upsample: int) -> str:
    """Changes whenever a result could: the library, the model package and the settings."""
    return (
        f"dlib-bin {importlib.metadata.version('dlib-bin')}, face-recognition-models "
        f"{importlib.metadata.version('face-recognition-models')}, hog up={upsample} "
        f"min={MIN_SCORE}, 5-point"
    )


def confidence(score: float) -> float:
    """A HOG score (≈ 0.3 barely a face, ≳ 2 a clear frontal face) as a 0–1 confidence."""
    return round(min(1.0, score / 2.0), 3)


def _scaled(rect: dlib.rectangle, scale: float) -> dlib.rectangle:
    return dlib.rectangle(
        round(rect.left() * scale),
        round(rect.top() * scale),
        round(rect.right() * scale),
        round(rect.bottom() * scale),
    )


@dataclass(frozen=True)
class Face:
    """A face found in a frame: where, how sure, and its embedding to compare with references."""

    box: tuple[int, int, int, int]  # left, top, right, bottom
    score: float
    embedding: tuple[float, ...]


class FaceDetector:
    """Finds faces in an RGB frame and embeds each (L2 distance ≲ 0.5: same person)."""

    name = "dlib-resnet-v1"
    modality = "face"

    def __init__(self, upsample: int = 1) -> None:
        models = _models_dir()
        self.upsample = upsample
        self._detect = dlib.get_frontal_face_detector()
        self._align = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self._embed = dlib.face_recognition_model_v1(
            str(models / "dlib_face_recognition_resnet_model_v1.dat")
        )

    @property
    def version(self) -> str:
        """The model and settings, recorded with every finding so a scan can be reproduced."""
        return model_version(self.upsample)

    def detect(self, rgb: RGB, small: RGB | None = None, scale: float = 1.0) -> list[Face]:
        """Faces in `rgb`; looked for in `small` (`rgb` shrunk by `scale`) when given."""
        rects, scores, _ = self._detect.run(rgb if small is None else small, self.upsample, 0.0)
        out = []
        for found, score in zip(rects, scores, strict=True):
            if score < MIN_SCORE:
                continue
            rect = found if small is None else _scaled(found, scale)
            shape = self._align(rgb, rect)
            vec = self._embed.compute_face_descriptor(rgb, shape)
            box = (rect.left(), rect.top(), rect.right(), rect.bottom())
            out.append(Face(box, round(float(score), 3), tuple(float(v) for v in vec)))
        return out
