"""Upstream memorymanager memory_manager_test.go reserved-memory cases, ported as data."""

from __future__ import annotations

from typing import Any

import pytest
from tests.memory import upstream_loader as L

from podfit.memory.reserved import get_system_reserved_memory, validate_reserved_memory
from podfit.model.kubelet_config import ReservedMemory
from podfit.model.machine import Machine, NUMANode

FILE = "reserved_memory.yaml"


def _machine(ids: list[int]) -> Machine:
    return Machine(cpus=(), numa_nodes=tuple(NUMANode(i, 0) for i in ids))


def _reservations(case: dict[str, Any]) -> list[ReservedMemory]:
    fmt = case.get("format", "DecimalSI")
    return [
        ReservedMemory(
            r["numa_node"],
            {k: L.size(v) for k, v in r["limits"].items()},
            dict.fromkeys(r["limits"], fmt),
        )
        for r in case["reserved_memory"]
    ]


def _allocatable(case: dict[str, Any]) -> tuple[dict[str, int], dict[str, str]]:
    values = {k: L.size(v) for k, v in case.get("node_allocatable", {}).items()}
    return values, dict.fromkeys(values, case.get("format", "DecimalSI"))


def _expected(case: dict[str, Any]) -> dict[int, dict[str, int]] | None:
    raw = case.get("expected_reserved")
    return None if raw is None else L.system_reserved(raw)


VALIDATE = L.cases(FILE, "TestValidateReservedMemory")


@pytest.mark.parametrize("case", VALIDATE, ids=L.ids(VALIDATE))
def test_validate_reserved_memory(case: dict[str, Any]) -> None:
    values, formats = _allocatable(case)
    machine = _machine(case["machine_info"])
    err = validate_reserved_memory(machine.numa_ids, values, formats, _reservations(case))
    assert err == case.get("expected_error")


CONVERT = L.cases(FILE, "TestConvertPreReserved")


@pytest.mark.parametrize("case", CONVERT, ids=L.ids(CONVERT))
def test_convert_pre_reserved(case: dict[str, Any]) -> None:
    # convertReserved alone: feed a Node Allocatable equal to the reservations so validation passes
    reservations = _reservations(case)
    totals: dict[str, int] = {}
    for r in reservations:
        for k, v in r.limits.items():
            totals[k] = totals.get(k, 0) + v
    got, err = get_system_reserved_memory(_machine(case["machine_info"]), totals, reservations)
    assert err is None
    assert got == _expected(case)


GET = L.cases(FILE, "TestGetSystemReservedMemory")


@pytest.mark.parametrize("case", GET, ids=L.ids(GET))
def test_get_system_reserved_memory(case: dict[str, Any]) -> None:
    values, formats = _allocatable(case)
    got, err = get_system_reserved_memory(
        _machine(case["machine_info"]), values, _reservations(case), formats
    )
    assert err == case.get("expected_error")
    assert got == _expected(case)
