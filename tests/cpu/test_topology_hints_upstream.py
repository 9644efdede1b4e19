"""Upstream cpumanager/topology_hints_test.go tables (ported as data): TestGetTopologyHints,
TestGetPodTopologyHints, TestGetPodTopologyHintsWithPolicyOptions, TestPodGuaranteedCPUs."""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

import pytest
from tests.cpu.cpumanager_fixtures import (
    build_pod,
    gates_of,
    hint_of,
    load_cases,
    machine_of,
    make_policy,
    params,
    state_of,
)

from podfit.cpu.policy_static import StaticPolicy
from podfit.cpu.state import CPUState
from podfit.topology.hint import TopologyHint

HINTS = load_cases("TestGetTopologyHints.yaml")
WITH_OPTIONS = load_cases("TestGetPodTopologyHintsWithPolicyOptions.yaml")
POD_CPUS = load_cases("TestPodGuaranteedCPUs.yaml")


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] + c.get("id_suffix", "") for c in cases]


def _sorted(hints: list[TopologyHint]) -> list[TopologyHint]:
    def cmp(a: TopologyHint, b: TopologyHint) -> int:
        return -1 if a.less_than(b) else (1 if b.less_than(a) else 0)

    return sorted(hints, key=cmp_to_key(cmp))


def _expected(case: dict[str, Any]) -> list[TopologyHint]:
    out = []
    for spec in case["expected_hints"] or []:
        h = hint_of(spec)
        assert h is not None
        out.append(h)
    return out


def _setup(
    case: dict[str, Any], machine_case: dict[str, Any], gates_map: Any = None
) -> tuple[StaticPolicy, CPUState]:
    machine = machine_of(machine_case)
    policy = make_policy({**case, "num_reserved_cpus": 0}, machine, gates_of(gates_map))
    assert isinstance(policy, StaticPolicy), policy
    return policy, state_of(case, machine)


def _check(got: dict[str, list[TopologyHint]] | None, case: dict[str, Any]) -> None:
    expected = _expected(case)
    hints = (got or {}).get("cpu") or []
    if not expected and not hints:
        return
    assert got is not None
    assert _sorted(list(got["cpu"])) == _sorted(expected)


def _pod(case: dict[str, Any]) -> Any:
    n = case["cpus"]
    return build_pod(
        {"make": "makePod", "uid": "fakePod", "container": "fakeContainer", "request": n, "limit": n}
    )


@pytest.mark.parametrize("case", HINTS["cases"], ids=_ids(HINTS["cases"]))
def test_get_topology_hints(case: dict[str, Any]) -> None:
    policy, st = _setup(case, {"machine": HINTS["machine"]})
    pod = _pod(case)
    _check(policy.get_topology_hints(st, pod, pod.containers[0]), case)


@pytest.mark.parametrize("case", HINTS["cases"], ids=_ids(HINTS["cases"]))
def test_get_pod_topology_hints(case: dict[str, Any]) -> None:
    policy, st = _setup(case, {"machine": HINTS["machine"]})
    _check(policy.get_pod_topology_hints(st, _pod(case)), case)


@params(WITH_OPTIONS["cases"])
def test_get_pod_topology_hints_with_policy_options(case: dict[str, Any]) -> None:
    policy, st = _setup(case, case, WITH_OPTIONS["gates"])
    _check(policy.get_pod_topology_hints(st, _pod(case)), case)


@params(POD_CPUS["cases"])
def test_pod_guaranteed_cpus(case: dict[str, Any]) -> None:
    policy, _ = _setup({"topology": "topoSingleSocketHT"}, {"topology": "topoSingleSocketHT"})
    pod = build_pod({"make": "makeMultiContainerPodWithOptions", "init": case["init"], "app": case["app"]})
    assert policy.pod_guaranteed_cpus(pod) == case["expected"]
