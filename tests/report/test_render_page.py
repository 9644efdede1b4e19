"""The page of ``podfit render`` at scale: steps as differences equal full frames (examples,
random documents), the page's size grows with what changes (a structural bound, no clock), pod
colours, and the shortfall of rejected pods."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks.page_scenario import page_scenario
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.report.page_replay import replay_page_data, replayed_view

from podfit.api.scenario import scenario_from_dict
from podfit.explain.api import explain
from podfit.io.scenario import load_default_scenario, load_scenario
from podfit.kubelet.simulation import simulate
from podfit.model.cpuset import cpus, format_cpuset
from podfit.report.colours import FIXED, contrast, owner_paint, pod_colour
from podfit.report.frames import ContainerView, CPUOwner, PodView, build_frames, build_timeline, topology_rows
from podfit.report.frames_reference import build_frames_reference
from podfit.report.json_result import result_to_json
from podfit.report.page_data import page_data, page_json
from podfit.report.palette import PALETTE, delta_e
from podfit.report.rejections import rejection_shortfalls
from podfit.report.render_html import PODS_SHOWN, TIMELINE_SPAN, render_html

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIOS = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".expected.yaml"))


def _check(doc: dict[str, Any]) -> None:
    frames = build_frames(doc)
    assert frames == build_frames_reference(doc)
    data = page_data(build_timeline(doc), topology_rows(doc))
    assert replay_page_data(json.loads(page_json(data))) == [replayed_view(f) for f in frames]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_differences_replay_to_the_reference_frames(path: Path) -> None:
    _check(result_to_json(simulate(load_scenario(path))))


# ----- random documents: overlapping claims, odd pools, re-admissions, removals of absent pods --
_ASSIGNMENTS = ("node_exclusive", "pod_exclusive", "pod_shared", "node_shared")
_CPUSET = st.integers(0, (1 << 12) - 1).map(format_cpuset)
_CONTAINER = st.fixed_dictionaries(
    {
        "name": st.sampled_from(("app", "db", "side", "init-x")),
        "kind": st.sampled_from(("app", "init", "sidecar")),
        "assignment": st.sampled_from(_ASSIGNMENTS),
        "cpus": st.none() | _CPUSET,
    }
)
_MEMORY = st.none() | st.fixed_dictionaries(
    {
        "0": st.fixed_dictionaries(
            {
                "memory": st.fixed_dictionaries(
                    {
                        "allocatable": st.just(100),
                        "reserved": st.integers(0, 100),
                        "free": st.integers(0, 100),
                    }
                )
            }
        )
    }
)
_POD = st.sampled_from(("ns/a", "ns/b", "ns/c", "ns/d"))
_ADD = st.builds(
    lambda pod, admitted, containers, pod_cpus, default, memory: {
        "op": "add",
        "pod": pod,
        "admitted": admitted,
        "reason": None if admitted else "TopologyAffinityError",
        "message": None if admitted else "no",
        "podCPUs": pod_cpus,
        "containers": containers if admitted else [],
        "defaultCPUSet": default,
        "nodeMemory": memory,
    },
    _POD,
    st.booleans(),
    st.lists(_CONTAINER, max_size=3, unique_by=lambda c: c["name"]),
    st.none() | _CPUSET,
    _CPUSET,
    _MEMORY,
)
_REMOVE = st.builds(
    lambda pod, removed, default, memory: {
        "op": "remove",
        "pod": pod,
        "removed": removed,
        "defaultCPUSet": default,
        "nodeMemory": memory,
    },
    _POD,
    st.booleans(),
    _CPUSET,
    _MEMORY,
)
_START = st.builds(
    lambda pod, default: {"op": "start", "pod": pod, "started": True, "defaultCPUSet": default},
    _POD,
    _CPUSET,
)


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(st.one_of(_ADD, _REMOVE, _START), max_size=12),
    reserved=_CPUSET,
    default=_CPUSET,
)
def test_random_documents_replay_to_the_reference_frames(
    steps: list[dict[str, Any]], reserved: str, default: str
) -> None:
    rows = [[c, c // 2, c // 8, c // 4] for c in range(10)]  # CPUs 10 and 11 are not on the node
    doc = {
        "node": {"cpuTopology": rows, "reservedCPUs": reserved, "initialDefaultCPUSet": default},
        "error": None,
        "steps": steps,
    }
    _check(doc)


# ----- size: what changes, not steps x CPUs ----------------------------------------------------
@pytest.fixture(scope="module")
def big() -> tuple[Any, dict[str, Any]]:
    scenario = scenario_from_dict(page_scenario(400, cpus=256, numa=4))
    result = simulate(scenario)
    return result, result_to_json(result)


def test_each_step_costs_bytes_in_proportion_to_what_it_changes(big: tuple[Any, dict[str, Any]]) -> None:
    result, doc = big
    timeline = build_timeline(doc)
    data = page_data(timeline, topology_rows(doc), rejection_shortfalls(load_big(), result, limit=5))
    assert len(data["steps"]) == len(doc["steps"]) + 1 > 700
    for change, entry in zip(timeline.steps[1:], data["steps"][1:], strict=True):
        size = len(json.dumps(entry, separators=(",", ":"), ensure_ascii=False))
        changed = len(change.owners) + len(entry.get("m") or ())
        lacked = sum(len(line) + 3 for line in entry.get("f") or ())
        assert size <= 64 + 32 * changed + lacked, (change.index, entry)
    # every admission once, every distinct owner once (a handful per pod)
    admitted = sum(1 for s in doc["steps"] if s["op"] == "add" and s["admitted"])
    assert len(data["pods"]) == admitted
    assert len(data["owners"]) <= 8 + 4 * admitted


def test_the_rest_of_the_page_does_not_grow_with_the_steps(big: tuple[Any, dict[str, Any]]) -> None:
    result, doc = big
    short = dict(doc, steps=doc["steps"][:150])
    for d in (short, doc):
        html = render_html(d, result.machine)
        data = page_json(page_data(build_timeline(d), topology_rows(d)))
        rest = len(html) - len(data)
        # the drawing (per CPU), the selected step's panel (at most PODS_SHOWN pods listed) and a
        # window of the timeline: bounded by the node and the constants, whatever the steps
        assert rest <= 60_000 + 700 * 256 + 400 * PODS_SHOWN + 200 * (2 * TIMELINE_SPAN + 1), rest


def load_big() -> Any:
    return scenario_from_dict(page_scenario(400, cpus=256, numa=4))


# ----- colours ----------------------------------------------------------------------------------
@pytest.mark.parametrize("colour", range(len(PALETTE)))
def test_every_fill_has_legible_text(colour: int) -> None:
    containers = tuple(ContainerView(f"c{i}", "app", "pod_exclusive", 1 << i) for i in range(5))
    pod = PodView("ns/p", "P7", 0b1111, containers, colour=colour)
    owners = [CPUOwner("exclusive", "ns/p", (f"c{i}",)) for i in range(5)]
    owners += [CPUOwner("pod-shared", "ns/p", ("c0",)), CPUOwner("pod-free", "ns/p")]
    owners += [CPUOwner("reserved"), CPUOwner("node-shared"), CPUOwner("unassigned")]
    for owner in owners:
        fill, ink, _ = owner_paint(owner, pod)
        assert contrast(fill, ink) >= 4.5, (owner, fill, ink)
    shades = {owner_paint(o, pod)[0] for o in owners[:5]}
    assert len(shades) == 5  # one shade per container slice
    # no pod colour passes for the reserved CPUs' grey or the node's shared pool
    assert min(delta_e(pod_colour(colour), fixed[0]) for fixed in FIXED.values()) > 20


def test_pods_side_by_side_differ_at_a_glance(big: tuple[Any, dict[str, Any]]) -> None:
    """Each arriving pod's colour is far (CIE Lab ΔE > 20) from every pod already on the NUMA
    nodes it takes CPUs on, all through a scenario of 400 pods coming and going."""
    _, doc = big
    numa_of = {int(r[0]): int(r[3]) for r in doc["node"]["cpuTopology"]}

    def numa(p: PodView) -> set[int]:
        return {numa_of[c] for c in cpus(p.claimed)}

    on_node: dict[str, PodView] = {}
    checked = 0
    for step in build_timeline(doc).steps:
        pod = step.arrived
        if pod is not None:
            on_node.pop(pod.name, None)
            for other in on_node.values():
                if pod.claimed and other.claimed and numa(pod) & numa(other):
                    assert delta_e(pod_colour(pod.colour), pod_colour(other.colour)) > 20, (pod, other)
                    checked += 1
            on_node[pod.name] = pod
        if step.left is not None:
            on_node.pop(step.left, None)
    assert checked > 1000


# ----- the shortfall of rejected pods ------------------------------------------------------------
def test_rejected_step_shows_explains_shortfall() -> None:
    scenario = load_default_scenario()
    result = simulate(scenario)
    lacked = rejection_shortfalls(scenario, result)
    assert list(lacked) == [4]  # orders-db-3, the only rejection
    assert lacked[4] == explain(scenario, "default/orders-db-3", suggestions=False).shortfall
    assert lacked[4] and "needs" in lacked[4][0]
    assert rejection_shortfalls(scenario, result, limit=0) == {}


def test_shortfalls_only_for_the_first_rejections(big: tuple[Any, dict[str, Any]]) -> None:
    result, doc = big
    rejected = [i + 1 for i, s in enumerate(doc["steps"]) if s["op"] == "add" and not s["admitted"]]
    assert len(rejected) > 5
    lacked = rejection_shortfalls(load_big(), result, limit=5)
    assert list(lacked) == rejected[:5]
    data = page_data(build_timeline(doc), topology_rows(doc), lacked)
    marks = [data["steps"][i].get("f") for i in rejected]
    assert all(isinstance(m, list) and m for m in marks[:5]) and marks[5:] == [0] * (len(rejected) - 5)
