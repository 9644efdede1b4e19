"""The rules CEL can express, as CEL expressions over the admitted Pod (``object``), using the
Kubernetes CEL libraries: quantity (``quantity``, ``isInteger``, ``asInteger``, ``compareTo``,
``sign``) and lists (``sum``, ``indexOf``).

Each expression is true when the pod passes. They read the object the API server validates: after
defaulting (unset requests are defaulted from limits), as a ValidatingAdmissionPolicy sees it.

Which rules CEL can express: ``featureGates`` (its all-shapes denial: the shapes' releases and gates
are known when the policy is generated, so it becomes a condition on the pod alone),
``podCPUBudgetInteger`` and ``emptyPodSharedPool``. The exact-admission rules
(``nodeShapeAlignment``, ``sidecarPodSharedPool``, ``unpinnedContainers``) need the kubelet's
Topology, CPU and Memory Managers run on each node shape: only the webhook checks them. What CEL
does not see either: ``status.qosClass`` (empty at creation) and the per-shape warnings.
"""

from __future__ import annotations

from typing import Final

from podfit.admission_policy.gates import PLR, PLRM
from podfit.admission_policy.values import (
    RULE_EMPTY_POD_SHARED_POOL,
    RULE_FEATURE_GATES,
    RULE_POD_CPU_BUDGET_INTEGER,
    AdmissionPolicy,
)

__all__ = ["CEL_RULES", "CelRule", "cel_rules", "variables"]

CEL_RULES: Final = (RULE_FEATURE_GATES, RULE_POD_CPU_BUDGET_INTEGER, RULE_EMPTY_POD_SHARED_POOL)


class CelRule:
    """One rule as a ValidatingAdmissionPolicy validation."""

    __slots__ = ("expression", "message", "message_expression", "rule")

    def __init__(
        self, rule: str, expression: str, message: str, message_expression: str | None = None
    ) -> None:
        self.rule = rule
        self.expression = expression
        self.message = message
        self.message_expression = message_expression


def _has(obj: str, kind: str, name: str) -> str:
    return f"has({obj}.resources) && has({obj}.resources.{kind}) && '{name}' in {obj}.resources.{kind}"


def _q(obj: str, kind: str, name: str) -> str:
    return f"quantity(string({obj}.resources.{kind}['{name}']))"


def _equal_positive(obj: str, name: str) -> str:
    req, lim = _q(obj, "requests", name), _q(obj, "limits", name)
    both = f"{_has(obj, 'requests', name)} && {_has(obj, 'limits', name)}"
    return f"({both} && {req}.compareTo({lim}) == 0 && {req}.sign() == 1)"


def wants_exclusive(c: str) -> str:
    """The container asks for exclusive CPUs: equal, positive CPU and memory requests and limits, a
    whole number of CPUs (``IsContainerEquivalentQOSGuaranteed`` and ``isIntegralCPUAmount``)."""
    cpu, memory = _equal_positive(c, "cpu"), _equal_positive(c, "memory")
    return f"({cpu} && {memory} && {_q(c, 'requests', 'cpu')}.isInteger())"


def _cpus(c: str) -> str:
    return f"({wants_exclusive(c)} ? {_q(c, 'requests', 'cpu')}.asInteger() : 0)"


def _sidecar(c: str) -> str:
    return f"(has({c}.restartPolicy) && {c}.restartPolicy == 'Always')"


_SUPPORTED: Final = "(k == 'cpu' || k == 'memory' || k.startsWith('hugepages-'))"


