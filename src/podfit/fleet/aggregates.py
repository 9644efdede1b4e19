"""What a replay counts: the time series, outcomes, CPU pools, cores saved, stranded resources,
pending time, and the result value (with the merge of independent cells). Pure.

CPU pools (logical CPUs, over the running pods): ``exclusive`` (exclusive slices of long-running
containers), ``pod_shared`` (pod shared pools), ``idle`` (pod-level budget CPUs handed to no
container), ``held`` (taken out of nodes' shared pools: all of these plus init slices), ``shared``
(allocatable CPUs left in the nodes' shared pools = allocatable − held). ``cores_saved`` = (CPUs the
running Guaranteed pods would pin written per container − CPUs they hold) / threads per core, as in
``podfit compare``. Stranded (at each sample): a node's free CPUs when it has < 1 GiB memory free or
no pod slot left; its free memory when it has < 1 free CPU; its free GPUs when it has < 1 free CPU
or < 1 GiB free memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from podfit.fleet.values import FleetConfig

__all__ = ["FleetResult", "Sample", "Tally", "merge_results", "pending_stats"]

GIB = 1 << 30


@dataclass(frozen=True, slots=True)
class Sample:
    """One point of the time series: counters over ``(t - interval, t]``, gauges at ``t``."""

    t_ms: int
    arrived: int
    admitted: int
    rejected: tuple[tuple[str, int], ...]  # kubelet rejections by reason in the interval
    unschedulable: int  # scheduling attempts that found no node
    running: int
    waiting: int  # pods waiting for a retry
    exclusive: int
    pod_shared: int
    idle: int
    held: int
    shared: int
    cores_saved: float
    stranded_cpu_milli: int
    stranded_memory_mib: int
    stranded_gpus: int


@dataclass(frozen=True)
class FleetResult:
    """A replay's figures (one configuration, one cell or several merged)."""

    config: FleetConfig
    cells: tuple[str, ...]
    nodes: int
    nodes_refused: tuple[tuple[str, int], ...]  # kubelet start-up refusal -> nodes
    threads_per_core: int
    allocatable_cpus: int
    arrived: int
    ran: int  # pods the kubelet admitted (once each)
    attempts: int  # scheduling attempts (arrivals + retries)
    retries: int
    kubelet_rejections: tuple[tuple[str, int], ...]  # every kubelet rejection, by reason
    outcomes: tuple[tuple[str, int], ...]  # ran | unschedulable | rejected:<reason> | expired
    guaranteed_ran: int
    aligned: int  # Guaranteed pods admitted with every container pinned on one NUMA node
    pending: tuple[tuple[int, int], ...]  # (pending ms from creation to admission, pods), sorted
    series: tuple[Sample, ...]
    events: int
    event_hash: str
    cell_hashes: tuple[str, ...] = field(default=())
    log: tuple[str, ...] = field(default=(), repr=False)  # the event log's lines (keep_log only)

    @property
    def aligned_share(self) -> float:
        return self.aligned / self.guaranteed_ran if self.guaranteed_ran else 0.0

    def mean(self, name: str) -> float:
        """The mean of a gauge over the samples."""
        if not self.series:
            return 0.0
        return sum(float(getattr(s, name)) for s in self.series) / len(self.series)

    def peak(self, name: str) -> float:
        return max((float(getattr(s, name)) for s in self.series), default=0.0)

    @property
    def rejected_total(self) -> int:
        return sum(n for _, n in self.kubelet_rejections)


