"""The node filters against upstream's test tables (ported as data: test name, case name, release)."""

from __future__ import annotations

from typing import Any

import pytest

from podfit.fleet.node_filters import (
    filter_taints,
    find_untolerated_taint,
    match_node_selector_terms,
    toleration_tolerates_taint,
)
from podfit.fleet.values import SelectorRequirement, SelectorTerm, Taint, Toleration

NAME = "metadata.name"


def _r(key: str, op: str, *values: str) -> SelectorRequirement:
    return SelectorRequirement(key, op, values)


def _t(
    exprs: tuple[SelectorRequirement, ...] = (), fields: tuple[SelectorRequirement, ...] = ()
) -> SelectorTerm:
    return SelectorTerm(exprs, fields)


# (upstream test, case, terms, node labels, node name, match); terms None: no required affinity
AFFINITY: list[tuple[str, str, tuple[SelectorTerm, ...] | None, dict[str, str], str, bool]] = [
    # staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity_test.go, v1.36
    (
        "TestNodeSelectorMatch",
        "node matches field selector, but not labels",
        (_t((_r("label_1", "In", "label_1_val"),), (_r(NAME, "In", "host_1"),)),),
        {},
        "host_1",
        False,
    ),
    (
        "TestNodeSelectorMatch",
        "node matches field selector and label selector",
        (_t((_r("label_1", "In", "label_1_val"),), (_r(NAME, "In", "host_1"),)),),
        {"label_1": "label_1_val"},
        "host_1",
        True,
    ),
    (
        "TestNodeSelectorMatch",
        "second term matches",
        (_t((_r("label_1", "In", "label_1_val"),)), _t(fields=(_r(NAME, "In", "host_1"),))),
        {},
        "host_1",
        True,
    ),
    (
        "TestNodeSelectorRequirementsAsSelector",
        "Exists with values (a parse error: the term matches nothing)",
        (_t((_r("foo", "Exists", "bar", "baz"),)),),
        {"foo": "bar"},
        "n",
        False,
    ),
    (
        "TestNodeSelectorRequirementsAsSelector",
        "invalid operator",
        (_t((_r("baz", "invalid", "5"),)),),
        {"baz": "5"},
        "n",
        False,
    ),
    (
        "TestNodeSelectorRequirementsAsSelector",
        "foo>1",
        (_t((_r("foo", "Gt", "1"),)),),
        {"foo": "2"},
        "n",
        True,
    ),
    (
        "TestNodeSelectorRequirementsAsSelector",
        "bar<7",
        (_t((_r("bar", "Lt", "7"),)),),
        {"bar": "7"},
        "n",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with matchExpressions using In operator that matches the existing node",
        (_t((_r("foo", "In", "bar", "value2"),)),),
        {"foo": "bar"},
        "",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with matchExpressions using Gt operator that matches the existing node",
        (_t((_r("kernel-version", "Gt", "0204"),)),),
        {"kernel-version": "0206"},
        "",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with matchExpressions using NotIn operator that matches the existing node",
        (_t((_r("mem-type", "NotIn", "DDR", "DDR2"),)),),
        {"mem-type": "DDR3"},
        "",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with matchExpressions using Exists operator that matches the existing node",
        (_t((_r("GPU", "Exists"),)),),
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with affinity that don't match node's labels won't schedule onto the node",
        (_t((_r("foo", "In", "value1", "value2"),)),),
        {"foo": "bar"},
        "",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with a nil []NodeSelectorTerm in affinity, can't match the node's labels and won't schedule onto the node",  # noqa: E501 (upstream's case name)
        (),
        {"foo": "bar"},
        "",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",  # noqa: E501 (upstream's case name)
        (_t(),),
        {"foo": "bar"},
        "",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with no Affinity will schedule onto a node",
        None,
        {"foo": "bar"},
        "",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with multiple matchExpressions ANDed that matches the existing node",
        (_t((_r("GPU", "Exists"), _r("GPU", "NotIn", "AMD", "INTER"))),),
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
        (_t((_r("GPU", "Exists"), _r("GPU", "In", "AMD", "INTER"))),),
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",  # noqa: E501 (upstream's case name)
        (_t((_r("foo", "In", "bar", "value2"),)), _t((_r("diffkey", "In", "wrong", "value2"),))),
        {"foo": "bar"},
        "",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with an invalid value in Affinity term won't be scheduled onto the node",
        (_t((_r("foo", "NotIn", "invalid value: ___@#$%^"),)),),
        {"foo": "bar"},
        "",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with matchFields using In operator that matches the existing node",
        (_t(fields=(_r(NAME, "In", "node_1"),)),),
        {},
        "node_1",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with matchFields using In operator that does not match the existing node",
        (_t(fields=(_r(NAME, "In", "node_1"),)),),
        {},
        "node_2",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with two terms: matchFields does not match, but matchExpressions matches",
        (_t(fields=(_r(NAME, "In", "node_1"),)), _t((_r("foo", "In", "bar"),))),
        {"foo": "bar"},
        "node_2",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with one term: matchFields does not match, but matchExpressions matches",
        (_t((_r("foo", "In", "bar"),), (_r(NAME, "In", "node_1"),)),),
        {"foo": "bar"},
        "node_2",
        False,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with one term: both matchFields and matchExpressions match",
        (_t((_r("foo", "In", "bar"),), (_r(NAME, "In", "node_1"),)),),
        {"foo": "bar"},
        "node_1",
        True,
    ),
    (
        "TestPodMatchesNodeSelectorAndAffinityTerms",
        "Pod with two terms: both matchFields and matchExpressions do not match",
        (_t(fields=(_r(NAME, "In", "node_1"),)), _t((_r("foo", "In", "not-match-to-bar"),))),
        {"foo": "bar"},
        "node_2",
        False,
    ),
    # staging/src/k8s.io/component-helpers/scheduling/corev1/helpers_test.go, v1.36
    (
        "TestMatchNodeSelectorTerms",
        "node label matches matchExpressions terms",
        (_t((_r("label_1", "In", "label_1_val"),)),),
        {"label_1": "label_1_val"},
        "",
        True,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "node field matches matchFields terms",
        (_t(fields=(_r(NAME, "In", "host_1"),)),),
        {},
        "host_1",
        True,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "invalid node field requirement",
        (_t(fields=(_r(NAME, "In", "host_1", "host_2"),)),),
        {},
        "host_1",
        False,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "fieldSelectorTerm with node labels",
        (_t(fields=(_r(NAME, "In", "host_1"),)),),
        {NAME: "host_1"},
        "not_host_1",
        False,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "labelSelectorTerm with node fields",
        (_t((_r(NAME, "In", "host_1"),)),),
        {},
        "host_1",
        False,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "labelSelectorTerm and fieldSelectorTerm was set, but only node fields",
        (_t((_r("label_1", "In", "label_1_val"),), (_r(NAME, "In", "host_1"),)),),
        {},
        "host_1",
        False,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "labelSelectorTerm and fieldSelectorTerm was set, both node fields and labels (both matched)",
        (_t((_r("label_1", "In", "label_1_val"),), (_r(NAME, "In", "host_1"),)),),
        {"label_1": "label_1_val"},
        "host_1",
        True,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "labelSelectorTerm and fieldSelectorTerm was set, both node fields and labels (one mismatched)",
        (_t((_r("label_1", "In", "label_1_val"),), (_r(NAME, "In", "host_1"),)),),
        {"label_1": "label_1_val-failed"},
        "host_1",
        False,
    ),
    (
        "TestMatchNodeSelectorTerms",
        "multi-selector was set, both node fields and labels (one mismatched)",
        (_t((_r("label_1", "In", "label_1_val"),)), _t(fields=(_r(NAME, "In", "host_1"),))),
        {"label_1": "label_1_val-failed"},
        "host_1",
        True,
    ),
    # podfit's own edges (labels.Requirement.Matches / NewRequirement, v1.36)
    (
        "podfit",
        "Gt: a label that is not an integer matches nothing",
        (_t((_r("v", "Gt", "1"),)),),
        {"v": "x"},
        "",
        False,
    ),
    (
        "podfit",
        "Gt: the requirement's value must be an integer",
        (_t((_r("v", "Gt", "one"),)),),
        {"v": "5"},
        "",
        False,
    ),
    ("podfit", "Lt: an absent label matches nothing", (_t((_r("v", "Lt", "10"),)),), {}, "", False),
    ("podfit", "NotIn: an absent label matches", (_t((_r("v", "NotIn", "a"),)),), {}, "", True),
    ("podfit", "DoesNotExist", (_t((_r("v", "DoesNotExist"),)),), {"w": "1"}, "", True),
    ("podfit", "In without values does not parse", (_t((_r("v", "In"),)),), {"v": ""}, "", False),
    (
        "podfit",
        "an invalid term is skipped, a later one matches",
        (_t((_r("bad key!", "Exists"),)), _t((_r("v", "Exists"),))),
        {"v": "1"},
        "",
        True,
    ),
    ("podfit", "matchFields NotIn", (_t(fields=(_r(NAME, "NotIn", "a"),)),), {}, "b", True),
]


