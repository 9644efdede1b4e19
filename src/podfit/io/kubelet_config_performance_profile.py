"""An OpenShift ``PerformanceProfile`` (``performance.openshift.io``) as the kubelet configuration
the Node Tuning Operator makes of it.

The operator writes a ``KubeletConfig`` for the profile's pool: the static CPU manager with the
profile's reserved CPUs, the Topology Manager policy of ``spec.numa.topologyPolicy`` (default
``best-effort``), the Memory Manager ``Static`` with a reservation on NUMA node 0 under the
``restricted`` and ``single-numa-node`` policies, ``full-pcpus-only`` under
``single-numa-node``, default memory reservations and hard eviction thresholds, all over the JSON
snippet of the ``kubeletconfig.experimental`` annotation. The Machine Config Operator then merges
that over the pool's rendered configuration, which is not in the file (a note says so).

What the profile says about the machine rather than the kubelet (``spec.hugepages``,
``spec.cpu.offlined``) is named in a note: the machine description carries it.

Mirrors: openshift/cluster-node-tuning-operator
pkg/performanceprofile/controller/performanceprofile/components/kubeletconfig/kubeletconfig.go
New, setKubeletConfigForCPUAndMemoryManagers, setKubeletConfigForDRAManagement and
components/profile/profile.go IsMixedCPUsEnabled, IsDRAManaged (read at commit d2394aa8, 2026-08).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from podfit.errors import InputError
from podfit.model.cpuset import CPUSetParseError, format_cpuset, parse_cpuset
from podfit.model.gotext import json_type, parse_go_bool
from podfit.model.kubelet_config import API_VERSION, KIND
from podfit.model.quantity import QuantityError, format_quantity, parse_quantity

__all__ = ["GROUP", "from_performance_profile"]

GROUP: Final = "performance.openshift.io/"
SNIPPET: Final = "kubeletconfig.experimental"
DRA: Final = "performance.openshift.io/dra-resource-management"
EVICTION_DEFAULTS: Final = (
    ("memory.available", "100Mi"),
    ("nodefs.available", "10%"),
    ("imagefs.available", "15%"),
    ("nodefs.inodesFree", "5%"),
)
MEMORY_RESERVED_DEFAULT: Final = "500Mi"  # kubeReserved and systemReserved memory, each


def _mapping(value: Any, field: str, source: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(field, f"expected an object, got {json_type(value)}", source)
    return value


def _cpus(cpu: Mapping[str, Any], key: str, source: str) -> int:
    raw = cpu.get(key)
    if raw is None or raw == "":
        return 0
    try:
        return parse_cpuset(str(raw))
    except CPUSetParseError as exc:
        raise InputError(f"spec.cpu.{key}", str(exc), source) from None


def _memory_sum(config: Mapping[str, Any], source: str) -> str:
    """kubeReserved + systemReserved memory + the memory.available threshold, as the operator
    adds them (the result keeps the format of the first non-zero term)."""
    total, fmt = 0, ""
    terms = (
        ("kubeReserved", config["kubeReserved"]["memory"]),
        ("systemReserved", config["systemReserved"]["memory"]),
        ("evictionHard", config["evictionHard"]["memory.available"]),
    )
    for field, text in terms:
        try:
            q = parse_quantity(str(text))
        except (QuantityError, ValueError):
            raise InputError(
                f"metadata.annotations.{SNIPPET}",
                f'{field}: "{text}": the operator cannot add it to the reserved memory',
                source,
            ) from None
        if total == 0 and q.value() != 0:
            fmt = q.format
        total += q.value()
    return format_quantity(total, fmt or "DecimalSI")


def _managers(spec: Mapping[str, Any], config: dict[str, Any], source: str, notes: list[str]) -> None:
    config["cpuManagerPolicy"] = "static"
    config["cpuManagerReconcilePeriod"] = "5s"
    config["topologyManagerPolicy"] = "best-effort"
    eviction = config.setdefault("evictionHard", {})
    for signal, threshold in EVICTION_DEFAULTS:
        eviction.setdefault(signal, threshold)
    config.setdefault("kubeReserved", {}).setdefault("memory", MEMORY_RESERVED_DEFAULT)
    config.setdefault("systemReserved", {}).setdefault("memory", MEMORY_RESERVED_DEFAULT)
    cpu = _mapping(spec.get("cpu"), "spec.cpu", source)
    if cpu.get("reserved") is not None:
        reserved = _cpus(cpu, "reserved", source) | _cpus(cpu, "ovsDpdk", source)
        hints = _mapping(spec.get("workloadHints"), "spec.workloadHints", source)
        if cpu.get("shared") and hints.get("mixedCpus") is True:
            reserved |= _cpus(cpu, "shared", source)
            notes.append(
                f"{source}: workloadHints.mixedCpus: the shared CPUs are reserved too (when the "
                "cluster's MixedCPUsAllocation feature gate is on, which the file does not say)"
            )
        config["reservedSystemCPUs"] = format_cpuset(reserved)
    numa = _mapping(spec.get("numa"), "spec.numa", source)
    policy = numa.get("topologyPolicy")
    if policy is None:
        return
    config["topologyManagerPolicy"] = policy
    if policy not in ("restricted", "single-numa-node"):
        return
    config["memoryManagerPolicy"] = "Static"
    if config.get("reservedMemory") is None:
        config["reservedMemory"] = [{"numaNode": 0, "limits": {"memory": _memory_sum(config, source)}}]
    if policy == "single-numa-node":
        config.setdefault("cpuManagerPolicyOptions", {}).setdefault("full-pcpus-only", "true")


def _machine_notes(spec: Mapping[str, Any], source: str, notes: list[str]) -> None:
    hugepages = _mapping(spec.get("hugepages"), "spec.hugepages", source)
    pages = hugepages.get("pages")
    if isinstance(pages, list) and pages:
        shown = ", ".join(
            f"{p.get('count')} x {p.get('size')}"
            + (f" on NUMA node {p['node']}" if p.get("node") is not None else "")
            for p in pages
            if isinstance(p, Mapping)
        )
        notes.append(
            f"{source}: spec.hugepages ({shown}) are the machine's: give them with "
            "--hugepages-1Gi-per-numa / --hugepages-2Mi-per-numa or in a machine file"
        )
    cpu = spec.get("cpu")
    if isinstance(cpu, Mapping) and cpu.get("offlined"):
        notes.append(
            f"{source}: spec.cpu.offlined ({cpu['offlined']}) are offline on the node: "
            "a machine description of the node should leave them out"
        )


def from_performance_profile(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """The ``KubeletConfig`` the Node Tuning Operator makes of the PerformanceProfile ``doc``."""
    meta = _mapping(doc.get("metadata"), "metadata", source)
    annotations = _mapping(meta.get("annotations"), "metadata.annotations", source)
    config: dict[str, Any] = {}
    if SNIPPET in annotations:
        try:
            snippet = json.loads(str(annotations[SNIPPET]))
        except ValueError as exc:
            raise InputError(f"metadata.annotations.{SNIPPET}", f"not JSON: {exc}", source) from None
        config = dict(_mapping(snippet, f"metadata.annotations.{SNIPPET}", source))
        for key in ("evictionHard", "kubeReserved", "systemReserved", "cpuManagerPolicyOptions"):
            if isinstance(config.get(key), Mapping):
                config[key] = dict(config[key])
    config["apiVersion"], config["kind"] = API_VERSION, KIND
    spec = _mapping(doc.get("spec"), "spec", source)
    if doc.get("apiVersion") is None:
        notes.append(f"{source}: a PerformanceProfile without apiVersion (a patch?): read as {GROUP}v2")
    dra = False
    if DRA in annotations:
        try:
            dra = parse_go_bool(str(annotations[DRA]))
        except ValueError:
            dra = False  # the operator logs the error and keeps its managers
    if dra:
        config.update(
            cpuManagerPolicy="none",
            cpuManagerPolicyOptions={},
            topologyManagerPolicy="none",
            memoryManagerPolicy="None",
        )
    else:
        _managers(spec, config, source, notes)
    _machine_notes(spec, source, notes)
    read = ", ".join(
        f"{k} {config[k]}"
        for k in ("reservedSystemCPUs", "topologyManagerPolicy", "memoryManagerPolicy")
        if k in config
    )
    notes.append(
        f"{source}: an OpenShift PerformanceProfile: the KubeletConfig the Node Tuning Operator "
        f"makes of it ({read}); the pool's rendered configuration under it is not in the file"
    )
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "KubeletConfig",
        "spec": {"kubeletConfig": config},
    }
