"""The values of an admission policy and of its decisions (plain, frozen).

A policy file (``kind: AdmissionPolicy``, decoded by :mod:`podfit.admission_policy.decode`) names
the node shapes pods must fit, an action per rule, optional mutations and the webhook's settings.
Evaluating a pod gives :class:`Finding` values (a rule, its action, a message); mutating one gives
:class:`PatchOp` values (RFC 6902 JSON patch operations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine

__all__ = [
    "ACTIONS",
    "ALLOW",
    "API_VERSION",
    "DENY",
    "EXACT_RULES",
    "IGNORE",
    "KIND",
    "RULES",
    "RULE_EMPTY_POD_SHARED_POOL",
    "RULE_FEATURE_GATES",
    "RULE_NODE_SHAPE_ALIGNMENT",
    "RULE_POD_CPU_BUDGET_INTEGER",
    "RULE_SIDECAR_POD_SHARED_POOL",
    "RULE_UNPINNED_CONTAINERS",
    "WARN",
    "AdmissionPolicy",
    "Evaluation",
    "Finding",
    "Mutations",
    "NodeShape",
    "PatchOp",
    "PodLevelResourcesMutation",
    "SidecarRestartPolicyMutation",
]

API_VERSION: Final = "podfit.io/v1alpha1"
KIND: Final = "AdmissionPolicy"

DENY: Final = "Deny"
WARN: Final = "Warn"
IGNORE: Final = "Ignore"
ALLOW: Final = "Allow"
ACTIONS: Final = (DENY, WARN, IGNORE)

# validating rules, in evaluation order
RULE_FEATURE_GATES: Final = "featureGates"
RULE_POD_CPU_BUDGET_INTEGER: Final = "podCPUBudgetInteger"
RULE_EMPTY_POD_SHARED_POOL: Final = "emptyPodSharedPool"
RULE_NODE_SHAPE_ALIGNMENT: Final = "nodeShapeAlignment"
RULE_SIDECAR_POD_SHARED_POOL: Final = "sidecarPodSharedPool"
RULE_UNPINNED_CONTAINERS: Final = "unpinnedContainers"

# rule -> its default action
RULES: Final[dict[str, str]] = {
    RULE_FEATURE_GATES: DENY,
    RULE_POD_CPU_BUDGET_INTEGER: DENY,
    RULE_EMPTY_POD_SHARED_POOL: DENY,
    RULE_NODE_SHAPE_ALIGNMENT: DENY,
    RULE_SIDECAR_POD_SHARED_POOL: WARN,
    RULE_UNPINNED_CONTAINERS: WARN,
}

# the rules that need the exact admission on the node shapes: only the webhook checks them
EXACT_RULES: Final = (RULE_NODE_SHAPE_ALIGNMENT, RULE_SIDECAR_POD_SHARED_POOL, RULE_UNPINNED_CONTAINERS)


@dataclass(frozen=True)
class NodeShape:
    """One kind of node pods must fit: a machine, its kubelet's configuration and release."""

    name: str
    machine: Machine
    config: KubeletConfig
    release: str  # the kubelet's minor release ("1.36"), podfit.release
    gates: Mapping[str, bool]  # PodLevelResources / PodLevelResourceManagers as this release has them


@dataclass(frozen=True)
class PodLevelResourcesMutation:
    """Add ``spec.resources`` (the containers' aggregate) to pods that have none."""

    namespace_selector: Mapping[str, Any] | None = None  # a LabelSelector; None = every namespace


@dataclass(frozen=True)
class SidecarRestartPolicyMutation:
    """Give the listed init containers ``restartPolicy: Always`` (they become sidecars)."""

    containers: tuple[str, ...] = ()
    namespace_selector: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Mutations:
    pod_level_resources: PodLevelResourcesMutation | None = None
    sidecar_restart_policy: SidecarRestartPolicyMutation | None = None

    def names(self) -> tuple[str, ...]:
        """The configured mutations, by their policy-file name."""
        out = []
        if self.pod_level_resources is not None:
            out.append("podLevelResources")
        if self.sidecar_restart_policy is not None:
            out.append("sidecarRestartPolicy")
        return tuple(out)


@dataclass(frozen=True)
class AdmissionPolicy:
    """A decoded policy file."""

    name: str
    node_shapes: tuple[NodeShape, ...]
    rules: Mapping[str, str]  # rule -> Deny | Warn | Ignore
    on_error: str = ALLOW  # Allow (with a warning) | Deny: a pod the policy cannot evaluate
    failure_policy: str = "Fail"  # the webhook configurations' failurePolicy
    timeout_seconds: int = 5  # the webhook configurations' timeoutSeconds
    deadline_seconds: float = 4.0  # evaluation is cut here (< timeout_seconds)
    namespace_selector: Mapping[str, Any] | None = None
    object_selector: Mapping[str, Any] | None = None
    mutations: Mutations = field(default_factory=Mutations)

    def action(self, rule: str) -> str:
        return self.rules.get(rule, RULES[rule])


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one pod: ``action`` Deny or Warn, and what the kubelet would do."""

    rule: str
    action: str
    message: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A validating decision: the findings, and the evaluation error answered per ``onError``."""

    findings: tuple[Finding, ...] = ()
    error: str | None = None  # the pod could not be evaluated (then per the policy's onError)

    @property
    def denials(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.action == DENY)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.action == WARN)


@dataclass(frozen=True, slots=True)
class PatchOp:
    """One RFC 6902 operation (``add`` / ``replace``) at a JSON pointer."""

    op: str
    path: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "path": self.path, "value": self.value}
