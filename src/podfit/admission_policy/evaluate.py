"""Evaluating one decoded pod against a policy: every rule's finding, as values.

The static rules (:mod:`.rules`) read the pod; the exact rules admit it on each declared node shape
(:mod:`.shapes`) and read the kubelet's decisions: whether any shape admits it, which sidecars land
in the pod shared pool, which containers are not pinned and why (:mod:`.why`). A rule whose action
is Deny but that holds on only some shapes gives a warning instead: the pod still fits a node.

``expired`` (given by the server) is asked between steps; when it says the deadline passed the
evaluation stops with :class:`~podfit.errors.EvaluationCut`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from podfit.admission_policy import rules
from podfit.admission_policy.shapes import ShapeAdmission, ShapeSet
from podfit.admission_policy.values import (
    IGNORE,
    RULE_EMPTY_POD_SHARED_POOL,
    RULE_FEATURE_GATES,
    RULE_NODE_SHAPE_ALIGNMENT,
    RULE_POD_CPU_BUDGET_INTEGER,
    RULE_SIDECAR_POD_SHARED_POOL,
    RULE_UNPINNED_CONTAINERS,
    WARN,
    AdmissionPolicy,
    Evaluation,
    Finding,
)
from podfit.errors import EvaluationCut
from podfit.kubelet.result import NODE_SHARED, POD_SHARED, ContainerAssignment
from podfit.model.pod import Pod
from podfit.model.qos import is_pod_level_resources_set

__all__ = ["evaluate_pod"]

_NEVER: Final = lambda: False  # noqa: E731


def _check(expired: Callable[[], bool]) -> None:
    if expired():
        raise EvaluationCut("the evaluation passed its deadline")


def _shapes(names: list[str]) -> str:
    return ", ".join(names)


def _gates(policy: AdmissionPolicy, pod: Pod, action: str) -> list[Finding]:
    mismatches = rules.gate_mismatches(pod, policy.node_shapes)
    if not mismatches:
        return []
    detail = "; ".join(f"{m.shape}: {m.what}" for m in mismatches)
    if len(mismatches) == len(policy.node_shapes):
        return [
            Finding(
                RULE_FEATURE_GATES, action, f"no node shape serves this pod's pod-level resources: {detail}"
            )
        ]
    return [Finding(RULE_FEATURE_GATES, WARN, f"pod-level resources not served on {detail}")]


def _alignment(policy: AdmissionPolicy, admissions: list[ShapeAdmission], action: str) -> list[Finding]:
    rejected = [a for a in admissions if not a.admitted]
    if not rejected:
        return []
    detail = "; ".join(f"{a.shape}: {a.reason}: {a.message}" for a in rejected)
    if len(rejected) == len(admissions):
        return [
            Finding(RULE_NODE_SHAPE_ALIGNMENT, action, f"no declared node shape admits this pod: {detail}")
        ]
    return [Finding(RULE_NODE_SHAPE_ALIGNMENT, WARN, f"rejected on {detail}")]


def _pinning_minded(pod: Pod) -> bool:
    """Pods whose unpinned containers are worth a warning: they ask for exclusive CPUs somewhere."""
    return is_pod_level_resources_set(pod) or bool(rules.exclusive_wanted(pod))


def _unpinned_why(c: ContainerAssignment) -> str | None:
    """Where an unpinned container runs and why, in the kubelet's terms: the ``why`` of its
    assignment (:func:`podfit.kubelet.why.container_why`), in its short form with its reason."""
    if c.why is None:
        return None
    where = "runs in the pod shared pool" if c.assignment == POD_SHARED else "not pinned"
    return f"{where}: {c.why.short} ({c.why.reason})"


def _placements(
    policy: AdmissionPolicy,
    pod: Pod,
    admissions: list[ShapeAdmission],
    sidecar_action: str,
    unpinned_action: str,
) -> list[Finding]:
    sidecars: dict[str, list[str]] = {}  # container -> shapes
    unpinned: dict[tuple[str, str], list[str]] = {}  # (container, why) -> shapes
    minded = unpinned_action != IGNORE and _pinning_minded(pod)
    for a in admissions:
        if not a.admitted:
            continue
        for c in a.containers:
            if c.kind == "init":
                continue  # runs to completion before the others start
            if c.kind == "sidecar" and c.assignment == POD_SHARED:
                if sidecar_action != IGNORE:
                    sidecars.setdefault(c.name, []).append(a.shape)
            elif minded and c.assignment in (NODE_SHARED, POD_SHARED):
                why = _unpinned_why(c)
                if why is not None:
                    unpinned.setdefault((c.name, why), []).append(a.shape)
    out = [
        Finding(
            RULE_SIDECAR_POD_SHARED_POOL,
            sidecar_action,
            f"sidecar {name} lands in the pod shared pool on {_shapes(s)}",
        )
        for name, s in sidecars.items()
    ]
    out.extend(
        Finding(RULE_UNPINNED_CONTAINERS, unpinned_action, f"container {name} {why} (on {_shapes(s)})")
        for (name, why), s in unpinned.items()
    )
    return out


def evaluate_pod(
    policy: AdmissionPolicy, shapes: ShapeSet, pod: Pod, expired: Callable[[], bool] = _NEVER
) -> Evaluation:
    """Every rule of ``policy`` on ``pod``; ``shapes`` is a started :class:`ShapeSet` of the policy."""
    act = policy.action
    findings: list[Finding] = []
    if act(RULE_FEATURE_GATES) != IGNORE:
        findings.extend(_gates(policy, pod, act(RULE_FEATURE_GATES)))
    for rule, check in (
        (RULE_POD_CPU_BUDGET_INTEGER, rules.pod_cpu_budget_not_integer),
        (RULE_EMPTY_POD_SHARED_POOL, rules.empty_pod_shared_pool),
    ):
        if act(rule) != IGNORE:
            message = check(pod)
            if message is not None:
                findings.append(Finding(rule, act(rule), message))
    exact = (
        act(RULE_NODE_SHAPE_ALIGNMENT),
        act(RULE_SIDECAR_POD_SHARED_POOL),
        act(RULE_UNPINNED_CONTAINERS),
    )
    if any(a != IGNORE for a in exact):
        admissions = []
        for i in range(len(shapes)):
            _check(expired)
            admissions.append(shapes.admit(pod, i))
        if exact[0] != IGNORE:
            findings.extend(_alignment(policy, admissions, exact[0]))
        findings.extend(_placements(policy, pod, admissions, exact[1], exact[2]))
    return Evaluation(tuple(findings))