def pending_stats(pending: tuple[tuple[int, int], ...]) -> dict[str, float]:
    """count, mean, p50, p90, p99 and max of the pending times (ms)."""
    count = sum(n for _, n in pending)
    if not count:
        return {"count": 0, "mean": 0.0, "p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}
    total = sum(v * n for v, n in pending)
    out: dict[str, float] = {"count": float(count), "mean": total / count}
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        rank = min(count - 1, int(q * count))
        seen = 0
        for v, n in pending:
            seen += n
            if seen > rank:
                out[name] = float(v)
                break
    out["max"] = float(pending[-1][0])
    return out


class Tally:
    """The running counters and gauges of one replay."""

    def __init__(self) -> None:
        self.arrived = 0
        self.ran = 0
        self.attempts = 0
        self.retries = 0
        self.rejections: dict[str, int] = {}
        self.outcomes: dict[str, int] = {}
        self.guaranteed_ran = 0
        self.aligned = 0
        self.pending: dict[int, int] = {}
        # gauges
        self.running = 0
        self.waiting = 0
        self.exclusive = 0
        self.pod_shared = 0
        self.idle = 0
        self.held = 0
        self.saved: dict[int, int] = {}  # threads per core -> per-container CPUs − held CPUs
        # interval counters
        self.i_arrived = 0
        self.i_admitted = 0
        self.i_rejected: dict[str, int] = {}
        self.i_unschedulable = 0

    def reject(self, reason: str) -> None:
        self.rejections[reason] = self.rejections.get(reason, 0) + 1
        self.i_rejected[reason] = self.i_rejected.get(reason, 0) + 1

    def outcome(self, name: str) -> None:
        self.outcomes[name] = self.outcomes.get(name, 0) + 1

    def waited(self, ms: int) -> None:
        self.pending[ms] = self.pending.get(ms, 0) + 1

    def cores_saved(self) -> float:
        return sum(v / tpc for tpc, v in sorted(self.saved.items()))

    def sample(self, t_ms: int, allocatable_cpus: int, stranded: tuple[int, int, int]) -> Sample:
        s = Sample(
            t_ms,
            self.i_arrived,
            self.i_admitted,
            tuple(sorted(self.i_rejected.items())),
            self.i_unschedulable,
            self.running,
            self.waiting,
            self.exclusive,
            self.pod_shared,
            self.idle,
            self.held,
            allocatable_cpus - self.held,
            self.cores_saved(),
            stranded[0],
            stranded[1],
            stranded[2],
        )
        self.i_arrived = self.i_admitted = self.i_unschedulable = 0
        self.i_rejected = {}
        return s


def stranded(
    used: list[tuple[int, int, int]], pods: list[int], alloc: list[tuple[int, int, int, int]]
) -> tuple[int, int, int]:
    """Stranded (CPU millicores, memory MiB, GPUs) over the nodes (see the module docstring)."""
    cpu = mem = gpu = 0
    for (uc, um, ug), npods, (ac, am, ag, ap) in zip(used, pods, alloc, strict=True):
        fc, fm, fg = ac - uc, am - um, ag - ug
        if fm < GIB or npods >= ap:
            cpu += fc
        if fc < 1000:
            mem += fm
        if fc < 1000 or fm < GIB:
            gpu += fg
    return cpu, mem >> 20, gpu


def _add_pairs(*groups: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    out: dict[str, int] = {}
    for g in groups:
        for k, v in g:
            out[k] = out.get(k, 0) + v
    return tuple(sorted(out.items()))


def _merge_series(series: list[tuple[Sample, ...]]) -> tuple[Sample, ...]:
    length = max((len(s) for s in series), default=0)
    out = []
    for i in range(length):
        parts = []
        for s in series:
            if i < len(s):
                parts.append(s[i])
            elif s:  # this cell ended: its gauges stay, its counters are 0
                last = s[-1]
                parts.append(Sample(last.t_ms, 0, 0, (), 0, *_gauges(last)))
        t = max(p.t_ms for p in parts)
        out.append(
            Sample(
                t,
                sum(p.arrived for p in parts),
                sum(p.admitted for p in parts),
                _add_pairs(*(p.rejected for p in parts)),
                sum(p.unschedulable for p in parts),
                sum(p.running for p in parts),
                sum(p.waiting for p in parts),
                sum(p.exclusive for p in parts),
                sum(p.pod_shared for p in parts),
                sum(p.idle for p in parts),
                sum(p.held for p in parts),
                sum(p.shared for p in parts),
                sum(p.cores_saved for p in parts),
                sum(p.stranded_cpu_milli for p in parts),
                sum(p.stranded_memory_mib for p in parts),
                sum(p.stranded_gpus for p in parts),
            )
        )
    return tuple(out)


def _gauges(s: Sample) -> tuple[int, int, int, int, int, int, int, float, int, int, int]:
    return (
        s.running,
        s.waiting,
        s.exclusive,
        s.pod_shared,
        s.idle,
        s.held,
        s.shared,
        s.cores_saved,
        s.stranded_cpu_milli,
        s.stranded_memory_mib,
        s.stranded_gpus,
    )


def merge_results(results: list[FleetResult], combined_hash: str) -> FleetResult:
    """Independent cells of one configuration as one result (cells in the given order)."""
    if len(results) == 1:
        return results[0]
    first = results[0]
    pending: dict[int, int] = {}
    for r in results:
        for v, n in r.pending:
            pending[v] = pending.get(v, 0) + n
    return FleetResult(
        config=first.config,
        cells=tuple(c for r in results for c in r.cells),
        nodes=sum(r.nodes for r in results),
        nodes_refused=_add_pairs(*(r.nodes_refused for r in results)),
        threads_per_core=first.threads_per_core,
        allocatable_cpus=sum(r.allocatable_cpus for r in results),
        arrived=sum(r.arrived for r in results),
        ran=sum(r.ran for r in results),
        attempts=sum(r.attempts for r in results),
        retries=sum(r.retries for r in results),
        kubelet_rejections=_add_pairs(*(r.kubelet_rejections for r in results)),
        outcomes=_add_pairs(*(r.outcomes for r in results)),
        guaranteed_ran=sum(r.guaranteed_ran for r in results),
        aligned=sum(r.aligned for r in results),
        pending=tuple(sorted(pending.items())),
        series=_merge_series([r.series for r in results]),
        events=sum(r.events for r in results),
        event_hash=combined_hash,
        cell_hashes=tuple(h for r in results for h in (r.cell_hashes or (r.event_hash,))),
    )
