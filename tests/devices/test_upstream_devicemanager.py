"""The kubelet device manager's upstream unit-test tables (tests/upstream/devicemanager/*.yaml), run
on podfit's device manager. Each case runs at every release it names; the release's behaviour
switches come from its release profile (``device_hints_device_numa_nodes_only``: PR #138244).

The adapters to podfit's API live here: upstream devices are reported as (resource, id, NUMA node)
(``DeviceManager(reported=...)``), held devices go into ``DeviceState.assigned`` and the Topology
Manager's affinity is the hint passed to ``allocate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.topology.test_upstream_policy import hint

from podfit.devices.hints import device_numa_nodes, generate_hints, generate_hints_reference
from podfit.devices.manager import DeviceManager
from podfit.devices.state import Device, RestoredDevices, device_key
from podfit.model.machine import CPUInfo, Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.quantity import as_quantity, cpu_millis
from podfit.release import release_profile
from podfit.topology.bitmask import new_bitmask
from podfit.topology.hint import TopologyHint
from podfit.topology.numa_info import NUMAInfo
from podfit.topology.policy import new_policy

DATA = Path(__file__).parents[1] / "upstream" / "devicemanager"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


def _nodes_only(release: str) -> bool:
    profile = release_profile(release)
    assert profile is not None
    return profile.switches.device_hints_device_numa_nodes_only


# ----- adapters ------------------------------------------------------------------------------
def _devices(spec: Iterable[Any]) -> list[tuple[str, int | None]]:
    """(id, NUMA node) of the table's devices ("Dev1@0", "Dev1", "Dev1@none", ranges)."""
    out: list[tuple[str, int | None]] = []
    for d in spec:
        if isinstance(d, dict):
            out += [(f"{d['prefix']}{i}", d["numa"]) for i in range(d["from"], d["to"])]
            continue
        name, _, numa = str(d).partition("@")
        out.append((name, None if numa in ("", "none") else int(numa)))
    return out


def _machine(numa_ids: Sequence[int]) -> Machine:
    cpus = tuple(CPUInfo(cpu=i, core=i, socket=0, numa=n) for i, n in enumerate(numa_ids))
    nodes = tuple(NUMANode(id=n, memory=1 << 30) for n in numa_ids)
    return Machine(cpus=cpus, numa_nodes=nodes, devices=())


def _manager(
    devices: Mapping[str, Iterable[Any]], release: str, numa_ids: Sequence[int] = (0, 1)
) -> DeviceManager:
    reported = [(r, i, n) for r, devs in devices.items() for i, n in _devices(devs)]
    return DeviceManager(_machine(numa_ids), device_numa_nodes_only=_nodes_only(release), reported=reported)


def _hold(dm: DeviceManager, held: Mapping[str, Mapping[str, Mapping[str, list[str]]]]) -> None:
    for uid, containers in held.items():
        for name, resources in containers.items():
            keys = {device_key(r, d) for r, ids in resources.items() for d in ids}
            dm.state.assigned.setdefault(uid, {})[name] = frozenset(keys)


def _value(resource: str, v: Any) -> int:
    return cpu_millis(str(v)) if resource == "cpu" else as_quantity(str(v)).value()


def _container(spec: Mapping[str, Any], kind: str) -> Container:
    limits = {r: _value(r, v) for r, v in spec.get("limits", {}).items()}
    kind = spec.get("kind", kind)
    return Container(
        name=spec["name"],
        kind=kind,  # type: ignore[arg-type]
        resources=ResourceRequirements(requests=limits, limits=limits),
        restart_policy="Always" if kind == "sidecar" else None,
    )


def _pod(spec: Mapping[str, Any]) -> Pod:
    return Pod(
        namespace="default",
        name=spec.get("uid", "pod"),
        uid=spec.get("uid", "pod"),
        init_containers=tuple(_container(c, "init") for c in spec.get("initContainers", ())),
        containers=tuple(_container(c, "app") for c in spec.get("containers", ())),
        ephemeral_containers=(),
        resources=None,
        restart_policy="Always",
        os_name=None,
        overhead={},
        qos_status=None,
    )


def _sorted(hints: Iterable[TopologyHint]) -> list[TopologyHint]:
    """In TopologyHint.LessThan order (preferred first, then narrower); ties by mask."""
    return sorted(
        hints, key=lambda h: (not h.preferred, (h.numa_affinity or 0).bit_count(), h.numa_affinity or 0)
    )


def _by_release(cases: list[dict[str, Any]], releases: list[str] | None = None) -> list[Any]:
    return [
        pytest.param(case, release, id=f"{case['name']}@{release}")
        for case in cases
        for release in case.get("releases", releases)
    ]


