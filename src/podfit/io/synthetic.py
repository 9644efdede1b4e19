"""A seeded synthetic workload, streamed: pods arrive as a Poisson process, live for a drawn
duration and ask for a CPU count from a weighted mix.

With a :class:`~podfit.io.traces.SparShape` the arrival rate follows the Alibaba 2018 sample's
per-minute arrivals (the hour repeats) and durations are drawn from its instance durations;
without one the rate is flat and durations are exponential around ``duration_mean_s``. The same
spec and seed give the same stream. (Shell: it uses ``random``.)
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from podfit.errors import InputError
from podfit.fleet.values import NodeRow, PodRow
from podfit.io.traces import SparShape

__all__ = ["SyntheticSpec", "parse_mix", "synthetic_nodes", "synthetic_pods"]


@dataclass(frozen=True)
class SyntheticSpec:
    pods: int = 10_000
    rate_per_s: float = 10.0
    seed: int = 0
    duration_mean_s: float = 600.0
    cpu_mix: tuple[tuple[int, float], ...] = (
        (1000, 0.3),
        (2000, 0.3),
        (4000, 0.2),
        (8000, 0.15),
        (16000, 0.05),
    )
    memory_per_cpu_mib: int = 4096
    guaranteed_share: float = 0.3
    besteffort_share: float = 0.0
    gpu_share: float = 0.0
    shape: SparShape | None = None
    cells: int = 1  # pods go to cell ``crc32(name) % cells``
    cell: int | None = None  # generate only this cell's pods (the same draws, others skipped)


def parse_mix(text: str) -> tuple[tuple[int, float], ...]:
    """``"1:0.3,2:0.3,4:0.4"`` (CPUs:weight) → ((1000, 0.3), ...)."""
    out = []
    for part in text.split(","):
        try:
            cpus, weight = part.split(":")
            out.append((int(float(cpus) * 1000), float(weight)))
        except ValueError:
            raise InputError("cpu-mix", f"expected CPUS:WEIGHT[,CPUS:WEIGHT...], got {part!r}") from None
    if not out or any(w < 0 or c <= 0 for c, w in out) or sum(w for _, w in out) <= 0:
        raise InputError("cpu-mix", "needs positive CPU counts and weights")
    return tuple(out)


def synthetic_nodes(
    count: int, cpus: int, memory_gib: int, gpus: int = 0, cells: int = 1
) -> tuple[NodeRow, ...]:
    """``count`` identical nodes, dealt round-robin into ``cells`` independent pools."""
    return tuple(
        NodeRow(f"node-{i:05d}", cpus * 1000, memory_gib * 1024, gpus, cell=f"cell-{i % cells}")
        for i in range(count)
    )


def _cell_of(name: str, cells: int) -> int:
    return zlib.crc32(name.encode()) % cells if cells > 1 else 0


def synthetic_pods(spec: SyntheticSpec) -> Iterator[PodRow]:
    """The pods of ``spec`` in arrival order (one at a time: nothing is held)."""
    if spec.pods < 0 or spec.rate_per_s <= 0 or spec.duration_mean_s <= 0:
        raise InputError("synthetic", "pods >= 0, rate > 0 and duration > 0 are required")
    rng = random.Random(spec.seed)
    sizes = [c for c, _ in spec.cpu_mix]
    cum, total = [], 0.0
    for _, w in spec.cpu_mix:
        total += w
        cum.append(total)
    shape = spec.shape
    weights = None
    if shape is not None:
        mean = sum(shape.arrivals_per_minute) / 60 or 1.0
        weights = [max(w / mean, 0.01) for w in shape.arrivals_per_minute]
    t = 0.0
    for i in range(spec.pods):
        rate = spec.rate_per_s
        if weights is not None:
            rate *= weights[int(t // 60) % 60]
        t += rng.expovariate(rate)
        if shape is not None:
            duration = float(shape.duration_at(rng.random()))
        else:
            duration = rng.expovariate(1.0 / spec.duration_mean_s)
        u = rng.random() * total
        k = 0
        while cum[k] < u:
            k += 1
        cpu = sizes[k]
        q = rng.random()
        g = rng.random() < spec.gpu_share
        name = f"pod-{i:07d}"
        if spec.cell is not None and _cell_of(name, spec.cells) != spec.cell:
            continue
        if q < spec.guaranteed_share:
            qos = "Guaranteed"
        elif q < spec.guaranteed_share + spec.besteffort_share:
            qos = "BestEffort"
        else:
            qos = "Burstable"
        yield PodRow(
            name=name,
            arrival_ms=int(t * 1000),
            lifetime_ms=max(int(duration * 1000), 1000),
            qos=qos,
            cpu_milli=cpu,
            memory_mib=cpu * spec.memory_per_cpu_mib // 1000,
            gpus=1 if g else 0,
            gpu_milli=1000 if g else 0,
            cell=f"cell-{_cell_of(name, spec.cells)}",
        )
