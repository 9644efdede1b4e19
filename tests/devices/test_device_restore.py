"""The device manager after a kubelet restart: allocations restored from ``kubelet_internal_checkpoint``
(``readCheckpoint``) and re-admission (``devicesToAllocate``), each branch of the kubelet code as a
case. Read in pkg/kubelet/cm/devicemanager/manager.go and topology_hints.go of v1.33.5 and v1.36.2
(the branches are the same in v1.34.2 and v1.35.3; ``isContainerAlreadyRunning`` also looks at
restarted containers from 1.36, which podfit does not model)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podfit.checkpoint.devices import device_checkpoint_of, encode_device_checkpoint, read_device_checkpoint
from podfit.devices.manager import DeviceManager
from podfit.devices.state import RestoredDevices
from podfit.model.admission import Rejection
from podfit.model.machine import CPUInfo, DeviceGroup, Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.topology.hint import TopologyHint

GPU = "nvidia.com/gpu"
NIC = "example.com/nic"
UID = "uid-p"
G0, G1 = f"{GPU}#000#00000", f"{GPU}#000#00001"  # podfit's names: NUMA 0, devices 0 and 1
G2, G3 = f"{GPU}#001#00000", f"{GPU}#001#00001"  # NUMA 1
ANY = TopologyHint(None, True)


def _machine(numa: int = 2, per_node: int = 2) -> Machine:
    cpus = tuple(CPUInfo(cpu=i, core=i, socket=i, numa=i) for i in range(numa))
    nodes = tuple(NUMANode(id=i, memory=1 << 30) for i in range(numa))
    return Machine(
        cpus=cpus, numa_nodes=nodes, devices=tuple(DeviceGroup(GPU, n, per_node) for n in range(numa))
    )


def _container(name: str, gpus: int, kind: str = "app", resource: str = GPU) -> Container:
    res = ResourceRequirements(requests={resource: gpus}, limits={resource: gpus})
    return Container(
        name=name, kind=kind, resources=res, restart_policy="Always" if kind == "sidecar" else None
    )


def _pod(*containers: Container, init: tuple[Container, ...] = (), uid: str = UID) -> Pod:
    return Pod(
        namespace="default",
        name=uid,
        uid=uid,
        init_containers=init,
        containers=containers,
        ephemeral_containers=(),
        resources=None,
        restart_policy="Always",
        os_name=None,
        overhead={},
        qos_status=None,
    )


def _restarted(
    pods: dict[str, dict[str, dict[str, dict[int, tuple[str, ...]]]]],
    *,
    running: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
    registered: tuple[str, ...] = (GPU,),
    machine: Machine | None = None,
) -> DeviceManager:
    dm = DeviceManager(machine or _machine())
    dm.restore_checkpoint(RestoredDevices(pods, registered))
    dm.running = set(running)
    dm.sources_ready = False  # re-admitting the pods the kubelet found
    return dm


def _held(dm: DeviceManager, name: str, uid: str = UID) -> frozenset[str]:
    return dm.state.assigned.get(uid, {}).get(name, frozenset())


# ----- readCheckpoint + devicesToAllocate: the restored devices are the container's again ------------
def test_restored_devices_are_reused_and_not_given_to_another_pod() -> None:
    dm = _restarted({UID: {"c": {GPU: {1: (G2,)}}}})
    c = _container("c", 1)
    # GetTopologyHints regenerates the hints from the devices the container holds (NUMA 1)
    assert dm.get_topology_hints(_pod(c), c) == {GPU: [TopologyHint(0b10, True), TopologyHint(0b11, False)]}
    assert dm.allocate(_pod(c), c, TopologyHint(0b10, True)) is None
    assert _held(dm, "c") == {G2}
    dm.sources_ready = True
    other = _container("o", 3)
    assert dm.allocate(_pod(other, uid="other"), other, ANY) is None
    assert _held(dm, "o", "other") == {G0, G1, G3}  # the healthy devices no container holds


def test_pod_hints_regenerate_from_the_pods_devices() -> None:
    dm = _restarted({UID: {"a": {GPU: {0: (G0,)}}, "b": {GPU: {0: (G1,)}}}})
    pod = _pod(_container("a", 1), _container("b", 1))
    assert dm.get_pod_topology_hints(pod) == {GPU: [TopologyHint(0b01, True), TopologyHint(0b11, False)]}


def test_a_running_container_is_left_alone_before_the_sources_are_ready() -> None:
    # a damaged file: nothing restored; the container runs: "Container detected running, nothing to do"
    dm = _restarted({}, running={(UID, "c")})
    c = _container("c", 1)
    assert dm.allocate(_pod(c), c, TopologyHint(0b10, True)) is None
    assert _held(dm, "c") == frozenset()  # its devices look free to the device manager
    dm.sources_ready = True
    other = _container("o", 4)
    assert dm.allocate(_pod(other, uid="other"), other, ANY) is None  # all four, one in use by "c"


def test_a_container_not_running_gets_devices_afresh() -> None:
    dm = _restarted({})
    c = _container("c", 1)
    assert dm.allocate(_pod(c), c, TopologyHint(0b10, True)) is None
    assert _held(dm, "c") == {G2}


def test_once_the_sources_are_ready_a_running_container_is_allocated_normally() -> None:
    dm = _restarted({}, running={(UID, "c")})
    dm.sources_ready = True
    c = _container("c", 1)
    assert dm.allocate(_pod(c), c, TopologyHint(0b01, True)) is None
    assert _held(dm, "c") == {G0}


@pytest.mark.parametrize("running", [False, True])
def test_a_changed_request_is_refused_even_for_a_running_container(running: bool) -> None:
    dm = _restarted({UID: {"c": {GPU: {0: (G0,)}}}}, running={(UID, "c")} if running else set())
    c = _container("c", 2)
    assert dm.get_topology_hints(_pod(c), c) == {GPU: []}  # "already allocated ... different number"
    got = dm.allocate(_pod(c), c, ANY)
    assert got == Rejection(
        'pod "uid-p" container "c" changed request for resource "nvidia.com/gpu" from 1 to 2'
    )
    assert got is not None and got.admit_message.startswith("Allocate failed due to pod ")


def test_devices_no_plugin_reports_are_no_longer_healthy() -> None:
    # the file names a device the machine does not have (GPU-x): not running -> refused
    dm = _restarted({UID: {"c": {GPU: {1: ("GPU-x",)}}}})
    c = _container("c", 1)
    assert dm.get_topology_hints(_pod(c), c) == {GPU: []}  # it has no topology: no mask holds it
    assert dm.allocate(_pod(c), c, ANY) == Rejection(
        "previously allocated devices are no longer healthy; cannot allocate unhealthy devices nvidia.com/gpu"
    )
    assert dm.container_devices(UID, "c") == {GPU: (1,)}  # shown on the NUMA node the file gave
    # running and sources not ready: kept as it is
    dm = _restarted({UID: {"c": {GPU: {1: ("GPU-x",)}}}}, running={(UID, "c")})
    assert dm.allocate(_pod(c), c, ANY) is None
    assert _held(dm, "c") == {f"{GPU}#GPU-x"}
    assert dm.kubelet_id(f"{GPU}#GPU-x") == "GPU-x"


def test_a_registered_resource_without_a_plugin_has_no_healthy_device() -> None:
    dm = _restarted({}, registered=(GPU, NIC))
    n = _container("n", 1, resource=NIC)
    assert dm.is_device_resource(NIC)
    assert dm.get_topology_hints(_pod(n), n) == {NIC: None}
    assert dm.allocate(_pod(n), n, ANY) == Rejection(
        "no healthy devices present; cannot allocate unhealthy devices example.com/nic"
    )


def test_a_held_resource_no_plugin_registers_is_unregistered() -> None:
    dm = _restarted({UID: {"n": {NIC: {-1: ("nic-0",)}}}}, registered=(GPU,))
    n = _container("n", 1, resource=NIC)
    assert dm.is_device_resource(NIC)  # isDevicePluginResource: a resource already allocated
    assert dm.allocate(_pod(n), n, ANY) == Rejection("cannot allocate unregistered device example.com/nic")


def test_a_restored_init_containers_devices_are_reusable_by_the_app_container() -> None:
    # the init container's entry is restored; the app container's was skipped (its AllocResp did
    # not decode): Allocate adds the init container's devices to devicesToReuse, the app takes them
    dm = _restarted({UID: {"init": {GPU: {1: (G3,)}}}})
    init, app = _container("init", 1, "init"), _container("app", 1)
    pod = _pod(app, init=(init,))
    assert dm.allocate(pod, init, ANY) is None
    assert dm.state.reusable == {GPU: {G3}}
    assert dm.get_topology_hints(pod, app) == {GPU: [TopologyHint(0b10, True), TopologyHint(0b11, False)]}
    assert dm.allocate(pod, app, TopologyHint(0b10, True)) is None
    assert _held(dm, "app") == {G3} and dm.state.reusable == {GPU: set()}


# ----- the file round trip ----------------------------------------------------------------------------
def test_restored_state_is_written_back_as_it_was_read() -> None:
    hand = {
        UID: {"c": {GPU: {1: (G2,)}}, "d": {GPU: {0: ("GPU-gone",), 1: ("GPU-gone",)}}},
        "q": {"x": {NIC: {-1: ("nic-0",)}}},
    }
    dm = _restarted(hand, registered=(GPU, NIC))
    cp = device_checkpoint_of(dm)
    back = read_device_checkpoint(encode_device_checkpoint(cp))
    assert back.pods == hand
    assert cp.registered == {GPU: (G0, G1, G2, G3), NIC: ()}


@given(
    st.sets(st.sampled_from([G0, G1, G2, G3]), max_size=4), st.sets(st.sampled_from(["c", "d"]), min_size=1)
)
def test_every_restored_allocation_round_trips_through_the_file(devices: set[str], names: set[str]) -> None:
    numa = {G0: 0, G1: 0, G2: 1, G3: 1}
    ordered = sorted(devices)
    pods: dict[str, dict[str, dict[str, dict[int, tuple[str, ...]]]]] = {}
    for i, name in enumerate(sorted(names)):
        mine = ordered[i::2]
        if mine:
            per: dict[int, tuple[str, ...]] = {}
            for d in mine:
                per[numa[d]] = (*per.get(numa[d], ()), d)
            pods.setdefault(UID, {})[name] = {GPU: per}
    dm = _restarted(pods)
    assert read_device_checkpoint(encode_device_checkpoint(device_checkpoint_of(dm))).pods == pods
