"""The exact admission of one pod on each declared node shape: the kubelet started once per shape,
each pod admitted on the empty node and rolled back, so every evaluation sees the same node.

A :class:`ShapeSet` holds one started :class:`~podfit.kubelet.node.Node` per shape. It is not
shared between concurrent evaluations (the server keeps a pool of them).
"""

from __future__ import annotations

from dataclasses import dataclass

from podfit.admission_policy.gates import PLR, rejects_pod_level_when_off
from podfit.admission_policy.values import NodeShape
from podfit.errors import KubeletStartupRefused
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.result import ContainerAssignment
from podfit.model.admission import ConfigRefusal
from podfit.model.pod import Pod
from podfit.model.qos import is_pod_level_resources_set

__all__ = ["REASON_POD_LEVEL_NOT_SUPPORTED", "ShapeAdmission", "ShapeSet", "pod_level_resources_admit"]

REASON_POD_LEVEL_NOT_SUPPORTED = "PodLevelResourcesNotSupported"


@dataclass(frozen=True, slots=True)
class ShapeAdmission:
    """The kubelet's decision on one node shape: admitted (with each container's assignment), or
    rejected with the kubelet's reason and message."""

    shape: str
    admitted: bool
    reason: str | None = None
    message: str | None = None
    containers: tuple[ContainerAssignment, ...] = ()


def pod_level_resources_admit(pod: Pod, shape: NodeShape) -> tuple[str, str] | None:
    """The kubelet's pod-level resources admit handler: a pod with pod-level resources on a kubelet
    whose ``PodLevelResources`` gate is off is rejected (from 1.34; 1.33 has no such handler).

    Mirrors: pkg/kubelet/lifecycle/features_linux.go isPodLevelResourcesSupported
    """
    if shape.gates.get(PLR, False) or not rejects_pod_level_when_off(shape.release):
        return None
    if not is_pod_level_resources_set(pod):
        return None
    return REASON_POD_LEVEL_NOT_SUPPORTED, "PodLevelResources feature gate is disabled"


class _Runner:
    __slots__ = ("node", "shape")

    def __init__(self, shape: NodeShape) -> None:
        node = start_node(shape.machine, shape.config)
        if isinstance(node, ConfigRefusal):  # the policy decoder checked this already
            raise KubeletStartupRefused(node.reason, node.message)
        self.shape = shape
        self.node: Node = node

    def admit(self, pod: Pod) -> ShapeAdmission:
        name = self.shape.name
        refused = pod_level_resources_admit(pod, self.shape)
        if refused is not None:
            return ShapeAdmission(name, False, refused[0], refused[1])
        node = self.node
        managers = node.managers
        before = managers.snapshot_all()
        result = node.admit(pod)
        if not result.admitted:
            managers.restore_all(before)
            return ShapeAdmission(name, False, result.reason, result.message)
        containers = result.containers  # built now: the views must not outlive the rollback
        node.remove(uid=pod.uid)
        managers.restore_all(before)
        return ShapeAdmission(name, True, containers=containers)


class ShapeSet:
    """One started kubelet per node shape of a policy."""

    __slots__ = ("_runners",)

    def __init__(self, shapes: tuple[NodeShape, ...]) -> None:
        self._runners = tuple(_Runner(s) for s in shapes)

    def admit(self, pod: Pod, index: int) -> ShapeAdmission:
        """The admission of ``pod`` on shape ``index`` (the node is left as it was)."""
        return self._runners[index].admit(pod)

    def __len__(self) -> int:
        return len(self._runners)
