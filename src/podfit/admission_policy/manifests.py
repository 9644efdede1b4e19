"""The webhook's deploy manifests, as plain dicts (``podfit webhook manifests`` prints them).

ConfigMap (the policy), Deployment (2 replicas, probes on ``/readyz`` and ``/healthz``),
PodDisruptionBudget, Service, the ValidatingWebhookConfiguration (``/validate``) and the
MutatingWebhookConfiguration (one webhook per configured mutation, ``/mutate/<name>``, each with
its own namespaceSelector). The serving certificate comes either from cert-manager (a Certificate,
and the ``cert-manager.io/inject-ca-from`` annotation on the webhook configurations) or from a
given CA bundle (``caBundle``; the TLS Secret is then the operator's).

The same webhook configurations with ``clientConfig.url`` instead of a Service, and names ending in
``.static.k8s.io``, are the manifest-based (static) form (:func:`webhook_configurations`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from podfit.admission_policy.values import AdmissionPolicy

__all__ = ["DeployOptions", "deploy_manifests", "merge_selectors", "webhook_configurations"]

TLS_SECRET: Final = "podfit-webhook-tls"
MUTATION_ORDER: Final = ("sidecarRestartPolicy", "podLevelResources")


@dataclass(frozen=True)
class DeployOptions:
    namespace: str = "podfit-system"
    name: str = "podfit-webhook"
    image: str = "ghcr.io/podfit/podfit:latest"
    replicas: int = 2
    port: int = 8443
    ca_bundle: bytes | None = None  # PEM of the CA that signed the serving certificate
    cert_manager_issuer: str | None = None  # "Issuer/name" or "ClusterIssuer/name"; "" = a self-signed Issuer
    workers: int = 1


def merge_selectors(*selectors: Mapping[str, Any] | None) -> dict[str, Any]:
    """The AND of label selectors (matchLabels merged, matchExpressions concatenated)."""
    labels: dict[str, str] = {}
    exprs: list[dict[str, Any]] = []
    for sel in selectors:
        if not sel:
            continue
        labels.update(sel.get("matchLabels", {}))
        exprs.extend(dict(e) for e in sel.get("matchExpressions", []))
    out: dict[str, Any] = {}
    if labels:
        out["matchLabels"] = labels
    if exprs:
        out["matchExpressions"] = exprs
    return out


def _namespace_selector(
    policy: AdmissionPolicy, extra: Mapping[str, Any] | None, own: str | None
) -> dict[str, Any]:
    mine = (
        {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": [own]}]}
        if own
        else None
    )
    return merge_selectors(policy.namespace_selector, extra, mine)


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "operations": ["CREATE"],
            "resources": ["pods"],
            "scope": "Namespaced",
        }
    ]


def _client(path: str, opts: DeployOptions | None, url: str | None) -> dict[str, Any]:
    if url is not None:
        client: dict[str, Any] = {"url": url.rstrip("/") + path}
    else:
        assert opts is not None
        client = {"service": {"namespace": opts.namespace, "name": opts.name, "path": path, "port": 443}}
    if opts is not None and opts.ca_bundle is not None:
        client["caBundle"] = base64.b64encode(opts.ca_bundle).decode("ascii")
    return client


def _webhook(
    policy: AdmissionPolicy, name: str, path: str, selector: dict[str, Any], client: dict[str, Any]
) -> dict[str, Any]:
    hook: dict[str, Any] = {
        "name": name,
        "admissionReviewVersions": ["v1"],
        "sideEffects": "None",
        "failurePolicy": policy.failure_policy,
        "matchPolicy": "Equivalent",
        "timeoutSeconds": policy.timeout_seconds,
        "rules": _rules(),
        "clientConfig": client,
    }
    if selector:
        hook["namespaceSelector"] = selector
    if policy.object_selector:
        hook["objectSelector"] = dict(policy.object_selector)
    return hook


def webhook_configurations(
    policy: AdmissionPolicy,
    opts: DeployOptions | None = None,
    *,
    url: str | None = None,
    annotations: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The Validating- and (when the policy has mutations) MutatingWebhookConfiguration: through the
    Service of ``opts``, or at ``url`` (static form: names end in ``.static.k8s.io``)."""
    static = url is not None
    own = opts.namespace if opts is not None and not static else None
    suffix = ".static.k8s.io" if static else ""
    base = f"podfit-{policy.name}"
    meta: dict[str, Any] = {"name": base + suffix}
    if annotations:
        meta["annotations"] = dict(annotations)
    validating = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": meta,
        "webhooks": [
            _webhook(
                policy,
                f"validate.{policy.name}.podfit.io",
                "/validate",
                _namespace_selector(policy, None, own),
                _client("/validate", opts, url),
            )
        ],
    }
    out = [validating]
    m = policy.mutations
    hooks = []
    for mutation in MUTATION_ORDER:
        spec: Any = m.sidecar_restart_policy if mutation == "sidecarRestartPolicy" else m.pod_level_resources
        if spec is None:
            continue
        hook = _webhook(
            policy,
            f"{mutation.lower()}.{policy.name}.podfit.io",
            f"/mutate/{mutation}",
            _namespace_selector(policy, spec.namespace_selector, own),
            _client(f"/mutate/{mutation}", opts, url),
        )
        hook["reinvocationPolicy"] = "IfNeeded"  # see pods changed by later mutating webhooks too
        hooks.append(hook)
    if hooks:
        out.append(
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "MutatingWebhookConfiguration",
                "metadata": dict(meta),
                "webhooks": hooks,
            }
        )
    return out


