"""The words of each release where they differ: rejection reasons and messages of the admit
handlers and managers podfit models.

Evidence: every message literal of cm/cpumanager, cm/memorymanager, cm/topologymanager,
cm/admission, lifecycle and allocation in v1.33.5, v1.34.2, v1.35.3 and v1.36.2, diffed release by
release (``docs/versions.md``): 1.33 and 1.34 word the managers' rejections alike; 1.34 adds the
pod-features handler, 1.36 the pod-level texts, and the resize messages changed in 1.34. A text
that no release has is ``""``. 1.37 keeps the 1.36 words (no 1.37 code read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["MESSAGES", "ReleaseMessages"]


@dataclass(frozen=True, slots=True)
class ReleaseMessages:
    """Texts that are not the same in every release."""

    # topologymanager/scope_container.go containerScope.Admit (PR #134768, 1.36): a container's
    # merge fails in a pod with pod-level resources under PodLevelResourceManagers; the error type
    # prefixes "Pod Scope " (PodLevelTopologyAffinityError.Error)
    pod_level_container_scope_admission_failure: str
    # topologymanager/scope_pod.go admitUsingPodResources (PR #134768, 1.36)
    pod_level_pod_scope_admission_failure: str
    # lifecycle/features_linux.go isPodLevelResourcesSupported (PR #133046, 1.34)
    pod_level_resources_not_supported_reason: str
    pod_level_resources_not_supported_message: str
    # kubelet.go canResizePod (1.33) / allocation canResizePod (1.34+, PR #132473): the message of an
    # Infeasible resize of a Guaranteed pod next to the static CPU / Memory policy
    resize_infeasible_cpu_manager: str
    resize_infeasible_memory_manager: str


_RESIZE_133: Final = (
    "Resize is infeasible for Guaranteed Pods alongside CPU Manager static policy",
    "Resize is infeasible for Guaranteed Pods alongside Memory Manager static policy",
)
_RESIZE_134: Final = (
    'Resize is infeasible for Guaranteed Pods alongside CPU Manager policy "static"',
    'Resize is infeasible for Guaranteed Pods alongside Memory Manager policy "Static"',
)
_PLR_CONTAINER: Final = (
    "pod with pod-level resources failed admission with a container-level topology manager"
)
_PLR_POD: Final = "pod with pod-level resources failed admission under pod-scope topology manager"

MESSAGES: Final[dict[str, ReleaseMessages]] = {
    "1.33": ReleaseMessages("", "", "", "", *_RESIZE_133),
    "1.34": ReleaseMessages(
        "", "", "PodLevelResourcesNotSupported", "PodLevelResources feature gate is disabled", *_RESIZE_134
    ),
    "1.35": ReleaseMessages(
        "", "", "PodLevelResourcesNotSupported", "PodLevelResources feature gate is disabled", *_RESIZE_134
    ),
    "1.36": ReleaseMessages(
        _PLR_CONTAINER,
        _PLR_POD,
        "PodLevelResourcesNotSupported",
        "PodLevelResources feature gate is disabled",
        *_RESIZE_134,
    ),
    # 1.37: the 1.36 words; the container-scope text of newer code is not established
    "1.37": ReleaseMessages(
        _PLR_CONTAINER,
        _PLR_POD,
        "PodLevelResourcesNotSupported",
        "PodLevelResources feature gate is disabled",
        *_RESIZE_134,
    ),
}
