"""``podfit explain``: the shortfall of a rejection and suggestions that a re-run confirms.

Expected figures are hand-derived (see the header comments of the two example scenarios):
explain-topology-affinity: 2 NUMA nodes of 12 CPUs, CPU 0 reserved, single-numa-node; two 6-CPU
pods leave node0 5 and node1 6 free CPUs; a 10-CPU pod cannot be aligned.
explain-smt-alignment: laptop-8c16t with full-pcpus-only, CPU 0 reserved.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from podfit.explain import explain
from podfit.explain.suggest import with_cpus
from podfit.io.scenario import load_scenario
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.simulation import simulate
from podfit.model.scenario import AddPod, Scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOPOLOGY = EXAMPLES / "explain-topology-affinity.yaml"
SMT = EXAMPLES / "explain-smt-alignment.yaml"


def _step_of(scenario: Scenario, key: str) -> AdmitResult:
    sim = simulate(scenario)
    steps = [s for s in sim.steps if isinstance(s, AdmitResult) and s.pod == key]
    assert steps, f"{key} not in the run"
    return steps[0]


def _pod(scenario: Scenario, key: str) -> tuple[int, AddPod]:
    for i, e in enumerate(scenario.events):
        if isinstance(e, AddPod) and e.pod.key == key:
            return i, e
    raise AssertionError(key)


def _with_pod(scenario: Scenario, key: str, cpus: int) -> Scenario:
    i, e = _pod(scenario, key)
    return replace(
        scenario,
        events=(*scenario.events[:i], AddPod(with_cpus(e.pod, "db" if "db" in key else "app", cpus))),
    )


def test_topology_affinity_error_shortfall() -> None:
    e = explain(load_scenario(TOPOLOGY), "default/big-db")
    assert not e.admitted
    assert e.result.reason == "TopologyAffinityError"
    assert e.shortfall == ("cpu: needs 10 CPUs within one NUMA node; free: node0 5, node1 6",)
    (merge,) = e.merges
    assert not merge.admit
    cpu = next(r for r in merge.resources if r.resource == "cpu")
    assert cpu.demand is not None and dict(cpu.demand.free) == {0: 5, 1: 6}
    assert [(h.numa_affinity, h.preferred) for h in cpu.hints or ()] == [(0b11, False)]
    assert e.notes == ()


def test_topology_affinity_suggestions_are_confirmed_by_a_rerun() -> None:
    scenario = load_scenario(TOPOLOGY)
    e = explain(scenario, "default/big-db")
    kinds = {s.kind: s for s in e.suggestions}
    assert {"topology-policy", "fewer-cpus", "machine"} <= set(kinds)
    assert {s.change.get("topologyManagerPolicy") for s in e.suggestions if s.kind == "topology-policy"} == {
        "best-effort",
        "none",
    }  # restricted still needs a preferred hint: not suggested
    for s in e.suggestions:  # every suggestion re-run from its scenario
        assert _step_of(s.scenario, "default/big-db").admitted, s.summary
    # independently rebuilt: best-effort admits, restricted does not
    for policy, admitted in (("best-effort", True), ("restricted", False), ("none", True)):
        changed = replace(
            scenario, kubelet_config=replace(scenario.kubelet_config, topology_manager_policy=policy)
        )
        assert _step_of(changed, "default/big-db").admitted is admitted, policy
    # "6 CPUs is the largest count that fits": 6 admits, 7 does not
    assert kinds["fewer-cpus"].change == {"container": "db", "cpu": "6"}
    assert _step_of(_with_pod(scenario, "default/big-db", 6), "default/big-db").admitted
    assert not _step_of(_with_pod(scenario, "default/big-db", 7), "default/big-db").admitted


def test_smt_alignment_not_a_multiple() -> None:
    scenario = load_scenario(SMT)
    e = explain(scenario, "default/three-cpus")
    assert e.result.reason == "SMTAlignmentError"
    assert e.shortfall == ("full-pcpus-only: requested 3 CPUs, not a multiple of 2 threads per core",)
    even = sorted(int(s.change["cpu"]) for s in e.suggestions if s.kind == "smt-even-cpus")
    assert even == [2, 4]
    for n in even:
        assert _step_of(_with_pod(scenario, "default/three-cpus", n), "default/three-cpus").admitted
    assert not any(s.kind == "fewer-cpus" for s in e.suggestions)  # 2 is already the even suggestion


def test_smt_alignment_not_enough_physical_cpus() -> None:
    scenario = load_scenario(SMT)
    e = explain(scenario, "default/fourteen-cpus")
    assert e.result.reason == "SMTAlignmentError"
    assert e.shortfall == (
        "full-pcpus-only: container app requested 14 CPUs, but only 12 free CPUs are on cores not "
        "shared with reserved CPUs",
    )
    fewer = next(s for s in e.suggestions if s.kind == "fewer-cpus")
    assert fewer.change["cpu"] == "12"
    assert _step_of(_with_pod(scenario, "default/fourteen-cpus", 12), "default/fourteen-cpus").admitted
    assert not _step_of(_with_pod(scenario, "default/fourteen-cpus", 13), "default/fourteen-cpus").admitted


def test_admitted_pod_trace() -> None:
    e = explain(load_scenario(TOPOLOGY), "default/web-b")
    assert e.admitted and e.shortfall == () and e.suggestions == ()
    (merge,) = e.merges
    assert (merge.best_hint.numa_affinity, merge.best_hint.preferred) == (0b10, True)
    (take,) = e.cpu_takes
    # whole free cores of NUMA 1, lowest ids first (all have 2 free threads): cores 6, 7, 8
    assert [(s.phase, s.entity) for s in take.aligned_steps] == [("core", 6), ("core", 7), ("core", 8)]
    assert take.rest_steps == ()
    assert take.result == e.result.containers[0].cpus


def test_pod_is_named_by_name_or_uid() -> None:
    scenario = load_scenario(TOPOLOGY)
    assert explain(scenario, "big-db", suggestions=False).pod == "default/big-db"
    uid = _pod(scenario, "default/big-db")[1].pod.uid
    assert explain(scenario, uid, suggestions=False).pod == "default/big-db"


def test_unknown_pod_is_an_input_error() -> None:
    from podfit.errors import InputError

    with pytest.raises(InputError, match="no pod"):
        explain(load_scenario(TOPOLOGY), "default/nope")


MEMORY = Path(__file__).with_name("memory-extended.yaml")


def test_memory_choice_from_the_hint_and_default() -> None:
    scenario = load_scenario(MEMORY)
    e = explain(scenario, "default/big-memory")
    (choice,) = e.memory_choices
    assert (choice.source, choice.numa_affinity) == ("hint", (0, 1))
    none = replace(scenario, kubelet_config=replace(scenario.kubelet_config, topology_manager_policy="none"))
    (choice,) = explain(none, "default/big-memory").memory_choices
    assert (choice.source, choice.numa_affinity) == ("default", (0, 1))


def test_memory_choice_extended() -> None:
    """A Topology Manager hint of NUMA 0 alone cannot hold 100Gi: the memory manager extends it."""
    from podfit.explain.api import node_before
    from podfit.explain.tracing import memory_hint_source
    from podfit.topology.hint import TopologyHint

    state = node_before(load_scenario(MEMORY), 0).managers.memory.state.get_machine_state()
    want = {"memory": 100 << 30}
    assert memory_hint_source(state, want, {}, TopologyHint(0b01, False)) == "extended"
    assert memory_hint_source(state, want, {}, TopologyHint(0b11, False)) == "hint"
    assert memory_hint_source(state, {"memory": 1 << 30}, {}, TopologyHint(None, False)) == "default"


PODLEVEL = Path(__file__).with_name("sidecar-smt.yaml")


def test_pod_level_suggestion() -> None:
    """A 1-CPU sidecar cannot get whole cores (full-pcpus-only); under one pod-level budget of 6
    CPUs (5 rounded up to whole cores) in pod scope it can: the engine admits the changed pod."""
    scenario = load_scenario(PODLEVEL)
    e = explain(scenario, "default/app-with-sidecars")
    assert e.shortfall == ("full-pcpus-only: requested 1 CPU, not a multiple of 2 threads per core",)
    s = next(s for s in e.suggestions if s.kind == "pod-level")
    assert s.change["spec.resources.cpu"] == "6" and s.change["topologyManagerScope"] == "pod"
    step = _step_of(s.scenario, "default/app-with-sidecars")
    assert step.admitted and step.pod_cpus is not None and step.pod_cpus.bit_count() == 6
    moved = s.scenario.events[-1]
    assert isinstance(moved, AddPod) and moved.pod.resources is not None
    assert moved.pod.resources.limits["cpu"] == 6000
