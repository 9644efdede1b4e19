"""The policy's CEL-expressible rules as ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding
manifests (admissionregistration.k8s.io/v1), and as manifest-based static admission files
(KEP-5793, kube-apiserver 1.36 alpha / 1.37 beta: names ending in ``.static.k8s.io``, no
``paramKind`` / ``paramRef``, webhooks by ``clientConfig.url``) with the AdmissionConfiguration that
loads them.

One policy per rule, bound with the rule's action (``Deny`` or ``Warn``): each rule's decisions show
under its own name in the API server's admission metrics and audit annotations.
"""

from __future__ import annotations

import re
from typing import Any, Final

from podfit.admission_policy.cel import CelRule, cel_rules, variables
from podfit.admission_policy.manifests import webhook_configurations
from podfit.admission_policy.values import DENY, EXACT_RULES, WARN, AdmissionPolicy

__all__ = [
    "STATIC_DIRS",
    "admission_configuration",
    "static_manifests",
    "validating_admission_policies",
    "webhook_only_rules",
]

STATIC_SUFFIX: Final = ".static.k8s.io"
# plugin -> (directory, configuration kind)
STATIC_DIRS: Final = {
    "ValidatingAdmissionPolicy": ("validating-policies", "ValidatingAdmissionPolicyConfiguration"),
    "ValidatingAdmissionWebhook": ("validating-webhooks", "WebhookAdmissionConfiguration"),
    "MutatingAdmissionWebhook": ("mutating-webhooks", "WebhookAdmissionConfiguration"),
}


def _kebab(rule: str) -> str:
    """``podCPUBudgetInteger`` -> ``pod-cpu-budget-integer``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", rule).lower()


def _policy_objects(policy: AdmissionPolicy, rule: CelRule, suffix: str) -> list[dict[str, Any]]:
    name = f"podfit-{policy.name}-{_kebab(rule.rule)}{suffix}"
    validation: dict[str, Any] = {
        "expression": rule.expression,
        "message": rule.message,
        "reason": "Forbidden",
    }
    if rule.message_expression:
        validation["messageExpression"] = rule.message_expression
    match: dict[str, Any] = {
        "resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}
        ],
        "matchPolicy": "Equivalent",
    }
    if policy.namespace_selector:
        match["namespaceSelector"] = dict(policy.namespace_selector)
    if policy.object_selector:
        match["objectSelector"] = dict(policy.object_selector)
    vap = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/part-of": "podfit", "podfit.io/rule": rule.rule},
        },
        "spec": {
            "failurePolicy": policy.failure_policy,
            "matchConstraints": match,
            "variables": [{"name": n, "expression": e} for n, e in variables()],
            "validations": [validation],
        },
    }
    action = policy.action(rule.rule)
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name.replace(suffix, "") + "-binding" + suffix if suffix else name + "-binding"},
        "spec": {"policyName": name, "validationActions": [DENY] if action == DENY else [WARN]},
    }
    return [vap, binding]


def validating_admission_policies(policy: AdmissionPolicy, *, static: bool = False) -> list[dict[str, Any]]:
    """A ValidatingAdmissionPolicy and its binding per CEL-expressible rule (action not Ignore)."""
    suffix = STATIC_SUFFIX if static else ""
    out: list[dict[str, Any]] = []
    for rule in cel_rules(policy):
        out.extend(_policy_objects(policy, rule, suffix))
    return out


def webhook_only_rules(policy: AdmissionPolicy) -> list[str]:
    """The rules only the webhook checks (the exact admission on the node shapes), not Ignore."""
    return [r for r in EXACT_RULES if policy.action(r) != "Ignore"]


def static_manifests(policy: AdmissionPolicy, webhook_url: str | None) -> dict[str, list[dict[str, Any]]]:
    """Per admission plugin, the objects of its ``staticManifestsDir``: the policies and bindings,
    and (given the webhook's URL) the webhook configurations for the rules only it can check."""
    out: dict[str, list[dict[str, Any]]] = {
        "ValidatingAdmissionPolicy": validating_admission_policies(policy, static=True)
    }
    if webhook_url is not None:
        for obj in webhook_configurations(policy, url=webhook_url):
            plugin = (
                "ValidatingAdmissionWebhook"
                if obj["kind"] == "ValidatingWebhookConfiguration"
                else "MutatingAdmissionWebhook"
            )
            out[plugin] = [obj]
    return out


def admission_configuration(base_dir: str, plugins: list[str]) -> dict[str, Any]:
    """The AdmissionConfiguration (``--admission-control-config-file``) loading each plugin's
    static manifests from ``base_dir/<plugin dir>/`` (an absolute path on the control-plane node)."""
    entries = []
    for plugin in plugins:
        directory, kind = STATIC_DIRS[plugin]
        configuration: dict[str, Any] = {
            "apiVersion": "apiserver.config.k8s.io/v1",
            "kind": kind,
            "staticManifestsDir": f"{base_dir.rstrip('/')}/{directory}/",
        }
        if kind == "WebhookAdmissionConfiguration":
            configuration["kubeConfigFile"] = ""
        entries.append({"name": plugin, "configuration": configuration})
    return {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration", "plugins": entries}
