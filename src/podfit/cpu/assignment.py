"""Choosing exclusive CPUs for a request: the static policy's two topology-aware algorithms.

Mirrors kubelet ``pkg/kubelet/cm/cpumanager/cpu_assignment.go``:

* :func:`take_by_topology_numa_packed` — ``takeByTopologyNUMAPacked``: whole NUMA nodes / sockets,
  then (``prefer-align-cpus-by-uncorecache``) uncore caches, then whole cores (not with
  ``distribute-cpus-across-cores``), then single CPUs.
* :func:`take_by_topology_numa_distributed` — ``takeByTopologyNUMADistributed``
  (``distribute-cpus-across-numa``): spread the request evenly over the fewest NUMA nodes, with the
  kubelet's balance score (standard deviation of what is left, rounded to 3 decimals).

In v1.36 the distributed algorithm takes the CPU sorting strategy but no uncore-cache flag (its inner
packed calls always run with uncore alignment off), so neither does this port.
Failures raise :class:`CPUAssignmentError` with the kubelet's error text.

One deliberate deviation: when a subset of NUMA nodes holds enough CPUs for the remainder but not
enough whole ``cpu_group_size`` groups, the remainder loop of the code read (v1.32.3; the v1.36 main file
was not reachable) never terminates; this port skips that subset, as the newest upstream code does (it
checks whole groups first, seen in the post-v1.36 resize variant).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from podfit.cpu.accumulator import CPUAccumulator, CPUSorting, TakeStep, TopologyIndex
from podfit.cpu.combinations import GoIntSlice, go_iterate_combinations
from podfit.errors import CPUAssignmentError
from podfit.model.machine import Machine
from podfit.model.policy_options import CPUManagerOptions

__all__ = [
    "CPUAssignmentError",
    "CPUSorting",
    "iterate_combinations",
    "take_by_topology",
    "take_by_topology_numa_distributed",
    "take_by_topology_numa_packed",
    "take_numa_packed",
]


def _not_enough(num_cpus: int, available: int) -> CPUAssignmentError:
    size = available.bit_count()
    return CPUAssignmentError(
        f"not enough cpus available to satisfy request: requested={num_cpus}, available={size}"
    )


def _go_round(x: float) -> float:
    """Go ``math.Round``: half away from zero (Python's ``round`` is half to even)."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def _mean(xs: Sequence[int]) -> float:
    # the float sum of integers below 2^53 is exact at every step: it equals float(sum(xs))
    return _go_round(float(sum(xs)) / len(xs) * 1000) / 1000


def standard_deviation(xs: Sequence[int]) -> float:
    """Mirrors: cpumanager/cpu_assignment.go standardDeviation: population std-dev, 3 decimals
    (of a mean itself rounded to 3 decimals)."""
    m = _mean(xs)
    total = 0.0
    for x in xs:
        d = x - m  # x - m == float(x) - m for integers below 2^53
        total += d * d
    return _go_round(math.sqrt(total / len(xs)) * 1000) / 1000


def iterate_combinations(n: Sequence[int], k: int) -> Iterator[list[int]]:
    """Mirrors: cpumanager/cpu_assignment.go iterateCombinations: the k-subsets of ``n`` in
    lexicographic order of positions (nothing for k < 1)."""
    if k < 1:
        return

    def helper(start: int, k: int, accum: list[int]) -> Iterator[list[int]]:
        if k == 0:
            yield accum
            return
        for i in range(start, len(n) - k + 1):
            yield from helper(i + 1, k - 1, [*accum, n[i]])

    yield from helper(0, k, [])


def take_numa_packed(
    topo: TopologyIndex,
    available: int,
    num_cpus: int,
    cpu_sorting: CPUSorting,
    uncore: bool,
    trace: list[TakeStep] | None = None,
    uncore_round_up: bool = True,
) -> int:
    """:func:`take_by_topology_numa_packed` on a machine's prebuilt :class:`TopologyIndex`
    (``uncore_round_up``: the release's ``uncore_partial_round_up`` switch)."""
    acc = CPUAccumulator(topo, available, num_cpus, cpu_sorting, trace, uncore_round_up)
    if acc.num_cpus_needed < 1:  # isSatisfied
        return acc.result
    if acc.is_failed():
        raise _not_enough(num_cpus, available)
    # the kubelet's steps, each followed by an isSatisfied check (the two whole-NUMA / whole-socket
    # levels take nothing below the smallest NUMA node and socket: skipped without a call)
    if acc.num_cpus_needed >= topo.min_numa_size or acc.num_cpus_needed >= topo.min_socket_size:
        acc.take_full_first_level()
        if acc.num_cpus_needed < 1:
            return acc.result
        acc.take_full_second_level()
        if acc.num_cpus_needed < 1:
            return acc.result
    if uncore:
        acc.take_uncore_cache()
        if acc.num_cpus_needed < 1:
            return acc.result
    if cpu_sorting != "spread":
        acc.take_full_cores()
        if acc.num_cpus_needed < 1:
            return acc.result
    acc.take_remaining_cpus()
    if acc.num_cpus_needed < 1:
        return acc.result
    raise CPUAssignmentError("failed to allocate cpus")


def take_by_topology_numa_packed(
    machine: Machine,
    available: int,
    num_cpus: int,
    *,
    cpu_sorting: CPUSorting = "packed",
    prefer_align_by_uncore_cache: bool = False,
    trace: list[TakeStep] | None = None,
    topo: TopologyIndex | None = None,
    uncore_round_up: bool = True,
) -> int:
    """Mirrors: cpumanager/cpu_assignment.go takeByTopologyNUMAPacked.

    ``available``: the CPU mask to choose from; returns the mask of ``num_cpus`` chosen CPUs.
    ``cpu_sorting="spread"`` is the ``distribute-cpus-across-cores`` strategy.
    Raises :class:`CPUAssignmentError` when the request cannot be met. ``trace``: a list that
    receives every take as a :class:`TakeStep` (``podfit explain``); ``None`` = off. ``topo``:
    the machine's :class:`TopologyIndex` when the caller keeps one (built here otherwise).
    ``uncore_round_up``: the release's ``uncore_partial_round_up`` switch (off: v1.33).
    """
    topo = topo or TopologyIndex.of(machine)
    return take_numa_packed(
        topo, available, num_cpus, cpu_sorting, prefer_align_by_uncore_cache, trace, uncore_round_up
    )


def _range_numa_nodes_needed(acc: CPUAccumulator, cpu_group_size: int) -> tuple[int, int]:
    """Mirrors: cpumanager/cpu_assignment.go rangeNUMANodesNeededToSatisfy."""
    machine = acc.topo.machine
    num_numa = machine.num_numa_nodes_with_cpus
    num_numa_available = sum(1 for _, m in acc.topo.numas if m & acc.details)
    groups = (machine.num_cpus - 1) // cpu_group_size + 1
    groups_per_numa = (groups - 1) // num_numa + 1
    groups_needed = (acc.num_cpus_needed - 1) // cpu_group_size + 1
    return (groups_needed - 1) // groups_per_numa + 1, min(groups_needed, num_numa_available)


def _spread_remainder(left: dict[int, int], subset: Sequence[int], remainder: int, group: int) -> None:
    """Hand out ``remainder`` CPUs in ``group``-sized chunks round-robin over ``subset`` (in place).
    The caller has checked that the subset holds enough whole groups, so this terminates."""
    while remainder > 0:
        for numa in subset:
            if remainder == 0:
                break
            if left[numa] < group:
                continue
            left[numa] -= group
            remainder -= group


def take_by_topology_numa_distributed(
    machine: Machine,
    available: int,
    num_cpus: int,
    cpu_group_size: int,
    *,
    cpu_sorting: CPUSorting = "packed",
    trace: list[TakeStep] | None = None,
    topo: TopologyIndex | None = None,
) -> int:
    """Mirrors: cpumanager/cpu_assignment.go takeByTopologyNUMADistributed.

    ``cpu_group_size``: CPUs always handed out together (the CPUs per core with
    ``full-pcpus-only``, else 1). Requests that are not a multiple of it, and requests no NUMA
    combination can balance, fall back to the packed algorithm (uncore alignment off).
    ``trace``: as for :func:`take_by_topology_numa_packed` (a NUMA node's share is recorded as a
    ``distribute`` / ``distribute-remainder`` step after the takes inside it).
    """
    if cpu_group_size < 1:
        raise ValueError(f"cpu_group_size must be at least 1, got {cpu_group_size}")
    topo = topo or TopologyIndex.of(machine)
    if num_cpus % cpu_group_size != 0:
        return take_numa_packed(topo, available, num_cpus, cpu_sorting, False, trace)
    acc = CPUAccumulator(topo, available, num_cpus, cpu_sorting)
    if acc.is_satisfied():
        return acc.result
    if acc.is_failed():
        raise _not_enough(num_cpus, available)

    numas = acc.sort_available_numa_nodes()
    min_numas, max_numas = _range_numa_nodes_needed(acc, cpu_group_size)
    free = [acc.cpus_in_numa(numa).bit_count() for numa in numas]
    largest = sorted(free, reverse=True)
    largest_groups = sorted((f // cpu_group_size for f in free), reverse=True)
    for k in range(min_numas, max_numas + 1):
        # no k nodes hold the request (in CPUs or whole groups): every combination would be skipped
        if sum(largest[:k]) < num_cpus or sum(largest_groups[:k]) * cpu_group_size < num_cpus:
            continue
        best = _best_combination(numas, free, k, num_cpus, cpu_group_size)
        if best is None:
            continue
        combo, remainder_numas = best
        distribution = (num_cpus // len(combo) // cpu_group_size) * cpu_group_size
        for numa in combo:
            pool = acc.cpus_in_numa(numa)
            share = _packed_or_empty(topo, pool, distribution, cpu_sorting, trace)
            if trace is not None:
                trace.append(TakeStep("distribute", numa, share, pool.bit_count()))
            acc.take(share)
        remainder = num_cpus - distribution * len(combo)
        while remainder > 0:
            progressed = False
            for numa in remainder_numas:
                if remainder == 0:
                    break
                if acc.cpus_in_numa(numa).bit_count() < cpu_group_size:
                    continue
                pool = acc.cpus_in_numa(numa)
                share = _packed_or_empty(topo, pool, cpu_group_size, cpu_sorting, trace)
                if trace is not None:
                    trace.append(TakeStep("distribute-remainder", numa, share, pool.bit_count()))
                acc.take(share)
                remainder -= cpu_group_size
                progressed = True
            if not progressed:
                raise CPUAssignmentError("remainder CPUs cannot be placed (the kubelet would not return)")
        if acc.num_cpus_needed > 0:
            raise CPUAssignmentError(
                f"accounting error, not enough CPUs allocated, remaining: {acc.num_cpus_needed}"
            )
        if acc.num_cpus_needed < 0:
            raise CPUAssignmentError(
                f"accounting error, too many CPUs allocated, remaining: {acc.num_cpus_needed}"
            )
        return acc.result

    return take_numa_packed(topo, available, num_cpus, cpu_sorting, False, trace)


def _packed_or_empty(
    topo: TopologyIndex,
    available: int,
    num_cpus: int,
    cpu_sorting: CPUSorting,
    trace: list[TakeStep] | None = None,
) -> int:
    # Upstream ignores the error of these inner calls and takes the empty set.
    steps: list[TakeStep] | None = None if trace is None else []
    try:
        got = take_numa_packed(topo, available, num_cpus, cpu_sorting, False, steps)
    except CPUAssignmentError:
        return 0
    if trace is not None and steps:
        trace.extend(steps)
    return got


def _best_combination(
    numas: list[int], free: list[int], k: int, num_cpus: int, group: int
) -> tuple[list[int], list[int]] | None:
    """The k-NUMA combination (and the NUMA nodes getting the remainder) with the lowest balance
    score, first found winning ties; ``None`` if no combination of k nodes fits. ``free``: the
    available CPUs of each of ``numas``.

    The chosen combination and remainder set are read the way v1.36.2 reads them: through the
    slices ``iterateCombinations`` handed out, which later combinations may have overwritten (see
    :mod:`podfit.cpu.combinations`). So the NUMA nodes used can differ from the best ones found.
    """
    avail = dict(zip(numas, free, strict=True))
    best_balance = math.inf
    best: GoIntSlice | None = None
    best_remainder: GoIntSlice | None = None
    distribution = (num_cpus // k // group) * group

    def visit(combo_slice: GoIntSlice) -> bool:
        nonlocal best_balance, best, best_remainder
        if best_balance == 0:
            return True  # Break
        combo = combo_slice.values()
        in_combo = [avail[n] for n in combo]
        if sum(in_combo) < num_cpus:
            return False
        if sum(f // group for f in in_combo) * group < num_cpus:
            return False
        if min(in_combo) < distribution:
            return False
        left = dict(avail)
        for n in combo:
            left[n] -= distribution
        remainder = num_cpus - distribution * k
        remainder_combo = [n for n in combo if left[n] >= group]

        local_balance = math.inf
        local_remainder: GoIntSlice | None = None
        if remainder == 0:
            local_balance = standard_deviation(list(left.values()))

        def visit_subset(subset_slice: GoIntSlice) -> bool:
            nonlocal local_balance, local_remainder
            subset = subset_slice.values()
            if sum(left[n] for n in subset) < remainder:
                return False
            # Whole groups only: without this check the kubelet's round-robin never ends when the
            # raw CPU count suffices but the whole groups do not (fixed upstream the same way).
            if sum(left[n] // group for n in subset) * group < remainder:
                return False
            trial = dict(left)
            _spread_remainder(trial, subset, remainder, group)
            balance = standard_deviation(list(trial.values()))
            if balance < local_balance:
                local_balance = balance
                local_remainder = subset_slice
            return False

        size = len(remainder_combo)
        while remainder > 0 and size >= 1:
            go_iterate_combinations(remainder_combo, size, visit_subset)
            size -= 1
        # A combination only wins with a finite score (upstream: < math.MaxFloat64).
        if local_balance < best_balance:
            best_balance = local_balance
            best = combo_slice
            best_remainder = local_remainder
        return False

    go_iterate_combinations(numas, k, visit)
    if best is None:
        return None
    return best.values(), [] if best_remainder is None else best_remainder.values()


def take_by_topology(
    machine: Machine,
    options: CPUManagerOptions,
    group: int,
    available: int,
    n: int,
    topo: TopologyIndex | None = None,
    uncore_round_up: bool = True,
) -> int:
    """The static policy's choice of algorithm by its options (``group``: CPUs per core;
    ``uncore_round_up``: the release's ``uncore_partial_round_up`` switch).

    Mirrors: cpumanager/policy_static.go staticPolicy.takeByTopology
    """
    sorting: CPUSorting = "spread" if options.distribute_cpus_across_cores else "packed"
    if options.distribute_cpus_across_numa:
        size = group if options.full_physical_cpus_only else 1
        return take_by_topology_numa_distributed(machine, available, n, size, cpu_sorting=sorting, topo=topo)
    uncore = options.prefer_align_by_uncore_cache
    return take_by_topology_numa_packed(
        machine,
        available,
        n,
        cpu_sorting=sorting,
        prefer_align_by_uncore_cache=uncore,
        topo=topo,
        uncore_round_up=uncore_round_up,
    )
