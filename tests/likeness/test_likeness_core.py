"""The pure parts: matching at thresholds, segments and timecodes, when a match is a finding,
the encrypted store's key handling, and the `[likeness]` configuration. No models needed."""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path

import pytest

from reelproof.adapters.config import load_config
from reelproof.adapters.likeness.vault import Vault, VaultError
from reelproof.core.consent_record import ConsentRecord
from reelproof.core.documents import Consent, parse_one
from reelproof.core.errors import DocumentError
from reelproof.core.likeness import (
    Hit,
    Observation,
    Reference,
    Thresholds,
    best_match,
    covering_consent,
    judge,
    segments,
    timecode,
)

TODAY = dt.date(2026, 6, 1)


def _consent(uses: list[str], productions: list[str]) -> ConsentRecord:
    doc = parse_one(
        {
            "apiVersion": "reelproof/v1",
            "kind": "Consent",
            "metadata": {"id": "c1"},
            "spec": {
                "performer": "ana",
                "granted_at": "2026-01-01",
                "description": "Face references for scanning Harbour season one, as signed.",
                "scope": {"uses": uses, "productions": productions},
            },
        },
        "<test>",
    )
    assert isinstance(doc, Consent)
    return ConsentRecord(doc)


def test_nearest_face_within_threshold_wins_and_voices_use_similarity() -> None:
    refs = [
        Reference("a", "ana", "face", (0.0, 0.0)),
        Reference("b", "ben", "face", (0.3, 0.0)),
        Reference("v", "ana", "voice", (1.0, 0.0)),
    ]
    hit = best_match(Observation("face", 1.0, 1.0, (0.2, 0.0)), refs, Thresholds(0.5, 0.9))
    assert hit is not None and hit.performer == "ben" and hit.score == pytest.approx(0.1)
    far = Observation("face", 1.0, 1.0, (2.0, 2.0))
    assert best_match(far, refs, Thresholds(0.5, 0.9)) is None
    voice = Observation("voice", 0.0, 2.0, (0.8, 0.6))  # cosine 0.8
    assert best_match(voice, refs, Thresholds(0.5, 0.9)) is None
    assert best_match(voice, refs, Thresholds(0.5, 0.75)) is not None


def test_hits_close_in_time_make_one_segment_with_its_timecodes() -> None:
    def hit(t: float, score: float) -> Hit:
        return Hit(Observation("face", t, t, (0.0,), (1, 2, 3, 4)), "ana", score, 0.5)

    segs = segments([hit(3.0, 0.45), hit(3.5, 0.40), hit(4.0, 0.44), hit(60.0, 0.3)], gap=1.25)
    assert [(s.start, s.end, s.hits) for s in segs] == [(3.0, 4.0, 3), (60.0, 60.0, 1)]
    first = segs[0].to_json()
    assert first["timecode"] == "00:00:03.000-00:00:04.000" and first["score"] == 0.40
    assert timecode(3723.5) == "01:02:03.500"


def test_a_match_is_a_finding_only_in_ai_or_unregistered_material_without_consent() -> None:
    assert judge("ai_generated", False, None).finding
    assert judge("unknown", False, None).finding
    assert not judge("unknown", True, None).finding  # registered as captured footage
    assert not judge("human", True, None).finding
    assert not judge("ai_edited", False, "c1").finding
    face_use = [_consent(["digital_alteration"], ["harbour"])]
    assert covering_consent(face_use, "ana", "face", "harbour", TODAY) == "c1"
    assert covering_consent(face_use, "ana", "voice", "harbour", TODAY) is None
    assert covering_consent(face_use, "ana", "face", "other", TODAY) is None
    enrol_only = [_consent(["biometric_enrollment"], ["harbour"])]
    assert covering_consent(enrol_only, "ana", "face", "harbour", TODAY) is None


def test_vault_binds_ciphertext_to_its_row_and_needs_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REELPROOF_BIOMETRIC_KEY", raising=False)
    with pytest.raises(VaultError, match="no biometric key"):
        Vault.load(None)
    key_file = tmp_path / "bio.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode())
    vault = Vault.load(key_file)
    nonce, blob = vault.seal([0.25, -1.5], "ana/ref1")
    assert b"0.25" not in blob
    assert vault.open(nonce, blob, "ana/ref1") == [0.25, -1.5]
    with pytest.raises(VaultError, match="wrong key, or the row was altered"):
        vault.open(nonce, blob, "ben/ref1")
    monkeypatch.setenv("REELPROOF_BIOMETRIC_KEY", base64.b64encode(b"short").decode())
    with pytest.raises(VaultError, match="32 bytes"):
        Vault.load(key_file)


def test_likeness_configuration_per_production(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[likeness]\nkey_file = "bio.key"\nface_threshold = 0.55\n'
        "[likeness.production.harbour-s1]\nvoice_threshold = 0.9\n"
    )
    lk = load_config(cfg).likeness
    assert lk.key_file == tmp_path / "bio.key"
    assert lk.threshold("harbour-s1", "face_threshold") == 0.55
    assert lk.threshold("harbour-s1", "voice_threshold") == 0.9
    assert lk.threshold("other", "voice_threshold") is None
    cfg.write_text("[likeness.production.harbour-s1]\nface = 0.9\n")
    with pytest.raises(DocumentError, match=r"likeness\.production\.harbour-s1\.face"):
        load_config(cfg)


def test_without_the_extra_scan_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from reelproof.adapters import likeness
    from tests.helpers import cli

    monkeypatch.setattr(likeness, "MODULES", (*likeness.MODULES, "reelproof_no_such_model"))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really")
    result = cli("scan", str(clip), db=f"sqlite:///{tmp_path / 'r.db'}")
    assert result.exit_code == 2
    assert "reelproof[likeness]" in result.output and "reelproof_no_such_model" in result.output
    assert "Traceback" not in result.output
