"""The warnings of a simulation: where the kubelet's answer alone would be silently misleading.

Pure functions of the scenario's values and the node's decisions, each returning
:class:`~podfit.model.diagnostics.Diagnostic` values (see docs/scenario-format.md for the codes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from podfit.kubelet.allocatable import is_extended_resource_name
from podfit.kubelet.known_issues import KnownIssue
from podfit.kubelet.restart import PodRestart, running_containers
from podfit.kubelet.restart_files import DEVICE_FILE, UNREADABLE, FileRead
from podfit.model.diagnostics import (
    ALREADY_EXISTS,
    DEVICE_CHECKPOINT_UNREADABLE,
    DUPLICATE_POD,
    KNOWN_ISSUE,
    POD_LEVEL_RESOURCE_MANAGERS_OFF,
    RESOURCE_NOT_ON_NODE,
    Diagnostic,
)
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Pod
from podfit.model.qos import is_pod_level_resources_set

__all__ = [
    "already_exists_message",
    "device_checkpoint_unreadable",
    "duplicate_pod",
    "known_issue",
    "missing_resources",
    "pod_level_resource_managers_off",
    "resource_not_on_node",
    "skipped_by_managers",
]


def already_exists_message(pod: Pod) -> str:
    """The API server's answer to a second pod of the same name (StatusReasonAlreadyExists)."""
    return f'pods "{pod.name}" already exists'


def duplicate_pod(pod: Pod, step: int, first: int) -> Diagnostic:
    """``steps[step]`` adds a pod whose namespace/name the API server already holds (from
    ``steps[first]``)."""
    return Diagnostic(
        DUPLICATE_POD,
        f"steps[{step}]: pod {pod.key} is a duplicate of the pod added at steps[{first}] (still in "
        f"the API server, admitted or rejected, and not removed): the API server refuses it "
        f"({ALREADY_EXISTS}), the kubelet never sees it; reported as not admitted",
        pod=pod.key,
    )


def _pods(keys: Sequence[str]) -> str:
    if len(keys) == 1:
        return f"pod {keys[0]}"
    if len(keys) <= 3:
        return "pods " + ", ".join(keys)
    return f"pods {', '.join(keys[:3])} (and {len(keys) - 3} more)"


def missing_resources(pod: Pod, allocatable: Mapping[str, int]) -> list[str]:
    """The extended resources ``pod`` asks for that the node does not advertise."""
    found: list[str] = []
    for c in pod.all_containers():
        for name in (*c.resources.requests, *c.resources.limits):
            if is_extended_resource_name(name) and name not in allocatable and name not in found:
                found.append(name)
    return found


def resource_not_on_node(resource: str, pods: Sequence[str]) -> Diagnostic:
    """``pods`` ask for ``resource``, which the node does not advertise.

    Mirrors: pkg/kubelet/lifecycle/predicate.go removeMissingExtendedResources (the kubelet drops
    such requests before its resource fit check: they may be cluster-level resources)."""
    return Diagnostic(
        RESOURCE_NOT_ON_NODE,
        f"{_pods(pods)} ask{'s' if len(pods) == 1 else ''} for {resource}, which this node does not "
        "have: the kubelet drops requests of extended resources the node does not advertise (they "
        "may be cluster-level resources) and admits the pod without them (no device, no NUMA hint "
        "for them); a scheduler would not place the pod here. Give the node the devices with "
        f"--device {resource}=NUMA:COUNT or node.machine.devices",
        pod=pods[0],
    )


def skipped_by_managers(config: KubeletConfig, pod: Pod) -> bool:
    """A pod with pod-level resources on a kubelet whose resource managers skip such pods."""
    gates = config.feature_gates
    if not gates.enabled("PodLevelResources") or gates.enabled("PodLevelResourceManagers"):
        return False
    if config.cpu_manager_policy != "static" and config.memory_manager_policy != "Static":
        return False
    return is_pod_level_resources_set(pod)


def pod_level_resource_managers_off(pods: Sequence[str]) -> Diagnostic:
    """``pods`` set pod-level resources while the gate ``PodLevelResourceManagers`` is off."""
    return Diagnostic(
        POD_LEVEL_RESOURCE_MANAGERS_OFF,
        f"{_pods(pods)} set{'s' if len(pods) == 1 else ''} pod-level resources (spec.resources) and the "
        "feature gate PodLevelResourceManagers is off (its default in v1.36): the CPU and Memory "
        "Managers skip such pods, no container gets exclusive CPUs or NUMA-pinned memory (set "
        "featureGates: {PodLevelResourceManagers: true} for the pod budget of KEP-5526)",
        pod=pods[0],
    )


def known_issue(issue: KnownIssue, pod: Pod, release: str) -> Diagnostic:
    """The step's outcome is a known kubelet defect of ``release``."""
    return Diagnostic(
        KNOWN_ISSUE,
        f"pod {pod.key}: this outcome is a known defect of the v{release} kubelet, not a mistake in "
        f"the pod: {issue.summary} (fixed by {issue.id}, in {issue.fixed_in})",
        pod=pod.key,
    )


def device_checkpoint_unreadable(
    files: Sequence[FileRead], readmitted: Iterable[tuple[Pod, PodRestart]], where: str
) -> Diagnostic | None:
    """The running containers of ``readmitted`` (pods whose containers ran when the kubelet
    started) that ask for devices and hold none after their re-admission, because the device
    manager could not read its checkpoint (``files``: status ``unreadable``): it starts with no
    allocations and leaves a running container alone (``devicesToAllocate``), so the devices they
    still use look free. ``None``: the file was read, or no such container. ``where``: the step
    (``steps[i]``) or ``--restore-from``."""
    if not any(f.file == DEVICE_FILE and f.status == UNREADABLE for f in files):
        return None
    lost: list[tuple[str, tuple[str, ...]]] = []
    for pod, restart in readmitted:
        if restart.after is None:
            continue
        running = {name for _, name in running_containers(pod)}
        names = tuple(name for name, keys in restart.after.devices if not keys and name in running)
        if names:
            lost.append((pod.key, names))
    if not lost:
        return None
    held = _pods(
        [f"{key} (container{'s' if len(names) > 1 else ''} {', '.join(names)})" for key, names in lost]
    )
    return Diagnostic(
        DEVICE_CHECKPOINT_UNREADABLE,
        f"{where}: the device manager could not read {DEVICE_FILE} and started with no device "
        f"allocations: the running containers of {held} were re-admitted holding no device (the "
        "kubelet allocates none to a running container); the devices they still use look free, "
        "and a later pod may be given a device still in use",
        pod=lost[0][0],
    )
