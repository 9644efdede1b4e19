"""What ValidateKubeletConfiguration refuses, for the fields podfit models.

Mirrors: pkg/kubelet/apis/config/validation/validation.go ValidateKubeletConfiguration and
validation_reserved_memory.go validateReservedMemoryConfiguration (v1.36; read at commit
001332b0422071acf4860769f18e34b5e9b7c1bc, which already has memoryReservationPolicy; the Memory QoS
fields per release: v1.33.5, v1.34.2, v1.35.3, v1.36.2, and 1.37 from PR #140007). The kubelet
collects every error and reports them as one aggregate: a single error alone, several as
``[e1, e2]`` (duplicates dropped).
"""

from __future__ import annotations

from typing import Final

from podfit.model.admission import CONFIG_INVALID, ConfigRefusal
from podfit.model.gotext import aggregate_message, go_duration, go_float, go_quote, go_quote_list
from podfit.model.kubelet_config import KubeletConfig

__all__ = [
    "CONFIG_INVALID",
    "ConfigRefusal",
    "kubelet_config_errors",
    "validate_kubelet_config",
]


_TM_POLICIES: Final = ("none", "best-effort", "restricted", "single-numa-node")
_NODE_ALLOCATABLE: Final = "pods"
_SYSTEM_RESERVED: Final = "system-reserved"
_SYSTEM_RESERVED_COMPRESSIBLE: Final = "system-reserved-compressible"
_KUBE_RESERVED: Final = "kube-reserved"
_KUBE_RESERVED_COMPRESSIBLE: Final = "kube-reserved-compressible"
_NONE: Final = "none"


def _enforcement_errors(cfg: KubeletConfig) -> list[str]:
    errs: list[str] = []
    keys = set(cfg.enforce_node_allocatable)
    for full, compressible in (
        (_SYSTEM_RESERVED, _SYSTEM_RESERVED_COMPRESSIBLE),
        (_KUBE_RESERVED, _KUBE_RESERVED_COMPRESSIBLE),
    ):
        if full in keys and compressible in keys:
            errs.append(
                f"invalid configuration: both {go_quote(full)} and {go_quote(compressible)} "
                "cannot be specified together in enforceNodeAllocatable (--enforce-node-allocatable)"
            )
    seen: set[str] = set()
    for val in cfg.enforce_node_allocatable:
        if val in seen:
            errs.append(
                f"invalid configuration: duplicated enforcements {go_quote(val)} in enforceNodeAllocatable "
                "(--enforce-node-allocatable)"
            )
            continue
        seen.add(val)
        if val == _NODE_ALLOCATABLE:
            pass
        elif val in (_SYSTEM_RESERVED, _SYSTEM_RESERVED_COMPRESSIBLE):
            if not cfg.system_reserved_cgroup:
                errs.append(
                    "invalid configuration: systemReservedCgroup (--system-reserved-cgroup) must be "
                    f"specified when {go_quote(_SYSTEM_RESERVED)} or "
                    f"{go_quote(_SYSTEM_RESERVED_COMPRESSIBLE)} included in enforceNodeAllocatable "
                    "(--enforce-node-allocatable)"
                )
        elif val in (_KUBE_RESERVED, _KUBE_RESERVED_COMPRESSIBLE):
            if not cfg.kube_reserved_cgroup:
                errs.append(
                    "invalid configuration: kubeReservedCgroup (--kube-reserved-cgroup) must be specified "
                    f"when {go_quote(_KUBE_RESERVED)} or {go_quote(_KUBE_RESERVED_COMPRESSIBLE)} included "
                    "in enforceNodeAllocatable (--enforce-node-allocatable)"
                )
        elif val == _NONE:
            if len(cfg.enforce_node_allocatable) > 1:
                errs.append(
                    "invalid configuration: enforceNodeAllocatable (--enforce-node-allocatable) may not "
                    f"contain additional enforcements when {go_quote(_NONE)} is specified"
                )
            continue
        else:
            valid = ", ".join(
                go_quote(v)
                for v in (
                    _NODE_ALLOCATABLE,
                    _SYSTEM_RESERVED,
                    _SYSTEM_RESERVED_COMPRESSIBLE,
                    _KUBE_RESERVED,
                    _KUBE_RESERVED_COMPRESSIBLE,
                )
            )
            errs.append(
                f"invalid configuration: option {go_quote(val)} specified for enforceNodeAllocatable "
                f"(--enforce-node-allocatable). Valid options are {valid} or {go_quote(_NONE)}"
            )
            continue
        if not cfg.cgroups_per_qos:
            errs.append(
                "invalid configuration: cgroupsPerQOS (--cgroups-per-qos) must be set to true when "
                f"{go_quote(val)} contained in enforceNodeAllocatable (--enforce-node-allocatable)"
            )
    return errs


def _reserved_memory_errors(cfg: KubeletConfig) -> list[str]:
    """Mirrors: pkg/kubelet/apis/config/validation/validation_reserved_memory.go
    validateReservedMemoryConfiguration; limits are visited in sorted name order."""
    errs: list[str] = []
    seen: dict[int, set[str]] = {}
    for entry in cfg.reserved_memory:
        node = entry.numa_node
        done = seen.setdefault(node, set())
        for name in sorted(entry.limits):
            if not (name == "memory" or name.startswith("hugepages-")):
                errs.append(
                    f"invalid configuration: the limit type {go_quote(name)} for NUMA node {node} is not "
                    "supported, only [memory hugepages-<HugePageSize>] is accepted"
                )
            if entry.limits[name] == 0:
                errs.append(
                    f"invalid configuration: reserved memory may not be zero for NUMA node {node} and "
                    f"resource {go_quote(name)}"
                )
            if name in done:
                errs.append(
                    f"invalid configuration: the reserved memory has a duplicate value for NUMA node {node} "
                    f"and resource {go_quote(name)}"
                )
            done.add(name)
    return errs


