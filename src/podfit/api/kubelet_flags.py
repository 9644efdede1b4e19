"""Kubelet command-line flags as KubeletConfiguration fields: what kubeadm's
``nodeRegistration.kubeletExtraArgs`` (and kind's patches of it) pass to the kubelet.

Only the flags of the fields podfit interprets are read (the resource managers, reservations,
eviction, pod limits, CFS quota, feature gates); the others are returned by name so the caller can
say they were not read. A flag overrides the configuration file's field, as on a node.

Mirrors the flag definitions of cmd/kubelet/app/options/options.go AddKubeletConfigFlags and the
value parsers they use (component-base/cli/flag MapStringString, MapStringBool,
LangleSeparatedMapStringString, ReservedMemoryVar), for these flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from podfit.errors import InputError
from podfit.model.gotext import parse_go_bool, parse_go_int

__all__ = ["FLAG_FIELDS", "config_from_flags", "flags_from_args"]

# flag -> (field, kind)
FLAG_FIELDS: Final[Mapping[str, tuple[str, str]]] = {
    "cpu-manager-policy": ("cpuManagerPolicy", "str"),
    "cpu-manager-policy-options": ("cpuManagerPolicyOptions", "map"),
    "cpu-manager-reconcile-period": ("cpuManagerReconcilePeriod", "str"),
    "reserved-cpus": ("reservedSystemCPUs", "str"),
    "topology-manager-policy": ("topologyManagerPolicy", "str"),
    "topology-manager-scope": ("topologyManagerScope", "str"),
    "topology-manager-policy-options": ("topologyManagerPolicyOptions", "map"),
    "memory-manager-policy": ("memoryManagerPolicy", "str"),
    "reserved-memory": ("reservedMemory", "reserved-memory"),
    "kube-reserved": ("kubeReserved", "map"),
    "system-reserved": ("systemReserved", "map"),
    "kube-reserved-cgroup": ("kubeReservedCgroup", "str"),
    "system-reserved-cgroup": ("systemReservedCgroup", "str"),
    "enforce-node-allocatable": ("enforceNodeAllocatable", "list"),
    "eviction-hard": ("evictionHard", "eviction"),
    "max-pods": ("maxPods", "int32"),
    "pods-per-core": ("podsPerCore", "int32"),
    "pod-max-pids": ("podPidsLimit", "int"),
    "cpu-cfs-quota": ("cpuCFSQuota", "bool"),
    "cpu-cfs-quota-period": ("cpuCFSQuotaPeriod", "str"),
    "cgroups-per-qos": ("cgroupsPerQOS", "bool"),
    "cgroup-driver": ("cgroupDriver", "str"),
    "feature-gates": ("featureGates", "gates"),
}


def _pairs(text: str, flag: str, sep: str = "=") -> dict[str, str]:
    out: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, found, value = item.partition(sep)
        if not found or not key.strip():
            raise InputError(flag, f'malformed pair "{item}", expect string{sep}string')
        out[key.strip()] = value.strip()
    return out


def _reserved_memory(text: str, flag: str) -> list[dict[str, Any]]:
    out = []
    for entry in text.split(";"):
        entry = entry.strip()
        if not entry:
            continue
        numa, found, limits = entry.partition(":")
        if not found:
            raise InputError(flag, f'"{entry}": expected <NUMA node>:<resource>=<quantity>[,...]')
        try:
            node = parse_go_int(numa.strip())
        except ValueError as exc:
            raise InputError(flag, str(exc)) from None
        out.append({"numaNode": node, "limits": _pairs(limits, flag)})
    return out


def _value(flag: str, kind: str, text: str) -> Any:
    if kind == "str":
        return text
    if kind == "map":
        return _pairs(text, flag)
    if kind == "eviction":
        return _pairs(text, flag, "<")
    if kind == "list":
        return [p.strip() for p in text.split(",") if p.strip()]
    try:
        if kind == "int":
            return parse_go_int(text)
        if kind == "int32":  # pflag Int32Var: strconv.ParseInt(s, 0, 32)
            n = parse_go_int(text)
            if not -(2**31) <= n < 2**31:
                raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
            return n
        if kind == "bool":
            return parse_go_bool(text)
        if kind == "gates":
            return {k: parse_go_bool(v) for k, v in _pairs(text, flag).items()}
    except ValueError as exc:
        raise InputError(flag, str(exc)) from None
    return _reserved_memory(text, flag)


def config_from_flags(flags: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The KubeletConfiguration fields the ``flags`` (name without dashes -> value) set, and the
    names of the flags podfit does not read. A repeated ``--reserved-memory`` is one value with
    ``;`` between the NUMA nodes."""
    fields: dict[str, Any] = {}
    ignored: list[str] = []
    for raw, text in flags.items():
        name = str(raw).lstrip("-")
        known = FLAG_FIELDS.get(name)
        if known is None:
            ignored.append(name)
            continue
        field, kind = known
        fields[field] = _value(f"--{name}", kind, str(text))
    return fields, ignored


def flags_from_args(args: list[str]) -> dict[str, str]:
    """Command-line arguments (``--name=value`` or ``name=value``, as k3s's ``kubelet-arg`` and
    nodeadm's ``flags`` list them) as one value per flag, as the kubelet's flag set reads a flag
    given twice: a map or list flag (``--kube-reserved``, ``--feature-gates``) adds to the
    earlier value, ``--reserved-memory`` adds a NUMA node (``;``), any other flag takes the
    last value."""
    out: dict[str, str] = {}
    for arg in args:
        name, _, value = str(arg).strip().lstrip("-").partition("=")
        known = FLAG_FIELDS.get(name)
        kind = known[1] if known is not None else "str"
        if name in out and kind in ("map", "eviction", "list", "gates", "reserved-memory"):
            sep = ";" if kind == "reserved-memory" else ","
            out[name] = f"{out[name]}{sep}{value}"
        else:
            out[name] = value
    return out
