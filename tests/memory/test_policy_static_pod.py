"""Pod-level (KEP-5526) Static policy behaviour beyond the data cases: admission wording, restart
validation from pod blocks, Go uint64 arithmetic, and invariants on random pods."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.memory import (
    Block,
    MemoryState,
    StaticPolicy,
    add_container,
    new_policy_static,
)
from podfit.memory.machine_state import are_machine_states_equal
from podfit.memory.policy_static_pod import partition_pod_memory
from podfit.memory.requests import get_pod_requested_resources, validate_pod_scope_resources
from podfit.model.admission import Rejection, get_pod_admit_result
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import is_container_equivalent_qos_guaranteed
from podfit.topology.hint import TopologyHint

GI = 2**30
MI = 2**20
HP = "hugepages-1Gi"
ON = FeatureGates({"PodLevelResources": True, "PodLevelResourceManagers": True})
MACHINE = Machine(cpus=(), numa_nodes=tuple(NUMANode(i, 10 * GI, ((GI, 5),)) for i in range(2)))


def _policy(gates: FeatureGates = ON, machine: Machine = MACHINE) -> tuple[StaticPolicy, MemoryState]:
    p, err = new_policy_static(machine, {n.id: {"memory": GI} for n in machine.numa_nodes}, gates)
    assert err is None and p is not None
    s = MemoryState()
    assert p.start(s) is None
    return p, s


def _c(name: str, kind: str = "app", **res: int) -> Container:
    policy = "Always" if kind == "sidecar" else None
    return Container(name, kind, ResourceRequirements(res, res), restart_policy=policy)  # type: ignore[arg-type]


def _pod(uid: str, budget: dict[str, int], *containers: Container) -> Pod:
    inits = tuple(c for c in containers if c.kind != "app")
    apps = tuple(c for c in containers if c.kind == "app")
    res = ResourceRequirements({"cpu": 4000, **budget}, {"cpu": 4000, **budget})
    return Pod("ns", uid, uid, init_containers=inits, containers=apps, resources=res)


def test_empty_pool_refusal_is_a_typed_admission_error() -> None:
    p, s = _policy()
    pod = _pod("u", {"memory": GI}, _c("a", cpu=1000, memory=GI), _c("b", cpu=500))
    err = p.allocate_pod(s, pod, TopologyHint(0b01, True))
    msg = (
        "pod rejected, sum of exclusive container memory requests equals pod budget, "
        "leaving no memory for shared containers"
    )
    assert err == Rejection(msg, "EmptyPodSharedPoolError")
    assert get_pod_admit_result(err) == err
    plain = Rejection("[memorymanager] preferred hint violates NUMA node allocation")
    assert get_pod_admit_result(plain) == Rejection(
        f"Allocate failed due to {plain.message}, which is unexpected", "UnexpectedAdmissionError"
    )


def test_restart_validates_machine_state_from_pod_blocks() -> None:
    p, s = _policy()
    pod = _pod("u", {"memory": 128 * MI}, _c("gu", cpu=1000, memory=64 * MI), _c("ngu", cpu=500))
    assert p.allocate_pod(s, pod, TopologyHint(0b01, True)) is None
    # the pod is charged once (one assignment), its two containers hold 64Mi each
    assert s.get_machine_state()[0].number_of_assignments == 1
    p2, _ = _policy()
    assert p2.start(MemoryState.from_snapshot(s.snapshot())) is None
    # a kubelet without PodLevelResourceManagers replays the container blocks instead: 2 != 1
    p3, _ = _policy(FeatureGates({"PodLevelResources": True}))
    assert p3.start(MemoryState.from_snapshot(s.snapshot())) == (
        "[memorymanager] the expected machine state is different from the real one"
    )


def test_remove_container_releases_the_pod_budget_with_the_last_entry_only() -> None:
    p, s = _policy()
    before = s.snapshot()
    init = _c("init", "init", cpu=1000, memory=512 * MI)
    pod = _pod("u", {"memory": GI}, init, _c("a", cpu=500), _c("b", cpu=500))
    assert p.allocate_pod(s, pod, TopologyHint(0b10, True)) is None
    charged = s.get_machine_state()
    add_container(p, s, pod, pod.containers[0])  # the finished init container's entry goes
    assert s.get_memory_blocks("u", "init") is None
    assert s.get_machine_state() == charged
    p.remove_container(s, "u", "a")
    assert s.get_machine_state() == charged and s.get_pod_memory_blocks("u") is not None
    p.remove_container(s, "u", "b")
    assert s.snapshot() == before
    p.remove_container(s, "u", "b")  # idempotent
    assert s.snapshot() == before


def test_partition_keeps_go_uint64_arithmetic() -> None:
    # API-invalid pod (budget below the sum of exclusive requests) with no shared container: the
    # validation passes and the Go pool wraps around.
    a, b = _c("a", cpu=1000, memory=100 * MI), _c("b", cpu=1000, memory=100 * MI)
    pod = _pod("u", {"memory": 128 * MI}, a, b)
    assert validate_pod_scope_resources(pod, True) is None
    own, shared = partition_pod_memory(pod, {"memory": 128 * MI}, (0,), True)
    assert own == {"a": (Block((0,), "memory", 100 * MI),), "b": (Block((0,), "memory", 100 * MI),)}
    assert shared == (Block((0,), "memory", 2**64 - 72 * MI),)


def test_non_guaranteed_pod_is_left_alone() -> None:
    p, s = _policy()
    res = ResourceRequirements({"cpu": 1000, "memory": 64 * MI}, {"cpu": 1000, "memory": 128 * MI})
    pod = Pod("ns", "u", "u", containers=(_c("a", cpu=500),), resources=res)
    before = s.snapshot()
    assert p.allocate_pod(s, pod, None) is None
    assert s.snapshot() == before


# ----- invariants on random API-valid pod-level pods -------------------------------------------
@st.composite
def pod_level_pods(draw: st.DrawFn, uid: str = "p") -> Pod:
    with_hp = draw(st.booleans())

    def container(name: str, kind: str) -> Container:
        if draw(st.booleans()):
            return _c(name, kind, cpu=draw(st.sampled_from([100, 500])))
        res = {"cpu": 1000, "memory": draw(st.integers(1, 8)) * 128 * MI}
        if with_hp and draw(st.booleans()):
            res[HP] = draw(st.integers(0, 2)) * GI
        return _c(name, kind, **res)

    kinds = draw(st.lists(st.sampled_from(["init", "sidecar"]), max_size=3))
    inits = [container(f"i{k}", kind) for k, kind in enumerate(kinds)]
    apps = [container(f"c{k}", "app") for k in range(draw(st.integers(1, 3)))]
    aggregate: dict[str, int] = {}
    by_init: dict[str, int] = {}
    sidecars: dict[str, int] = {}
    for c in inits:
        for n, v in c.resources.requests.items():
            if c.kind == "sidecar":
                sidecars[n] = sidecars.get(n, 0) + v
            else:
                by_init[n] = max(by_init.get(n, 0), sidecars.get(n, 0) + v)
    for c in apps:
        for n, v in c.resources.requests.items():
            aggregate[n] = aggregate.get(n, 0) + v
    budget = {}
    for n in ("memory", HP):
        need = max(aggregate.get(n, 0) + sidecars.get(n, 0), by_init.get(n, 0))
        extra = draw(st.integers(0, 4)) * (128 * MI if n == "memory" else GI)
        if n == "memory" or with_hp:
            budget[n] = max(need + extra, 128 * MI if n == "memory" else 0)
    budget = {n: v for n, v in budget.items() if v > 0}
    return _pod(uid, budget, *inits, *apps)


@settings(max_examples=150, deadline=None)
@given(pod=pod_level_pods(), bits=st.sampled_from([(0,), (1,), (0, 1)]))
def test_exclusive_long_running_blocks_plus_shared_pool_equal_the_budget(
    pod: Pod, bits: tuple[int, ...]
) -> None:
    if validate_pod_scope_resources(pod, True) is not None:
        return
    budget = get_pod_requested_resources(pod, True)
    own, shared = partition_pod_memory(pod, budget, bits, True)
    long_running = [c for c in pod.all_containers() if c.kind != "init"]
    for name, total in budget.items():
        exclusive = sum(b.size for c in long_running if c.name in own for b in own[c.name] if b.type == name)
        pool = sum(b.size for b in shared if b.type == name)
        assert exclusive + pool == total
    for c in pod.all_containers():
        if c.kind == "init" and c.name in own and not is_container_equivalent_qos_guaranteed(c):
            assert all(b.size <= budget[b.type] for b in own[c.name])
    assert all(b.numa_affinity == bits and b.size > 0 for bs in [*own.values(), shared] for b in bs)


@settings(max_examples=150, deadline=None)
@given(
    first=pod_level_pods("a"),
    second=pod_level_pods("b"),
    data=st.data(),
)
def test_allocate_pod_then_removing_every_container_restores_the_state(
    first: Pod, second: Pod, data: st.DataObject
) -> None:
    """The hint is one the policy itself offers for the pod (what a pod-scope merge with memory
    as the only provider picks), or none."""
    p, s = _policy()
    initial = s.snapshot()
    admitted = []
    for pod in (first, second):
        before = s.snapshot()
        offered = (p.get_pod_topology_hints(s, pod) or {}).get("memory", [])
        hint = data.draw(st.sampled_from([None, *offered]))
        err = p.allocate_pod(s, pod, hint)
        if err is not None:
            assert s.snapshot() == before
            continue
        admitted.append((pod, before))
        budget = get_pod_requested_resources(pod, True)
        pod_blocks = s.get_pod_memory_blocks(pod.uid)
        assert pod_blocks is not None and {b.type: b.size for b in pod_blocks} == budget
        for name, total in budget.items():
            assert _reserved(s, name) - _reserved_of(before, name) == total
        for node in s.get_machine_state().values():
            for t in node.memory_map.values():
                assert t.reserved + t.free == t.allocatable and t.free >= 0
        assert p.start(MemoryState.from_snapshot(s.snapshot())) is None
        for c in pod.all_containers():
            add_container(p, s, pod, c)
    for pod, before in reversed(admitted):
        order = data.draw(st.permutations(pod.all_containers()))
        for c in order:
            p.remove_container(s, pod.uid, c.name)
        restored = MemoryState.from_snapshot(before)
        assert s.get_memory_assignments() == restored.get_memory_assignments()
        assert s.get_pod_memory_assignments() == restored.get_pod_memory_assignments()
        # a cross-NUMA group may hand its memory back node by node in another split
        assert are_machine_states_equal(s.get_machine_state(), restored.get_machine_state())
    assert s.snapshot() == initial


def _reserved(s: MemoryState, name: str) -> int:
    return sum(n.memory_map[name].reserved for n in s.get_machine_state().values() if name in n.memory_map)


def _reserved_of(snap: object, name: str) -> int:
    return _reserved(MemoryState.from_snapshot(snap), name)  # type: ignore[arg-type]


def test_pod_hints_after_allocation_come_from_the_first_container_entry() -> None:
    """1.36 (decision A-11): the pod hints are regenerated from the first container's blocks,
    compared with the pod budget; a partitioned pod gets nil hints, a one-block pod its NUMA."""
    p, s = _policy()
    mixed = _pod("m", {"memory": 128 * MI}, _c("gu", cpu=1000, memory=64 * MI), _c("ngu", cpu=500))
    assert p.allocate_pod(s, mixed, TopologyHint(0b10, True)) is None
    assert p.get_pod_topology_hints(s, mixed) is None
    whole = _pod("w", {"memory": 128 * MI}, _c("ngu", cpu=500))
    assert p.allocate_pod(s, whole, TopologyHint(0b10, True)) is None
    assert p.get_pod_topology_hints(s, whole) == {"memory": [TopologyHint(0b10, True)]}
