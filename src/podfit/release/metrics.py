"""Metric names and stability per release, where they differ.

Mirrors: pkg/kubelet/metrics/metrics.go of v1.33.5 … v1.36.2. The ``kubelet_cpu_manager_*``,
``kubelet_memory_manager_*``, ``kubelet_topology_manager_*`` and
``kubelet_container_aligned_compute_resources_*`` metrics are the same set, ALPHA, in every release.
1.36 adds the KEP-5526 counters ``resource_manager_*`` (no subsystem, ALPHA, registered only with
PodLevelResourceManagers on; PR #134768); 1.37 moves them to the ``kubelet`` subsystem as BETA
(PR #138770; from its text, not verified in code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["METRICS", "ReleaseMetrics"]


@dataclass(frozen=True, slots=True)
class ReleaseMetrics:
    """How one release names the pod-level resource-manager counters."""

    resource_manager_metrics: bool  # the resource_manager_* counters exist (with PodLevelResourceManagers)
    resource_manager_prefix: str  # "" (1.36) or "kubelet_" (1.37)
    resource_manager_stability: str  # ALPHA (1.36) or BETA (1.37)

    def served_name(self, name: str) -> str:
        """The name the release serves for one of podfit's metric names (``resource_manager_*``
        as 1.36 names them; every other name is the same in every release)."""
        if name.startswith("resource_manager_"):
            return self.resource_manager_prefix + name
        return name


_NONE: Final = ReleaseMetrics(False, "", "ALPHA")
METRICS: Final[dict[str, ReleaseMetrics]] = {
    "1.33": _NONE,
    "1.34": _NONE,
    "1.35": _NONE,
    "1.36": ReleaseMetrics(True, "", "ALPHA"),
    "1.37": ReleaseMetrics(True, "kubelet_", "BETA"),
}
