"""A Kubespray inventory's variables (``group_vars/k8s_cluster/k8s-cluster.yml``,
``group_vars/all/*.yml``, a host's ``host_vars``) read as the kubelet configuration Kubespray
writes from them (``roles/kubernetes/node/templates/kubelet-config.v1beta1.yaml.j2``).

Kubespray always writes ``kubeReserved`` and ``systemReserved`` (its defaults: kube cpu 100m,
memory 256Mi; system cpu 500m, memory 512Mi; ephemeral-storage 500Mi and pid 1000 each), then
``kubelet_config_extra_args``, then the CPU and Topology Manager variables, and passes
``kubelet_custom_flags`` as flags. A value that is still a Jinja expression (``{{ … }}``) is left
out, with a note.

Read at kubernetes-sigs/kubespray commit 46dbdd39 (2026-08), roles/kubernetes/node/defaults/main.yml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from podfit.api.kubelet_flags import flags_from_args
from podfit.errors import InputError
from podfit.io.kubelet_config_forms import merge_patch, release_note, with_flags
from podfit.model.gotext import json_type
from podfit.model.kubelet_config import API_VERSION, KIND

__all__ = ["from_kubespray", "is_kubespray"]

MARKERS: Final = frozenset(
    {
        "kubelet_cpu_manager_policy",
        "kubelet_topology_manager_policy",
        "kubelet_config_extra_args",
        "kubelet_custom_flags",
        "kubelet_max_pods",
        "kube_reserved",
        "system_reserved",
        "kube_cpu_reserved",
        "system_cpu_reserved",
        "kube_network_plugin",
        "kube_proxy_mode",
    }
)
_SNAKE: Final = re.compile(r"^(kube|kubelet)_[a-z0-9_]+$")
RESERVED: Final = (
    ("kube", {"cpu": "100m", "memory": "256Mi", "ephemeral-storage": "500Mi", "pid": "1000"}),
    ("system", {"cpu": "500m", "memory": "512Mi", "ephemeral-storage": "500Mi", "pid": "1000"}),
)
# variable -> KubeletConfiguration field, written after kubelet_config_extra_args
FIELDS: Final = (
    ("kubelet_cpu_manager_policy", "cpuManagerPolicy"),
    ("kubelet_cpu_manager_policy_options", "cpuManagerPolicyOptions"),
    ("kubelet_topology_manager_policy", "topologyManagerPolicy"),
    ("kubelet_topology_manager_scope", "topologyManagerScope"),
)


def is_kubespray(doc: Any) -> bool:
    """Ansible variables of a Kubespray inventory: snake_case ``kube_*`` / ``kubelet_*`` names
    (no KubeletConfiguration field is spelled so), or one of Kubespray's own variables."""
    return (
        isinstance(doc, Mapping)
        and "apiVersion" not in doc
        and "kind" not in doc
        and any(str(k) in MARKERS or _SNAKE.match(str(k)) is not None for k in doc)
    )


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, Mapping):
        return any(_templated(v) for v in value.values())
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    return False


def from_kubespray(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """The KubeletConfiguration Kubespray writes from the inventory variables ``doc``."""
    templated: list[str] = []

    def var(name: str, default: Any = None) -> Any:
        value = doc.get(name, default)
        if _templated(value):
            templated.append(name)
            return default
        return value

    config: dict[str, Any] = {"apiVersion": API_VERSION, "kind": KIND}
    for scope, defaults in RESERVED:
        config[f"{scope}Reserved"] = {
            resource: str(var(f"{scope}_{resource.replace('-', '_')}_reserved", default))
            for resource, default in defaults.items()
        }
    config["maxPods"] = var("kubelet_max_pods", 110)
    config["podPidsLimit"] = var("kubelet_pod_pids_limit", -1)
    if var("eviction_hard"):
        config["evictionHard"] = var("eviction_hard")
    enforce = var("kubelet_enforce_node_allocatable")
    if isinstance(enforce, str) and enforce.strip('"'):
        config["enforceNodeAllocatable"] = [e.strip() for e in enforce.split(",") if e.strip()]
    extra = var("kubelet_config_extra_args") or {}
    if not isinstance(extra, Mapping):
        raise InputError("kubelet_config_extra_args", f"expected an object, got {json_type(extra)}", source)
    config = merge_patch(config, extra)
    gates = var("kubelet_feature_gates") or var("kube_feature_gates") or []
    if isinstance(gates, list) and gates:
        pairs = [str(g).partition("=") for g in gates]
        config["featureGates"] = {k.strip(): v.strip().lower() == "true" for k, _, v in pairs}
    for name, field in FIELDS:
        if var(name) is not None:
            config[field] = var(name)
    release_note(source, "kube_version", var("kube_version"), notes)
    notes.append(
        f"{source}: Kubespray inventory variables, read as the KubeletConfiguration Kubespray writes "
        "(with its kubeReserved and systemReserved defaults)"
    )
    if templated:
        notes.append(
            f"{source}: Jinja expressions left out (their defaults used): {', '.join(sorted(set(templated)))}"
        )
    custom = var("kubelet_custom_flags") or []
    flags = flags_from_args([str(f) for f in custom]) if isinstance(custom, list) else {}
    return with_flags(config, flags, "kubelet_custom_flags", source, notes)  # type: ignore[no-any-return]