@pytest.mark.parametrize(
    ("terms", "labels", "name", "want"),
    [pytest.param(*case[2:], id=f"{case[0]}/{case[1]}") for case in AFFINITY],
)
def test_required_node_affinity(
    terms: tuple[SelectorTerm, ...] | None, labels: dict[str, str], name: str, want: bool
) -> None:
    got = True if terms is None else match_node_selector_terms(terms, labels, name)
    assert got == want


def _tol(key: str = "", op: str = "", value: str = "", effect: str = "") -> Toleration:
    return Toleration(key, op, value, effect)


# (upstream test, case, tolerations, taints, comparison gate, passes the filter)
TAINTS: list[tuple[str, str, tuple[Toleration, ...], tuple[Taint, ...], bool, bool]] = [
    # pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go, v1.36
    (
        "TestTaintTolerationFilter",
        "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
        (),
        (Taint("dedicated", "user1", "NoSchedule"),),
        False,
        False,
    ),
    (
        "TestTaintTolerationFilter",
        "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
        (_tol("dedicated", "", "user1", "NoSchedule"),),
        (Taint("dedicated", "user1", "NoSchedule"),),
        False,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
        (_tol("dedicated", "Equal", "user2", "NoSchedule"),),
        (Taint("dedicated", "user1", "NoSchedule"),),
        False,
        False,
    ),
    (
        "TestTaintTolerationFilter",
        "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",  # noqa: E501 (upstream's case name)
        (_tol("foo", "Exists", "", "NoSchedule"),),
        (Taint("foo", "bar", "NoSchedule"),),
        False,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",  # noqa: E501 (upstream's case name)
        (_tol("dedicated", "Equal", "user2", "NoSchedule"), _tol("foo", "Exists", "", "NoSchedule")),
        (Taint("dedicated", "user2", "NoSchedule"), Taint("foo", "bar", "NoSchedule")),
        False,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",  # noqa: E501 (upstream's case name)
        (_tol("foo", "Equal", "bar", "PreferNoSchedule"),),
        (Taint("foo", "bar", "NoSchedule"),),
        False,
        False,
    ),
    (
        "TestTaintTolerationFilter",
        "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",  # noqa: E501 (upstream's case name)
        (_tol("foo", "Equal", "bar"),),
        (Taint("foo", "bar", "NoSchedule"),),
        False,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",  # noqa: E501 (upstream's case name)
        (_tol("dedicated", "Equal", "user2", "NoSchedule"),),
        (Taint("dedicated", "user1", "PreferNoSchedule"),),
        False,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",  # noqa: E501 (upstream's case name)
        (),
        (Taint("dedicated", "user1", "PreferNoSchedule"),),
        False,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "Pod with Gt toleration cannot be scheduled on node when taint value is lower than threshold",
        (_tol("node.example.com/priority-level", "Gt", "950", "NoSchedule"),),
        (Taint("node.example.com/priority-level", "800", "NoSchedule"),),
        True,
        False,
    ),
    (
        "TestTaintTolerationFilter",
        "Pod with Gt toleration can be scheduled on node when taint value is higher than threshold",
        (_tol("node.kubernetes.io/sla", "Gt", "750", "NoSchedule"),),
        (Taint("node.kubernetes.io/sla", "950", "NoSchedule"),),
        True,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "Pod with Lt toleration cannot be scheduled on node when taint value is higher than threshold",
        (_tol("node.example.com/priority-level", "Lt", "800", "NoSchedule"),),
        (Taint("node.example.com/priority-level", "950", "NoSchedule"),),
        True,
        False,
    ),
    (
        "TestTaintTolerationFilter",
        "Pod with Lt toleration can be scheduled on node when taint value is lower than threshold",
        (_tol("node.kubernetes.io/sla", "Lt", "950", "NoSchedule"),),
        (Taint("node.kubernetes.io/sla", "800", "NoSchedule"),),
        True,
        True,
    ),
    (
        "TestTaintTolerationFilter",
        "Pod with Gt toleration cannot be scheduled on node with non-numeric taint value",
        (_tol("node.kubernetes.io/sla", "Gt", "950", "NoSchedule"),),
        (Taint("node.kubernetes.io/sla", "high", "NoSchedule"),),
        True,
        False,
    ),
    (
        "TestTaintTolerationFilterWithFeatureGate",
        "Pod with Gt toleration cannot be scheduled when feature gate is disabled",
        (_tol("node.kubernetes.io/sla", "Gt", "750", "NoSchedule"),),
        (Taint("node.kubernetes.io/sla", "950", "NoSchedule"),),
        False,
        False,
    ),
    (
        "TestTaintTolerationFilterWithFeatureGate",
        "Pod with Lt toleration cannot be scheduled when feature gate is disabled",
        (_tol("node.kubernetes.io/sla", "Lt", "950", "NoSchedule"),),
        (Taint("node.kubernetes.io/sla", "800", "NoSchedule"),),
        False,
        False,
    ),
    (
        "TestTaintTolerationFilterWithFeatureGate",
        "Pod with mixed tolerations (Equal and Gt) when feature gate is disabled - only Equal is honored",
        (
            _tol("dedicated", "Equal", "user1", "NoSchedule"),
            _tol("node.kubernetes.io/sla", "Gt", "750", "NoSchedule"),
        ),
        (Taint("dedicated", "user1", "NoSchedule"),),
        False,
        True,
    ),
    (
        "TestTaintTolerationFilterWithFeatureGate",
        "Pod with mixed tolerations, Gt toleration needed but filtered out when feature gate is disabled",
        (
            _tol("dedicated", "Equal", "user1", "NoSchedule"),
            _tol("node.kubernetes.io/sla", "Gt", "750", "NoSchedule"),
        ),
        (Taint("dedicated", "user1", "NoSchedule"), Taint("node.kubernetes.io/sla", "950", "NoSchedule")),
        False,
        False,
    ),
    # staging/src/k8s.io/api/core/v1/toleration_test.go TestTolerationToleratesTaint, v1.36
    (
        "TestTolerationToleratesTaint",
        "toleration and taint have the same effect, toleration has empty key and operator is Exists, means match all taints, expect tolerated",  # noqa: E501 (upstream's case name)
        (_tol("", "Exists", "", "NoSchedule"),),
        (Taint("foo", "bar", "NoSchedule"),),
        False,
        True,
    ),
    (
        "TestTolerationToleratesTaint",
        "toleration and taint have the same key and value, but different effects, and operator is Equal, expect not tolerated",  # noqa: E501 (upstream's case name)
        (_tol("foo", "Equal", "bar", "NoSchedule"),),
        (Taint("foo", "bar", "NoExecute"),),
        False,
        False,
    ),
    (
        "TestTolerationToleratesTaint",
        "toleration with Gt operator and negative numeric values - taint value less than threshold, expect not tolerated",  # noqa: E501 (upstream's case name)
        (_tol("test-key", "Gt", "-100", "NoSchedule"),),
        (Taint("test-key", "-200", "NoSchedule"),),
        True,
        False,
    ),
    (
        "TestTolerationToleratesTaint",
        "toleration with Gt operator and large int64 values - taint value less than threshold, expect not tolerated",  # noqa: E501 (upstream's case name)
        (_tol("test-key", "Gt", "9223372036854775806", "NoSchedule"),),
        (Taint("test-key", "100", "NoSchedule"),),
        True,
        False,
    ),
    # podfit's own edges
    (
        "podfit",
        "an empty key with Exists and no effect tolerates every taint",
        (_tol("", "Exists"),),
        (Taint("a", "1", "NoSchedule"), Taint("b", "", "NoExecute")),
        False,
        True,
    ),
    (
        "podfit",
        "Gt: a toleration value not in canonical form (leading zero) tolerates nothing",
        (_tol("k", "Gt", "0750"),),
        (Taint("k", "950", "NoSchedule"),),
        True,
        False,
    ),
    (
        "podfit",
        "an unknown operator tolerates nothing",
        (_tol("k", "Matches", "v"),),
        (Taint("k", "v", "NoSchedule"),),
        False,
        False,
    ),
]


