"""Device hint provider and allocation (devicemanager semantics, v1.36)."""

from __future__ import annotations

import pytest

from podfit.devices.manager import Device, DeviceManager, filter_by_affinity
from podfit.model.machine import CPUInfo, DeviceGroup, Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.topology.hint import TopologyHint

GPU = "nvidia.com/gpu"


def _machine(devices: tuple[DeviceGroup, ...], numa: int = 2) -> Machine:
    cpus = tuple(CPUInfo(cpu=i, core=i, socket=i, numa=i) for i in range(numa))
    nodes = tuple(NUMANode(id=i, memory=1 << 30) for i in range(numa))
    return Machine(cpus=cpus, numa_nodes=nodes, devices=devices)


def _container(name: str, gpus: int, kind: str = "app") -> Container:
    res = ResourceRequirements(requests={GPU: gpus}, limits={GPU: gpus})
    return Container(
        name=name, kind=kind, resources=res, restart_policy="Always" if kind == "sidecar" else None
    )


def _pod(*containers: Container, init: tuple[Container, ...] = ()) -> Pod:
    return Pod(
        namespace="default",
        name="p",
        uid="uid-p",
        init_containers=init,
        containers=containers,
        ephemeral_containers=(),
        resources=None,
        restart_policy="Always",
        os_name=None,
        overhead={},
        qos_status=None,
    )


def test_hints_prefer_the_narrowest_mask_holding_enough_devices() -> None:
    dm = DeviceManager(_machine((DeviceGroup(GPU, 0, 2), DeviceGroup(GPU, 1, 2))))
    c = _container("c", 1)
    hints = dm.get_topology_hints(_pod(c), c)
    assert hints == {GPU: [TopologyHint(0b01, True), TopologyHint(0b10, True), TopologyHint(0b11, False)]}
    c3 = _container("c", 3)
    assert dm.get_topology_hints(_pod(c3), c3) == {GPU: [TopologyHint(0b11, True)]}


def test_too_many_devices_gives_an_empty_hint_list() -> None:
    dm = DeviceManager(_machine((DeviceGroup(GPU, 0, 1),)))
    c = _container("c", 2)
    assert dm.get_topology_hints(_pod(c), c) == {GPU: []}


def test_devices_without_numa_give_no_preference() -> None:
    dm = DeviceManager(_machine((DeviceGroup(GPU, None, 4),)))
    c = _container("c", 1)
    assert dm.get_topology_hints(_pod(c), c) == {GPU: None}


def test_allocation_takes_aligned_devices_and_counts_them_used() -> None:
    dm = DeviceManager(_machine((DeviceGroup(GPU, 0, 2), DeviceGroup(GPU, 1, 2))))
    c = _container("c", 2)
    pod = _pod(c)
    assert dm.allocate(pod, c, TopologyHint(0b10, True)) is None
    assert dm.container_devices(pod.uid, "c") == {GPU: (1, 1)}
    other = _container("d", 1)
    # only NUMA 0 devices remain: NUMA 1 alone cannot hold a device any more
    hints = dm.get_topology_hints(_pod(other), other)
    assert hints == {GPU: [TopologyHint(0b01, True), TopologyHint(0b11, False)]}
    dm.remove_pod(pod.uid)
    assert dm.get_topology_hints(_pod(other), other)[GPU][1] == TopologyHint(0b10, True)


@pytest.mark.parametrize(
    ("device_numa_nodes_only", "hints"),
    [
        (False, [TopologyHint(0b01, True), TopologyHint(0b11, False)]),  # 1.33-1.35: every NUMA mask
        (True, [TopologyHint(0b01, True)]),  # 1.36+ (PR #138244): masks over the devices' NUMA nodes
    ],
)
def test_init_container_devices_are_reused_by_app_containers(
    device_numa_nodes_only: bool, hints: list[TopologyHint]
) -> None:
    dm = DeviceManager(_machine((DeviceGroup(GPU, 0, 1),)), device_numa_nodes_only=device_numa_nodes_only)
    init, app = _container("init", 1, "init"), _container("app", 1)
    pod = _pod(app, init=(init,))
    assert dm.allocate(pod, init, TopologyHint(None, True)) is None
    assert dm.get_topology_hints(pod, app) == {GPU: hints}
    assert dm.allocate(pod, app, TopologyHint(0b01, True)) is None
    assert dm.container_devices(pod.uid, "app") == {GPU: (0,)}


def test_unavailable_devices_are_an_unexpected_error() -> None:
    dm = DeviceManager(_machine((DeviceGroup(GPU, 0, 1),)))
    a, b = _container("a", 1), _container("b", 1)
    assert dm.allocate(_pod(a), a, TopologyHint(None, True)) is None
    pod_b = Pod(
        namespace="default",
        name="q",
        uid="uid-q",
        init_containers=(),
        containers=(b,),
        ephemeral_containers=(),
        resources=None,
        restart_policy="Always",
        os_name=None,
        overhead={},
        qos_status=None,
    )
    err = dm.allocate(pod_b, b, TopologyHint(None, True))
    assert err is not None and err.reason is None
    assert err.message == f"requested number of devices unavailable for {GPU}. Requested: 1, Available: 0"


@pytest.mark.parametrize(
    ("available", "affinity", "has_topology", "expected"),
    [
        ({"d1", "d3"}, 0b100, True, ({"d3"}, {"d1"}, set())),
        ({"d1", "d3", "d4", "d5"}, 0b100, True, ({"d3", "d4"}, {"d1"}, {"d5"})),
        ({"d1", "d3", "d5"}, None, True, (set(), set(), {"d1", "d3", "d5"})),
        ({"d1", "d3"}, 0b100, False, (set(), set(), {"d1", "d3"})),
    ],
)
def test_filter_by_affinity_splits_aligned_unaligned_and_no_topology(
    available: set[str], affinity: int | None, has_topology: bool, expected: tuple[set[str], ...]
) -> None:
    """TestFilterByAffinity's shape with single-NUMA devices (its dev2 spans two NUMA nodes)."""
    devs = {
        "d1": Device("d1", GPU, 1),
        "d3": Device("d3", GPU, 2),
        "d4": Device("d4", GPU, 2),
        "d5": Device("d5", GPU, None),
    }
    assert filter_by_affinity(devs, has_topology, affinity, available) == expected
