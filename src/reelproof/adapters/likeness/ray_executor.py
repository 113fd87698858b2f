"""Scan tasks on a Ray cluster (extra `cluster`): the same `run_task` as on this machine.

Without an address a private Ray instance starts on this machine, bound to 127.0.0.1, with
no dashboard and no usage reporting, and stops again on `close()`. With one, the tasks run on
that cluster's nodes: each needs reelproof with the `likeness` extra installed and the media
at the same path (a shared volume). Each Ray worker process loads the models once and keeps
them for the tasks it is given after.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

from reelproof.adapters.likeness.scanner import ScanSettings, Task, default_workers, run_task
from reelproof.core.errors import ReelproofError
from reelproof.core.likeness import Observation

INSTALL_HINT = (
    "--executor ray needs the `cluster` extra: pip install 'reelproof[cluster]' "
    "(./setup.sh installs it)"
)


class RayUnavailable(ReelproofError):
    """The cluster extra is not installed."""


class RayExecutor:
    """One Ray task (one CPU) per scan task, so a long clip's ranges run on several nodes."""

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        if importlib.util.find_spec("ray") is None:
            raise RayUnavailable(INSTALL_HINT)
        import ray

        # Local-only unless told otherwise: nothing is sent to Ray's usage-statistics server.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        self._started = not ray.is_initialized()
        if self._started:
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.WARNING,
            }
            if address is None:
                options |= {
                    "num_cpus": workers or default_workers(),
                    "_node_ip_address": "127.0.0.1",
                }
            try:
                ray.init(address=address, **options)
            except ConnectionError as exc:
                raise RayUnavailable(f"cannot join the Ray cluster at {address}: {exc}") from exc
        cpus = ray.cluster_resources().get("CPU", 1)  # type: ignore[no-untyped-call]
        self.workers = workers or max(1, int(cpus))
        self._run = ray.remote(num_cpus=1)(run_task)

    def map(
        self, groups: Sequence[Sequence[Task]], settings: ScanSettings
    ) -> Iterator[list[Observation]]:
        """Observations per group of tasks, in order; every task is submitted up front."""
        import ray

        shared = ray.put(settings)
        refs = [[self._run.remote(t, shared) for t in g] for g in groups]
        for rs in refs:
            yield [o for part in ray.get(rs) for o in part]

    def close(self) -> None:
        """Shut down the Ray instance only if this executor started it (never a shared cluster)."""
        import ray

        if self._started and ray.is_initialized():
            ray.shutdown()
        self._started = False
