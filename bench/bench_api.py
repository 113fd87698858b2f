"""Benchmark the REST API's decide endpoint against the same server's health endpoint.

Starts `reelproof serve` (uvicorn, real processes) on a loopback port over a throw-away store
(SQLite in a temp dir, or a fresh PostgreSQL schema), seeded with the example production and
a production member's API token. Then 16 concurrent clients (one asyncio loop, httpx, keep-alive)
send, for a fixed time each,

* `GET /api/health` — the floor: the same server, auth-free, no database work;
* `POST /api/v1/declarations/{production}/{id}/decide` — token look-up, role records,
  re-deciding under the stored packs and consents, one write transaction;

and prints requests per second, p50 and p99 latency of each, and decide's rate as a ratio of
health's. The clients share the machine with the server, as they do on a laptop. Not a test.

Usage: python bench/bench_api.py [--db sqlite|postgresql] [--workers N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.web.conftest import PRODUCTION, WAITING, seed  # noqa: E402

CLIENTS = 16
PG = os.environ.get("REELPROOF_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(url: str, method: str, headers: dict[str, str], seconds: float) -> list[float]:
    """Latencies (s) of every request the clients completed in `seconds`; all must be 2xx."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        end = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < end:
                t = time.perf_counter()
                r = await client.request(method, url, headers=headers)
                latencies.append(time.perf_counter() - t)
                assert r.status_code < 300, (r.status_code, r.text[:300])

        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return latencies


def report(name: str, latencies: list[float], seconds: float) -> float:
    qs = statistics.quantiles(latencies, n=100)
    rps = len(latencies) / seconds
    print(
        f"  {name:<8} {rps:8.1f} req/s   p50 {qs[49] * 1000:6.1f} ms   p99 {qs[98] * 1000:6.1f} ms"
        f"   ({len(latencies)} requests)"
    )
    return rps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "REELPROOF_LOG_KEY": f"{tmp}/log-signing.key",
            "XDG_CONFIG_HOME": f"{tmp}/config",
            "XDG_CACHE_HOME": f"{tmp}/cache",
        }
        os.environ.update(env)
        schema = None
        if args.db == "sqlite":
            url = f"sqlite:///{tmp}/reelproof.db"
        else:
            import sqlalchemy as sa

            schema = f"rp_bench_{secrets.token_hex(4)}"
            admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = f"{PG}?options=-csearch_path%3D{schema}"
        try:
            run(url, env, args.workers, args.seconds, args.db)
        finally:
            if schema is not None:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def run(url: str, env: dict[str, str], workers: int, seconds: float, db: str) -> None:
    import reelproof

    seed(url)
    with reelproof.Store(url, actor="max-member") as store:
        _id, token = store.create_token("max-member", ("read", "write"))
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reelproof",
            "serve",
            "--db",
            url,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.time() < deadline, "the server did not start"
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {token}"}
        decide = f"{base}/api/v1/declarations/{PRODUCTION}/{WAITING}/decide"
        asyncio.run(load(decide, "POST", auth, 1.0))  # warm every worker
        print(f"{db}, {workers} worker(s), {CLIENTS} concurrent clients, {seconds:g} s each")
        health = report(
            "health", asyncio.run(load(f"{base}/api/health", "GET", {}, seconds)), seconds
        )
        rate = report("decide", asyncio.run(load(decide, "POST", auth, seconds)), seconds)
        print(f"  decide / health: {rate / health:.2f}x")
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
