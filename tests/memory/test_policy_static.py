"""Static policy behaviour beyond the upstream tables: machine state from a Machine, gates,
admission wording, pod hints, allocatable memory, the None policy."""

from __future__ import annotations

from podfit.memory import (
    Block,
    MemoryState,
    MemoryTable,
    NonePolicy,
    get_default_machine_state,
    hugepage_resource_name,
    new_policy_static,
)
from podfit.memory.requests import validate_pod_scope_resources
from podfit.model.admission import Rejection, get_pod_admit_result
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.topology.hint import TopologyHint

GI = 2**30
MI = 2**20
MACHINE = Machine(cpus=(), numa_nodes=(NUMANode(0, 4 * GI, ((2 * MI, 512),)), NUMANode(1, 4 * GI)))
RESERVED = {0: {"memory": 512 * MI}, 1: {"memory": 512 * MI}}


def _guaranteed(name: str, mem: int, kind: str = "app", **extra: int) -> Container:
    res = {"cpu": 1000, "memory": mem, **extra}
    return Container(name, kind, ResourceRequirements(res, res))  # type: ignore[arg-type]


def _policy(gates: FeatureGates | None = None):
    p, err = new_policy_static(MACHINE, RESERVED, gates or FeatureGates())
    assert err is None and p is not None
    s = MemoryState()
    assert p.start(s) is None
    return p, s


def test_hugepage_resource_names() -> None:
    assert hugepage_resource_name(2 * MI) == "hugepages-2Mi"
    assert hugepage_resource_name(GI) == "hugepages-1Gi"
    assert hugepage_resource_name(64 * 1024) == "hugepages-64Ki"


def test_default_machine_state_subtracts_reserved_and_hugepages() -> None:
    ms = get_default_machine_state(MACHINE, RESERVED)
    assert ms[0].memory_map["memory"] == MemoryTable(4 * GI, 512 * MI, 2560 * MI, 0, 2560 * MI)
    assert ms[0].memory_map["hugepages-2Mi"] == MemoryTable(GI, 0, GI, 0, GI)
    assert ms[1].memory_map == {"memory": MemoryTable(4 * GI, 512 * MI, 3584 * MI, 0, 3584 * MI)}
    assert ms[0].cells == (0,) and ms[1].number_of_assignments == 0


def test_allocate_charges_and_remove_releases() -> None:
    p, s = _policy()
    pod = Pod("ns", "p", "uid1", containers=(_guaranteed("c", GI),))
    before = s.snapshot()
    assert p.allocate(s, pod, pod.containers[0], TopologyHint(0b10, True)) is None
    assert s.get_memory_blocks("uid1", "c") == (Block((1,), "memory", GI),)
    assert s.get_machine_state()[1].memory_map["memory"].free == 2560 * MI
    p.remove_container(s, "uid1", "c")
    assert s.snapshot() == before


def test_violating_hint_is_an_admission_error() -> None:
    p, s = _policy()
    a = Pod("ns", "a", "a", containers=(_guaranteed("c", GI),))
    b = Pod("ns", "b", "b", containers=(_guaranteed("c", GI),))
    assert p.allocate(s, a, a.containers[0], TopologyHint(0b01, True)) is None
    err = p.allocate(s, b, b.containers[0], TopologyHint(0b11, False))
    assert err == Rejection("[memorymanager] preferred hint violates NUMA node allocation")
    assert get_pod_admit_result(err) == Rejection(
        "Allocate failed due to [memorymanager] preferred hint violates NUMA node allocation, "
        "which is unexpected",
        "UnexpectedAdmissionError",
    )
    assert get_pod_admit_result(None) is None


def test_single_numa_mask_refused_on_node_of_a_group() -> None:
    p, s = _policy()
    big = Pod("ns", "a", "a", containers=(_guaranteed("c", 5 * GI),))
    assert p.allocate(s, big, big.containers[0], None) is None
    assert s.get_machine_state()[0].cells == (0, 1)
    small = Pod("ns", "b", "b", containers=(_guaranteed("c", 256 * MI),))
    hints = p.get_topology_hints(s, small, small.containers[0])
    assert hints == {"memory": [TopologyHint(0b11, False)]}


