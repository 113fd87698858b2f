"""Files above the in-memory limit are streamed to the c2pa Reader and hashed as it reads
them: the digest must still be the file's, the verdict the Reader's, the XMP found; and the
warm worker pool must carry nothing from one run into the next."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from reelproof.adapters.c2pa_reader import SMALL_FILE, inspect_many
from reelproof.adapters.c2pa_signer import sign_file
from reelproof.adapters.devca import DevCA
from reelproof.core.provenance import C2paState, Classification
from tests.provenance.makers import mp4_head, write_wav, xmp_packet

BIG = SMALL_FILE + (3 << 20)


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _sign(ca: DevCA, src: Path, dst: Path, source_type: str) -> Path:
    sign_file(
        src,
        dst,
        digital_source_type=source_type,
        software_agent={"name": "test", "version": "1"},
        reelproof_assertion={"decision": "large"},
        title=dst.name,
        key_pem=ca.signer_key,
        chain_pem=ca.chain_pem,
        alg="es256",
    )
    return dst


@pytest.fixture(scope="module")
def large(dev_ca: DevCA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("large")
    wav = write_wav(d / "raw.wav", seconds=BIG / 16000)  # 8 kHz mono 16-bit
    mp4 = d / "raw.mp4"
    mp4.write_bytes(mp4_head(BIG) + _noise(BIG, 1))
    tail_xmp = d / "tail-xmp.bin"  # unsigned; its XMP sits in the last window
    tail_xmp.write_bytes(_noise(BIG, 2) + xmp_packet("trainedAlgorithmicMedia").encode())
    return {
        "wav": _sign(dev_ca, wav, d / "generated.wav", "trainedAlgorithmicMedia"),
        "mp4": _sign(dev_ca, mp4, d / "capture.mp4", "digitalCapture"),
        "tail_xmp": tail_xmp,
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_large_files_hash_right_and_validate(large: dict[str, Path]) -> None:
    assert all(p.stat().st_size > SMALL_FILE for p in large.values())
    wav, mp4, tail = inspect_many([large["wav"], large["mp4"], large["tail_xmp"]], workers=2)
    for report, path in ((wav, large["wav"]), (mp4, large["mp4"]), (tail, large["tail_xmp"])):
        assert report.sha256 == _sha(path), path.name
    assert (wav.c2pa_state, wav.classification) == (C2paState.VALID, Classification.AI_GENERATED)
    assert (wav.media_type, mp4.media_type) == ("audio/wav", "video/mp4")
    assert mp4.c2pa_state is C2paState.VALID and mp4.classification is Classification.HUMAN
    assert tail.c2pa_state is C2paState.UNSUPPORTED  # noise: no format the SDK knows
    assert tail.classification is Classification.AI_GENERATED  # from the tail's XMP


def test_a_tampered_large_file_is_invalid_and_hashes_its_own_bytes(
    large: dict[str, Path], tmp_path: Path
) -> None:
    data = bytearray(large["mp4"].read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the hashed media data
    bad = tmp_path / "tampered.mp4"
    bad.write_bytes(bytes(data))
    (report,) = inspect_many([bad])
    assert report.c2pa_state is C2paState.INVALID
    assert report.sha256 == hashlib.sha256(data).hexdigest() != _sha(large["mp4"])


def test_a_run_stopped_early_leaves_nothing_for_the_next(large: dict[str, Path]) -> None:
    run = inspect_many([large["wav"], large["mp4"], large["tail_xmp"]] * 2, workers=2)
    first = next(run)
    run.close()  # the caller stops while jobs are still queued on the workers
    assert first.path == str(large["wav"])
    again = list(inspect_many([large["tail_xmp"], large["mp4"]], workers=2))
    assert [r.path for r in again] == [str(large["tail_xmp"]), str(large["mp4"])]
    assert [r.sha256 for r in again] == [_sha(large["tail_xmp"]), _sha(large["mp4"])]
