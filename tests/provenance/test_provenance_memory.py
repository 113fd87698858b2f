"""The worker pool sizes itself by what the C2PA library really holds: the estimate per file
covers a worker's measured peak, and big files run fewer at a time under a budget."""

from __future__ import annotations

import logging
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from reelproof.adapters import c2pa_reader
from reelproof.adapters.c2pa_reader import SMALL_FILE, _reader_memory, inspect_many
from reelproof.adapters.c2pa_signer import sign_file
from reelproof.adapters.devca import DevCA
from reelproof.core.provenance import C2paState
from tests.provenance.makers import jpeg_bytes, write_wav

MIB = 1 << 20
SIZE = SMALL_FILE + 12 * MIB  # above the in-memory limit, so each file's type is sniffed


def _padded_jpeg(path: Path, size: int, seed: int) -> Path:
    """A valid JPEG grown to about ``size`` bytes with COM segments of noise."""
    rng = random.Random(seed)
    base = jpeg_bytes()
    segments = b"".join(
        struct.pack(">BBH", 0xFF, 0xFE, 60002) + rng.randbytes(60000) for _ in range(size // 60004)
    )
    path.write_bytes(base[:2] + segments + base[2:])
    return path


def _signed(ca: DevCA, raw: Path) -> Path:
    out = raw.with_name("signed-" + raw.name)
    sign_file(
        raw,
        out,
        digital_source_type="digitalCapture",
        software_agent={"name": "test", "version": "1"},
        reelproof_assertion={"decision": "memory"},
        title=out.name,
        key_pem=ca.signer_key,
        chain_pem=ca.chain_pem,
        alg="es256",
    )
    return out


@pytest.fixture(scope="module")
def media(dev_ca: DevCA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    d = tmp_path_factory.mktemp("memory")
    jpegs = [_signed(dev_ca, _padded_jpeg(d / f"j{i}.jpg", SIZE, i)) for i in range(3)]
    wavs = [_signed(dev_ca, write_wav(d / f"w{i}.wav", seconds=SIZE / 16000)) for i in range(3)]
    return {"jpeg": jpegs, "wav": wavs}


def _peak_in_flight(caplog: pytest.LogCaptureFixture, paths: list[Path], budget: int) -> int:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=c2pa_reader.__name__):
        reports = list(inspect_many(paths, workers=3, memory_budget=budget))
    assert [r.c2pa_state for r in reports] == [C2paState.VALID] * len(paths)
    admitted = [r.args for r in caplog.records if r.getMessage().startswith("inspect: ")]
    assert len(admitted) == len(paths)
    return max(int(args[2]) for args in admitted if isinstance(args, tuple))


def test_big_files_run_fewer_at_a_time_by_what_their_type_holds(
    media: dict[str, list[Path]], caplog: pytest.LogCaptureFixture
) -> None:
    budget = 2 * SIZE + 48 * MIB  # two streamed WAVs fit; a JPEG is held twice over
    assert _peak_in_flight(caplog, media["jpeg"], budget) == 1
    assert _peak_in_flight(caplog, media["wav"], budget) == 2
    assert _peak_in_flight(caplog, media["jpeg"], 10 * SIZE) == 3  # room: all at once


_PROBE = """
import pathlib, sys
from reelproof.adapters.c2pa_reader import ProvenanceSettings, _inspect_job
import c2pa
c2pa.Reader.get_supported_mime_types()
def hwm():
    return int(pathlib.Path('/proc/self/status').read_text().split('VmHWM:')[1].split()[0])
base = hwm()
_, val = _inspect_job(sys.argv[1], ProvenanceSettings())
print(val.state.value, (hwm() - base) * 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
@pytest.mark.parametrize(("kind", "media_type"), [("jpeg", "image/jpeg"), ("wav", "audio/wav")])
def test_the_estimate_covers_a_workers_measured_peak(
    media: dict[str, list[Path]], kind: str, media_type: str
) -> None:
    path = media[kind][0]
    env = {**os.environ, "PYTHONPATH": str(Path(c2pa_reader.__file__).parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()
    state, peak = out[0], int(out[1])
    estimate = _reader_memory(path.stat().st_size, media_type)
    assert state == "valid"
    # Enough, and not so much that the pool idles: the measured peak is most of it.
    assert 0.5 * estimate <= peak <= estimate, (kind, peak >> 20, estimate >> 20)