def variables() -> list[tuple[str, str]]:
    """The policy's ``spec.variables`` (name, expression), in order."""
    spec = "object.spec"
    pod_level = (
        f"has({spec}.resources) && ((has({spec}.resources.requests)"
        f" && {spec}.resources.requests.exists(k, {_SUPPORTED}))"
        f" || (has({spec}.resources.limits) && {spec}.resources.limits.exists(k, {_SUPPORTED})))"
    )
    pod_cpu = _has(spec, "requests", "cpu")
    return [
        ("inits", f"has({spec}.initContainers) ? {spec}.initContainers : []"),
        ("all", f"variables.inits + {spec}.containers"),
        ("longRunning", f"variables.inits.filter(c, {_sidecar('c')}) + {spec}.containers"),
        ("podLevel", pod_level),
        ("wantsExclusive", f"variables.all.exists(c, {wants_exclusive('c')})"),
        (
            "podTotal",
            f"variables.podLevel && {_equal_positive(spec, 'cpu')} && {_equal_positive(spec, 'memory')}"
            f" && {_q(spec, 'requests', 'cpu')}.isInteger() ? {_q(spec, 'requests', 'cpu')}.asInteger() : 0",
        ),
        ("podCPUSet", pod_cpu),
    ]


def _budget_integer() -> CelRule:
    cpu = _q("object.spec", "requests", "cpu")
    return CelRule(
        RULE_POD_CPU_BUDGET_INTEGER,
        f"!(variables.podCPUSet && !{cpu}.isInteger() && variables.wantsExclusive)",
        "the pod CPU budget (spec.resources.requests.cpu) is not a whole number of CPUs: "
        "the kubelet gives no exclusive CPUs to this pod's containers",
        "'pod CPU budget spec.resources.requests.cpu=' + string(object.spec.resources.requests['cpu'])"
        " + ' is not a whole number of CPUs: the kubelet gives no exclusive CPUs to this pod\\'s containers'",
    )


def _empty_pool() -> CelRule:
    long_exclusive = f"variables.longRunning.map(c, {_cpus('c')}).sum()"
    shared_long = f"variables.longRunning.exists(c, !{wants_exclusive('c')})"
    sidecars_before = (
        "variables.inits.filter(s, variables.inits.indexOf(s) < variables.inits.indexOf(c)"
        f" && {_sidecar('s')})"
        f".map(s, {_cpus('s')}).sum()"
    )
    shared_init = (
        f"variables.inits.exists(c, !{_sidecar('c')} && !{wants_exclusive('c')}"
        f" && {sidecars_before} >= variables.podTotal)"
    )
    return CelRule(
        RULE_EMPTY_POD_SHARED_POOL,
        f"!(variables.podTotal > 0"
        f" && (({shared_long} && {long_exclusive} >= variables.podTotal) || {shared_init}))",
        "rejected on every node with pod-level resource managers (EmptyPodSharedPoolError): the "
        "exclusive containers take the whole pod CPU budget and leave no CPUs for the containers that "
        "share the pod's pool",
    )


def _gates(policy: AdmissionPolicy) -> CelRule | None:
    """The all-shapes denial of ``featureGates`` (None: some shape serves every pod)."""
    terms = []
    for shape in policy.node_shapes:
        if not shape.gates.get(PLR, False):
            terms.append("variables.podLevel")
        elif not shape.gates.get(PLRM, False):
            terms.append("(variables.podLevel && variables.wantsExclusive)")
        else:
            return None
    if "(variables.podLevel && variables.wantsExclusive)" in terms:
        condition = "variables.podLevel && variables.wantsExclusive"
    else:
        condition = "variables.podLevel"
    return CelRule(
        RULE_FEATURE_GATES,
        f"!({condition})",
        "no node shape serves this pod's pod-level resources: "
        + "; ".join(f"{s.name}: kubelet {s.release}" for s in policy.node_shapes),
    )


def cel_rules(policy: AdmissionPolicy) -> list[CelRule]:
    """The policy's CEL-expressible rules whose action is not Ignore."""
    out = []
    for rule in CEL_RULES:
        if policy.action(rule) == "Ignore":
            continue
        if rule == RULE_FEATURE_GATES:
            got = _gates(policy)
            if got is not None:
                out.append(got)
        elif rule == RULE_POD_CPU_BUDGET_INTEGER:
            out.append(_budget_integer())
        else:
            out.append(_empty_pool())
    return out
