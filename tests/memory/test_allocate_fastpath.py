"""The Static policy's ``allocate`` / ``remove_container`` (per-container plan, given hint checked in
one pass, reuse steps skipped when they are no-ops, memoised node steps) against the plain steps of
policy_static.go, on random machines, gates, pods, hints and operation sequences."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.memory import MemoryState, new_policy_static
from podfit.memory.hints import (
    calculate_hints,
    is_affinity_satisfy_request,
    is_affinity_violating_numa_allocations,
    regenerate_hints,
    select_hint,
)
from podfit.memory.machine_state import (
    NodeSteps,
    get_default_machine_state,
    release_memory,
    update_machine_state,
)
from podfit.memory.manager import add_container
from podfit.memory.policy_static import StaticPolicy, _holds_request
from podfit.memory.requests import (
    container_memory_plan,
    get_container_requested_resources,
    get_pod_requested_resources,
    pod_memory_plan,
    validate_pod_scope_resources,
)
from podfit.memory.reusable import (
    get_pod_reusable_memory,
    is_regular_init_container,
    reusable_for_pod,
    update_init_containers_memory_blocks,
    update_pod_reusable_memory,
)
from podfit.memory.state import Block
from podfit.model.admission import Rejection
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import QOSGates, get_pod_qos, is_pod_level_resources_set, qos_gates
from podfit.topology.bitmask import get_bits
from podfit.topology.hint import TopologyHint

GI = 2**30
MI = 2**20
HP = "hugepages-1Gi"
PLR = "PodLevelResources"
PLRM = "PodLevelResourceManagers"


# ----- the plain steps (policy_static.go Allocate / RemoveContainer, literally) ---------------------
def _plain_allocate(
    p: StaticPolicy, state: MemoryState, pod: Pod, container: Container, hint: TopologyHint | None
) -> str | None:
    plr, plrm = p.gates.enabled(PLR), p.gates.enabled(PLRM)
    if get_pod_qos(pod, qos_gates(p.gates)) != "Guaranteed":
        return None
    if is_pod_level_resources_set(pod) and not (plrm and plr):
        return None
    existing = state.get_memory_blocks(pod.uid, container.name)
    if existing is not None:
        update_pod_reusable_memory(state, pod, container, existing)
        return None
    requested = get_container_requested_resources(pod, container, plrm)
    machine_state = state.get_machine_state()
    pod_reusable = reusable_for_pod(state, pod.uid)
    best, err = select_hint(machine_state, requested, pod_reusable, hint)
    if err is not None or best is None:
        return Rejection(err or "")
    mask = best.numa_affinity or 0
    bits = tuple(get_bits(mask))
    blocks: list[Block] = []
    for resource, size in requested.items():
        blocks.append(Block(bits, resource, size))
        reuse = get_pod_reusable_memory(state, pod.uid, mask, resource) if pod_reusable else 0
        update_machine_state(machine_state, bits, resource, 0 if reuse >= size else size - reuse)
    update_pod_reusable_memory(state, pod, container, blocks)
    state.set_machine_state(machine_state)
    state.set_memory_blocks(pod.uid, container.name, blocks)
    update_init_containers_memory_blocks(state, pod, container, blocks)
    return None


def _plain_remove(p: StaticPolicy, state: MemoryState, pod_uid: str, name: str) -> None:
    if p.gates.enabled(PLRM):
        pod_blocks = state.get_pod_memory_blocks(pod_uid)
        if pod_blocks is not None:
            state.delete(pod_uid, name)
            if not state.get_memory_assignments().get(pod_uid):
                release_memory(state, pod_blocks)
                state.delete_pod(pod_uid)
            return
    blocks = state.get_memory_blocks(pod_uid, name)
    if blocks is None:
        return
    state.delete(pod_uid, name)
    release_memory(state, blocks)


def _plain_hints(p: StaticPolicy, state: MemoryState, pod: Pod, container: Container | None) -> Any:
    """GetTopologyHints (``container``) or GetPodTopologyHints (``None``), literally."""
    plr, plrm = p.gates.enabled(PLR), p.gates.enabled(PLRM)
    if get_pod_qos(pod, qos_gates(p.gates)) != "Guaranteed":
        return None
    if container is None:
        requested = get_pod_requested_resources(pod, plrm)
    else:
        requested = get_container_requested_resources(pod, container, plrm)
    if is_pod_level_resources_set(pod) and not (plrm and plr):
        return None
    if container is None:
        pod_level = plrm and is_pod_level_resources_set(pod)
        if pod_level and validate_pod_scope_resources(pod, plrm) is not None:
            return {name: [] for name in requested}
        if not requested:
            return None
    for c in pod.all_containers() if container is None else (container,):
        blocks = state.get_memory_blocks(pod.uid, c.name)
        if blocks is not None:
            return regenerate_hints(blocks, requested)
    return calculate_hints(state.get_machine_state(), requested, reusable_for_pod(state, pod.uid))


def _listed(hints: Any) -> Any:
    return hints if hints is None else {name: list(hs) for name, hs in hints.items()}


class _PlainPolicy:
    """``remove_container`` for ``add_container``, the plain way."""

    def __init__(self, p: StaticPolicy) -> None:
        self.p = p

    def remove_container(self, state: MemoryState, pod_uid: str, container_name: str) -> None:
        _plain_remove(self.p, state, pod_uid, container_name)


# ----- inputs -----------------------------------------------------------------------------------
@st.composite
def machines(draw: st.DrawFn) -> Machine:
    nodes = []
    for i in range(draw(st.integers(1, 4))):
        mem = draw(st.integers(0, 6))
        nodes.append(NUMANode(i, mem * GI, ((GI, draw(st.integers(0, max(0, min(3, mem - 1))))),)))
    return Machine(cpus=(), numa_nodes=tuple(nodes))


@st.composite
def pods(draw: st.DrawFn, uid: str) -> Pod:
    def container(name: str, kind: str) -> Container:
        req: dict[str, int] = {"cpu": 1000, "memory": draw(st.integers(1, 12)) * 512 * MI}
        if draw(st.booleans()):
            req[HP] = draw(st.integers(0, 3)) * GI
        lim = dict(req)
        if draw(st.integers(0, 5)) == 0:  # now and then a Burstable container
            lim["memory"] += GI
        return Container(name, kind, ResourceRequirements(req, lim))  # type: ignore[arg-type]

    inits = tuple(
        container(f"i{k}", draw(st.sampled_from(["init", "sidecar"]))) for k in range(draw(st.integers(0, 3)))
    )
    apps = tuple(container(f"c{k}", "app") for k in range(draw(st.integers(1, 3))))
    resources = None
    if draw(st.integers(0, 3)) == 0:
        total = {"cpu": 8000, "memory": draw(st.integers(4, 24)) * 512 * MI}
        resources = ResourceRequirements(total, total)  # type: ignore[arg-type]
    return Pod("ns", uid, uid, init_containers=inits, containers=apps, resources=resources)


def hints(n_numa: int) -> st.SearchStrategy[TopologyHint | None]:
    # masks may name a node the machine lacks (the kubelet then fails the same way)
    return st.none() | st.builds(
        TopologyHint, st.none() | st.integers(0, (1 << (n_numa + 1)) - 1), st.booleans()
    )


def _run(fn: Any, *args: Any) -> object:
    try:
        return fn(*args)
    except Exception as e:  # both paths must fail the same way
        return ("raised", type(e).__name__, str(e))


def _same_state(a: MemoryState, b: MemoryState) -> None:
    assert a.snapshot() == b.snapshot()
    ma, mb = a.get_machine_state(), b.get_machine_state()
    assert list(ma) == list(mb)
    for node_id, node in ma.items():
        other = mb[node_id]
        assert list(node.memory_map.items()) == list(other.memory_map.items())
        assert node.cells == other.cells and type(node.cells) is type(other.cells)
    assert a.reusable == b.reusable
    assert a.get_pod_memory_assignments() == b.get_pod_memory_assignments()


# ----- the differential tests -------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_allocate_and_remove_equal_the_plain_steps(data: st.DataObject) -> None:
    m = data.draw(machines())
    gates = FeatureGates({PLR: data.draw(st.booleans()), PLRM: data.draw(st.booleans())})
    reserved = {n.id: {"memory": 256 * MI} for n in m.numa_nodes}
    reserved[0]["memory"] = 512 * MI
    fast, err = new_policy_static(m, reserved, gates)
    plain, _ = new_policy_static(m, reserved, gates)
    assert err is None and fast is not None and plain is not None
    if data.draw(st.booleans()):
        fast._steps = NodeSteps(limit=data.draw(st.integers(1, 6)))  # the memo emptied often
    sf, sp = MemoryState(), MemoryState()
    assert fast.start(sf) is None and plain.start(sp) is None
    live: list[Pod] = []
    for k in range(data.draw(st.integers(1, 14))):
        op = data.draw(st.sampled_from(["admit", "admit", "again", "start", "remove", "pod"]))
        if op in ("admit", "pod") or not live:
            pod = data.draw(pods(f"p{k % 3}"))  # uids come back: reuse and stale entries
            hint = data.draw(hints(len(m.numa_nodes)))
            if op == "pod":
                assert _run(fast.allocate_pod, sf, pod, hint) == _run(plain.allocate_pod, sp, pod, hint)
            else:
                for c in pod.all_containers():
                    got = _run(fast.allocate, sf, pod, c, hint)
                    assert got == _run(_plain_allocate, plain, sp, pod, c, hint)
            live.append(pod)
        else:
            pod = data.draw(st.sampled_from(live))
            c = data.draw(st.sampled_from(pod.all_containers()))
            if op == "again":
                hint = data.draw(hints(len(m.numa_nodes)))
                assert _run(fast.allocate, sf, pod, c, hint) == _run(_plain_allocate, plain, sp, pod, c, hint)
            elif op == "start":
                add_container(fast, sf, pod, c)
                add_container(_PlainPolicy(plain), sp, pod, c)
            else:
                fast.remove_container(sf, pod.uid, c.name)
                _plain_remove(plain, sp, pod.uid, c.name)
        _same_state(sf, sp)
        probe = data.draw(st.sampled_from(live))
        assert _listed(fast.get_pod_topology_hints(sf, probe)) == _listed(
            _plain_hints(plain, sp, probe, None)
        )
        for c in probe.all_containers():
            assert _listed(fast.get_topology_hints(sf, probe, c)) == _listed(
                _plain_hints(plain, sp, probe, c)
            )
    for pod in live:
        for c in pod.all_containers():
            fast.remove_container(sf, pod.uid, c.name)
            _plain_remove(plain, sp, pod.uid, c.name)
        _same_state(sf, sp)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_node_steps_equal_update_and_release(data: st.DataObject) -> None:
    m = data.draw(machines())
    steps = NodeSteps(limit=data.draw(st.sampled_from([1, 3, 4096])))
    sf, sp = MemoryState(), MemoryState()
    base = get_default_machine_state(m, {0: {"memory": 128 * MI}})
    sf.set_machine_state(base)
    sp.set_machine_state(base)
    nodes = sorted(base)
    blocks: list[Block] = []
    for _ in range(data.draw(st.integers(1, 20))):
        if blocks and data.draw(st.booleans()):
            block = blocks.pop(data.draw(st.integers(0, len(blocks) - 1)))
            steps.release(sf, [block])
            release_memory(sp, [block])
        else:
            bits = tuple(sorted(data.draw(st.sets(st.sampled_from(nodes), min_size=1))))
            resource = data.draw(st.sampled_from(["memory", HP, "hugepages-2Mi"]))
            size = data.draw(st.integers(0, 8)) * 512 * MI
            mf, mp = sf.get_machine_state(), sp.get_machine_state()
            steps.charge(mf, bits, resource, size)
            update_machine_state(mp, bits, resource, size)
            sf.set_machine_state(mf)
            sp.set_machine_state(mp)
            blocks.append(Block(bits, resource, size))
        _same_state(sf, sp)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_given_hint_check_equals_satisfy_and_violate(data: st.DataObject) -> None:
    """``_holds_request`` is isAffinitySatisfyRequest && !isAffinityViolatingNUMAAllocations, on
    machine states with multi-NUMA groups and single-NUMA uses."""
    m = data.draw(machines())
    p, _ = new_policy_static(m, {0: {"memory": 128 * MI}}, FeatureGates())
    assert p is not None
    s = MemoryState()
    assert p.start(s) is None
    n = len(m.numa_nodes)
    for k in range(data.draw(st.integers(0, 5))):
        pod = data.draw(pods(f"p{k}"))
        for c in pod.all_containers():
            p.allocate(s, pod, c, data.draw(hints(n - 1)))
    ms = s.get_machine_state()
    for _ in range(5):
        mask = data.draw(st.integers(0, (1 << n) - 1))
        requested = {"memory": data.draw(st.integers(0, 8)) * GI}
        if data.draw(st.booleans()):
            requested[HP] = data.draw(st.integers(0, 3)) * GI
        satisfied = is_affinity_satisfy_request(ms, mask, requested)
        want = satisfied and not is_affinity_violating_numa_allocations(ms, mask)
        assert _holds_request(ms, tuple(get_bits(mask)), requested) == want


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_container_plan_equals_the_functions(data: st.DataObject) -> None:
    pod = data.draw(pods("p"))
    plr, plrm = data.draw(st.booleans()), data.draw(st.booleans())
    guaranteed = get_pod_qos(pod, QOSGates(plr, False)) == "Guaranteed"
    pinned = guaranteed and not (is_pod_level_resources_set(pod) and not (plrm and plr))
    for c in pod.all_containers():
        plan = container_memory_plan(pod, c, QOSGates(plr, False), plrm)
        assert plan is container_memory_plan(pod, c, QOSGates(plr, False), plrm)
        assert plan.pinned == pinned
        if pinned:
            assert dict(plan.requested) == get_container_requested_resources(pod, c, plrm)
            assert list(plan.requested) == list(get_container_requested_resources(pod, c, plrm))
        assert plan.regular_init == is_regular_init_container(pod, c)
        for mask in (0, 1, 2, 5):
            bits, blocks = plan.placed(mask)
            assert bits == tuple(get_bits(mask))
            assert blocks == tuple(Block(bits, r, size) for r, size in plan.requested.items())


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_pod_plan_equals_the_functions(data: st.DataObject) -> None:
    pod = data.draw(pods("p"))
    plr, plrm = data.draw(st.booleans()), data.draw(st.booleans())
    plan = pod_memory_plan(pod, QOSGates(plr, False), plrm)
    assert plan is pod_memory_plan(pod, QOSGates(plr, False), plrm)
    pinned = get_pod_qos(pod, QOSGates(plr, False)) == "Guaranteed"
    pinned = pinned and not (is_pod_level_resources_set(pod) and not (plrm and plr))
    assert plan.pinned == pinned
    if pinned:
        assert list(plan.requested.items()) == list(get_pod_requested_resources(pod, plrm).items())
        pod_level = plrm and is_pod_level_resources_set(pod)
        assert plan.refused == (pod_level and validate_pod_scope_resources(pod, plrm) is not None)


def test_a_cycle_reuses_the_node_states() -> None:
    """Admitting and removing the same pod again finds every node step in the memo (after the
    first round trip, which makes the released states canonical)."""
    m = Machine(cpus=(), numa_nodes=(NUMANode(0, 8 * GI, ()), NUMANode(1, 8 * GI, ())))
    p, _ = new_policy_static(m, {0: {"memory": 512 * MI}}, FeatureGates())
    assert p is not None
    s = MemoryState()
    assert p.start(s) is None
    res = {"cpu": 1000, "memory": GI}
    sizes = (res, {"cpu": 1000, "memory": 2 * GI})
    pod = Pod(
        "ns",
        "p",
        "u",
        containers=tuple(Container(f"c{i}", "app", ResourceRequirements(r, r)) for i, r in enumerate(sizes)),  # type: ignore[arg-type]
    )
    hint = TopologyHint(1, True)
    first: list[object] = []
    for cycle in range(4):
        for c in pod.containers:
            assert p.allocate(s, pod, c, hint) is None
        states = [s.get_machine_state()[0]]
        for c in pod.containers:
            p.remove_container(s, pod.uid, c.name)
        states.append(s.get_machine_state()[0])
        if cycle == 1:
            first = states
        elif cycle > 1:
            assert all(a is b for a, b in zip(states, first, strict=True))
    assert s.get_machine_state() == get_default_machine_state(m, {0: {"memory": 512 * MI}})
