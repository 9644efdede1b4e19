"""Typed values of the kubelet's resource-manager policy options (parsed once from the
KubeletConfiguration string maps). Parsing and validation live with the kubelet configuration.

Mirrors: cpumanager/policy_options.go ``StaticPolicyOptions`` and topologymanager/policy_options.go
``PolicyOptions`` (v1.36).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CPUManagerOptions", "TopologyManagerOptions"]


@dataclass(frozen=True, slots=True)
class CPUManagerOptions:
    """cpuManagerPolicyOptions of the ``static`` policy."""

    full_physical_cpus_only: bool = False  # full-pcpus-only
    distribute_cpus_across_numa: bool = False  # distribute-cpus-across-numa
    align_by_socket: bool = False  # align-by-socket
    distribute_cpus_across_cores: bool = False  # distribute-cpus-across-cores
    strict_cpu_reservation: bool = False  # strict-cpu-reservation
    prefer_align_by_uncore_cache: bool = False  # prefer-align-cpus-by-uncorecache


@dataclass(frozen=True, slots=True)
class TopologyManagerOptions:
    """topologyManagerPolicyOptions."""

    prefer_closest_numa: bool = False  # prefer-closest-numa-nodes
    max_allowable_numa_nodes: int = 8  # max-allowable-numa-nodes
