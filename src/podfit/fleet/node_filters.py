"""The scheduler's node filters besides resource fit: NodeAffinity (required terms), TaintToleration
and NodeUnschedulable, as kube-scheduler v1.36 evaluates them on one node.

A node is seen through its labels (only the keys some pod reads), its name and its taints; the
scheduler (:mod:`podfit.fleet.scheduler`) asks these functions once per node class and pod
signature. Preferred node affinity and PreferNoSchedule taints only score nodes: not modelled.
Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from podfit.fleet.values import SelectorRequirement, SelectorTerm, Taint, Toleration

__all__ = [
    "FILTER_EFFECTS",
    "TAINT_NODE_UNSCHEDULABLE",
    "affinity_label_keys",
    "affinity_reads_fields",
    "filter_taints",
    "find_untolerated_taint",
    "match_node_selector_terms",
    "toleration_tolerates_taint",
]

NO_SCHEDULE: Final = "NoSchedule"
NO_EXECUTE: Final = "NoExecute"
# the taint effects the TaintToleration filter looks at (PreferNoSchedule only scores)
FILTER_EFFECTS: Final = (NO_SCHEDULE, NO_EXECUTE)
TAINT_NODE_UNSCHEDULABLE: Final = "node.kubernetes.io/unschedulable"
NODE_NAME_FIELD: Final = "metadata.name"

_INT64_MIN: Final = -(1 << 63)
_INT64_MAX: Final = (1 << 63) - 1
_GO_INT = re.compile(r"[+-]?[0-9]+")
_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


# ----- taints and tolerations -----------------------------------------------------------------
def _parse_int64(text: str) -> int | None:
    """A base-10 64-bit integer as Go's strconv.ParseInt(s, 10, 64) reads it (``None``: not one)."""
    if not _GO_INT.fullmatch(text):
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _compare_numeric(toleration_value: str, taint_value: str, operator: str) -> bool:
    """Mirrors: staging/src/k8s.io/api/core/v1/toleration.go compareNumericValues (v1.36): both
    values canonical decimal integers (content.IsDecimalInteger) in int64 range."""
    if not _CANONICAL_INT.fullmatch(toleration_value) or not _CANONICAL_INT.fullmatch(taint_value):
        return False
    tol, taint = _parse_int64(toleration_value), _parse_int64(taint_value)
    if tol is None or taint is None:
        return False
    return taint < tol if operator == "Lt" else taint > tol if operator == "Gt" else False


def toleration_tolerates_taint(
    toleration: Toleration, taint: Taint, comparison_operators: bool = False
) -> bool:
    """Whether one toleration tolerates ``taint``: an empty effect or key matches every one; operator
    empty or Equal compares values, Exists matches any value; Lt/Gt compare integers only with the
    TaintTolerationComparisonOperators gate (alpha since 1.35, off by default in 1.36; off, they
    tolerate nothing); any other operator tolerates nothing.
    Mirrors: staging/src/k8s.io/api/core/v1/toleration.go Toleration.ToleratesTaint (v1.36)"""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    op = toleration.operator
    if op in ("", "Equal"):
        return toleration.value == taint.value
    if op == "Exists":
        return True
    if op in ("Lt", "Gt"):
        return comparison_operators and _compare_numeric(toleration.value, taint.value, op)
    return False


def find_untolerated_taint(
    taints: Iterable[Taint], tolerations: tuple[Toleration, ...], comparison_operators: bool = False
) -> Taint | None:
    """The first NoSchedule / NoExecute taint no toleration tolerates (``None``: the pod passes).
    Mirrors: staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go
    FindMatchingUntoleratedTaint + pkg/scheduler/framework/plugins/helper/taint.go
    DoNotScheduleTaintsFilterFunc, as tainttoleration Filter calls them (v1.36)"""
    for taint in taints:
        if taint.effect not in FILTER_EFFECTS:
            continue
        if not any(toleration_tolerates_taint(t, taint, comparison_operators) for t in tolerations):
            return taint
    return None


def filter_taints(taints: Iterable[Taint], unschedulable: bool) -> tuple[Taint, ...]:
    """What the filters see of a node, as one sorted tuple: its NoSchedule / NoExecute taints and,
    for a ``spec.unschedulable`` node, the NoSchedule taint ``node.kubernetes.io/unschedulable``
    (NodeUnschedulable's filter asks the pod's tolerations about exactly that taint, which the
    node lifecycle controller also puts on a cordoned node).
    Mirrors: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go Filter (v1.36)"""
    kept = {t for t in taints if t.effect in FILTER_EFFECTS}
    if unschedulable:
        kept.add(Taint(TAINT_NODE_UNSCHEDULABLE, "", NO_SCHEDULE))
    return tuple(sorted(kept, key=lambda t: (t.key, t.value, t.effect)))