def _assert_hints(got: Mapping[str, Any], expected: Mapping[str, list[str] | None]) -> None:
    for resource, want in expected.items():
        if want is None:
            assert got.get(resource, "absent") is None, resource
            continue
        assert _sorted(got[resource]) == _sorted(hint(h) for h in want), resource


# ----- topology_hints_test.go ----------------------------------------------------------------
COMMON = _load("TestGetTopologyHints")["cases"]
POD_SCOPE = _load("TestGetPodTopologyHints")["cases"]


@pytest.mark.parametrize(("case", "release"), _by_release(COMMON))
def test_get_topology_hints(case: dict[str, Any], release: str) -> None:
    dm = _manager(case["devices"], release)
    _hold(dm, case.get("allocatedDevices", {}))
    pod = _pod(case["pod"])
    _assert_hints(dm.get_topology_hints(pod, pod.containers[0]), case["expectedHints"])


@pytest.mark.parametrize(("case", "release"), _by_release(COMMON + POD_SCOPE))
def test_get_pod_topology_hints(case: dict[str, Any], release: str) -> None:
    dm = _manager(case["devices"], release)
    _hold(dm, case.get("allocatedDevices", {}))
    _assert_hints(dm.get_pod_topology_hints(_pod(case["pod"])), case["expectedHints"])


ALIGNED = _load("TestTopologyAlignedAllocation")


@pytest.mark.parametrize(("case", "release"), _by_release(ALIGNED["cases"], ALIGNED["releases"]))
def test_topology_aligned_allocation(case: dict[str, Any], release: str) -> None:
    resource = case["resource"]
    dm = _manager({resource: case["devices"]}, release, numa_ids=(0, 1, 2, 3))
    c = _container({"name": "containerName", "limits": {resource: case["request"]}}, "app")
    pod = _pod({"uid": "podUID"})
    assert dm.allocate(pod, c, hint(case["hint"])) is None
    held = dm.state.assigned["podUID"]["containerName"]
    assert len(held) == case["request"]
    alignment: dict[int, int] = {}
    for key in held:
        numa = dm.device_numa(resource, key)
        if numa is not None:
            alignment[numa] = alignment.get(numa, 0) + 1
    assert alignment == case["expectedAlignment"]


DEVICE_REQUEST = _load("TestGetPodDeviceRequest")


@pytest.mark.parametrize(
    ("case", "release"), _by_release(DEVICE_REQUEST["cases"], DEVICE_REQUEST["releases"])
)
def test_get_pod_device_request(case: dict[str, Any], release: str) -> None:
    dm = _manager({}, release)
    dm.registered_empty = set(case["registeredDevices"])
    assert dm.pod_requests(_pod(case["pod"])) == case["expected"]


NUMA_NODES = _load("TestDeviceNUMANodes")


@pytest.mark.parametrize(("case", "release"), _by_release(NUMA_NODES["cases"], NUMA_NODES["releases"]))
def test_device_numa_nodes(case: dict[str, Any], release: str) -> None:
    devs = {i: Device(i, "testdevice", n) for i, n in _devices(case["devices"])}
    assert device_numa_nodes(devs, case["numaNodes"] or []) == case["expected"]


FILTERS = _load("TestGenerateDeviceTopologyHintsFiltersNUMANodes")


def _numa_nodes(spec: Any) -> list[int]:
    return list(range(spec["from"], spec["to"])) if isinstance(spec, dict) else list(spec)


@pytest.mark.parametrize("exact", [True, False], ids=["reference", "fast"])
@pytest.mark.parametrize(("case", "release"), _by_release(FILTERS["cases"], FILTERS["releases"]))
def test_generate_device_topology_hints_filters_numa_nodes(
    case: dict[str, Any], release: str, exact: bool
) -> None:
    devs = {i: Device(i, "gpu", n) for i, n in _devices(case["devices"])}
    generate = generate_hints_reference if exact else generate_hints
    got = list(
        generate(
            devs,
            _numa_nodes(case["numaNodes"]),
            _nodes_only(release),
            set(case["available"]),
            set(case["reusable"]),
            case["request"],
        )
    )
    if "expectedFullMaskCount" in case:
        full = new_bitmask(*_numa_nodes(case["numaNodes"]))
        assert sum(1 for h in got if h.numa_affinity == full) == case["expectedFullMaskCount"]
        return
    want = [hint(h) for h in case["expectedHints"]]
    assert (got if case["ordered"] else _sorted(got)) == (want if case["ordered"] else _sorted(want))


MERGE = _load("TestFilteredDeviceHintsMergeWithOtherProviders")


