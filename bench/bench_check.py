"""Benchmark `reelproof check` against hashing the same files with hashlib in one process.

Builds a throw-away delivery (temp dir, never the repo) of N distinct assets (every tenth a
C2PA-signed generated shot or capture, the rest plain media-sized files), registered
beforehand as `asset add` would (their provenance stored), and an OTIO timeline of M clips
pointing at them. Then, with a warm page cache, times

* the floor: SHA-256 of every file with hashlib, one process, 4 MiB reads, in a row;
* `check` through the service (walk, hash, store look-up, rules, one audit-log entry),

and prints the ratio, plus the peak RSS of `check` at N/4 and N assets (memory must be
flat in the number of assets). `check` runs in a fresh process (timed twice: first as a new
process meets it, then warm), with reelproof's bytecode compiled beforehand as an installed
package has it, and with the user's cache folder as `init` and `apply` left it (compiled
packs included). Not a test. Usage: python bench/bench_check.py [--assets N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.provenance.makers import png_bytes  # noqa: E402

P = "bench-s1"
PRODUCTION = f"""\
apiVersion: reelproof/v1
kind: Production
metadata: {{id: {P}}}
spec:
  title: Bench
  studio: netflix
  territories: [US, EU]
  release_dates: {{US: 2026-10-01, EU: 2026-10-01}}
---
apiVersion: reelproof/v1
kind: AIUseDeclaration
metadata: {{id: crowd, production: {P}}}
spec:
  title: Generated crowd
  stage: vfx
  phase: final
  tool: {{name: Gen, vendor: V, enterprise_agreement: true, trains_on_inputs: false,
         stores_inputs: false}}
  output: {{in_final_deliverable: true, element: background}}
"""


def build(root: Path, n: int, size: int, clips: int) -> tuple[str, Path, Path]:
    """Store with the production and N registered assets; the delivery folder; the cut."""
    from reelproof.adapters.c2pa_reader import ProvenanceSettings, inspect_many
    from reelproof.adapters.c2pa_signer import sign_file
    from reelproof.adapters.devca import make_dev_ca
    from reelproof.adapters.timelines import write_otio
    from reelproof.services import assets, documents
    from reelproof.services.context import Context
    from reelproof.services.init import init_store

    db = f"sqlite:///{root / 'rp.db'}"
    ctx = Context.open(db)
    ctx.key_path = root / "log.key"
    init_store(ctx)
    doc = root / "production.yaml"
    doc.write_text(PRODUCTION)
    documents.apply_documents(ctx, documents.parse_sources(documents.collect_sources([str(doc)])))

    ca = make_dev_ca(root / "ca")
    delivery = root / "delivery"
    files = []
    for i in range(n):  # every tenth a C2PA-signed PNG (generated or captured), all distinct
        sub = delivery / f"reel{i // 1000:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 10:
            path = sub / f"a{i:05d}.mov"
            path.write_bytes(os.urandom(size))
        else:
            raw = root / "raw.png"
            raw.write_bytes(png_bytes(rgb=(i % 256, i // 256 % 256, 7)))
            path = sub / f"a{i:05d}.png"
            source = "trainedAlgorithmicMedia" if i % 20 else "digitalCapture"
            sign_file(
                raw,
                path,
                key_pem=ca.signer_key,
                chain_pem=ca.chain_pem,
                alg=ca.alg,
                digital_source_type=source,
                software_agent={"name": "bench"},
                reelproof_assertion={"bench": True},
                title=path.name,
            )
        files.append(path)
    with ctx.write() as unit:  # what `asset add` records, in one transaction
        for report in inspect_many(files, ProvenanceSettings()):
            decl = f"{P}/crowd" if report.classification.value == "ai_generated" else None
            assets.register(unit, report, P, decl)
    shots = [
        (f"sh{i:04d}", files[i % n].relative_to(delivery).as_posix(), 24, {}) for i in range(clips)
    ]
    cut = write_otio(root / "cut.otio", "bench cut", shots)
    return db, delivery, cut


def floor(files: list[Path]) -> float:
    start = time.perf_counter()
    buf = bytearray(4 << 20)
    view = memoryview(buf)
    for p in files:
        h = hashlib.sha256()
        with open(p, "rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                h.update(view[:n])
        h.hexdigest()
    return time.perf_counter() - start


CHECK = """
import sys, time
sys.path.insert(0, {src!r})
from pathlib import Path
from reelproof.adapters.c2pa_reader import ProvenanceSettings
from reelproof.services import delivery
from reelproof.services.context import Context
ctx = Context.open({db!r}); ctx.key_path = Path({key!r})
times = []
for _ in range(2):  # a fresh process (compiles the packs), then the same process again
    t = time.perf_counter()
    o = delivery.check(ctx, Path({root!r}), {p!r}, ProvenanceSettings(), timeline=Path({cut!r}))
    times.append(time.perf_counter() - t)
st = Path('/proc/self/status').read_text()
print('RESULT', *times, int(st.split('VmHWM:')[1].split()[0]), o.verdict, o.inspected,
      len(o.issues))
"""


def run_check(db: str, root: Path, key: Path, cut: Path) -> tuple[float, float, float, str]:
    code = CHECK.format(
        src=str(REPO / "src"), db=db, key=str(key), root=str(root), p=P, cut=str(cut)
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    src = str(REPO / "src" / "reelproof")  # the .pyc files an installed package has
    subprocess.run([sys.executable, "-m", "compileall", "-q", src], check=True, env=env)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    ).stdout
    cold, warm, kb, verdict, inspected, issues = out.rsplit("RESULT", 1)[1].split()
    what = f"{verdict}, {inspected} read with C2PA, {issues} issues"
    return float(cold), float(warm), int(kb) / 1024, what


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assets", type=int, default=10_000)
    ap.add_argument("--clips", type=int, default=2_000)
    ap.add_argument("--size-kb", type=int, default=256)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelproof-bench-check-") as tmp:
        rows = []
        for n in (args.assets // 4, args.assets):
            root = Path(tmp) / f"n{n}"
            root.mkdir()
            t0 = time.perf_counter()
            db, delivery, cut = build(root, n, args.size_kb << 10, min(args.clips, n))
            files = sorted(p for p in delivery.rglob("*") if p.is_file())
            mib = sum(p.stat().st_size for p in files) / (1 << 20)
            print(
                f"{n} assets ({mib:.0f} MiB), {min(args.clips, n)}-clip cut; built in "
                f"{time.perf_counter() - t0:.0f} s"
            )
            floor(files)  # warm the page cache for both contenders
            base = floor(files)
            cold, warm, rss, what = run_check(db, delivery, root / "log.key", cut)
            base = min(base, floor(files))
            rows.append((n, base, warm, rss))
            print(
                f"  hashlib in one process {base:.2f} s; check {cold:.2f} s in a fresh process "
                f"(packs compiled), {warm:.2f} s warm ({what}); ratio check/hashlib "
                f"{cold / base:.2f} fresh, {warm / base:.2f} warm; peak RSS {rss:.0f} MB"
            )
        (n1, _, _, r1), (n2, _, _, r2) = rows
        print(
            f"peak RSS {n1} -> {n2} assets: {r1:.0f} MB -> {r2:.0f} MB "
            f"({r2 / r1:.2f}x for {n2 / n1:.0f}x the assets)"
        )


if __name__ == "__main__":
    main()
