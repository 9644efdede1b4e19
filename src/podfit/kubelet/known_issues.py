"""Known upstream kubelet defects that podfit reproduces because it answers as the real kubelet.

A rejection that matches one of these is the kubelet's bug, not the user's mistake: the result,
the JSON (``knownIssue``) and ``podfit explain`` say so, with the upstream fix and the release it
ships in. The table is data; :func:`known_issue_for` matches a step's outcome against it by
release, manager, message, scope and gates. docs/decisions.md has the same table for readers.

Sources: the fix pull requests and their bug reports on kubernetes/kubernetes (read through the
issue index), and podfit's notes on the v1.36.2/v1.36.3 code (the fixes are not in either).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from podfit.kubelet.result import KnownIssue
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Pod
from podfit.model.qos import is_container_equivalent_qos_guaranteed, is_pod_level_resources_set

__all__ = [
    "KNOWN_ISSUES",
    "MM_ZERO_EXCLUSIVE_MEMORY",
    "RESTART_CPU_REALLOCATION",
    "RESTART_MEMORY_REAPPLIED",
    "RESTART_POD_HINTS",
    "KnownIssue",
    "exclusive_memory_fits",
    "known_issue_for",
    "may_hit_zero_exclusive_memory",
]


MM_ZERO_EXCLUSIVE_MEMORY: Final = KnownIssue(
    "kubernetes#138770",
    "v1.36 Memory Manager defect: outside the pod scope it still allocates for the containers of a "
    "pod-level pod that request no exclusive memory (not Guaranteed on their own), and fails to "
    "find them a NUMA node; v1.37 skips those containers",
    "1.37",
    ("1.36",),
)
RESTART_CPU_REALLOCATION: Final = KnownIssue(
    "kubernetes#141041",
    "v1.36 CPU Manager defect: after a kubelet restart, AllocatePod allocates a pod-level pod's CPUs "
    "again instead of keeping the restored ones (the re-admission fails, or the pod moves and its "
    "old CPUs leak)",
    "1.37",
    ("1.36",),
    140989,
)
RESTART_MEMORY_REAPPLIED: Final = KnownIssue(
    "kubernetes#141077",
    "v1.36 Memory Manager defect: after a kubelet restart, AllocatePod charges a pod-level pod's "
    "restored memory a second time (the re-admission can fail for want of its own memory)",
    "1.37",
    ("1.36",),
    140906,
)
RESTART_POD_HINTS: Final = KnownIssue(
    "kubernetes#141070",
    "v1.36 Memory Manager defect: after a kubelet restart, a multi-container pod-level pod's hints "
    "are regenerated from one container's blocks against the whole pod request: no hint, and the "
    "re-admission fails under restricted or single-numa-node",
    "1.37",
    ("1.36",),
    141069,
)

KNOWN_ISSUES: Final = (
    MM_ZERO_EXCLUSIVE_MEMORY,
    RESTART_CPU_REALLOCATION,
    RESTART_MEMORY_REAPPLIED,
    RESTART_POD_HINTS,
)

_UNEXPECTED: Final = "UnexpectedAdmissionError"
_TOPOLOGY: Final = "TopologyAffinityError"


def _pod_level(config: KubeletConfig, pod: Pod) -> bool:
    gates = config.feature_gates
    return (
        gates.enabled("PodLevelResources")
        and gates.enabled("PodLevelResourceManagers")
        and is_pod_level_resources_set(pod)
    )


def _pod_scope(config: KubeletConfig) -> bool:
    return config.topology_manager_policy != "none" and config.topology_manager_scope == "pod"


def known_issue_for(
    release: str,
    config: KubeletConfig,
    pod: Pod,
    reason: str | None,
    message: str | None,
    *,
    readmission: bool = False,
    moved: bool = False,
    exclusive_fits: bool = True,
) -> KnownIssue | None:
    """The known defect behind this admission outcome, if any. ``reason``/``message``: the
    rejection (None: admitted); ``readmission``: the pod's allocations were restored from
    checkpoints before this admission (a kubelet restart); ``moved``: it was admitted again but
    its pod-level CPUs changed; ``exclusive_fits``: the memory the pod's Guaranteed containers ask
    for fitted the NUMA nodes' free memory before the admission (so a memory-manager rejection
    comes from its other containers, the defect; see :func:`exclusive_memory_fits`)."""
    if not _pod_level(config, pod):
        return None
    text = message or ""
    memory_static = config.memory_manager_policy == "Static"
    if readmission and _pod_scope(config):
        if reason is None:
            return (
                RESTART_CPU_REALLOCATION if moved and release in RESTART_CPU_REALLOCATION.releases else None
            )
        if reason == _TOPOLOGY and memory_static and len(pod.all_containers()) > 1:
            issue = RESTART_POD_HINTS
        elif reason == _UNEXPECTED and "not enough cpus" in text:
            issue = RESTART_CPU_REALLOCATION
        elif reason == _UNEXPECTED and "[memorymanager]" in text:
            issue = RESTART_MEMORY_REAPPLIED
        else:
            return None
        return issue if release in issue.releases else None
    if (
        reason == _UNEXPECTED
        and "[memorymanager]" in text
        and memory_static
        and not _pod_scope(config)
        and exclusive_fits
        and any(not is_container_equivalent_qos_guaranteed(c) for c in pod.all_containers())
        and release in MM_ZERO_EXCLUSIVE_MEMORY.releases
    ):
        return MM_ZERO_EXCLUSIVE_MEMORY
    return None


def may_hit_zero_exclusive_memory(config: KubeletConfig, pod: Pod) -> bool:
    """The pod and configuration :data:`MM_ZERO_EXCLUSIVE_MEMORY` is about (before admitting it)."""
    return (
        config.memory_manager_policy == "Static"
        and not _pod_scope(config)
        and _pod_level(config, pod)
        and any(not is_container_equivalent_qos_guaranteed(c) for c in pod.all_containers())
    )


def exclusive_memory_fits(pod: Pod, free: Mapping[int, Mapping[str, int]]) -> bool:
    """Whether the memory of the pod's Guaranteed containers fits ``free`` (NUMA node -> memory
    type -> free bytes), each container on one NUMA node, largest first (an approximation of the
    memory manager's choices that is exact when it answers no)."""
    left = {numa: dict(by_type) for numa, by_type in free.items()}
    wanted = []
    for c in pod.all_containers():
        if not is_container_equivalent_qos_guaranteed(c):
            continue
        req = {n: v for n, v in c.resources.requests.items() if n == "memory" or n.startswith("hugepages-")}
        if req:
            wanted.append(req)
    for req in sorted(wanted, key=lambda r: -r.get("memory", 0)):
        home = next(
            (
                numa
                for numa, by_type in sorted(left.items())
                if all(by_type.get(n, 0) >= v for n, v in req.items())
            ),
            None,
        )
        if home is None:
            return False
        for n, v in req.items():
            left[home][n] -= v
    return True