# ----- required node affinity -----------------------------------------------------------------
def _label_key_valid(key: str) -> bool:
    """Mirrors: staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go IsLabelKey (v1.36)"""
    parts = key.split("/")
    if len(parts) > 2:
        return False
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix):
            return False
    name = parts[-1]
    return 0 < len(name) <= 63 and _LABEL_NAME.fullmatch(name) is not None


def _label_value_valid(value: str) -> bool:
    """Mirrors: staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go IsLabelValue (v1.36)"""
    return value == "" or (len(value) <= 63 and _LABEL_NAME.fullmatch(value) is not None)


def _requirement_valid(req: SelectorRequirement) -> bool:
    """Whether a label requirement parses (an operator of the six, the value count it needs, Gt/Lt
    values integers, a valid key and valid values).
    Mirrors: staging/src/k8s.io/apimachinery/pkg/labels/selector.go NewRequirement; component-helpers
    nodeaffinity.go nodeSelectorRequirementsAsSelector (v1.36)"""
    op, values = req.operator, req.values
    if op in ("In", "NotIn"):
        ok = len(values) > 0
    elif op in ("Exists", "DoesNotExist"):
        ok = len(values) == 0
    elif op in ("Gt", "Lt"):
        ok = len(values) == 1 and _parse_int64(values[0]) is not None
    else:
        return False
    return ok and _label_key_valid(req.key) and all(_label_value_valid(v) for v in values)


def _requirement_matches(req: SelectorRequirement, labels: Mapping[str, str]) -> bool:
    """Mirrors: staging/src/k8s.io/apimachinery/pkg/labels/selector.go Requirement.Matches (v1.36)"""
    op = req.operator
    value = labels.get(req.key)
    if op == "In":
        return value is not None and value in req.values
    if op == "NotIn":
        return value is None or value not in req.values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if value is None:
        return False
    have, want = _parse_int64(value), _parse_int64(req.values[0])
    if have is None or want is None:
        return False
    return have > want if op == "Gt" else have < want


def _field_valid(req: SelectorRequirement) -> bool:
    """Mirrors: component-helpers nodeaffinity.go nodeSelectorRequirementsAsFieldSelector (v1.36):
    In / NotIn with exactly one value."""
    return req.operator in ("In", "NotIn") and len(req.values) == 1


def _term_matches(term: SelectorTerm, labels: Mapping[str, str], name: str) -> bool:
    """A term matches when every expression matches the labels and every field the node's fields
    (only ``metadata.name``; a node without a name has no fields and passes them); a term that does
    not parse matches nothing.
    Mirrors: component-helpers nodeaffinity.go newNodeSelectorTerm + nodeSelectorTerm.match (v1.36)"""
    exprs, fields = term.match_expressions, term.match_fields
    if not all(_requirement_valid(r) for r in exprs) or not all(_field_valid(r) for r in fields):
        return False
    if not all(_requirement_matches(r, labels) for r in exprs):
        return False
    if fields and name:
        for r in fields:
            have = name if r.key == NODE_NAME_FIELD else ""
            if (have == r.values[0]) != (r.operator == "In"):
                return False
    return True


def match_node_selector_terms(terms: tuple[SelectorTerm, ...], labels: Mapping[str, str], name: str) -> bool:
    """The required node affinity: the terms ORed; a term without expressions and fields matches
    nothing, so does an empty list; a term that does not parse is skipped (the scheduler's Filter
    ignores the parse errors the lazy selector reports when nothing matched).
    Mirrors: component-helpers nodeaffinity.go LazyErrorNodeSelector.Match;
    pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go Filter (v1.36)"""
    return any((t.match_expressions or t.match_fields) and _term_matches(t, labels, name) for t in terms)


def affinity_reads_fields(terms: tuple[SelectorTerm, ...] | None) -> bool:
    """Whether the terms read the node's name (then they are evaluated node by node)."""
    return terms is not None and any(t.match_fields for t in terms)


def affinity_label_keys(terms: tuple[SelectorTerm, ...] | None) -> set[str]:
    """The node label keys the terms read."""
    return {r.key for t in terms or () for r in t.match_expressions}
