"""Upstream cpu_assignment_test.go tables (ported as data) run against podfit.cpu.assignment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.upstream.cpumanager.topologies import declared_counts, load_topology, topology_names

from podfit.cpu.accumulator import CPUAccumulator, TopologyIndex
from podfit.cpu.assignment import (
    CPUAssignmentError,
    take_by_topology_numa_distributed,
    take_by_topology_numa_packed,
)
from podfit.model.cpuset import cpus, format_cpuset, parse_cpuset

_DIR = Path(__file__).parents[1] / "upstream" / "cpumanager"


def _load(name: str) -> dict[str, list[dict[str, Any]]]:
    with (_DIR / name).open(encoding="utf-8") as f:
        data: dict[str, list[dict[str, Any]]] = yaml.safe_load(f)
    return data


ACC = _load("cpu_assignment_accumulator.yaml")
TAKE = _load("cpu_assignment_take.yaml")


def _cases(table: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("case", table, ids=[c["description"] for c in table])


def _acc(case: dict[str, Any], num_cpus: int = 0) -> CPUAccumulator:
    machine = load_topology(case["topo"])
    return CPUAccumulator(TopologyIndex.of(machine), parse_cpuset(case["available"]), num_cpus, "packed")


@_cases(ACC["TestCPUAccumulatorFreeSockets"])
def test_free_sockets(case: dict[str, Any]) -> None:
    assert sorted(_acc(case).free_sockets()) == case["expect"]


@_cases(ACC["TestCPUAccumulatorFreeNUMANodes"])
def test_free_numa_nodes(case: dict[str, Any]) -> None:
    assert _acc(case).free_numa_nodes() == case["expect"]


@_cases(ACC["TestCPUAccumulatorFreeSocketsAndNUMANodes"])
def test_free_sockets_and_numa_nodes(case: dict[str, Any]) -> None:
    acc = _acc(case)
    assert acc.free_numa_nodes() == case["expect_numa_nodes"]
    assert acc.free_sockets() == case["expect_sockets"]


@_cases(ACC["TestCPUAccumulatorFreeCores"])
def test_free_cores(case: dict[str, Any]) -> None:
    assert _acc(case).free_cores() == case["expect"]


@_cases(ACC["TestCPUAccumulatorFreeCPUs"])
def test_free_cpus(case: dict[str, Any]) -> None:
    assert _acc(case).free_cpus() == case["expect"]


@_cases(ACC["TestCPUAccumulatorTake"])
def test_take(case: dict[str, Any]) -> None:
    acc = _acc(case, case["num_cpus"])
    takes = [parse_cpuset(t) for t in case["take"]]
    for m in takes:
        acc.take(m)
    assert acc.is_satisfied() is case["expect_satisfied"]
    assert acc.is_failed() is case["expect_failed"]
    for m in takes:
        assert m & acc.details == 0
        assert m & ~acc.result == 0
    assert acc.num_cpus_needed == case["num_cpus"] - sum(m.bit_count() for m in takes)


def _check(case: dict[str, Any], run: Any) -> None:
    machine = load_topology(case["topo"])
    available = parse_cpuset(case["available"])
    if case["exp_err"]:
        with pytest.raises(CPUAssignmentError) as err:
            run(machine, available)
        assert str(err.value) == case["exp_err"]
        assert parse_cpuset(case["exp_result"]) == 0
    else:
        result = run(machine, available)
        assert format_cpuset(result) == format_cpuset(parse_cpuset(case["exp_result"]))


PACKED = TAKE["common"] + TAKE["TestTakeByTopologyNUMAPacked"]


def _run_packed(case: dict[str, Any]) -> Any:
    opts = case["opts"]
    sorting = "spread" if opts.get("distribute_cpus_across_cores") else "packed"
    uncore = bool(opts.get("prefer_align_by_uncore_cache"))
    return lambda machine, available: take_by_topology_numa_packed(
        machine, available, case["num_cpus"], cpu_sorting=sorting, prefer_align_by_uncore_cache=uncore
    )


@_cases(PACKED)
def test_take_by_topology_numa_packed(case: dict[str, Any]) -> None:
    _check(case, _run_packed(case))


@_cases(TAKE["TestTakeByTopologyWithSpreadPhysicalCPUsPreferredOption"])
def test_take_by_topology_spread_physical_cpus_preferred(case: dict[str, Any]) -> None:
    _check(case, _run_packed(case))


DISTRIBUTED = (
    [{**c, "cpu_group_size": 1} for c in TAKE["common"]]
    + TAKE["common_extended"]
    + TAKE["TestTakeByTopologyNUMADistributed"]
)


@_cases(DISTRIBUTED)
def test_take_by_topology_numa_distributed(case: dict[str, Any]) -> None:
    _check(
        case,
        lambda machine, available: take_by_topology_numa_distributed(
            machine, available, case["num_cpus"], case["cpu_group_size"], cpu_sorting="packed"
        ),
    )


UNCORE_POLICY = _load("cpu_assignment_from_policy_static_uncore.yaml")["cases"]


@_cases(UNCORE_POLICY)
def test_uncore_alignment_from_policy_static(case: dict[str, Any]) -> None:
    machine = load_topology(case["topo"])
    default = parse_cpuset(case["default"]) if case.get("default") else machine.all_cpus
    default &= ~parse_cpuset(case.get("default_minus", ""))
    for uncore in case.get("default_minus_uncores", []):
        default &= ~machine.uncore_cpus[uncore]
    available = default & ~parse_cpuset(case["reserved"])
    taken: list[int] = []
    for request in case["requests"]:
        cset = take_by_topology_numa_packed(machine, available, request, prefer_align_by_uncore_cache=True)
        available &= ~cset
        taken.append(cset)
    if "exp_cset" in case:
        assert format_cpuset(taken[0]) == format_cpuset(parse_cpuset(case["exp_cset"]))
    else:
        uncores = {machine.cpu_info[c].uncore for m in taken for c in cpus(m)}
        assert sorted(uncores) == case["exp_uncore"]


@pytest.mark.parametrize("name", topology_names())
def test_upstream_topology_tables_match_their_declared_counts(name: str) -> None:
    """Every table loads; where no quirk is noted, the Go literal's Num* fields match the rows."""
    machine = load_topology(name)
    derived = {
        "NumCPUs": machine.num_cpus,
        "NumSockets": machine.num_sockets,
        "NumCores": machine.num_cores,
        "NumNUMANodes": machine.num_numa_nodes_with_cpus,
        "NumUncoreCache": machine.num_uncore_caches,
    }
    declared = declared_counts(name)
    mismatched = {k for k, v in declared.items() if v is not None and v != derived[k]}
    assert bool(mismatched) == (name in _QUIRKS), mismatched


_QUIRKS = {"topoSingleSocketSingleNumaPerSocketNoSMTSmallUncore", "topoDualSocketMultiNumaPerSocketUncore"}
