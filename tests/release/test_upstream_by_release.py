"""The upstream unit-test cases whose expectations differ between releases (tests/upstream/releases),
each run at every release it names: a switch of podfit.release is pinned by the upstream test that
motivated it."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from tests.cpu.cpumanager_fixtures import build_pod, cpuset_spec, hint_of, machine_of, state_of
from tests.memory import upstream_loader as L
from tests.upstream.cpumanager.topologies import load_topology

from podfit.cpu.accumulator import TopologyIndex
from podfit.cpu.assignment import take_numa_packed
from podfit.cpu.policy_options import parse_cpu_manager_options
from podfit.cpu.policy_static import StaticPolicy, new_static_policy
from podfit.errors import PolicyOptionError
from podfit.memory.policy_static import new_policy_static
from podfit.model.cpuset import format_cpuset, parse_cpuset
from podfit.model.features import FeatureGates
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.policy_options import TopologyManagerOptions
from podfit.model.quantity import bytes_value
from podfit.release import release_profile
from podfit.topology.policy_options import parse_topology_manager_options

DATA = Path(__file__).parents[1] / "upstream" / "releases"


def _load(name: str) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return data


def _gates(release: str, overrides: dict[str, bool] | None = None) -> FeatureGates:
    profile = release_profile(release)
    assert profile is not None
    return FeatureGates(MappingProxyType(dict(overrides or {})), profile)


def _by_release(table: list[dict[str, Any]]) -> list[Any]:
    """One param per (case, release) of ``expected``."""
    return [
        pytest.param(case, release, id=f"{case['case']}@{release}")
        for case in table
        for release in case["expected"]
    ]


CPU = _load("cpumanager.yaml")
MEMORY = _load("memorymanager.yaml")
TOPOLOGY = _load("topologymanager.yaml")


def test_every_case_names_its_test_and_switch() -> None:
    for table in (*CPU.values(), *MEMORY.values(), *TOPOLOGY.values()):
        for case in table:
            assert case["test"] and case["case"] and case["switch"]


@pytest.mark.parametrize(("case", "release"), _by_release(CPU["TestTakeByTopologyNUMAPacked"]))
def test_take_by_topology_numa_packed(case: dict[str, Any], release: str) -> None:
    profile = release_profile(release)
    assert profile is not None
    topo = TopologyIndex.of(load_topology(case["topo"]))
    uncore = bool(case["opts"].get("prefer_align_by_uncore_cache"))
    round_up = profile.switches.uncore_partial_round_up
    got = take_numa_packed(
        topo, parse_cpuset(case["available"]), case["num_cpus"], "packed", uncore, None, round_up
    )
    assert format_cpuset(got) == case["expected"][release]


@pytest.mark.parametrize(("case", "release"), _by_release(CPU["TestStaticPolicyAddWithUncoreAlignment"]))
def test_static_policy_add_with_uncore_alignment(case: dict[str, Any], release: str) -> None:
    machine = machine_of(case)
    gates = _gates(release, case.get("gates"))
    policy = new_static_policy(
        machine,
        case["num_reserved_cpus"],
        cpuset_spec(case["reserved"], machine),
        parse_cpu_manager_options(case["options"], gates),
        gates,
    )
    assert isinstance(policy, StaticPolicy)
    st = state_of({"default": None}, machine)
    st.set_default_cpu_set(cpuset_spec(case["default"], machine) & ~cpuset_spec(case["reserved"], machine))
    pod = build_pod(case["pod"])
    for c in pod.containers:
        assert policy.allocate(st, pod, c) is None
    assert format_cpuset(st.get_cpu_set(pod.uid, pod.containers[0].name) or 0) == case["expected"][release]


def _plr_pod(pod_cpus: str, cpus: str) -> Pod:
    """topology_hints_test.go makePodWithPodLevelResources: pod-level and container requests =
    limits, memory 1G each."""
    mem = bytes_value("1G")
    container = Container(
        "fakeContainer",
        "app",
        ResourceRequirements(
            {"cpu": int(cpus) * 1000, "memory": mem}, {"cpu": int(cpus) * 1000, "memory": mem}
        ),
    )
    pod_res = ResourceRequirements(
        {"cpu": int(pod_cpus) * 1000, "memory": mem}, {"cpu": int(pod_cpus) * 1000, "memory": mem}
    )
    return Pod(namespace="", name="fakePod", uid="fakePod", containers=(container,), resources=pod_res)


@pytest.mark.parametrize(("case", "release"), _by_release(CPU["TestGetTopologyHints"]))
def test_get_topology_hints_of_a_pod_level_pod(case: dict[str, Any], release: str) -> None:
    hints_yaml = yaml.safe_load(
        (Path(__file__).parents[1] / "upstream" / "cpumanager" / "TestGetTopologyHints.yaml").read_text()
    )
    machine = machine_of({"machine": hints_yaml["machine"]})
    gates = _gates(release, case["gates"])
    policy = new_static_policy(machine, 0, 0, parse_cpu_manager_options({}, gates), gates)
    assert isinstance(policy, StaticPolicy)
    st = state_of(case, machine)
    pod = _plr_pod(case["pod"]["pod_cpus"], case["pod"]["cpus"])
    expected = case["expected"][release]
    for got in (
        policy.get_topology_hints(st, pod, pod.containers[0]),
        policy.get_pod_topology_hints(st, pod),
    ):
        if expected is None:
            assert not (got or {}).get("cpu")
        else:
            assert got is not None
            assert list(got["cpu"]) == [hint_of(h) for h in expected]


def _memory_pod() -> Pod:
    """policy_static_test.go getPodWithPodLevelResources("pod1", podLevelRequirementsGuaranteed,
    "container1", requirementsGuaranteed)."""
    base = L.pod({"uid": "pod1", "containers": [{"name": "container1", "requirements": "guaranteed"}]})
    level = L._resources({"cpu": "1000Mi", "memory": "1Gi"})
    pod_res = ResourceRequirements(dict(level), dict(level))
    return Pod(
        namespace=base.namespace, name=base.name, uid=base.uid, containers=base.containers, resources=pod_res
    )


def _memory_policy(case: dict[str, Any], release: str) -> Any:
    policy, err = new_policy_static(
        L.machine(None), L.system_reserved(case["system_reserved"]), _gates(release, case["gates"])
    )
    assert err is None and policy is not None
    return policy


@pytest.mark.parametrize(("case", "release"), _by_release(MEMORY["TestStaticPolicyAllocate"]))
def test_memory_static_policy_allocate(case: dict[str, Any], release: str) -> None:
    policy = _memory_policy(case, release)
    st = L.state(case)
    before = st.get_machine_state()
    pod = _memory_pod()
    assert policy.allocate(st, pod, pod.containers[0], L.hint(case["topology_hint"])) is None
    if case["expected"][release] == "skipped":
        assert st.get_memory_assignments() == {} and st.get_machine_state() == before
    else:
        blocks = st.get_memory_blocks("pod1", "container1")
        assert blocks is not None and {b.type for b in blocks} == {"memory", "hugepages-1Gi"}


@pytest.mark.parametrize(
    ("case", "release"),
    _by_release(MEMORY["TestStaticPolicyGetTopologyHints"] + MEMORY["TestStaticPolicyGetPodTopologyHints"]),
)
def test_memory_static_policy_hints(case: dict[str, Any], release: str) -> None:
    policy = _memory_policy(case, release)
    st = L.state(case)
    pod = _memory_pod()
    if "GetPodTopologyHints" in case["test"]:
        got = policy.get_pod_topology_hints(st, pod)
    else:
        got = policy.get_topology_hints(st, pod, pod.containers[0])
    if case["expected"][release] is None:
        assert got is None
    else:
        assert got is not None and set(got) == {"memory", "hugepages-1Gi"} and all(got.values())


def _tm_params() -> list[Any]:
    return [
        pytest.param(case, release, id=f"{case['case']}@{release}")
        for case in TOPOLOGY["TestNewTopologyManagerOptions"]
        for release in case["releases"]
    ]


@pytest.mark.parametrize(("case", "release"), _tm_params())
def test_new_topology_manager_options(case: dict[str, Any], release: str) -> None:
    gates = _gates(release, {case["gate"]: bool(case.get("gate_enabled"))} if case.get("gate") else None)
    if case.get("error"):
        with pytest.raises(PolicyOptionError) as info:
            parse_topology_manager_options(case["options"], gates)
        assert case["error"] in str(info.value)
    else:
        assert parse_topology_manager_options(case["options"], gates) == TopologyManagerOptions(
            **case["expected"]
        )