def _memory_qos_errors(cfg: KubeletConfig) -> list[str]:
    """The Memory QoS fields, per release: memoryThrottlingFactor (1.33-1.36: required with the gate
    — unreachable from a document, the default 0.9 fills it — and in (0, 1]; 1.37: default nil, no
    longer required, and a factor other than 0.9 needs the gate) and memoryReservationPolicy (1.36+;
    an older kubelet has no such field: its decoding dropped it).

    Mirrors: pkg/kubelet/apis/config/validation/validation.go ValidateKubeletConfiguration
    (v1.33.5 - v1.36.2; 1.37 from PR #140007)
    """
    errs: list[str] = []
    release = cfg.release
    memory_qos = cfg.feature_gates.enabled("MemoryQoS")
    raw = cfg.fields.get("memoryThrottlingFactor")
    factor = (
        cfg.memory_throttling_factor
        if raw is not None
        else release.node_features.memory_throttling_factor_default
    )
    if release.switches.memory_throttling_factor_needs_gate:
        if not memory_qos and factor is not None and factor != 0.9:
            errs.append(
                f"invalid configuration: memoryThrottlingFactor {go_float(factor)} requires MemoryQoS "
                "feature gate to be enabled"
            )
    elif memory_qos and factor is None:
        errs.append(
            "invalid configuration: memoryThrottlingFactor is required when MemoryQoS feature flag is enabled"
        )
    if factor is not None and (factor <= 0 or factor > 1.0):
        errs.append(
            f"invalid configuration: memoryThrottlingFactor {go_float(factor)} must be greater than 0 "
            "and less than or equal to 1.0"
        )
    if not release.switches.memory_qos_reservation_policy:
        return errs
    policy = cfg.memory_reservation_policy
    if not memory_qos and policy == "TieredReservation":
        errs.append(
            f"invalid configuration: memoryReservationPolicy {go_quote(policy)} requires MemoryQoS "
            "feature gate to be enabled"
        )
    if policy not in ("None", "TieredReservation"):
        errs.append(
            f"invalid configuration: option {go_quote(policy)} specified for memoryReservationPolicy. "
            'Valid options are "None" or "TieredReservation"'
        )
    return errs


def kubelet_config_errors(cfg: KubeletConfig) -> list[str]:
    """Every error ValidateKubeletConfiguration reports on the modelled fields, in its order.

    Mirrors: pkg/kubelet/apis/config/validation/validation.go ValidateKubeletConfiguration.
    """
    gates = cfg.feature_gates
    gate_errors = gates.errors()
    if gate_errors:
        # SetFromMap fails first (an unknown gate, a locked gate set to the other value, a gate
        # whose dependencies are off): the kubelet stops there, with that error alone.
        return [aggregate_message(gate_errors)]
    errs: list[str] = []
    period_ns = cfg.cpu_cfs_quota_period_us * 1000
    custom_period = gates.enabled("CustomCPUCFSQuotaPeriod")
    if not custom_period and period_ns != 100_000_000:
        errs.append(
            f"invalid configuration: cpuCFSQuotaPeriod (--cpu-cfs-quota-period) {{{go_duration(period_ns)}}} "
            "requires feature gate CustomCPUCFSQuotaPeriod"
        )
    if custom_period and not 1_000_000 <= period_ns <= 1_000_000_000:
        errs.append(
            f"invalid configuration: cpuCFSQuotaPeriod (--cpu-cfs-quota-period) {{{go_duration(period_ns)}}} "
            "must be between 1ms and 1sec, inclusive"
        )
    if cfg.max_pods < 0:
        errs.append(
            f"invalid configuration: maxPods (--max-pods) {cfg.max_pods} must not be a negative number"
        )
    if cfg.pods_per_core < 0:
        errs.append(
            f"invalid configuration: podsPerCore (--pods-per-core) {cfg.pods_per_core} "
            "must not be a negative number"
        )
    if cfg.topology_manager_policy not in _TM_POLICIES:
        errs.append(
            "invalid configuration: topologyManagerPolicy (--topology-manager-policy) "
            f"{go_quote(cfg.topology_manager_policy)} must be one of: {go_quote_list(_TM_POLICIES)}"
        )
    if cfg.topology_manager_scope not in ("container", "pod"):
        errs.append(
            "invalid configuration: topologyManagerScope (--topology-manager-scope) "
            f'{go_quote(cfg.topology_manager_scope)} must be one of: "container", or "pod"'
        )
    errs.extend(_enforcement_errors(cfg))
    if cfg.reserved_system_cpus_text and (cfg.system_reserved_cgroup or cfg.kube_reserved_cgroup):
        errs.append(
            "invalid configuration: can't use reservedSystemCPUs (--reserved-cpus) with systemReservedCgroup "
            "(--system-reserved-cgroup) or kubeReservedCgroup (--kube-reserved-cgroup)"
        )
    errs.extend(_reserved_memory_errors(cfg))
    errs.extend(_memory_qos_errors(cfg))
    return errs


def validate_kubelet_config(cfg: KubeletConfig) -> ConfigRefusal | None:
    """The refusal ValidateKubeletConfiguration gives for this configuration, or None.

    Mirrors: pkg/kubelet/apis/config/validation/validation.go ValidateKubeletConfiguration.
    """
    errs = kubelet_config_errors(cfg)
    if not errs:
        return None
    return ConfigRefusal(CONFIG_INVALID, aggregate_message(errs))
