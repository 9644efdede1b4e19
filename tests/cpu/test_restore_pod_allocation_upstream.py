"""Upstream tests of kubernetes PR #141041 (1.37) as data: re-admitting a pod whose pod-level CPU
allocation was restored from the checkpoint
(tests/upstream/cpumanager/TestStaticPolicyRestorePodAllocation.yaml), run with the 1.37 switch on;
and what v1.36.2's code does with the same state (issue #140989)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from tests.cpu.cpumanager_fixtures import (
    build_pod,
    gates_of,
    load_cases,
    machine_of,
    make_policy,
)

from podfit.cpu.policy_static import StaticPolicy
from podfit.cpu.state import CPUState
from podfit.model.cpuset import parse_cpuset
from podfit.topology.bitmask import get_bits

DATA = load_cases("TestStaticPolicyRestorePodAllocation.yaml")
GATES = gates_of({"PodLevelResources": True, "PodLevelResourceManagers": True})


def _policy(machine_rows: list[list[int]], fixes: bool) -> StaticPolicy:
    machine = machine_of({"machine": machine_rows})
    policy = make_policy({"num_reserved_cpus": 1, "reserved": "0"}, machine, GATES)
    assert isinstance(policy, StaticPolicy)
    return replace(policy, restore_fixes=fixes)


def _state(case: dict[str, Any], uid: str) -> CPUState:
    assignments = {uid: {c: parse_cpuset(s) for c, s in case["assignments"].items()}}
    return CPUState(parse_cpuset(case["default"]), assignments, {uid: parse_cpuset(case["pod_cpus"])})


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", DATA["allocate"]["cases"], ids=_ids(DATA["allocate"]["cases"]))
def test_static_policy_restore_pod_allocation(case: dict[str, Any]) -> None:
    policy = _policy(DATA["allocate"]["machine"], fixes=True)
    pod = build_pod(case["pod"])
    st = _state(case, pod.uid)
    err = policy.allocate_pod(st, pod)
    if case.get("expected_error"):
        assert err is not None
        assert st.get_pod_cpu_set(pod.uid) is None
        assert st.container_cpu_sets(pod.uid) == {}
        assert st.get_default_cpu_set() == parse_cpuset(case["expected_default"])
        return
    assert err is None
    if case.get("repeat"):
        assert policy.allocate_pod(st, pod) is None
    want = {c: parse_cpuset(s) for c, s in case["expected_assignments"].items()}
    assert dict(st.container_cpu_sets(pod.uid)) == want
    pod_cpus = parse_cpuset(case["expected_pod_cpus"])
    assert st.get_pod_cpu_set(pod.uid) == pod_cpus
    assert st.get_default_cpu_set() == parse_cpuset(case["expected_default"])
    # no CPU leaked or held twice
    assert st.get_default_cpu_set() & pod_cpus == 0
    assert st.get_default_cpu_set() | pod_cpus == 0xFF
    assert all(m & ~pod_cpus == 0 for m in want.values())


def test_v1_36_reallocates_a_restored_pod() -> None:
    """Issue #140989 with v1.36.2's AllocatePod: a complete checkpoint is allocated again from the
    shared pool: rejected when the pool is too small (here 3 free CPUs for 4)."""
    case = DATA["allocate"]["cases"][0]
    policy = _policy(DATA["allocate"]["machine"], fixes=False)
    pod = build_pod(case["pod"])
    st = _state(case, pod.uid)
    err = policy.allocate_pod(st, pod)
    assert err is not None
    assert err.message == "not enough cpus available to satisfy request: requested=4, available=3"


def test_v1_36_moves_a_restored_pod_and_leaks_its_cpus() -> None:
    """Issue #140989, second failure mode: with room in the shared pool the pod gets new CPUs and
    the restored ones are held by nobody."""
    case = DATA["allocate"]["cases"][1]  # restored on 3-6, default 0-2,7
    policy = _policy(DATA["allocate"]["machine"], fixes=False)
    pod = build_pod({**case["pod"], "pod_request": "2", "pod_limit": "2", "app": [case["pod"]["app"][0]]})
    st = CPUState(parse_cpuset("0-2,7"), {pod.uid: {"c1": 0b11000}}, {pod.uid: 0b11000})
    assert policy.allocate_pod(st, pod) is None
    assert st.get_pod_cpu_set(pod.uid) == parse_cpuset("1-2")
    assert st.get_default_cpu_set() == parse_cpuset("0,7")
    # CPUs 3-4 are in no set any more: leaked
    held = st.get_default_cpu_set() | (st.get_pod_cpu_set(pod.uid) or 0)
    assert held & parse_cpuset("3-4") == 0


@pytest.mark.parametrize("case", DATA["hints"]["cases"], ids=_ids(DATA["hints"]["cases"]))
@pytest.mark.parametrize("fixes", [True, False], ids=["1.37", "1.36"])
def test_get_pod_topology_hints_with_restored_pod_cpu_set(case: dict[str, Any], fixes: bool) -> None:
    policy = _policy(DATA["hints"]["machine"], fixes=fixes)
    pod = build_pod(case["pod"])
    st = _state(case, pod.uid)
    hints = policy.get_pod_topology_hints(st, pod)
    assert hints is not None
    cpu = hints["cpu"]
    preferred = [tuple(get_bits(h.numa_affinity or 0)) for h in cpu if h.preferred]
    if case.get("empty"):
        upstream = cpu == []
    elif "preferred_only" in case:
        upstream = bool(preferred) and all(p == tuple(case["preferred_only"]) for p in preferred)
    else:
        upstream = any(case["preferred_on"] in p for p in preferred)
    if fixes:
        assert upstream, cpu
    elif case["name"].startswith("TestGetPodTopologyHintsWithRestoredPodCPUSet/hints"):
        # v1.36.2 knows no pod-level set here: fresh hints from the shared pool prefer NUMA 0 too
        assert not upstream, cpu
