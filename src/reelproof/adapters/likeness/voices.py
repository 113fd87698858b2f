"""Voices: Resemblyzer's speaker encoder (256-d, cosine similarity) on voiced segments
found by WebRTC's voice-activity detector, so each segment keeps its place in the file."""

from __future__ import annotations

import importlib.metadata
import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import webrtcvad

from reelproof.adapters.likeness.decode import AUDIO_RATE

FRAME_MS = 30
MIN_SPEECH_S = 0.8  # shorter bursts carry too little of a voice to compare
MAX_GAP_S = 0.4  # pauses shorter than this stay inside one segment
WINDOW_S = 3.0  # long speech is compared in windows of this length


@dataclass(frozen=True)
class Voiced:
    """A window of speech and its voice embedding."""

    start: float
    end: float
    embedding: tuple[float, ...]


def speech_regions(wav: npt.NDArray[np.float32], aggressiveness: int = 2) -> list[tuple[int, int]]:
    """Sample ranges [a, b) of speech, short pauses bridged, short bursts dropped."""
    vad = webrtcvad.Vad(aggressiveness)
    step = AUDIO_RATE * FRAME_MS // 1000
    pcm = (np.clip(wav, -1.0, 1.0) * 32767).astype("<i2")
    regions: list[list[int]] = []
    for i in range(0, len(pcm) - step + 1, step):
        if not vad.is_speech(pcm[i : i + step].tobytes(), AUDIO_RATE):
            continue
        if regions and i - regions[-1][1] <= MAX_GAP_S * AUDIO_RATE:
            regions[-1][1] = i + step
        else:
            regions.append([i, i + step])
    return [(a, b) for a, b in regions if b - a >= MIN_SPEECH_S * AUDIO_RATE]


def windows(a: int, b: int) -> list[tuple[int, int]]:
    """Split [a, b) into windows of about WINDOW_S seconds (the last one absorbs the rest)."""
    size = int(WINDOW_S * AUDIO_RATE)
    n = max(1, (b - a) // size)
    edges = [a + (b - a) * k // n for k in range(n + 1)]
    return list(itertools.pairwise(edges))


def model_version() -> str:
    """The voice model and settings, recorded with every finding so a scan can be reproduced."""
    return (
        f"resemblyzer {importlib.metadata.version('resemblyzer')}, webrtcvad "
        f"{FRAME_MS}ms, min {MIN_SPEECH_S}s, window {WINDOW_S}s"
    )


class VoiceDetector:
    """Finds voiced segments in 16 kHz mono audio and embeds each."""

    name = "resemblyzer"
    modality = "voice"

    def __init__(self) -> None:
        import torch
        from resemblyzer import VoiceEncoder

        torch.set_num_threads(1)  # the executor runs one file per core
        self._encoder = VoiceEncoder("cpu", verbose=False)

    @property
    def version(self) -> str:
        """The model and settings, recorded with every finding."""
        return model_version()

    def embed(self, wav: npt.NDArray[np.float32]) -> tuple[float, ...]:
        """The voice embedding of a waveform, to compare with references."""
        from resemblyzer.audio import normalize_volume

        vec = self._encoder.embed_utterance(normalize_volume(wav, -30, increase_only=True))
        return tuple(float(v) for v in vec)

    def detect(self, wav: npt.NDArray[np.float32]) -> list[Voiced]:
        """Every window of speech in the waveform with its embedding."""
        out = []
        for a, b in speech_regions(wav):
            for wa, wb in windows(a, b):
                out.append(Voiced(wa / AUDIO_RATE, wb / AUDIO_RATE, self.embed(wav[wa:wb])))
        return out

    def enrolment(self, wav: npt.NDArray[np.float32]) -> tuple[float, ...] | None:
        """One embedding over all the speech in a reference recording."""
        regions = speech_regions(wav)
        if not regions:
            return None
        return self.embed(np.concatenate([wav[a:b] for a, b in regions]))