@pytest.mark.parametrize("policy_name", MERGE["policies"])
@pytest.mark.parametrize(("case", "release"), _by_release(MERGE["cases"], MERGE["releases"]))
def test_filtered_device_hints_merge_with_other_providers(
    case: dict[str, Any], release: str, policy_name: str
) -> None:
    devs = {i: Device(i, "gpu", n) for i, n in _devices(case["devices"])}
    numa_ids = case["numaNodes"]
    device_hints = list(generate_hints(devs, numa_ids, _nodes_only(release), set(devs), set(), 1))
    providers: list[dict[str, list[TopologyHint] | None] | None] = [{"gpu": device_hints}]
    providers += [{r: [hint(h) for h in hs]} for r, hs in case["providers"].items()]
    policy = new_policy(policy_name, NUMAInfo(nodes=tuple(numa_ids)))
    best, admit = policy.merge(providers)
    assert admit
    assert best == TopologyHint(new_bitmask(*case["expectedMask"]), True)


# ----- manager_test.go -----------------------------------------------------------------------
NO_AFFINITY = TopologyHint(None, False)  # topologymanager.NewFakeManager's GetAffinity


def _manager_of(resources: Mapping[str, Mapping[str, Any]], release: str) -> DeviceManager:
    """getTestManager's devices: with ``topology: false`` they have no NUMA affinity (makeDevice)."""
    devices = {
        r: [d if spec["topology"] else str(d).partition("@")[0] for d in spec["devices"]]
        for r, spec in resources.items()
    }
    return _manager(devices, release)


def _in_use(dm: DeviceManager, resource: str) -> int:
    return sum(1 for d in dm.state.in_use() if d.startswith(resource + "#"))


POD_ALLOCATION = _load("TestPodContainerDeviceAllocation")


@pytest.mark.parametrize("release", POD_ALLOCATION["releases"])
def test_pod_container_device_allocation(release: str) -> None:
    dm = _manager_of(POD_ALLOCATION["resources"], release)
    for step in POD_ALLOCATION["steps"]:
        pod = _pod(step["pod"])
        rejection = dm.allocate(pod, pod.containers[0], NO_AFFINITY)
        assert (None if rejection is None else rejection.message) == step["expErr"], step["name"]
        got = {r: _in_use(dm, r) for r in step["expectedAllocated"]}
        assert got == step["expectedAllocated"], step["name"]


TO_ALLOCATE = _load("TestPodContainerDeviceToAllocate")


@pytest.mark.parametrize(("case", "release"), _by_release(TO_ALLOCATE["cases"], TO_ALLOCATE["releases"]))
def test_pod_container_device_to_allocate(case: dict[str, Any], release: str) -> None:
    healthy = TO_ALLOCATE["healthy"]
    dm = _manager({r: ids for r, ids in healthy.items() if ids}, release)
    pods = {
        uid: {
            name: {r: {-1: tuple(ids)} for r, ids in resources.items()}
            for name, resources in containers.items()
        }
        for uid, containers in TO_ALLOCATE["held"].items()
    }
    dm.restore_checkpoint(RestoredDevices(pods=pods, registered=tuple(healthy)))
    before = dm.state.snapshot()
    c = _container({"name": case["contName"], "limits": {case["resource"]: case["required"]}}, "app")
    rejection = dm.allocate(_pod({"uid": case["podUID"], "containers": []}), c, NO_AFFINITY)
    assert rejection is not None and rejection.message == case["expErr"]
    assert case["expectedAllocatedDevices"] is None
    assert dm.state.snapshot()[0] == before[0]  # nothing allocated


INIT = [_load("TestInitContainerDeviceAllocation"), _load("TestRestartableInitContainerDeviceAllocation")]


@pytest.mark.parametrize(
    ("case", "release"), [p for t in INIT for p in _by_release(t["cases"], t["releases"])]
)
def test_init_container_device_allocation(case: dict[str, Any], release: str) -> None:
    dm = _manager_of(case["resources"], release)
    pod = _pod(case["pod"])
    for c in (*pod.init_containers, *pod.containers):
        rejection = dm.allocate(pod, c, NO_AFFINITY)
    assert rejection is None
    checked = case["checked"]
    held = {
        name: {d for d in ids if d.startswith(checked + "#")}
        for name, ids in dm.state.assigned[pod.uid].items()
    }
    assert {n: len(held[n]) for n in case["expectedCounts"]} == case["expectedCounts"]
    for a, b in case["supersets"]:
        assert held[a] >= held[b], (a, b)
    for a, b in case["disjoint"]:
        assert not held[a] & held[b], (a, b)