def _pod_level_pod() -> Pod:
    res = {"cpu": 2000, "memory": 2 * GI}
    return Pod("ns", "p", "pl", containers=(_guaranteed("c", GI),), resources=ResourceRequirements(res, res))


def test_pod_level_resources_skipped_when_gate_off() -> None:
    p, s = _policy()
    pod = _pod_level_pod()
    before = s.snapshot()
    assert p.get_topology_hints(s, pod, pod.containers[0]) is None
    assert p.get_pod_topology_hints(s, pod) is None
    assert p.allocate(s, pod, pod.containers[0], None) is None
    assert s.snapshot() == before


def test_pod_level_resources_hinted_when_gate_on() -> None:
    gates = FeatureGates({"PodLevelResourceManagers": True})
    p, s = _policy(gates)
    pod = _pod_level_pod()
    assert p.get_pod_topology_hints(s, pod) == {
        "memory": [TopologyHint(0b01, True), TopologyHint(0b10, True), TopologyHint(0b11, False)]
    }


def test_pod_hints_use_init_container_formula() -> None:
    p, s = _policy()
    pod = Pod(
        "ns",
        "p",
        "u",
        init_containers=(_guaranteed("i", 3 * GI, kind="init"),),
        containers=(_guaranteed("c", GI),),
    )
    hints = p.get_pod_topology_hints(s, pod)  # 3Gi: more than node 0's 2560Mi allocatable
    assert hints == {"memory": [TopologyHint(0b10, True), TopologyHint(0b11, False)]}
    assert p.get_pod_topology_hints(s, Pod("ns", "p", "u", containers=(Container("c", "app"),))) is None


def test_empty_shared_pool_validation() -> None:
    res = {"cpu": 2000, "memory": 2 * GI}
    pod = Pod(
        "ns",
        "p",
        "u",
        containers=(_guaranteed("a", 2 * GI), Container("b", "app")),
        resources=ResourceRequirements(res, res),
    )
    assert validate_pod_scope_resources(pod, True) == (
        "pod rejected, sum of exclusive container memory requests equals pod budget, "
        "leaving no memory for shared containers"
    )
    gates = FeatureGates({"PodLevelResourceManagers": True})
    p, s = _policy(gates)
    assert p.get_pod_topology_hints(s, pod) == {"memory": []}


def test_allocatable_memory_blocks() -> None:
    p, s = _policy()
    assert p.get_allocatable_memory(s) == (
        Block((0,), "hugepages-2Mi", GI),
        Block((0,), "memory", 2560 * MI),
        Block((1,), "memory", 3584 * MI),
    )


def test_none_policy_does_nothing() -> None:
    p = NonePolicy()
    s = MemoryState()
    pod = Pod("ns", "p", "u", containers=(_guaranteed("c", GI),))
    assert p.name() == "None"
    assert p.start(s) is None
    assert p.allocate(s, pod, pod.containers[0]) is None
    assert p.get_topology_hints(s, pod, pod.containers[0]) is None
    assert p.get_pod_topology_hints(s, pod) is None
    assert p.get_allocatable_memory(s) == ()
    assert s.get_machine_state() == {} and s.get_memory_assignments() == {}


def test_add_container_releases_finished_init_containers() -> None:
    from podfit.memory.manager import add_container, get_memory_numa_nodes

    p, s = _policy()
    pod = Pod(
        "ns",
        "p",
        "u",
        init_containers=(_guaranteed("i1", 2 * GI, kind="init"), _guaranteed("sc", GI, kind="sidecar")),
        containers=(_guaranteed("c", GI),),
    )
    for c in pod.all_containers():
        assert p.allocate(s, pod, c, TopologyHint(0b10, True)) is None
    # the sidecar and the app container both reuse i1's 2Gi (a sidecar's own memory is never reused)
    reserved = s.get_machine_state()[1].memory_map["memory"].reserved
    assert reserved == 2 * GI
    add_container(p, s, pod, pod.containers[0])
    assert s.get_memory_blocks("u", "i1") is None
    assert s.get_memory_blocks("u", "sc") is not None
    assert s.get_machine_state()[1].memory_map["memory"].reserved == 2 * GI
    assert get_memory_numa_nodes(s, "u", "c") == frozenset({1})
    assert get_memory_numa_nodes(s, "u", "i1") is None
