"""Benchmark ``inspect_many`` against ``sha256sum`` and a bare c2pa-python Reader + hashlib.

Builds a throw-away folder (in a temp dir, never in the repo) of >= 1,000 mixed small
media files (PNG, JPEG, WAV, MP4; about half signed with a dev CA; plus copies of the
C2PA corpus when ../shared/corpora exists) and a few >= 200 MB media files, then times,
with a warm page cache:

* ``sha256sum`` over the same files (a subprocess; the floor for "read + hash"),
* a bare, sequential c2pa-python Reader loop that also hashes each file with hashlib (the
  same work in one process: the baseline the issue sets, target ours >= 0.8x its
  throughput), in three ways, the fastest of which counts: Reader then a second read to
  hash; the file read into memory once for both; a stream that hashes what the Reader reads,
* ``inspect_many`` (hash + validate + XMP + classify, ``--workers`` processes) with its
  worker pool already started, as the bare loop has c2pa already imported; the cost of
  the first run in a process (workers start) is printed apart,

and the peak RSS of ``sha256_file`` on 1 GB and 4 GB sparse files (memory must be flat).
Each contender runs ``--repeat`` times, interleaved, and its best time counts. It prints
results; it is not a test. Usage: ``python bench/bench_inspect.py [--workers N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import wave
import zlib
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test suite's media makers are shared with this bench
from tests.provenance.makers import mp4_head  # noqa: E402

CORPUS = Path(os.environ.get("REELPROOF_CORPORA", REPO.parent / "shared" / "corpora")) / "c2pa"
MIB = 1 << 20


# --------------------------------------------------------------------------- generators


def _png(path: Path, size: int, seed: int) -> None:
    """Noisy RGB PNG (noise keeps it from compressing to nothing)."""
    rng = os.urandom(size * size * 3) if seed else bytes(size * size * 3)
    raw = b"".join(b"\x00" + rng[y * size * 3 : (y + 1) * size * 3] for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )


def _jpeg(path: Path, pad: int) -> None:
    """8x8 grey baseline JPEG with a COM segment of ``pad`` bytes to vary the size."""

    def seg(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one = bytes([1] + [0] * 15) + b"\x00"
    body = (
        seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + b"".join(seg(0xFE, os.urandom(min(pad - i, 60000))) for i in range(0, pad, 60000))
        + seg(0xDB, b"\x00" + b"\x01" * 64)
        + seg(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
        + seg(0xC4, b"\x00" + one + b"\x10" + one)
        + seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    )
    path.write_bytes(b"\xff\xd8" + body + b"\x3f\xff\xd9")


def _wav(path: Path, frames_bytes: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        block = os.urandom(min(frames_bytes, 4 * MIB))
        left = frames_bytes
        while left > 0:
            w.writeframes(block[: min(left, len(block))])
            left -= len(block)


def _mp4(path: Path, mdat_bytes: int) -> None:
    with open(path, "wb") as fh:
        fh.write(mp4_head(mdat_bytes))
        block = os.urandom(min(mdat_bytes, 4 * MIB))
        left = mdat_bytes
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)


def build_dataset(
    root: Path, n_small: int, large_mb: int, n_large: int
) -> tuple[list[Path], list[Path]]:
    """Return (all files, large files). Half of the bases are signed with a dev CA."""
    from reelproof.adapters.c2pa_signer import sign_file
    from reelproof.adapters.devca import make_dev_ca

    ca = make_dev_ca(root / "ca")
    base = root / "base"
    base.mkdir()
    sign = {"key_pem": ca.signer_key, "chain_pem": ca.chain_pem, "alg": "es256"}

    def signed(src: Path, dst_type: str) -> Path:
        out = src.with_name("signed-" + src.name)
        sign_file(
            src,
            out,
            digital_source_type=dst_type,
            software_agent={"name": "bench", "version": "1"},
            reelproof_assertion={"decision": "bench"},
            title=out.name,
            **sign,  # type: ignore[arg-type]
        )
        return out

    bases: list[Path] = []
    for i, (maker, ext, arg) in enumerate(
        [
            (_png, "png", 64),
            (_png, "png", 256),
            (_jpeg, "jpg", 2_000),
            (_jpeg, "jpg", 120_000),
            (_wav, "wav", 96_000),
            (_wav, "wav", 800_000),
            (_mp4, "mp4", 50_000),
            (_mp4, "mp4", 1_500_000),
        ]
    ):
        p = base / f"b{i}.{ext}"
        if maker is _png:
            _png(p, arg, seed=1)
        else:
            maker(p, arg)  # type: ignore[operator]
        bases += [p, signed(p, "trainedAlgorithmicMedia" if i % 2 else "digitalCapture")]
    if CORPUS.is_dir():
        skip = {".md", ".json", ".toml", ".cfg", ".pem", ".pub", ".pub_key"}
        bases += [
            p
            for p in sorted(CORPUS.rglob("*"))
            if p.is_file() and p.suffix not in skip and not p.name.startswith("LICENSE")
        ]

    small = root / "small"
    small.mkdir()
    files: list[Path] = []
    for i in range(n_small):
        src = bases[i % len(bases)]
        dst = small / f"{i:05d}-{src.name}"
        shutil.copyfile(src, dst)
        files.append(dst)

    large_dir = root / "large"
    large_dir.mkdir()
    large: list[Path] = []
    for i in range(n_large):
        kind = ("wav", "mp4", "mp4")[i % 3]
        raw = large_dir / f"raw{i}.{kind}"
        (_wav if kind == "wav" else _mp4)(raw, large_mb * MIB)
        if i % 3 == 2:
            large.append(raw)  # one unsigned big file
        else:
            large.append(signed(raw, "digitalCapture"))
            raw.unlink()
    return files + large, large


# --------------------------------------------------------------------------- timings


def _warm(paths: Iterable[Path]) -> None:
    """Read everything once so every contender sees the same (warm) page cache."""
    buf = bytearray(4 * MIB)
    for p in paths:
        with open(p, "rb", buffering=0) as fh:
            while fh.readinto(buf):
                pass


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run_sha256sum(paths: list[Path]) -> float:
    def go() -> None:
        for i in range(0, len(paths), 500):  # stay far below ARG_MAX
            subprocess.run(
                ["sha256sum", *map(str, paths[i : i + 500])], check=True, stdout=subprocess.DEVNULL
            )

    return _timed(go)[0]


class _HashAsRead:
    """The bare loop's single-read variant: hash what the Reader reads, in order."""

    def __init__(self, raw: io.FileIO) -> None:
        self.raw, self.sha, self.pos, self.done = raw, hashlib.sha256(), 0, 0

    def readinto(self, buf: Any) -> int:
        n = self.raw.readinto(buf) or 0
        if self.pos <= self.done < self.pos + n:
            with memoryview(buf) as v:
                self.sha.update(v[self.done - self.pos : n])
            self.done = self.pos + n
        self.pos += n
        return n

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.pos += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = self.raw.seek(offset, whence)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def write(self, data: bytes) -> int:
        raise io.UnsupportedOperation

    def flush(self) -> None:
        pass

    def finish(self, buf: bytearray) -> str:
        self.raw.seek(self.done)
        while n := self.raw.readinto(buf):
            self.sha.update(memoryview(buf)[:n])
        return self.sha.hexdigest()


