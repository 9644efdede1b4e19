"""Policy-option maturity per release: which CPU Manager and Topology Manager policy options are
alpha (need ``…PolicyAlphaOptions``), beta (need ``…PolicyBetaOptions``) or GA.

Mirrors: cpumanager/policy_options.go and topologymanager/policy_options.go ``alphaOptions``,
``betaOptions``, ``stableOptions`` of v1.33.5, v1.34.2, v1.35.3 and v1.36.2 (1.37: the 1.36 sets,
no promotion found). The 1.33 OpenShift build also accepts the alpha uncore option with an
enablement file (``llcalign``, a carry): not modelled. The Memory Manager has no policy options in
these releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ALIGN_BY_SOCKET",
    "DISTRIBUTE_CPUS_ACROSS_CORES",
    "DISTRIBUTE_CPUS_ACROSS_NUMA",
    "FULL_PCPUS_ONLY",
    "MAX_ALLOWABLE_NUMA_NODES",
    "OPTIONS",
    "PREFER_ALIGN_BY_UNCORE_CACHE",
    "PREFER_CLOSEST_NUMA_NODES",
    "STRICT_CPU_RESERVATION",
    "OptionMaturity",
    "ReleaseOptions",
]

FULL_PCPUS_ONLY: Final = "full-pcpus-only"
DISTRIBUTE_CPUS_ACROSS_NUMA: Final = "distribute-cpus-across-numa"
ALIGN_BY_SOCKET: Final = "align-by-socket"
DISTRIBUTE_CPUS_ACROSS_CORES: Final = "distribute-cpus-across-cores"
STRICT_CPU_RESERVATION: Final = "strict-cpu-reservation"
PREFER_ALIGN_BY_UNCORE_CACHE: Final = "prefer-align-cpus-by-uncorecache"
PREFER_CLOSEST_NUMA_NODES: Final = "prefer-closest-numa-nodes"
MAX_ALLOWABLE_NUMA_NODES: Final = "max-allowable-numa-nodes"


@dataclass(frozen=True, slots=True)
class OptionMaturity:
    """The options of one policy by maturity."""

    alpha: frozenset[str]
    beta: frozenset[str]
    stable: frozenset[str]

    def maturity(self, option: str) -> str | None:
        """``alpha``, ``beta``, ``GA``, or None for an option the release does not know."""
        if option in self.alpha:
            return "alpha"
        if option in self.beta:
            return "beta"
        if option in self.stable:
            return "GA"
        return None


@dataclass(frozen=True, slots=True)
class ReleaseOptions:
    """The CPU Manager static policy's and the Topology Manager's options of one release."""

    cpu: OptionMaturity
    topology: OptionMaturity


def _cpu(alpha: set[str], beta: set[str], stable: set[str]) -> OptionMaturity:
    return OptionMaturity(frozenset(alpha), frozenset(beta), frozenset(stable))


_CPU_133: Final = _cpu(
    {ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES, PREFER_ALIGN_BY_UNCORE_CACHE},
    {DISTRIBUTE_CPUS_ACROSS_NUMA, STRICT_CPU_RESERVATION},
    {FULL_PCPUS_ONLY},
)
# uncore option to beta (code only; no CHANGELOG-1.34 entry)
_CPU_134: Final = _cpu(
    {ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES},
    {DISTRIBUTE_CPUS_ACROSS_NUMA, STRICT_CPU_RESERVATION, PREFER_ALIGN_BY_UNCORE_CACHE},
    {FULL_PCPUS_ONLY},
)
# strict-cpu-reservation to GA: kubernetes PR #134388
_CPU_135: Final = _cpu(
    {ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES},
    {DISTRIBUTE_CPUS_ACROSS_NUMA, PREFER_ALIGN_BY_UNCORE_CACHE},
    {FULL_PCPUS_ONLY, STRICT_CPU_RESERVATION},
)
# prefer-align-cpus-by-uncorecache to GA: kubernetes PR #137055
_CPU_136: Final = _cpu(
    {ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES},
    {DISTRIBUTE_CPUS_ACROSS_NUMA},
    {FULL_PCPUS_ONLY, STRICT_CPU_RESERVATION, PREFER_ALIGN_BY_UNCORE_CACHE},
)
_TM_BETA_MAX_NUMA: Final = _cpu(set(), {MAX_ALLOWABLE_NUMA_NODES}, {PREFER_CLOSEST_NUMA_NODES})
# max-allowable-numa-nodes to GA: kubernetes PR #134614
_TM_GA: Final = _cpu(set(), set(), {PREFER_CLOSEST_NUMA_NODES, MAX_ALLOWABLE_NUMA_NODES})

OPTIONS: Final[dict[str, ReleaseOptions]] = {
    "1.33": ReleaseOptions(_CPU_133, _TM_BETA_MAX_NUMA),
    "1.34": ReleaseOptions(_CPU_134, _TM_BETA_MAX_NUMA),
    "1.35": ReleaseOptions(_CPU_135, _TM_GA),
    "1.36": ReleaseOptions(_CPU_136, _TM_GA),
    "1.37": ReleaseOptions(_CPU_136, _TM_GA),  # no 1.37 promotion found (not verified in code)
}
