"""The Memory QoS gauges (1.36+, registered with the MemoryQoS gate on): what ``setMemoryQoS``
last set — G, the Guaranteed pods' memory requests (hard-protected, while ``kubepods`` memory.min
holds G + B), and B, the Burstable pods' (soft-protected); 0 with the None policy, on cgroup v1, or
before the first update.

Mirrors: pkg/kubelet/metrics/metrics.go MemoryQoSNodeMemoryMinBytes / MemoryQoSNodeMemoryLowBytes
(and Register), cm/qos_container_manager_linux.go setMemoryQoS
"""

from __future__ import annotations

from typing import Final

from podfit.kubelet.memory_qos import MemoryQoSConfig, QoSMemoryProtection
from podfit.kubelet.metrics import GAUGE, MetricDesc, MetricFamily, MetricsSnapshot, Sample

__all__ = ["MEMORY_QOS_NODE_MEMORY_LOW_BYTES", "MEMORY_QOS_NODE_MEMORY_MIN_BYTES", "with_memory_qos_gauges"]

MEMORY_QOS_NODE_MEMORY_MIN_BYTES: Final = MetricDesc(
    "kubelet_memory_qos_node_memory_min_bytes",
    GAUGE,
    "Total cgroup v2 memory.min in bytes for Guaranteed pods. This memory is hard-reserved and never "
    "reclaimed by the kernel.",
)
MEMORY_QOS_NODE_MEMORY_LOW_BYTES: Final = MetricDesc(
    "kubelet_memory_qos_node_memory_low_bytes",
    GAUGE,
    "Total cgroup v2 memory.low in bytes for Burstable pods. This memory is soft-reserved and may be "
    "reclaimed under extreme pressure.",
)


def with_memory_qos_gauges(
    snapshot: MetricsSnapshot, cfg: MemoryQoSConfig, last: QoSMemoryProtection | None
) -> MetricsSnapshot:
    """``snapshot`` with the two gauges added when the release registers them (families sorted)."""
    if not (cfg.gate and cfg.features.memory_qos_gauges):
        return snapshot
    low = last.gauge_low_bytes if last is not None else None
    high = last.gauge_min_bytes if last is not None else None
    added = (
        MetricFamily(MEMORY_QOS_NODE_MEMORY_LOW_BYTES, (Sample((), low or 0),)),
        MetricFamily(MEMORY_QOS_NODE_MEMORY_MIN_BYTES, (Sample((), high or 0),)),
    )
    families = sorted((*snapshot.families, *added), key=lambda f: f.desc.name)
    return MetricsSnapshot(tuple(families))
