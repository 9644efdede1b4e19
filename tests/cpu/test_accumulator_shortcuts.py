"""The accumulator's shortcuts give what the plain kubelet steps give (hypothesis, on every
upstream test topology, heterogeneous ones included): ``free_cores`` without sorting the cores,
and the whole-entity takes skipped when the request is below the smallest entity."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.upstream.cpumanager.topologies import load_topology, topology_names

from podfit.cpu.accumulator import CPUAccumulator, CPUSorting, TakeStep, TopologyIndex
from podfit.cpu.assignment import CPUAssignmentError, take_numa_packed
from podfit.model.machine import Machine

NAMES = topology_names()
SORTINGS: list[CPUSorting] = ["packed", "spread"]


@st.composite
def _available(draw: st.DrawFn) -> tuple[Machine, int]:
    machine = load_topology(draw(st.sampled_from(NAMES)))
    if draw(st.booleans()):  # whole cores: free cores exist more often
        chosen = draw(st.sets(st.sampled_from(machine.core_ids)))
        return machine, sum(machine.core_cpus[c] for c in chosen)
    chosen_cpus = draw(st.sets(st.sampled_from([c.cpu for c in machine.cpus])))
    return machine, sum(1 << c for c in chosen_cpus)


@settings(max_examples=400, deadline=None)
@given(_available(), st.integers(0, 64), st.sampled_from(SORTINGS))
def test_free_cores_equal_the_sorted_cores_filtered(
    ma: tuple[Machine, int], n: int, sorting: CPUSorting
) -> None:
    machine, available = ma
    acc = CPUAccumulator(TopologyIndex.of(machine), available, n, sorting)
    per_core = acc.topo.cpus_per_core
    assert acc.free_cores() == [c for free, c in acc._sorted_cores() if free == per_core]


def _take(
    topo: TopologyIndex, available: int, n: int, sorting: CPUSorting, uncore: bool
) -> tuple[object, ...]:
    trace: list[TakeStep] = []
    try:
        got: object = take_numa_packed(topo, available, n, sorting, uncore, trace)
    except CPUAssignmentError as exc:
        got = str(exc)
    return got, tuple(trace)


@settings(max_examples=400, deadline=None)
@given(_available(), st.integers(0, 64), st.sampled_from(SORTINGS), st.booleans())
def test_skipping_whole_entities_below_the_smallest_changes_nothing(
    ma: tuple[Machine, int], n: int, sorting: CPUSorting, uncore: bool
) -> None:
    machine, available = ma
    topo = TopologyIndex.of(machine)
    plain = dataclasses.replace(topo, min_numa_size=0, min_socket_size=0, min_uncore_size=0, min_core_size=0)
    assert _take(topo, available, n, sorting, uncore) == _take(plain, available, n, sorting, uncore)


@settings(max_examples=400, deadline=None)
@given(_available(), st.integers(0, 64), st.sampled_from(SORTINGS))
def test_take_full_cores_equals_taking_every_listed_free_core(
    ma: tuple[Machine, int], n: int, sorting: CPUSorting
) -> None:
    machine, available = ma
    topo = TopologyIndex.of(machine)
    fast = CPUAccumulator(topo, available, n, sorting)
    fast.take_full_cores()
    plain = CPUAccumulator(topo, available, n, sorting)
    for core in plain.free_cores():  # takeFullCores as written upstream: every free core in order
        m = machine.core_cpus[core]
        if plain.needs_at_least(m.bit_count()):
            plain.take(m)
    assert (fast.result, fast.details, fast.num_cpus_needed) == (
        plain.result,
        plain.details,
        plain.num_cpus_needed,
    )
