"""Where the configurations of a sweep run: ``local`` (a process pool, or this process with one
worker) or ``ray`` (the optional ``podfit[ray]`` extra). Parallelism is per configuration and per
independent cell, never per pod; results are merged in a fixed order, so they are identical
whatever the backend and the worker count."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from podfit.errors import InputError
from podfit.fleet import FleetConfig, FleetResult, merge_results
from podfit.io.fleet_sources import Source

__all__ = ["BACKENDS", "run_sweep", "run_task"]

BACKENDS = ("local", "ray")


def run_task(
    source: Source, cell: int, config: FleetConfig, on_pods: Callable[[int], None] | None = None
) -> FleetResult:
    """One configuration on one cell (what a worker runs); ``on_pods(n)``: n more pods arrived."""
    from podfit.fleet import run_config

    return run_config(source.cell(cell), config, progress=on_pods)


def combine(results: list[FleetResult]) -> FleetResult:
    """One configuration's cells as one result; the hash covers the cells' hashes in order."""
    if len(results) == 1:
        return results[0]
    joined = "\n".join(r.event_hash for r in results)
    return merge_results(results, hashlib.sha256(joined.encode()).hexdigest())


def run_sweep(
    source: Source,
    configs: Sequence[FleetConfig],
    *,
    backend: str = "local",
    workers: int = 1,
    ray_address: str | None = None,
    on_done: Callable[[], None] | None = None,
    on_pods: Callable[[int], None] | None = None,
) -> list[FleetResult]:
    """Every configuration on every cell of ``source``; one merged result per configuration.
    ``on_done()`` after each task; ``on_pods(n)`` as pods arrive (in this process only: one worker)."""
    cells = len(source.cell_names())
    tasks = [(c, i) for c in range(len(configs)) for i in range(cells)]
    if backend == "local":
        from podfit.backends.local import run_local

        flat = run_local(source, configs, tasks, workers, on_done, on_pods)
    elif backend == "ray":
        from podfit.backends.ray_backend import run_ray

        flat = run_ray(source, configs, tasks, workers, ray_address, on_done)
    else:
        raise InputError("backend", f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    return [combine(flat[c * cells : (c + 1) * cells]) for c in range(len(configs))]
