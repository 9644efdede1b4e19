"""Upstream policy_static_test.go tables (ported as data): ReuseCPUs, DoNotReuseCPUs, Remove,
TopologyAwareAllocateCPUs, SMTAlignmentErrorText, AddWithUncoreAlignment."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cpu.cpumanager_fixtures import (
    build_pod,
    cpuset_spec,
    gates_of,
    load_cases,
    machine_of,
    make_policy,
    params,
    state_of,
)

from podfit.cpu.guaranteed import validate_pod_scope_resources
from podfit.cpu.policy_static import StaticPolicy
from podfit.model.admission import SMTAlignmentRejection
from podfit.model.cpuset import parse_cpuset
from podfit.topology.bitmask import new_bitmask

REUSE = load_cases("TestStaticPolicyReuseCPUs.yaml")
NO_REUSE = load_cases("TestStaticPolicyDoNotReuseCPUs.yaml")
REMOVE = load_cases("TestStaticPolicyRemove.yaml")
TOPO_ALLOC = load_cases("TestTopologyAwareAllocateCPUs.yaml")
SMT_TEXT = load_cases("TestSMTAlignmentErrorText.yaml")
UNCORE = load_cases("TestStaticPolicyAddWithUncoreAlignment.yaml")


def _policy(case: dict[str, Any], gates_map: dict[str, bool] | None = None) -> StaticPolicy:
    policy = make_policy(case, machine_of(case), gates_of(gates_map))
    assert isinstance(policy, StaticPolicy), policy
    return policy


@params(REUSE["cases"])
def test_static_policy_reuse_cpus(case: dict[str, Any]) -> None:
    policy = _policy(case)
    machine = policy.machine
    st = state_of(case, machine)
    pod = build_pod(case["pod"])
    for c in pod.all_containers():
        policy.allocate(st, pod, c)  # upstream ignores the errors
    assert st.get_default_cpu_set() == cpuset_spec(case["expected_default_after_alloc"], machine)
    policy.remove_container(st, pod.uid, case["remove_container"])
    assert st.get_default_cpu_set() == cpuset_spec(case["expected_default_after_remove"], machine)
    assert st.get_cpu_set(pod.uid, case["remove_container"]) is None


@params(NO_REUSE["cases"])
def test_static_policy_do_not_reuse_cpus(case: dict[str, Any]) -> None:
    policy = _policy(case)
    st = state_of(case, policy.machine)
    pod = build_pod(case["pod"])
    for c in pod.all_containers():
        assert policy.allocate(st, pod, c) is None
    assert st.get_default_cpu_set() == cpuset_spec(case["expected_default_after_alloc"], policy.machine)


@params(REMOVE["cases"])
def test_static_policy_remove(case: dict[str, Any]) -> None:
    policy = _policy(case)
    st = state_of(case, policy.machine)
    policy.remove_container(st, case["pod_uid"], case["container_name"])
    assert st.get_default_cpu_set() == cpuset_spec(case["expected_default"], policy.machine)
    assert st.get_cpu_set(case["pod_uid"], case["container_name"]) is None


@params(TOPO_ALLOC["cases"])
def test_topology_aware_allocate_cpus(case: dict[str, Any]) -> None:
    policy = _policy(case)
    st = state_of(case, policy.machine)
    assert policy.start(st) is None
    mask = None if case["socket_mask"] is None else new_bitmask(*case["socket_mask"])
    got = policy.allocate_cpus(st, case["num_requested"], mask, 0)
    assert got == parse_cpuset(case["expected"])


@params(SMT_TEXT["cases"])
def test_smt_alignment_error_text(case: dict[str, Any]) -> None:
    assert SMTAlignmentRejection(**case["err"]).error() == case["expected"]


def _uncore_ids(policy: StaticPolicy, cset: int) -> set[int]:
    info = policy.machine.cpu_info
    return {info[c].uncore for c in range(cset.bit_length()) if cset >> c & 1}


@pytest.mark.parametrize(
    "case", UNCORE["cases"], ids=[c["name"] + c.get("id_suffix", "") for c in UNCORE["cases"]]
)
def test_static_policy_add_with_uncore_alignment(case: dict[str, Any]) -> None:
    policy = _policy(case, UNCORE["gates"])
    machine = policy.machine
    st = state_of({**case, "default": None}, machine)
    st.set_default_cpu_set(cpuset_spec(case["default"], machine) & ~cpuset_spec(case["reserved"], machine))
    pod = build_pod(case["pod"])
    for c in pod.containers:
        assert policy.allocate(st, pod, c) is None, c.name
    if "expected_cpuset" in case:
        assert st.get_cpu_set(pod.uid, pod.containers[0].name) == cpuset_spec(
            case["expected_cpuset"], machine
        )
        return
    ids: set[int] = set()
    for c in pod.containers:
        cset = st.get_cpu_set(pod.uid, c.name)
        assert cset is not None
        ids |= _uncore_ids(policy, cset)
    assert ids == set(case["expected_uncore"])


VALIDATE = load_cases("TestValidatePodScopeResources.yaml")
INIT_CTRS = load_cases("TestCPUManagerAddWithInitContainers.yaml")


@params(VALIDATE["cases"])
def test_validate_pod_scope_resources(case: dict[str, Any]) -> None:
    gates = gates_of(VALIDATE["gates"])
    pod = build_pod(case["pod"])
    assert (validate_pod_scope_resources(pod, gates) is not None) == case["expect_error"]


@params(INIT_CTRS["cases"])
def test_cpu_manager_add_with_init_containers(case: dict[str, Any]) -> None:
    policy = _policy(case)
    st = state_of(case, policy.machine)
    initial = st.get_default_cpu_set()
    pod = build_pod(case["pod"])
    expected = case["expected_init"] + case["expected_app"]
    union = 0
    for c, exp in zip(pod.all_containers(), expected, strict=True):
        assert policy.allocate(st, pod, c) is None
        got = st.get_cpu_set(pod.uid, c.name)
        want = parse_cpuset(exp)
        if want:
            assert got == want, c.name
        elif got is not None:
            assert got == want
        union |= got or 0
    assert st.get_default_cpu_set() == initial & ~union


ALLOC_POD = load_cases("TestStaticPolicyAllocatePod.yaml")


@params(ALLOC_POD["cases"])
def test_static_policy_allocate_pod(case: dict[str, Any]) -> None:
    full = {**ALLOC_POD["defaults"], **case}
    policy = _policy(full, case["gates"])
    machine = policy.machine
    st = state_of(full, machine)
    pod = build_pod(case["pod"])
    err = policy.allocate_pod(st, pod)
    if "expected_error" in case:
        assert err is not None
        assert (err.reason, err.message) == (
            case["expected_error"]["reason"],
            case["expected_error"]["message"],
        )
    else:
        assert err is None
    expected = {
        uid: {c: cpuset_spec(cs, machine) for c, cs in ctrs.items()}
        for uid, ctrs in case["expected_assignments"].items()
    }
    assert st.get_cpu_assignments() == expected
    assert st.get_default_cpu_set() == cpuset_spec(case["expected_default"], machine)
