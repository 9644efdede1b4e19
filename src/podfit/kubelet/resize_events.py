"""How the kubelet reports a resize: the allocation (pod-level and per-container requests and
limits) and the resize events' resource summary.

Mirrors: pkg/kubelet/events/resize.go makeResourceSummaryFromSpec / podResizeMessage (quantities
printed canonically: podfit keeps canonical integers, not the original text).
"""

from __future__ import annotations

import json
from typing import Any

from podfit.model.pod import Pod, ResourceRequirements
from podfit.model.quantity import BINARY_SI, DECIMAL_SI, Quantity

__all__ = ["allocation_view", "event_summary"]


def _shown(name: str, value: int) -> str:
    if name == "cpu":
        return str(Quantity(value, -3, DECIMAL_SI))
    return str(Quantity(value, 0, BINARY_SI if value % 1024 == 0 else DECIMAL_SI))


def _requirements(res: ResourceRequirements) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if res.limits:
        out["limits"] = {k: _shown(k, v) for k, v in sorted(res.limits.items())}
    if res.requests:
        out["requests"] = {k: _shown(k, v) for k, v in sorted(res.requests.items())}
    return out


def allocation_view(pod: Pod) -> dict[str, Any]:
    """The allocation as reported: pod-level and per-container requests / limits (quantities)."""
    return {
        "pod": _requirements(pod.resources) if pod.resources is not None else None,
        "containers": {c.name: _requirements(c.resources) for c in pod.all_containers()},
    }


def event_summary(pod: Pod, generation: int, error: str = "") -> str:
    """Mirrors: events/resize.go makeResourceSummaryFromSpec (json.Marshal of the summary)"""
    summary: dict[str, Any] = {}
    if pod.init_containers:
        summary["initContainers"] = [
            {"name": c.name, "resources": _requirements(c.resources)} for c in pod.init_containers
        ]
    if pod.containers:
        summary["containers"] = [
            {"name": c.name, "resources": _requirements(c.resources)} for c in pod.containers
        ]
    summary["generation"] = generation
    if error:
        summary["error"] = error
    return json.dumps(summary, separators=(",", ":"))
