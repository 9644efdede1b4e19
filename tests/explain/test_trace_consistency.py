"""The trace agrees with the engine: same verdicts, same merged hints, same CPUs; the node is left
untouched; the traced merge equals the kubelet merge on random inputs; tracing the CPU taking
changes nothing."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.api.presets import preset_machine
from podfit.cpu.accumulator import TakeStep
from podfit.cpu.assignment import (
    CPUAssignmentError,
    take_by_topology_numa_distributed,
    take_by_topology_numa_packed,
)
from podfit.explain import explain, node_before, trace_admission
from podfit.explain.merge_trace import trace_merge
from podfit.io.scenario import load_scenario
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.simulation import simulate
from podfit.model.policy_options import TopologyManagerOptions
from podfit.model.scenario import AddPod
from podfit.topology.hint import TopologyHint
from podfit.topology.numa_info import numa_info_from_machine
from podfit.topology.policy import new_policy

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.endswith(".expected.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_example_pod_is_explained_consistently(path: Path) -> None:
    scenario = load_scenario(path)
    sim = simulate(scenario)
    if sim.error is not None:
        pytest.skip("the kubelet refuses to start")
    for i, (event, step) in enumerate(zip(scenario.events, sim.steps, strict=True)):
        if not isinstance(event, AddPod):
            continue
        assert isinstance(step, AdmitResult)
        if any(isinstance(e, AddPod) and e.pod.key == event.pod.key for e in scenario.events[:i]):
            continue  # explain names the first add of a pod
        e = explain(scenario, event.pod.key, suggestions=False)
        # the simulation adds a view of the memory tables after each step; the decision is the same
        assert e.result == replace(step, numa_memory=None), event.pod.key
        assert e.notes == (), e.notes
        for merge, hint in zip(e.merges, _reported_hints(step), strict=False):
            assert (merge.best_hint.numa_affinity or 0, merge.best_hint.preferred) == hint


def _reported_hints(step: AdmitResult) -> list[tuple[int, bool]]:
    hints = [step.pod_hint] if step.pod_hint is not None else list((step.container_hints or {}).values())
    return [(sum(1 << n for n in h.numa_affinity), h.preferred) for h in hints if h is not None]


def test_trace_admission_leaves_the_node_as_it_was() -> None:
    scenario = load_scenario(ROOT / "examples" / "kep5526-tightly-coupled-database.yaml")
    node = node_before(scenario, 0)
    event = scenario.events[0]
    assert isinstance(event, AddPod)
    m = node.managers
    before = (m.cpu.state.snapshot(), m.memory.state.snapshot(), m.devices.state.snapshot(), node.pods)
    result, log = trace_admission(node, event.pod)
    assert result.admitted and log.cpu_takes
    assert node.managers is m
    after = (m.cpu.state.snapshot(), m.memory.state.snapshot(), m.devices.state.snapshot(), node.pods)
    assert after == before
    assert node.admit(event.pod) == result  # and the node still decides the same way


# ----- the labelled merge is the kubelet's merge ----------------------------------------------------
MACHINE = preset_machine("topoDualSocketMultiNumaPerSocketHT")  # 4 NUMA nodes

_hint = st.builds(
    TopologyHint,
    st.one_of(st.none(), st.integers(min_value=1, max_value=15)),
    st.booleans(),
)
_resource = st.one_of(st.none(), st.lists(_hint, max_size=4))
_provider = st.one_of(st.none(), st.dictionaries(st.sampled_from(["a", "b", "c"]), _resource, max_size=3))


@settings(max_examples=300, deadline=None)
@given(
    providers=st.lists(_provider, min_size=1, max_size=3),
    policy_name=st.sampled_from(["best-effort", "restricted", "single-numa-node"]),
    closest=st.booleans(),
)
def test_traced_merge_equals_kubelet_merge(providers: list, policy_name: str, closest: bool) -> None:
    opts = TopologyManagerOptions(prefer_closest_numa=closest)
    policy = new_policy(policy_name, numa_info_from_machine(MACHINE, opts), opts, exact_reference=True)
    names = [f"p{i}" for i in range(len(providers))]
    trace = trace_merge(policy, None, names, providers, {})
    best, admit = policy.merge(providers)
    assert (trace.best_hint, trace.admit) == (best, admit)
    if any(c.hint.numa_affinity for c in trace.candidates):
        assert sum(c.became_best for c in trace.candidates) >= 1
    else:
        assert trace.winning_rule == "no-candidate"


# ----- tracing the CPU taking changes nothing --------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    available=st.integers(min_value=0, max_value=MACHINE.all_cpus),
    n=st.integers(min_value=1, max_value=40),
    uncore=st.booleans(),
    spread=st.booleans(),
    distributed=st.booleans(),
)
def test_cpu_take_trace_is_free_and_complete(
    available: int, n: int, uncore: bool, spread: bool, distributed: bool
) -> None:
    sorting = "spread" if spread else "packed"

    def run(trace: list[TakeStep] | None) -> int | str:
        try:
            if distributed:
                return take_by_topology_numa_distributed(
                    MACHINE, available, n, 2, cpu_sorting=sorting, trace=trace
                )
            return take_by_topology_numa_packed(
                MACHINE, available, n, cpu_sorting=sorting, prefer_align_by_uncore_cache=uncore, trace=trace
            )
        except CPUAssignmentError as exc:
            return str(exc)

    steps: list[TakeStep] = []
    plain, traced = run(None), run(steps)
    assert plain == traced
    if isinstance(traced, int):
        taken = 0
        for s in steps:
            if s.phase.startswith("distribute"):
                assert s.cpus & ~taken == 0  # a share sums up the takes recorded before it
                continue
            assert s.cpus & taken == 0  # nothing taken twice
            taken |= s.cpus
        assert taken == traced


# ----- purity -----------------------------------------------------------------------------------------
FORBIDDEN = {"podfit.io", "podfit.cli", "podfit.report", "yaml", "click", "rich", "os", "pathlib", "io"}
FORBIDDEN |= {"subprocess", "socket", "logging", "random", "time", "json"}


def test_explain_package_is_pure() -> None:
    for path in sorted((ROOT / "src" / "podfit" / "explain").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), (path.name, name)
