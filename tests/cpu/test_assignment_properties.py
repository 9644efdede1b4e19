"""Invariants of the CPU assignment algorithms (hypothesis), on the upstream test topologies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.upstream.cpumanager.topologies import load_topology

from podfit.cpu.accumulator import CPUSorting
from podfit.cpu.assignment import (
    CPUAssignmentError,
    _go_round,
    iterate_combinations,
    standard_deviation,
    take_by_topology_numa_distributed,
    take_by_topology_numa_packed,
)
from podfit.model.cpuset import cpus
from podfit.model.machine import Machine

# Topologies with one core size everywhere (CPUsPerCore is then exact for every core).
UNIFORM = [
    "topoSingleSocketHT",
    "topoDualSocketHT",
    "topoDualSocketNoHT",
    "topoTripleSocketHT",
    "topoDualSocketMultiNumaPerSocketHT",
    "fakeTopoMultiSocketDualSocketPerNumaHT",
    "topoUncoreSingleSocketSMT",
    "topoUncoreSingleSocketMultiNuma",
    "topoSmallDualSocketSingleNumaPerSocketNoSMTUncore",
    "topoSingleSocketSingleNumaPerSocketSMTSmallUncore",
]


@st.composite
def _available(draw: st.DrawFn, whole_cores: bool = False) -> tuple[Machine, int]:
    machine = load_topology(draw(st.sampled_from(UNIFORM)))
    if whole_cores:
        chosen = draw(st.sets(st.sampled_from(machine.core_ids)))
        return machine, sum(machine.core_cpus[c] for c in chosen)
    chosen_cpus = draw(st.sets(st.sampled_from([c.cpu for c in machine.cpus])))
    return machine, sum(1 << c for c in chosen_cpus)


def _is_whole_cores(machine: Machine, m: int) -> bool:
    return all(machine.sibling_cpus(c) & ~m == 0 for c in cpus(m))


SORTINGS: list[CPUSorting] = ["packed", "spread"]
OPTIONS = st.tuples(st.sampled_from(SORTINGS), st.booleans())


@settings(max_examples=150, deadline=None)
@given(_available(), st.integers(min_value=0, max_value=40), OPTIONS)
def test_packed_returns_exactly_num_cpus_from_available(
    ma: tuple[Machine, int], num_cpus: int, opts: tuple[CPUSorting, bool]
) -> None:
    machine, available = ma
    sorting, uncore = opts
    if num_cpus > available.bit_count():
        with pytest.raises(CPUAssignmentError, match=r"^not enough cpus available to satisfy request: "):
            take_by_topology_numa_packed(
                machine, available, num_cpus, cpu_sorting=sorting, prefer_align_by_uncore_cache=uncore
            )
        return
    result = take_by_topology_numa_packed(
        machine, available, num_cpus, cpu_sorting=sorting, prefer_align_by_uncore_cache=uncore
    )
    assert result & ~available == 0
    assert result.bit_count() == num_cpus


@settings(max_examples=150, deadline=None)
@given(
    _available(), st.integers(min_value=0, max_value=40), st.sampled_from([1, 2]), st.sampled_from(SORTINGS)
)
def test_distributed_returns_exactly_num_cpus_from_available(
    ma: tuple[Machine, int], num_cpus: int, group: int, sorting: CPUSorting
) -> None:
    machine, available = ma
    if num_cpus > available.bit_count():
        with pytest.raises(CPUAssignmentError, match=r"^not enough cpus available to satisfy request: "):
            take_by_topology_numa_distributed(machine, available, num_cpus, group, cpu_sorting=sorting)
        return
    result = take_by_topology_numa_distributed(machine, available, num_cpus, group, cpu_sorting=sorting)
    assert result & ~available == 0
    assert result.bit_count() == num_cpus


@settings(max_examples=150, deadline=None)
@given(_available(whole_cores=True), st.integers(min_value=1, max_value=20), st.booleans())
def test_packed_whole_cores_stay_whole(ma: tuple[Machine, int], cores: int, uncore: bool) -> None:
    """Only whole cores free and a request of whole cores: packed sorting hands out whole cores."""
    machine, available = ma
    num_cpus = cores * machine.cpus_per_core
    if num_cpus > available.bit_count():
        return
    result = take_by_topology_numa_packed(machine, available, num_cpus, prefer_align_by_uncore_cache=uncore)
    assert _is_whole_cores(machine, result)


@settings(max_examples=150, deadline=None)
@given(_available(whole_cores=True), st.integers(min_value=1, max_value=20))
def test_distributed_core_groups_stay_whole(ma: tuple[Machine, int], cores: int) -> None:
    """cpu_group_size = CPUs per core (full-pcpus-only) on whole free cores: whole cores out."""
    machine, available = ma
    num_cpus = cores * machine.cpus_per_core
    if num_cpus > available.bit_count():
        return
    result = take_by_topology_numa_distributed(machine, available, num_cpus, machine.cpus_per_core)
    assert _is_whole_cores(machine, result)


@pytest.mark.parametrize("name", UNIFORM)
def test_packed_takes_a_whole_free_numa_node_when_asked_for_exactly_one(name: str) -> None:
    """All CPUs free and a request of one NUMA node's size: the result is one whole NUMA node."""
    machine = load_topology(name)
    sizes = {m.bit_count() for m in machine.numa_cpus.values()}
    assert len(sizes) == 1
    result = take_by_topology_numa_packed(machine, machine.all_cpus, sizes.pop())
    assert result in set(machine.numa_cpus.values())


def test_iterate_combinations_order() -> None:
    assert list(iterate_combinations([0, 1, 2], 2)) == [[0, 1], [0, 2], [1, 2]]
    assert list(iterate_combinations([3, 1, 2], 3)) == [[3, 1, 2]]
    assert list(iterate_combinations([0, 1], 0)) == []
    assert list(iterate_combinations([0, 1], 3)) == []


def test_go_round_is_half_away_from_zero() -> None:
    assert _go_round(62.5) == 63.0
    assert _go_round(2.5) == 3.0
    assert _go_round(-2.5) == -3.0
    assert _go_round(2.4999) == 2.0


def test_standard_deviation_rounds_like_go() -> None:
    assert standard_deviation([0, 0, 0]) == 0.0
    assert standard_deviation([0, 2]) == 1.0
    # mean 2/3 -> 0.667 (rounded first), std-dev of [0, 0, 2] with that mean -> 0.943
    assert standard_deviation([0, 0, 2]) == 0.943
