"""Invariants of the static CPU policy over random admission/removal sequences (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.upstream.cpumanager.topologies import load_topology

from podfit.cpu.policy_static import StaticPolicy, new_static_policy
from podfit.cpu.state import CPUState
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.policy_options import CPUManagerOptions
from podfit.topology.hint import TopologyHint

TOPOLOGIES = [
    "topoSingleSocketHT",
    "topoDualSocketHT",
    "topoDualSocketNoHT",
    "topoDualSocketMultiNumaPerSocketHT",
]
GATES = FeatureGates()


@st.composite
def options(draw: st.DrawFn) -> CPUManagerOptions:
    full = draw(st.booleans())
    numa = draw(st.booleans())
    uncore = draw(st.booleans()) and not numa
    cores = draw(st.booleans()) and not (full or numa or uncore)
    return CPUManagerOptions(
        full_physical_cpus_only=full,
        distribute_cpus_across_numa=numa,
        align_by_socket=draw(st.booleans()),
        distribute_cpus_across_cores=cores,
        strict_cpu_reservation=draw(st.booleans()),
        prefer_align_by_uncore_cache=uncore,
    )


@dataclass(frozen=True)
class Setup:
    machine: Machine
    policy: StaticPolicy


@st.composite
def setups(draw: st.DrawFn) -> Setup:
    machine = load_topology(draw(st.sampled_from(TOPOLOGIES)))
    opts = draw(options())
    policy = new_static_policy(machine, draw(st.integers(0, 3)), 0, opts, GATES)
    assert isinstance(policy, StaticPolicy), policy
    return Setup(machine, policy)


def _ctr(name: str, kind: str, cpus: int) -> Container:
    res = ResourceRequirements(
        {"cpu": cpus * 1000, "memory": 1 << 30}, {"cpu": cpus * 1000, "memory": 1 << 30}
    )
    return Container(name, kind, res, restart_policy="Always" if kind == "sidecar" else None)  # type: ignore[arg-type]


@st.composite
def pods(draw: st.DrawFn, uid: str) -> Pod:
    inits = tuple(
        _ctr(f"init-{i}", draw(st.sampled_from(["init", "sidecar"])), draw(st.integers(1, 6)))
        for i in range(draw(st.integers(0, 2)))
    )
    apps = tuple(_ctr(f"app-{i}", "app", draw(st.integers(1, 6))) for i in range(draw(st.integers(1, 3))))
    return Pod(namespace="ns", name=uid, uid=uid, init_containers=inits, containers=apps)


def hints(machine: Machine) -> st.SearchStrategy[TopologyHint | None]:
    full = (1 << len(machine.numa_ids)) - 1
    return st.none() | st.builds(TopologyHint, st.integers(1, full), st.booleans())


def _check_invariants(policy: StaticPolicy, s: CPUState) -> None:
    default = s.get_default_cpu_set()
    union = default
    owners: dict[int, str] = {}
    for uid, ctrs in s.get_cpu_assignments().items():
        pod_cpus = 0
        for cset in ctrs.values():
            assert cset & default == 0, "an assigned CPU is still in the shared pool"
            pod_cpus |= cset
        for cpu in range(pod_cpus.bit_length()):
            if pod_cpus >> cpu & 1:
                assert owners.setdefault(cpu, uid) == uid, f"CPU {cpu} owned by two pods"
        union |= pod_cpus
    if policy.options.strict_cpu_reservation:
        assert default & policy.reserved_cpus == 0
        union |= policy.reserved_cpus
    else:
        assert default & policy.reserved_cpus == policy.reserved_cpus
    assert union == policy.machine.all_cpus


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_random_admissions_keep_pools_consistent(data: st.DataObject) -> None:
    setup = data.draw(setups())
    policy, s = setup.policy, CPUState()
    assert policy.start(s) is None
    live: list[Pod] = []
    for step in range(data.draw(st.integers(1, 8))):
        if live and data.draw(st.booleans()):
            pod = live.pop(data.draw(st.integers(0, len(live) - 1)))
            for c in pod.all_containers():
                policy.remove_container(s, pod.uid, c.name)
        else:
            pod = data.draw(pods(f"pod-{step}"))
            for c in pod.all_containers():
                err = policy.allocate(s, pod, c, data.draw(hints(setup.machine)))
                assert err is None or err.admit_reason in ("SMTAlignmentError", "UnexpectedAdmissionError")
            live.append(pod)
        _check_invariants(policy, s)
        if s.get_default_cpu_set():  # an exhausted shared pool is refused at restart, as upstream
            assert policy.start(s) is None  # a restart accepts the state as consistent


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_allocate_then_remove_restores_pools(data: st.DataObject) -> None:
    setup = data.draw(setups())
    policy, s = setup.policy, CPUState()
    assert policy.start(s) is None
    other = data.draw(pods("other"))
    for c in other.all_containers():
        policy.allocate(s, other, c)
    before = s.snapshot()
    n = data.draw(st.integers(1, 6))
    pod = Pod(namespace="ns", name="p", uid="p", containers=(_ctr("app", "app", n),))
    err = policy.allocate(s, pod, pod.containers[0], data.draw(hints(setup.machine)))
    if err is None:
        assert s.get_cpu_set("p", "app") is not None
        assert s.get_cpu_set("p", "app").bit_count() == n  # type: ignore[union-attr]
    else:
        assert s.get_cpu_set("p", "app") is None
        assert s.get_default_cpu_set() == before.default_cpu_set
    policy.remove_container(s, "p", "app")
    after = s.snapshot()
    assert after.default_cpu_set == before.default_cpu_set
    assert after.assignments == before.assignments
    assert after.pod_cpu_sets == before.pod_cpu_sets


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_snapshot_restore_round_trips(data: st.DataObject) -> None:
    setup = data.draw(setups())
    policy, s = setup.policy, CPUState()
    assert policy.start(s) is None
    pod = data.draw(pods("a"))
    for c in pod.all_containers():
        policy.allocate(s, pod, c)
    snap = s.snapshot()
    copy = CPUState.from_snapshot(snap)
    assert copy.snapshot() == snap
    other = data.draw(pods("b"))
    for c in other.all_containers():
        policy.allocate(s, other, c)
    s.restore(snap)
    assert s.snapshot() == snap
    assert s.get_cpu_assignments() == copy.get_cpu_assignments()
    assert s.cpus_to_reuse("a") == copy.cpus_to_reuse("a")


PLRM_GATES = FeatureGates({"PodLevelResources": True, "PodLevelResourceManagers": True})


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_pod_level_allocate_then_remove_restores_pools(data: st.DataObject) -> None:
    machine = load_topology(data.draw(st.sampled_from(TOPOLOGIES)))
    policy = new_static_policy(machine, data.draw(st.integers(1, 2)), 0, data.draw(options()), PLRM_GATES)
    assert isinstance(policy, StaticPolicy)
    s = CPUState()
    assert policy.start(s) is None
    before = s.snapshot()
    inner = data.draw(pods("bubble"))
    budget = data.draw(st.integers(1, 8))
    pod = Pod(
        namespace="ns",
        name="bubble",
        uid="bubble",
        init_containers=inner.init_containers,
        containers=(*inner.containers, Container("shared", "app")),
        resources=ResourceRequirements(
            {"cpu": budget * 1000, "memory": 1 << 31}, {"cpu": budget * 1000, "memory": 1 << 31}
        ),
    )
    err = policy.allocate_pod(s, pod, data.draw(hints(machine)))
    if err is not None:
        return  # upstream leaves a half-partitioned bubble on some errors; nothing to restore
    bubble = s.get_pod_cpu_set("bubble")
    assert bubble is not None and bubble.bit_count() == budget
    for cset in s.get_cpu_assignments()["bubble"].values():
        assert cset & ~bubble == 0
    _check_invariants_pod_level(policy, s)
    for c in pod.all_containers():
        policy.remove_container(s, pod.uid, c.name)
    assert s.snapshot() == before


def _check_invariants_pod_level(policy: StaticPolicy, s: CPUState) -> None:
    known = s.get_default_cpu_set()
    for cset in s.get_pod_cpu_assignments().values():
        assert cset & known == 0
        known |= cset
    if policy.options.strict_cpu_reservation:
        known |= policy.reserved_cpus
    assert known == policy.machine.all_cpus