@pytest.mark.parametrize(
    ("tolerations", "taints", "gate", "want"),
    [pytest.param(*case[2:], id=f"{case[0]}/{case[1][:90]}") for case in TAINTS],
)
def test_taint_toleration_filter(
    tolerations: tuple[Toleration, ...], taints: tuple[Taint, ...], gate: bool, want: bool
) -> None:
    assert (find_untolerated_taint(taints, tolerations, gate) is None) == want


def test_gate_off_by_default() -> None:
    """TaintTolerationComparisonOperators is alpha, off by default in 1.36 (pkg/features)."""
    assert not toleration_tolerates_taint(_tol("k", "Gt", "1"), Taint("k", "2", "NoSchedule"))
    assert toleration_tolerates_taint(_tol("k", "Gt", "1"), Taint("k", "2", "NoSchedule"), True)


# pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go TestNodeUnschedulable, v1.36
UNSCHEDULABLE: list[tuple[str, tuple[Toleration, ...], bool, bool]] = [
    ("Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)", (), True, False),
    ("Schedule pod to normal node", (), False, True),
    (
        "Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)",
        (_tol("node.kubernetes.io/unschedulable", "", "", "NoSchedule"),),
        True,
        True,
    ),
]


@pytest.mark.parametrize(
    ("tolerations", "unschedulable", "want"), [pytest.param(*c[1:], id=c[0]) for c in UNSCHEDULABLE]
)
def test_node_unschedulable(tolerations: tuple[Toleration, ...], unschedulable: bool, want: bool) -> None:
    taints = filter_taints((Taint("soft", "", "PreferNoSchedule"),), unschedulable)
    assert (find_untolerated_taint(taints, tolerations) is None) == want


def test_filter_taints_keeps_what_filters() -> None:
    got: Any = filter_taints(
        (Taint("b", "", "NoExecute"), Taint("a", "", "PreferNoSchedule"), Taint("a", "", "NoSchedule")), False
    )
    assert got == (Taint("a", "", "NoSchedule"), Taint("b", "", "NoExecute"))