def bare_readers() -> dict[str, Callable[[list[Path]], None]]:
    """The baseline doing the same work in one process: c2pa Reader plus hashlib, three ways."""
    import c2pa

    ctx = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}})
    buf = bytearray(4 * MIB)
    view = memoryview(buf)

    def read(fh: Any) -> None:
        try:
            r = c2pa.Reader.try_create(None, fh, None, ctx)
            if r is not None:
                with r:
                    json.loads(r.json())
                    r.get_validation_state()
        except Exception:  # hostile corpus files: the bare loop just moves on
            pass

    def two_reads(paths: list[Path]) -> None:
        for p in paths:
            with open(p, "rb") as fh:
                read(fh)
            h = hashlib.sha256()
            with open(p, "rb", buffering=0) as fh:
                while n := fh.readinto(buf):
                    h.update(view[:n])
            h.hexdigest()

    def in_memory(paths: list[Path]) -> None:
        for p in paths:
            data = p.read_bytes()
            hashlib.sha256(data).hexdigest()
            read(io.BytesIO(data))

    def hash_as_read(paths: list[Path]) -> None:
        for p in paths:
            with open(p, "rb", buffering=0) as raw:
                stream = _HashAsRead(raw)
                read(stream)
                stream.finish(buf)

    return {"two reads": two_reads, "in memory": in_memory, "hash as read": hash_as_read}


def run_ours(paths: list[Path], workers: int) -> tuple[float, dict[str, int]]:
    from reelproof.adapters.c2pa_reader import ProvenanceSettings, inspect_many

    def go() -> dict[str, int]:
        states: dict[str, int] = {}
        for r in inspect_many(paths, ProvenanceSettings(), workers=workers):
            states[r.c2pa_state.value] = states.get(r.c2pa_state.value, 0) + 1
        return states

    elapsed, states = _timed(go)
    return elapsed, states


