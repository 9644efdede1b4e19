"""The Ray backend (optional extra ``podfit[ray]``): each (configuration, cell) is a Ray task.

``ray_address`` joins an existing cluster (e.g. a KubeRay head, ``ray://...`` or ``auto``);
without it a local Ray starts with ``workers`` CPUs, no dashboard and usage stats off, and is shut
down afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from podfit.errors import InputError
from podfit.fleet import FleetConfig, FleetResult
from podfit.io.fleet_sources import Source

__all__ = ["run_ray"]


def _ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise InputError("backend", "the ray backend needs Ray: pip install 'podfit[ray]'") from None
    return ray


def run_ray(
    source: Source,
    configs: Sequence[FleetConfig],
    tasks: list[tuple[int, int]],
    workers: int,
    ray_address: str | None,
    on_done: Callable[[], None] | None,
    *,
    temp_dir: str | None = None,
) -> list[FleetResult]:
    """The tasks' results in task order."""
    from podfit.backends import run_task

    ray = _ray()
    started = False
    if not ray.is_initialized():
        if ray_address:
            ray.init(address=ray_address, log_to_driver=False)
        else:
            kwargs: dict[str, Any] = {
                "num_cpus": max(workers, 1),
                "include_dashboard": False,
                "log_to_driver": False,
            }
            tmp = temp_dir or os.environ.get("PODFIT_RAY_TEMP_DIR")
            if tmp:
                kwargs["_temp_dir"] = tmp
            ray.init(**kwargs)
        started = True
    try:
        remote = ray.remote(num_cpus=1)(run_task)
        source_ref = ray.put(source)
        refs = [remote.remote(source_ref, cell, configs[c]) for c, cell in tasks]
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            if on_done is not None:
                for _ in done:
                    on_done()
        return list(ray.get(refs))
    finally:
        if started:
            ray.shutdown()
