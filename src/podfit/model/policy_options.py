"""Typed values of the kubelet's resource-manager policy options, and the options' names.

Parsing (with the maturity of each option and its feature gate) lives beside the managers:
:mod:`podfit.cpu.policy_options` and :mod:`podfit.topology.policy_options`.

Mirrors: cpumanager/policy_options.go ``StaticPolicyOptions`` and topologymanager/policy_options.go
``PolicyOptions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ALIGN_BY_SOCKET",
    "DEFAULT_MAX_ALLOWABLE_NUMA_NODES",
    "DISTRIBUTE_CPUS_ACROSS_CORES",
    "DISTRIBUTE_CPUS_ACROSS_NUMA",
    "FULL_PCPUS_ONLY",
    "MAX_ALLOWABLE_NUMA_NODES",
    "PREFER_ALIGN_BY_UNCORE_CACHE",
    "PREFER_CLOSEST_NUMA_NODES",
    "STRICT_CPU_RESERVATION",
    "CPUManagerOptions",
    "TopologyManagerOptions",
]

FULL_PCPUS_ONLY: Final = "full-pcpus-only"
DISTRIBUTE_CPUS_ACROSS_NUMA: Final = "distribute-cpus-across-numa"
ALIGN_BY_SOCKET: Final = "align-by-socket"
DISTRIBUTE_CPUS_ACROSS_CORES: Final = "distribute-cpus-across-cores"
STRICT_CPU_RESERVATION: Final = "strict-cpu-reservation"
PREFER_ALIGN_BY_UNCORE_CACHE: Final = "prefer-align-cpus-by-uncorecache"
PREFER_CLOSEST_NUMA_NODES: Final = "prefer-closest-numa-nodes"
MAX_ALLOWABLE_NUMA_NODES: Final = "max-allowable-numa-nodes"
DEFAULT_MAX_ALLOWABLE_NUMA_NODES: Final = 8


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
