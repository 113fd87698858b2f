"""Peak memory of one inspect worker per file type and size, against the pool's estimate.

The worker pool admits files while the sum of their estimated reader memory stays within
its budget (``reelproof.adapters.c2pa_reader._reader_memory``). This measures what a worker
really holds: for each type (JPEG, PNG, WAV, MP4) and size it builds a signed file (dev CA),
then runs the worker's own job function in a fresh interpreter and reads its ``VmHWM``,
minus the same interpreter's peak after loading the library. It prints results; it is not a
test. Usage: ``python bench/bench_reader_memory.py [--sizes-mb 16,64,256]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the inspect bench's media makers are shared
from bench.bench_inspect import MIB, _jpeg, _mp4, _png, _wav  # noqa: E402

from reelproof.adapters.devca import DevCA, make_dev_ca  # noqa: E402

_PROBE = """
import sys, pathlib
sys.path.insert(0, {src!r})
def hwm():
    return int(pathlib.Path('/proc/self/status').read_text().split('VmHWM:')[1].split()[0])
from reelproof.adapters.c2pa_reader import ProvenanceSettings, _inspect_job, _reader_memory
import c2pa
c2pa.Reader.get_supported_mime_types()
base = hwm()
path = {path!r}
ident, val = _inspect_job(path, ProvenanceSettings())
import os
size = os.path.getsize(path)
print('RESULT', base, hwm(), _reader_memory(size, ident['media_type']) // 1024, val.state.value)
"""


def measure(path: Path) -> tuple[float, float, float, str]:
    """(baseline MB, peak above baseline MB, estimate MB, state) of one fresh worker."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(src=str(REPO / "src"), path=str(path))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    base, peak, estimate, state = out.rsplit("RESULT", 1)[1].split()
    return int(base) / 1024, (int(peak) - int(base)) / 1024, int(estimate) / 1024, state


def signed(root: Path, kind: str, size: int, ca: DevCA) -> Path:
    from reelproof.adapters.c2pa_signer import sign_file

    raw = root / f"raw-{size}.{kind}"
    if kind == "jpg":
        _jpeg(raw, size)
    elif kind == "png":
        _png(raw, int((size / 3) ** 0.5), seed=1)  # noise RGB: about `size` bytes
    elif kind == "wav":
        _wav(raw, size)
    else:
        _mp4(raw, size)
    out = root / f"signed-{size}.{kind}"
    sign_file(
        raw,
        out,
        digital_source_type="digitalCapture",
        software_agent={"name": "bench", "version": "1"},
        reelproof_assertion={"decision": "bench"},
        title=out.name,
        key_pem=ca.signer_key,
        chain_pem=ca.chain_pem,
        alg="es256",
    )
    raw.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes-mb", default="16,64,256")
    ap.add_argument("--types", default="jpg,png,wav,mp4")
    args = ap.parse_args()

    t0 = time.perf_counter()
    print(f"{'type':<5} {'file MB':>8} {'peak MB':>8} {'x file':>7} {'estimate MB':>12}  state")
    with tempfile.TemporaryDirectory(prefix="reelproof-mem-") as tmp:
        root = Path(tmp)
        ca = make_dev_ca(root / "ca")
        for kind in args.types.split(","):
            for mb in map(int, args.sizes_mb.split(",")):
                f = signed(root, kind, mb * MIB, ca)
                size_mb = f.stat().st_size / MIB
                base, peak, estimate, state = measure(f)
                print(
                    f"{kind:<5} {size_mb:>8.0f} {peak:>8.0f} {peak / size_mb:>7.2f} "
                    f"{estimate:>12.0f}  {state} (worker baseline {base:.0f} MB)"
                )
                f.unlink()
    print(f"total bench time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