def peak_rss_mb(code: str) -> float:
    """Peak RSS (MB) of a fresh interpreter running ``code``.

    Read from the child's own ``VmHWM`` (reset by exec), not ``wait4``'s ``ru_maxrss``,
    which on Linux keeps the pre-exec peak inherited from this (large) parent.
    """
    probe = (
        "\nimport resource, pathlib\n"
        "st = pathlib.Path('/proc/self/status')\n"
        "kb = (int(st.read_text().split('VmHWM:')[1].split()[0]) if st.exists() "
        "else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "print('PEAK_KB', kb)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code + probe], check=True, capture_output=True, text=True
    ).stdout
    return int(out.rsplit("PEAK_KB", 1)[1]) / 1024


def parallel_speedup(n: int) -> float:
    """How much faster n CPU-bound processes finish than n runs in a row (1.0 = no gain)."""
    burn = [sys.executable, "-c", "x = 0\nfor i in range(6_000_000): x += i"]
    one = _timed(lambda: subprocess.run(burn, check=True))[0]

    def many() -> None:
        procs = [subprocess.Popen(burn) for _ in range(n)]
        for p in procs:
            p.wait()

    return n * one / _timed(many)[0]


def sparse_file(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.write(b"head")
        fh.truncate(size)
    return path


# --------------------------------------------------------------------------- main


def _mb(paths: Iterable[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / MIB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large-mb", type=int, default=200)
    ap.add_argument("--large", type=int, default=3)
    ap.add_argument("--sparse-gb", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="reelproof-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        files, large = build_dataset(root, args.small, args.large_mb, args.large)
        small = [f for f in files if f not in large]
        print(
            f"dataset: {len(files)} files, {_mb(files):.0f} MiB "
            f"({len(small)} small = {_mb(small):.0f} MiB, "
            f"{len(large)} large = {_mb(large):.0f} MiB)"
            f"; built in {time.perf_counter() - t0:.1f} s; corpus copies: {CORPUS.is_dir()}"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, measured parallel speedup with {args.workers} "
            f"processes: {parallel_speedup(args.workers):.2f}x; inspect_many "
            f"workers={args.workers}; warm page cache"
        )
        _warm(files)

        # The first run in this process starts the workers (Python + the C2PA library);
        # every run after it finds them warm, as the bare loop finds c2pa imported.
        cold, _ = run_ours(large, args.workers)
        warm, _ = run_ours(large, args.workers)
        bare_ways = bare_readers()
        rows = []
        for label, subset in (("all files", files), ("large media", large), ("small files", small)):
            best: dict[str, float] = {}
            states: dict[str, int] = {}
            for _ in range(args.repeat):  # interleaved, so load changes hit every contender
                times = {"sha256sum": run_sha256sum(subset)}
                times |= {name: _timed(partial(fn, subset))[0] for name, fn in bare_ways.items()}
                times["ours"], states = run_ours(subset, args.workers)
                best = {k: min(v, best.get(k, v)) for k, v in times.items()}
            bare_name = min(bare_ways, key=lambda k: best[k])
            rows.append((label, subset, best, bare_name, states))

        print()
        names = ["sha256sum", *bare_ways, "ours"]
        print(f"{'set':<12} {'files':>6} {'MiB':>5} | " + " ".join(f"{n:>12}" for n in names))
        for label, subset, best, _, _ in rows:
            print(
                f"{label:<12} {len(subset):>6} {_mb(subset):>5.0f} | "
                + " ".join(f"{best[n]:>11.2f}s" for n in names)
            )
        print()
        for label, subset, best, bare_name, states in rows:
            mb, bare, ours = _mb(subset), best[bare_name], best["ours"]
            print(
                f"{label}: ours {len(subset) / ours:.0f} files/s ({mb / ours:.0f} MiB/s), "
                f"strongest bare Reader+hashlib ({bare_name}) {len(subset) / bare:.0f} files/s "
                f"({mb / bare:.0f} MiB/s): throughput ours/bare {bare / ours:.2f}x; "
                f"ours/sha256sum time {ours / best['sha256sum']:.2f}; states {states}"
            )
        one_worker, _ = run_ours(large, 1)
        print(
            f"large media: first run in a process (workers start) {cold:.2f} s, next run "
            f"{warm:.2f} s; with workers=1 {one_worker:.2f} s"
        )
        print()
        repo_src = str(REPO / "src")
        hash_code = (
            f"import sys; sys.path.insert(0, {repo_src!r}); "
            "from reelproof.adapters.media import sha256_file; sha256_file(sys.argv[-1])"
        )
        for gb in (1, args.sparse_gb):
            f = sparse_file(root / f"sparse{gb}.bin", gb << 30)
            start = time.perf_counter()
            rss = peak_rss_mb(hash_code.replace("sys.argv[-1]", repr(str(f))))
            took = time.perf_counter() - start
            print(f"sha256_file on a {gb} GB sparse file: peak RSS {rss:.1f} MB, {took:.1f} s")
            f.unlink()
        print(f"total bench time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
