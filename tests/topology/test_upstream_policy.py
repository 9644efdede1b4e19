"""Upstream policy merge tables (policy_test.go and the per-policy test files), run through both the
literal reference merge and the fast merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.bitmask import new_bitmask
from podfit.topology.hint import TopologyHint
from podfit.topology.merge import max_of_min_affinity_counts, new_hint_merger
from podfit.topology.numa_info import NUMAInfo
from podfit.topology.policy import filter_single_numa_hints, new_policy

DATA = Path(__file__).parents[1] / "upstream" / "topologymanager"
MERGE = yaml.safe_load((DATA / "policy_merge_test.yaml").read_text())
INTERNALS = yaml.safe_load((DATA / "policy_internals_test.yaml").read_text())


def hint(text: str, all_nodes: int = 0) -> TopologyHint:
    nodes, pref = text.rsplit(":", 1)
    assert pref in ("T", "F"), text
    mask: int | None
    if nodes == "any":
        mask = None
    elif nodes == "all":
        mask = all_nodes
    elif nodes == "none":
        mask = 0
    else:
        mask = new_bitmask(*(int(n) for n in nodes.split(",")))
    return TopologyHint(mask, pref == "T")


def provider(p: dict[str, Any] | None) -> dict[str, list[TopologyHint] | None] | None:
    if p is None:
        return None
    return {res: None if hs is None else [hint(h) for h in hs] for res, hs in p.items()}


def numa_info(name: str) -> NUMAInfo:
    spec = MERGE["numaInfos"][name]
    return NUMAInfo(nodes=tuple(spec["nodes"]), distances={k: tuple(v) for k, v in spec["distances"].items()})


MERGE_CASES = [
    pytest.param(run, tc, id=f"{run['test']}/{tc['name']}")
    for run in MERGE["runs"]
    for group in run["cases"]
    for tc in MERGE["cases"][group]
]


@pytest.mark.parametrize("exact", [True, False], ids=["reference", "fast"])
@pytest.mark.parametrize(("run", "tc"), MERGE_CASES)
def test_policy_merge(run: dict[str, Any], tc: dict[str, Any], exact: bool) -> None:
    info = numa_info(run["numaInfo"])
    opts = TopologyManagerOptions(prefer_closest_numa=run["preferClosestNUMA"])
    policy = new_policy(run["policy"], info, opts, exact_reference=exact)
    actual, admit = policy.merge([provider(p) for p in tc["hp"]])
    expected = hint(tc["expected"], info.default_affinity_mask())
    assert actual == expected
    assert admit == (run["policy"] == "best-effort" or expected.preferred)


@pytest.mark.parametrize("tc", INTERNALS["TestMaxOfMinAffinityCounts"], ids=lambda c: c["name"])
def test_max_of_min_affinity_counts(tc: dict[str, Any]) -> None:
    hints = [[hint(h) for h in hs] for hs in tc["hints"]]
    assert max_of_min_affinity_counts(hints) == tc["expected"]


@pytest.mark.parametrize("tc", INTERNALS["TestCompareHintsNarrowest"], ids=lambda c: c["description"])
def test_compare_hints_narrowest(tc: dict[str, Any]) -> None:
    merger = new_hint_merger(NUMAInfo(nodes=()), [], "best-effort", TopologyManagerOptions())
    merger = type(merger)(merger.numa_info, merger.hints, tc["best"], merger.prefer_closest)
    current = None if tc["current"] is None else hint(tc["current"])
    candidate = hint(tc["candidate"])
    result = merger.compare(current, candidate)
    assert result is (current if tc["expected"] == "current" else candidate)


@pytest.mark.parametrize("tc", INTERNALS["TestPolicySingleNumaNodeFilterHints"], ids=lambda c: c["name"])
def test_single_numa_node_filter_hints(tc: dict[str, Any]) -> None:
    all_resources = [[hint(h) for h in hs] for hs in tc["allResources"]]
    expected = [[hint(h) for h in hs] for hs in tc["expectedResources"]]
    assert filter_single_numa_hints(all_resources) == expected


@pytest.mark.parametrize("tc", INTERNALS["CanAdmitPodResult"], ids=lambda c: f"{c['test']}/{c['name']}")
def test_can_admit_pod_result(tc: dict[str, Any]) -> None:
    policy = new_policy(tc["policy"], NUMAInfo(nodes=(0, 1)))
    assert policy.can_admit_pod_result(hint(tc["hint"])) == tc["expected"]


NONE = yaml.safe_load((DATA / "policy_none_test.yaml").read_text())


@pytest.mark.parametrize("tc", NONE["TestPolicyNoneName"], ids=lambda c: c["name"])
def test_policy_none_name(tc: dict[str, Any]) -> None:
    assert new_policy("none", None).name == tc["expected"]


@pytest.mark.parametrize("tc", NONE["TestPolicyNoneCanAdmitPodResult"], ids=lambda c: c["name"])
def test_policy_none_can_admit(tc: dict[str, Any]) -> None:
    assert new_policy("none", None).can_admit_pod_result(hint(tc["hint"])) == tc["expected"]


@pytest.mark.parametrize("tc", NONE["TestPolicyNoneMerge"], ids=lambda c: c["name"])
def test_policy_none_merge(tc: dict[str, Any]) -> None:
    result, admit = new_policy("none", None).merge([provider(p) for p in tc["providersHints"]])
    assert result.is_equal(hint(tc["expectedHint"]))
    assert admit == tc["expectedAdmit"]
