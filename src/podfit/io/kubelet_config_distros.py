"""The kubelet configuration of nodes that distributions, installers and clouds set up: kops
(``Cluster`` and ``InstanceGroup``, ``kops.k8s.io``), Talos Linux (a machine configuration, or a
patch of one), k3s / RKE2 (``/etc/rancher/k3s/config.yaml``, ``/etc/rancher/rke2/config.yaml``)
and AKS (a node pool's custom kubelet configuration, ``az aks nodepool add --kubelet-config``).

Each writes the kubelet's flags and/or configuration file from its own fields; each is read as
its tool writes it, with the tool's defaults for the fields podfit interprets, and a note saying
what was read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from podfit.api.kubelet_flags import flags_from_args
from podfit.errors import InputError
from podfit.io.kubelet_config_forms import merge_patch, release_note, with_flags
from podfit.model.gotext import json_type
from podfit.model.kubelet_config import API_VERSION, KIND

__all__ = ["from_aks", "from_k3s", "from_kops", "from_talos", "is_aks", "is_k3s", "is_kops", "is_talos"]

KOPS_GROUP: Final = "kops.k8s.io/"
# kops KubeletConfigSpec fields (their json names) -> the kubelet flag kops writes for them
# (pkg/apis/kops/v1alpha2/componentconfig.go, the `flag:` tags), for the flags podfit reads
KOPS_FLAGS: Final[Mapping[str, str]] = {
    "cpuManagerPolicy": "cpu-manager-policy",
    "topologyManagerPolicy": "topology-manager-policy",
    "kubeReserved": "kube-reserved",
    "systemReserved": "system-reserved",
    "kubeReservedCgroup": "kube-reserved-cgroup",
    "systemReservedCgroup": "system-reserved-cgroup",
    "enforceNodeAllocatable": "enforce-node-allocatable",
    "evictionHard": "eviction-hard",
    "maxPods": "max-pods",
    "podPidsLimit": "pod-max-pids",
    "cpuCFSQuota": "cpu-cfs-quota",
    "cpuCFSQuotaPeriod": "cpu-cfs-quota-period",
    "featureGates": "feature-gates",
    "cgroupDriver": "cgroup-driver",
}
# what kops sets when the spec does not (pkg/model/components/kubelet.go configureKubelet)
KOPS_EVICTION_HARD: Final = (
    "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,"
    "imagefs.available<10%,imagefs.inodesFree<5%"
)
# Talos's systemReserved when machine.kubelet.extraConfig sets none
# (internal/app/machined/pkg/controllers/k8s/kubelet_spec.go NewKubeletConfiguration)
TALOS_SYSTEM_RESERVED: Final = {"cpu": "50m", "pid": "100", "ephemeral-storage": "256Mi"}
TALOS_MEMORY: Final = {"worker": "384Mi", "controlplane": "512Mi", "init": "512Mi"}
TALOS_KEYS: Final = frozenset({"version", "debug", "persist", "machine", "cluster"})
# k3s's own kubelet flags under the user's (pkg/daemons/agent: the default kubelet arguments)
K3S_DEFAULTS: Final = {"eviction-hard": "imagefs.available<5%,nodefs.available<5%"}
K3S_ARGS: Final = ("kubelet-arg", "kubelet-arg+")


def _name(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return f"{doc.get('kind')}/{name}" if name else str(doc.get("kind"))


def _object(value: Any, field: str, source: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(field, f"expected an object, got {json_type(value)}", source)
    return value


def is_kops(doc: Any) -> bool:
    api = doc.get("apiVersion") if isinstance(doc, Mapping) else None
    return (
        isinstance(api, str)
        and api.startswith(KOPS_GROUP)
        and doc.get("kind") in ("Cluster", "InstanceGroup")
    )


def _kops_flag_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):  # flagbuilder: sorted key=value pairs
        return ",".join(f"{k}={_kops_flag_value(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def from_kops(docs: Sequence[Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """The kubelet of a kops node: the Cluster's ``spec.kubelet`` (``spec.controlPlaneKubelet``,
    v1alpha2 ``masterKubelet``, for a control-plane group), then the InstanceGroup's
    ``spec.kubelet`` (the first ``Node`` group, else the first group), as kops merges them; kops
    passes them to the kubelet as flags."""
    clusters = [d for d in docs if is_kops(d) and d.get("kind") == "Cluster"]
    groups = [d for d in docs if is_kops(d) and d.get("kind") == "InstanceGroup"]
    group = next((g for g in groups if _object(g.get("spec"), "spec", source).get("role") == "Node"), None)
    group = group or (groups[0] if groups else None)
    role = _object(group.get("spec"), "spec", source).get("role", "Node") if group else "Node"
    spec: Any = {}
    read = []
    if clusters:
        cspec = _object(clusters[0].get("spec"), "spec", source)
        release_note(source, "spec.kubernetesVersion", cspec.get("kubernetesVersion"), notes)
        spec = dict(_object(cspec.get("kubelet"), "spec.kubelet", source))
        read.append(f"{_name(clusters[0])} spec.kubelet")
        if role in ("Master", "ControlPlane", "APIServer"):
            key = "controlPlaneKubelet" if "controlPlaneKubelet" in cspec else "masterKubelet"
            spec = merge_patch(spec, _object(cspec.get(key), f"spec.{key}", source))
            read.append(f"spec.{key}")
    if group is not None:
        spec = merge_patch(
            spec, _object(_object(group.get("spec"), "spec", source).get("kubelet"), "spec.kubelet", source)
        )
        read.append(f"{_name(group)} (role {role}) spec.kubelet")
    flags = {KOPS_FLAGS[k]: _kops_flag_value(v) for k, v in spec.items() if k in KOPS_FLAGS and v is not None}
    flags.setdefault("eviction-hard", KOPS_EVICTION_HARD)
    flags.setdefault("cgroup-driver", "systemd")
    used = sorted(k for k in spec if k in KOPS_FLAGS)
    others = sorted(k for k in spec if k not in KOPS_FLAGS)
    notes.append(
        f"{source}: kops: {', then '.join(read) or 'no Cluster or InstanceGroup kubelet'}, "
        "as kops passes them to the kubelet as flags, over kops's defaults (--eviction-hard, "
        f"--cgroup-driver); read: {', '.join(used) or 'none'}"
        + (f"; not about the resource managers: {', '.join(others)}" if others else "")
    )
    config = {"apiVersion": API_VERSION, "kind": KIND}
    return with_flags(config, flags, "the kops kubelet spec", source, [])  # type: ignore[no-any-return]


def is_talos(doc: Any) -> bool:
    if not isinstance(doc, Mapping) or "machine" not in doc or not set(doc) <= TALOS_KEYS:
        return False
    return doc.get("version") in (None, "v1alpha1") and isinstance(doc.get("machine"), Mapping)


def from_talos(docs: Sequence[Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """The kubelet of a Talos node: ``machine.kubelet.extraConfig`` over Talos's defaults, then
    ``machine.kubelet.extraArgs`` as flags. A file of several documents (Talos 1.5+: the
    v1alpha1 document and others) is read for its machine configuration."""
    doc = next(d for d in docs if is_talos(d))
    machine = _object(doc.get("machine"), "machine", source)
    kubelet = _object(machine.get("kubelet"), "machine.kubelet", source)
    release_note(source, "machine.kubelet.image", kubelet.get("image"), notes)
    extra = dict(_object(kubelet.get("extraConfig"), "machine.kubelet.extraConfig", source))
    machine_type = str(machine.get("type") or "worker")
    config: dict[str, Any] = {"apiVersion": API_VERSION, "kind": KIND, **extra}
    defaults = ""
    if not config.get("systemReserved"):
        reserved = {**TALOS_SYSTEM_RESERVED, "memory": TALOS_MEMORY.get(machine_type, "384Mi")}
        config["systemReserved"] = reserved
        defaults = "; Talos's systemReserved " + ",".join(f"{k}={v}" for k, v in sorted(reserved.items()))
    raw_args = _object(kubelet.get("extraArgs"), "machine.kubelet.extraArgs", source)
    args = []
    for name, value in raw_args.items():
        for item in value if isinstance(value, list) else [value]:
            args.append(f"{name}={item}")
    notes.append(
        f"{source}: a Talos machine configuration (machine.type {machine_type}): "
        f"machine.kubelet.extraConfig{defaults}"
    )
    return with_flags(config, flags_from_args(args), "machine.kubelet.extraArgs", source, notes)  # type: ignore[no-any-return]


def is_k3s(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "kind" not in doc and any(k in doc for k in K3S_ARGS)


def from_k3s(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """The kubelet of a k3s / RKE2 node: ``kubelet-arg`` (and a drop-in's ``kubelet-arg+``) of its
    config.yaml over k3s's own kubelet flags (a flag the user gives replaces k3s's; one given
    twice is given twice to the kubelet)."""
    args: list[str] = []
    for key in K3S_ARGS:
        raw = doc.get(key)
        items = raw if isinstance(raw, list) else [raw] if raw is not None else []
        for i, item in enumerate(items):
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise InputError(f"{key}[{i}]", f"expected a string, got {json_type(item)}", source)
            args.append(str(item))
    flags = flags_from_args(args)
    defaults = [f"--{k}={v}" for k, v in K3S_DEFAULTS.items() if k not in flags]
    for name, value in K3S_DEFAULTS.items():
        flags.setdefault(name, value)
    notes.append(
        f"{source}: a k3s / RKE2 config.yaml: its kubelet-arg flags"
        + (f", over k3s's own {', '.join(defaults)} (no memory.available threshold)" if defaults else "")
    )
    path = flags.pop("config", None)
    if path is not None:
        notes.append(f"{source}: --config {path}: that file is not in this one: not read")
    config = {"apiVersion": API_VERSION, "kind": KIND}
    return with_flags(config, flags, "kubelet-arg", source, notes)  # type: ignore[no-any-return]


# AKS custom node configuration (the KubeletConfig of the ARM API, az aks --kubelet-config) ->
# the KubeletConfiguration field and how its value is written
AKS_FIELDS: Final[Mapping[str, str]] = {
    "cpuManagerPolicy": "cpuManagerPolicy",
    "cpuCfsQuota": "cpuCFSQuota",
    "cpuCfsQuotaPeriod": "cpuCFSQuotaPeriod",
    "imageGcHighThreshold": "imageGCHighThresholdPercent",
    "imageGcLowThreshold": "imageGCLowThresholdPercent",
    "topologyManagerPolicy": "topologyManagerPolicy",
    "allowedUnsafeSysctls": "allowedUnsafeSysctls",
    "failSwapOn": "failSwapOn",
    "containerLogMaxSizeMB": "containerLogMaxSize",
    "containerLogMaxFiles": "containerLogMaxFiles",
    "podMaxPids": "podPidsLimit",
    "seccompDefault": "seccompDefault",
}
AKS_ONLY: Final = frozenset(k for k, v in AKS_FIELDS.items() if k != v)
AKS_KUBE_RESERVED_CPU: Final = "100m"


def is_aks(doc: Any) -> bool:
    """A flat AKS kubelet configuration: only AKS's field names, at least one of them spelled
    the AKS way (``cpuCfsQuota``, ``podMaxPids``, ``containerLogMaxSizeMB``, ...)."""
    return (
        isinstance(doc, Mapping)
        and bool(doc)
        and set(doc) <= set(AKS_FIELDS)
        and any(k in AKS_ONLY for k in doc)
    )


def from_aks(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """An AKS node pool's kubelet configuration, with AKS's field names mapped to the kubelet's.
    AKS also passes reservations that depend on the VM size and are not in the file: podfit
    reserves kube-reserved cpu=100m, so that the static CPU manager reserves one CPU, as it does on
    every AKS node up to 64 vCPUs (AKS reserves 60m for 1 vCPU ... 740m for 64)."""
    config: dict[str, Any] = {"apiVersion": API_VERSION, "kind": KIND}
    for key, value in doc.items():
        field = AKS_FIELDS[key]
        if key == "containerLogMaxSizeMB" and isinstance(value, int) and not isinstance(value, bool):
            value = f"{value}Mi"
        elif key == "seccompDefault" and isinstance(value, str):
            value = value == "RuntimeDefault"
        config[field] = value
    config["kubeReserved"] = {"cpu": AKS_KUBE_RESERVED_CPU}
    notes.append(
        f"{source}: an AKS custom kubelet configuration, AKS's field names read as the kubelet's; "
        "AKS's own kube-reserved (CPU by VM size, 60m-740m up to 64 vCPUs; memory by max pods) is "
        f"not in the file: podfit reserves cpu={AKS_KUBE_RESERVED_CPU} (the static CPU manager "
        "reserves one CPU, as on AKS) and no memory"
    )
    return config