def _labels(opts: DeployOptions) -> dict[str, str]:
    return {"app.kubernetes.io/name": opts.name, "app.kubernetes.io/part-of": "podfit"}


def _deployment(opts: DeployOptions, policy: AdmissionPolicy) -> dict[str, Any]:
    labels = _labels(opts)

    def probe(path: str) -> dict[str, Any]:
        return {"httpGet": {"path": path, "port": opts.port, "scheme": "HTTPS"}, "periodSeconds": 5}

    container = {
        "name": "webhook",
        "image": opts.image,
        "args": [
            "webhook",
            "serve",
            "--policy=/etc/podfit/policy/policy.yaml",
            "--cert=/etc/podfit/tls/tls.crt",
            "--key=/etc/podfit/tls/tls.key",
            f"--port={opts.port}",
            f"--workers={opts.workers}",
        ],
        "ports": [{"name": "https", "containerPort": opts.port}],
        "readinessProbe": probe("/readyz"),
        "livenessProbe": probe("/healthz"),
        "resources": {
            "requests": {"cpu": "500m", "memory": "256Mi"},
            "limits": {"memory": "512Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "policy", "mountPath": "/etc/podfit/policy", "readOnly": True},
            {"name": "tls", "mountPath": "/etc/podfit/tls", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": opts.name, "namespace": opts.namespace, "labels": labels},
        "spec": {
            "replicas": opts.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [container],
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    "volumes": [
                        {"name": "policy", "configMap": {"name": f"{opts.name}-policy"}},
                        {"name": "tls", "secret": {"secretName": TLS_SECRET}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                },
            },
        },
    }


def _certificates(opts: DeployOptions) -> tuple[list[dict[str, Any]], dict[str, str]]:
    if opts.cert_manager_issuer is None:
        return [], {}
    out: list[dict[str, Any]] = []
    if opts.cert_manager_issuer == "":
        issuer = {"kind": "Issuer", "name": f"{opts.name}-selfsigned"}
        out.append(
            {
                "apiVersion": "cert-manager.io/v1",
                "kind": "Issuer",
                "metadata": {"name": issuer["name"], "namespace": opts.namespace},
                "spec": {"selfSigned": {}},
            }
        )
    else:
        kind, _, name = opts.cert_manager_issuer.partition("/")
        issuer = {"kind": kind, "name": name}
    dns = [f"{opts.name}.{opts.namespace}.svc", f"{opts.name}.{opts.namespace}.svc.cluster.local"]
    out.append(
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": opts.name, "namespace": opts.namespace},
            "spec": {
                "secretName": TLS_SECRET,
                "dnsNames": dns,
                "issuerRef": issuer,
                "privateKey": {
                    "algorithm": "ECDSA",
                    "size": 256,
                    "encoding": "PKCS8",
                    "rotationPolicy": "Always",
                },
                "duration": "2160h",
                "renewBefore": "360h",
            },
        }
    )
    return out, {"cert-manager.io/inject-ca-from": f"{opts.namespace}/{opts.name}"}


def deploy_manifests(policy: AdmissionPolicy, policy_text: str, opts: DeployOptions) -> list[dict[str, Any]]:
    """Every object the webhook needs in a cluster; ``policy_text``: the policy file, self-contained
    (file references inlined)."""
    labels = _labels(opts)
    certs, annotations = _certificates(opts)
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{opts.name}-policy", "namespace": opts.namespace, "labels": labels},
            "data": {"policy.yaml": policy_text},
        },
        *certs,
        _deployment(opts, policy),
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": opts.name, "namespace": opts.namespace, "labels": labels},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": labels}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": opts.name, "namespace": opts.namespace, "labels": labels},
            "spec": {
                "selector": labels,
                "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
            },
        },
    ]
    objects.extend(webhook_configurations(policy, opts, annotations=annotations))
    return objects
