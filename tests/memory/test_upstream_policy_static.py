"""Upstream memorymanager policy_static_test.go cases, ported as data (see the YAML headers)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.memory import upstream_loader as L

from podfit.memory.machine_state import are_machine_states_equal
from podfit.memory.policy_static import new_policy_static
from podfit.memory.requests import get_pod_requested_resources
from podfit.model.admission import Rejection
from podfit.model.features import FeatureGates

GATES = FeatureGates()
START = "policy_static_start.yaml"
ALLOC = "policy_static_allocate.yaml"
HINTS = "policy_static_hints.yaml"


def _policy(case: dict[str, Any]):
    p, err = new_policy_static(
        L.machine(case.get("machine_info")), L.system_reserved(case.get("system_reserved")), GATES
    )
    assert err is None, err
    assert p is not None
    return p


def _check_state(case: dict[str, Any], s) -> None:
    got = s.get_memory_assignments()
    assert L.sorted_assignments(got) == L.sorted_assignments(L.assignments(case.get("expected_assignments")))
    expected = L.machine_state(case.get("expected_machine_state"))
    actual = s.get_machine_state()
    assert are_machine_states_equal(actual, expected), (actual, expected)
    # stricter than upstream: per-node tables too (podfit charges nodes in ascending order)
    assert actual == expected


def _rejection(message: str | None) -> Rejection | None:
    return None if message is None else Rejection(message)


NEW = L.cases(START, "TestStaticPolicyNew")


@pytest.mark.parametrize("case", NEW, ids=L.ids(NEW))
def test_static_policy_new(case: dict[str, Any]) -> None:
    p, err = new_policy_static(L.machine(None), L.system_reserved(case.get("system_reserved")), GATES)
    assert err == case.get("expected_error")
    assert (p is None) == (err is not None)


NAME = L.cases(START, "TestStaticPolicyName")


@pytest.mark.parametrize("case", NAME, ids=L.ids(NAME))
def test_static_policy_name(case: dict[str, Any]) -> None:
    assert _policy(case).name() == case["expected_name"]


STARTS = L.cases(START, "TestStaticPolicyStart")


@pytest.mark.parametrize("case", STARTS, ids=L.ids(STARTS))
def test_static_policy_start(case: dict[str, Any]) -> None:
    p = _policy(case)
    s = L.state(case)
    err = p.start(s)
    assert err == case.get("expected_error")
    if err is None:
        _check_state(case, s)


ALLOCS = L.cases(ALLOC, "TestStaticPolicyAllocate")


@pytest.mark.parametrize("case", ALLOCS, ids=L.ids(ALLOCS))
def test_static_policy_allocate(case: dict[str, Any]) -> None:
    p = _policy(case)
    s = L.state(case)
    pod = L.pod(case["pod"])
    err = p.allocate(s, pod, pod.containers[0], L.hint(case.get("topology_hint")))
    assert err == _rejection(case.get("expected_error"))
    if err is None:
        _check_state(case, s)


INITS = L.cases(ALLOC, "TestStaticPolicyAllocateWithInitContainers") + L.cases(
    ALLOC, "TestStaticPolicyAllocateWithRestartableInitContainers"
)


@pytest.mark.parametrize("case", INITS, ids=L.ids(INITS))
def test_static_policy_allocate_with_init_containers(case: dict[str, Any]) -> None:
    p = _policy(case)
    s = L.state(case)
    pod = L.pod(case["pod"])
    hint = L.hint(case.get("topology_hint"))
    for c in pod.init_containers + pod.containers:
        assert p.allocate(s, pod, c, hint) == _rejection(case.get("expected_error"))
    _check_state(case, s)


REMOVES = L.cases(HINTS, "TestStaticPolicyRemoveContainer")


@pytest.mark.parametrize("case", REMOVES, ids=L.ids(REMOVES))
def test_static_policy_remove_container(case: dict[str, Any]) -> None:
    p = _policy(case)
    s = L.state(case)
    p.remove_container(s, "pod1", "container1")
    _check_state(case, s)


GET_HINTS = L.cases(HINTS, "TestStaticPolicyGetTopologyHints")


@pytest.mark.parametrize("case", GET_HINTS, ids=L.ids(GET_HINTS))
def test_static_policy_get_topology_hints(case: dict[str, Any]) -> None:
    p = _policy(case)
    s = L.state(case)
    pod = L.pod(case["pod"])
    assert p.get_topology_hints(s, pod, pod.containers[0]) == L.hints(case.get("expected_topology_hints"))


POD_REQ = L.cases(HINTS, "Test_getPodRequestedResources")


@pytest.mark.parametrize("case", POD_REQ, ids=L.ids(POD_REQ))
def test_get_pod_requested_resources(case: dict[str, Any]) -> None:
    expected = {r: L.size(v) for r, v in case["expected"].items()}
    assert get_pod_requested_resources(L.pod(case["pod"]), False) == expected
