"""Compact device hints (HintSpace) equal the v1.36 full enumeration, and merging them without
listing them gives the literal merge's answer (<= 6 NUMA nodes, every policy and option)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from podfit.api.presets import preset_machine
from podfit.api.scenario import scenario_from_dict
from podfit.devices.manager import LIST_UP_TO, DeviceManager, zero_request_hints
from podfit.kubelet.node import Node
from podfit.model.machine import CPUInfo, DeviceGroup, Machine, NUMANode
from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.fastmerge import HintSpace
from podfit.topology.hint import TopologyHint
from podfit.topology.numa_info import NUMAInfo
from podfit.topology.policy import POLICY_NAMES, new_policy

GPU = "nvidia.com/gpu"


@st.composite
def device_cases(draw: st.DrawFn) -> tuple[DeviceManager, set[str], set[str], int]:
    n = draw(st.integers(1, 6))
    cpu_nodes = draw(st.integers(1, n))  # the other nodes are memory-only (like a GB200 tray)
    cpus = tuple(CPUInfo(cpu=i, core=i, socket=0, numa=i) for i in range(cpu_nodes))
    nodes = tuple(NUMANode(id=i, memory=1 << 30) for i in range(n))
    holding = draw(st.lists(st.sampled_from([*range(n), None]), min_size=1, max_size=4))
    groups = tuple(DeviceGroup(GPU, numa, draw(st.integers(1, 3))) for numa in holding)
    # both releases' hint generation: every NUMA mask (to 1.35) / the devices' NUMA nodes (1.36+)
    only_device_nodes = draw(st.booleans())
    dm = DeviceManager(Machine(cpus=cpus, numa_nodes=nodes, devices=groups), None, only_device_nodes)
    ids = sorted(dm.devices[GPU])
    used = set(draw(st.lists(st.sampled_from(ids), max_size=len(ids))))
    available = set(ids) - used
    reusable = set(draw(st.lists(st.sampled_from(sorted(used)), max_size=2))) if used else set()
    request = draw(st.integers(1, len(ids) + 1))
    return dm, available, reusable, request


@settings(max_examples=1800, deadline=None)
@given(device_cases())
def test_device_hints_equal_full_enumeration(case: tuple[DeviceManager, set[str], set[str], int]) -> None:
    dm, available, reusable, request = case
    fast = dm.generate_hints(GPU, available, reusable, request)
    ref = dm.generate_hints_reference(GPU, available, reusable, request)
    assert list(fast) == ref
    assert fast == ref
    assert len(fast) == len(ref)
    assert bool(fast) == bool(ref)


@st.composite
def merge_cases(draw: st.DrawFn) -> tuple[NUMAInfo, list[object]]:
    n = draw(st.integers(1, 6))
    nodes = tuple(range(n))
    pairs = [(i, j) for i in nodes for j in nodes if i < j]
    upper = draw(st.lists(st.sampled_from([11, 12, 20, 21]), min_size=len(pairs), max_size=len(pairs)))
    dist = {**{(i, i): 10 for i in nodes}, **dict(zip(pairs, upper, strict=True))}
    dist.update({(j, i): d for (i, j), d in list(dist.items())})
    info = NUMAInfo(nodes=nodes, distances={i: tuple(dist[i, j] for j in nodes) for i in nodes})
    universe = (1 << n) - 1
    providers: list[object] = []
    kinds = ["space", "space", "plain", "none", "zero"]
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3)):
        if kind == "zero":  # a request of 0 devices: every mask holding the reusable devices' nodes
            reuse = draw(st.sampled_from([0, 0, *(1 << i for i in nodes), universe & 3]))
            providers.append({"z": zero_request_hints(nodes, reuse & universe)})
            continue
        if kind == "none":
            providers.append(draw(st.sampled_from([None, {}, {"x": None}, {"x": []}])))
            continue
        if kind == "plain":
            masks = draw(st.lists(st.integers(0, universe), max_size=4))
            flags = draw(st.integers(0, 15))
            hints = [TopologyHint(m or None, bool(flags >> i & 1)) for i, m in enumerate(masks)]
            providers.append({"p": hints})
            continue
        free = draw(st.integers(0, universe))
        core_nodes = universe & ~free
        if not core_nodes:
            free, core_nodes = universe & ~1, 1
        raw = draw(st.lists(st.integers(1, universe), max_size=4))
        cores = [c for c in dict.fromkeys(m & core_nodes for m in raw) if c]
        flags = draw(st.integers(0, 255))
        base = [TopologyHint(c, bool(flags >> i & 1)) for i, c in enumerate(cores)]
        extendable = [c for i, c in enumerate(cores) if (flags >> (4 + i) & 3) or i % 2]  # mostly all
        providers.append({"d": HintSpace(nodes, base, free, extendable) if base and free else base})
    # keep the reference merge (which walks the whole product) cheap
    size = 1
    for p in providers:
        for hs in (p or {}).values():  # type: ignore[attr-defined]
            size *= max(1, len(hs or ()))
    assume(size <= 3000)
    return info, providers


@settings(max_examples=600, deadline=None)
@given(device_cases())
def test_zero_request_hint_space_equals_full_enumeration(
    case: tuple[DeviceManager, set[str], set[str], int],
) -> None:
    dm, available, reusable, _ = case
    reuse_mask = 0
    for d in reusable:
        numa = dm.devices[GPU][d].numa
        reuse_mask |= 0 if numa is None else 1 << numa
    ids = dm.numa_ids
    if dm.device_numa_nodes_only:  # PR #138244 (1.36+): the devices' NUMA nodes only
        ids = tuple(dm.device_numa_nodes(GPU)) or dm.numa_ids
    space = zero_request_hints(ids, reuse_mask)
    ref = dm.generate_hints_reference(GPU, available, reusable, 0)
    assert list(space) == ref
    assert space == ref and len(space) == len(ref) and bool(space) == bool(ref)
    assert [h for h in ref if h.preferred] == [h for h in space.tops if h.preferred]


def _listed(providers: list[object]) -> list[object]:
    out: list[object] = []
    for p in providers:
        if isinstance(p, dict):
            p = {k: (list(v) if isinstance(v, HintSpace) else v) for k, v in p.items()}
        out.append(p)
    return out


@settings(max_examples=3500, deadline=None)
@given(merge_cases(), st.sampled_from(POLICY_NAMES), st.booleans())
def test_merge_of_hint_spaces_equals_literal_merge(
    case: tuple[NUMAInfo, list[object]], policy_name: str, closest: bool
) -> None:
    info, providers = case
    opts = TopologyManagerOptions(prefer_closest_numa=closest)
    fast = new_policy(policy_name, info, opts).merge(providers)  # type: ignore[arg-type]
    ref = new_policy(policy_name, info, opts, exact_reference=True).merge(_listed(providers))  # type: ignore[arg-type]
    assert fast == ref


WIDE_LIMITS = {"cpu": "100", "memory": "8Gi", "nvidia.com/gpu": "3"}  # needs both Grace sockets


def _tray(numa_nodes: int) -> tuple[object, object]:
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "tray"},
        "node": {"preset": "gb200-tray"},
        "kubeletConfig": {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "cpuManagerPolicy": "static",
            "reservedSystemCPUs": "0",
            "memoryManagerPolicy": "Static",
            "kubeReserved": {"memory": "1Gi"},
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
            "topologyManagerPolicy": "best-effort",
            "topologyManagerScope": "pod",
            "topologyManagerPolicyOptions": {"max-allowable-numa-nodes": "64"},
        },
        "events": [
            {
                "add": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "wide"},
                    "spec": {
                        "containers": [
                            {"name": "c", "resources": {"limits": WIDE_LIMITS}},
                        ]
                    },
                }
            }
        ],
    }
    sc = scenario_from_dict(doc)
    tray = preset_machine("gb200-tray")
    nodes = list(tray.numa_nodes[:numa_nodes])
    nodes += [NUMANode(id=i, memory=0) for i in range(len(nodes), numa_nodes)]
    return replace(tray, numa_nodes=tuple(nodes)), sc


def test_64_numa_tray_admits_like_its_10_node_cut() -> None:
    # 2 NUMA nodes with CPUs and GPUs, the rest memory-only: 2^64 masks are never enumerated
    big, sc = _tray(64)
    small, _ = _tray(10)
    pod = sc.events[0].pod  # type: ignore[attr-defined]
    got = Node(big, sc.kubelet_config).admit(pod)  # type: ignore[arg-type, attr-defined]
    want = Node(small, sc.kubelet_config).admit(pod)  # type: ignore[arg-type, attr-defined]
    assert got.admitted and got.pod_hint is not None and got.pod_hint.numa_affinity == (0, 1)
    assert got == want


def test_hint_space_on_64_nodes_has_a_length() -> None:
    base = [TopologyHint(1, True), TopologyHint(2, True), TopologyHint(3, False)]
    space = HintSpace(range(64), base, ~3 & (1 << 64) - 1)
    assert space.size == 3 + 3 * ((1 << 62) - 1)
    assert len(space) == (1 << 63) - 1  # len() cannot say more
    first = [h for _, h in zip(range(5), space, strict=False)]
    assert first == [*base, TopologyHint(1 | 4, False), TopologyHint(1 | 8, False)]


def test_zero_gpu_limit_on_a_34_numa_tray_admits_like_its_10_node_cut() -> None:
    # a zero device limit still asks for hints: every one of the 2^34 - 1 masks qualifies
    # (kubernetes#135541 shape); the 10-node cut lists them, the tray merges them unlisted
    assert 10 <= LIST_UP_TO < 34
    big, sc = _tray(34)
    small, _ = _tray(10)
    pod = sc.events[0].pod  # type: ignore[attr-defined]
    container = pod.containers[0]
    limits = {**container.resources.limits, GPU: 0}
    zero = replace(container, resources=replace(container.resources, limits=limits, requests=limits))
    pod = replace(pod, containers=(zero,))
    got = Node(big, sc.kubelet_config).admit(pod)  # type: ignore[arg-type, attr-defined]
    want = Node(small, sc.kubelet_config).admit(pod)  # type: ignore[arg-type, attr-defined]
    assert got.admitted and got.pod_hint is not None
    assert got == want


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5), st.data())
def test_hint_space_is_the_sequence_of_its_hints(n: int, data: st.DataObject) -> None:
    """A HintSpace answers every read-only sequence operation as the list of its hints does."""
    universe = (1 << n) - 1
    free = data.draw(st.integers(0, universe))
    core = universe & ~free
    masks = data.draw(st.lists(st.integers(1, universe).map(lambda m: m & core), max_size=3))
    base = [TopologyHint(m, data.draw(st.booleans())) for m in dict.fromkeys(masks) if m]
    alone = not base and bool(free)
    space = HintSpace(tuple(range(n)), base, free, free_alone=alone)
    listed = list(space)
    assert isinstance(space, Sequence)
    assert space.hints is space
    assert len(space) == len(listed) and bool(space) == bool(listed)
    assert list(reversed(space)) == listed[::-1]
    if listed:
        i = data.draw(st.integers(0, len(listed) - 1))
        assert space[i] == listed[i]
    probe = TopologyHint(data.draw(st.integers(0, universe)), data.draw(st.booleans()))
    assert (probe in space) == (probe in listed)
    assert space.count(probe) == listed.count(probe)
    if probe in listed:
        assert space.index(probe) == listed.index(probe)
    else:
        try:
            space.index(probe)
        except ValueError:
            pass
        else:
            raise AssertionError("index of a hint the space does not hold")
