"""Likeness and voice matches as domain facts: when a match is a finding, what consent
covers it, and how sampled hits become segments with timecodes. Pure: no models, no I/O.

Matching itself is distance arithmetic over embeddings the adapters compute; here a face
matches when its L2 distance to a reference is at most the face threshold, a voice when its
cosine similarity to a reference is at least the voice threshold.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from reelproof.core.consent_record import ConsentRecord
from reelproof.core.json_types import JsonMapping, JsonObject

Modality = Literal["face", "voice"]

# dlib's ResNet: same person ≲ 0.45, different people ≳ 0.6 (dlib's own cut-off). 0.5 keeps
# false matches rare on the evaluation set (docs/likeness.md) and still finds compressed video.
DEFAULT_FACE_THRESHOLD = 0.5
# Resemblyzer cosine similarity per voiced segment: near the equal-error point of the
# espeak-ng evaluation set (docs/likeness.md); calibrate on real recordings per production.
DEFAULT_VOICE_THRESHOLD = 0.86

# Classifications in which an enrolled performer's presence needs a consent; `unknown` only
# when the file is not registered as captured footage (then it is classified `human`).
SUSPECT_CLASSES = ("ai_generated", "ai_edited", "unknown")

# The talent uses a consent must cover for a performer's face or voice in such material.
COVERING_USES: dict[Modality, tuple[str, ...]] = {
    "face": ("replica_use", "digital_alteration"),
    "voice": ("voice_replica", "replica_use", "dubbing"),
}

FINDING_CODE = "likeness.unconsented_match"
BLOCKING_STATES = ("open", "confirmed")


@dataclass(frozen=True)
class Thresholds:
    """How close an embedding must be to a reference to count as a match, per modality."""

    face: float = DEFAULT_FACE_THRESHOLD
    voice: float = DEFAULT_VOICE_THRESHOLD

    def to_json(self) -> dict[str, float]:
        """The thresholds as a scan report records them."""
        return {"face": self.face, "voice": self.voice}


def l2(a: Sequence[float], b: Sequence[float]) -> float:
    """Euclidean distance, the face model's measure."""
    return math.sqrt(sum((x - y) * (x - y) for x, y in zip(a, b, strict=True)))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity, the voice model's measure (0 for a zero vector)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


@dataclass(frozen=True)
class Observation:
    """One face in one sampled frame, or one voiced segment: where, and its embedding."""

    modality: Modality
    start: float  # seconds from the start of the file (0 for a still image)
    end: float
    embedding: tuple[float, ...]
    box: tuple[int, int, int, int] | None = None  # left, top, right, bottom (faces)
    confidence: float = 1.0  # the detector's, 0 to 1 (a face's HOG score, scaled)

    def to_json(self) -> JsonObject:
        """The observation as it is cached (sealed) between scans."""
        return {
            "modality": self.modality,
            "start": self.start,
            "end": self.end,
            "box": list(self.box) if self.box else None,
            "embedding": list(self.embedding),
            "confidence": self.confidence,
        }

    @classmethod
    def from_json(cls, data: JsonMapping) -> Observation:
        """An observation back from the scan cache."""
        box = data.get("box")
        return cls(
            data["modality"],
            float(data["start"]),
            float(data["end"]),
            tuple(float(v) for v in data["embedding"]),
            (int(box[0]), int(box[1]), int(box[2]), int(box[3])) if box else None,
            float(data.get("confidence", 1.0)),
        )


@dataclass(frozen=True)
class Reference:
    """A decrypted reference embedding of an enrolled performer."""

    ref_id: str
    performer: str
    modality: Modality
    embedding: tuple[float, ...]


@dataclass(frozen=True)
class Hit:
    """An observation matched to a performer: the score and the threshold it was held to."""

    observation: Observation
    performer: str
    score: float  # face: L2 distance (lower is closer); voice: cosine similarity
    threshold: float


def best_match(
    obs: Observation, references: Sequence[Reference], thresholds: Thresholds
) -> Hit | None:
    """The closest enrolled performer within the threshold, if any."""
    refs = [r for r in references if r.modality == obs.modality]
    if not refs:
        return None
    if obs.modality == "face":
        score, ref = min((l2(obs.embedding, r.embedding), r) for r in refs)
        ok = score <= thresholds.face
        limit = thresholds.face
    else:
        score, ref = max(((cosine(obs.embedding, r.embedding), r) for r in refs), key=_first)
        ok = score >= thresholds.voice
        limit = thresholds.voice
    return Hit(obs, ref.performer, round(score, 4), limit) if ok else None


def _first(pair: tuple[float, Reference]) -> float:
    return pair[0]


def timecode(seconds: float) -> str:
    """HH:MM:SS.mmm, the form editors read next to frame-accurate timecodes."""
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


@dataclass
class Segment:
    """Consecutive hits of one performer in one modality: from, to, the closest hit."""

    performer: str
    modality: Modality
    start: float
    end: float
    best: Hit
    hits: int = 1

    def to_json(self) -> JsonObject:
        """The segment as a scan report and a finding show it."""
        return {
            "performer": self.performer,
            "modality": self.modality,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "timecode": f"{timecode(self.start)}-{timecode(self.end)}",
            "box": list(self.best.observation.box) if self.best.observation.box else None,
            "score": self.best.score,
            "metric": "l2_distance" if self.modality == "face" else "cosine_similarity",
            "threshold": self.best.threshold,
            "hits": self.hits,
        }


def _closer(a: Hit, b: Hit) -> bool:
    return a.score < b.score if a.observation.modality == "face" else a.score > b.score


def segments(hits: Iterable[Hit], gap: float) -> list[Segment]:
    """Group hits of the same performer and modality no more than `gap` seconds apart."""
    out: list[Segment] = []
    open_: dict[tuple[str, str], Segment] = {}
    for h in sorted(hits, key=lambda h: (h.observation.start, h.performer)):
        key = (h.performer, h.observation.modality)
        seg = open_.get(key)
        if seg is not None and h.observation.start - seg.end <= gap:
            seg.end = max(seg.end, h.observation.end)
            seg.hits += 1
            if _closer(h, seg.best):
                seg.best = h
            continue
        seg = Segment(
            h.performer, h.observation.modality, h.observation.start, h.observation.end, h
        )
        open_[key] = seg
        out.append(seg)
    return out


def covering_consent(
    consents: Iterable[ConsentRecord],
    performer: str,
    modality: Modality,
    production: str,
    today: dt.date,
) -> str | None:
    """The id of an active consent of the performer for this production that covers their
    face (replica use, alteration) or voice (voice replica, replica use, dubbing)."""
    wanted = set(COVERING_USES[modality])
    for c in consents:
        scope = c.consent.spec.scope
        if (
            c.performer == performer
            and c.state(today) == "active"
            and production in scope.productions
            and wanted & set(scope.uses)
        ):
            return c.id
    return None


@dataclass(frozen=True)
class Verdict:
    """Whether a segment is a finding, and why (for the scan report)."""

    finding: bool
    reason: str


def judge(
    classification: str,
    registered_captured: bool,
    covering: str | None,
) -> Verdict:
    """A performer in AI (or unknown, unregistered) material without a covering consent is a
    finding; a performer in captured footage is expected."""
    if classification not in SUSPECT_CLASSES or (
        classification == "unknown" and registered_captured
    ):
        return Verdict(False, f"captured or non-AI material ({classification}): expected")
    if covering is not None:
        return Verdict(False, f"covered by consent {covering}")
    return Verdict(True, f"{classification} material and no consent covers this use")
