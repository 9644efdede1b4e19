"""A scenario: a machine, a kubelet configuration and a sequence of pod events (plain values).

Decoding a scenario document into these values is :mod:`podfit.api.scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from podfit.model.diagnostics import Diagnostic
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.node_os import NodeOS
from podfit.model.pod import Pod
from podfit.release.profile import DEFAULT_RELEASE

__all__ = [
    "AddPod",
    "Event",
    "RemovePod",
    "ResizePod",
    "ResourcePatch",
    "RestartKubelet",
    "RetryResizes",
    "Scenario",
    "StartPod",
]


@dataclass(frozen=True, slots=True)
class AddPod:
    pod: Pod


@dataclass(frozen=True, slots=True)
class RemovePod:
    key: str | None = None  # namespace/name
    uid: str | None = None


@dataclass(frozen=True, slots=True)
class StartPod:
    """An admitted pod's containers start, in order (init containers run to completion): the
    memory manager drops the entries of its finished regular init containers (``AddContainer``)."""

    key: str | None = None  # namespace/name
    uid: str | None = None


@dataclass(frozen=True, slots=True)
class ResourcePatch:
    """A strategic-merge patch of one ``resources`` stanza: each named key is set (or, ``None``,
    deleted); keys not named stay as they are."""

    requests: tuple[tuple[str, int | None], ...] = ()
    limits: tuple[tuple[str, int | None], ...] = ()


@dataclass(frozen=True, slots=True)
class ResizePod:
    """``kubectl patch --subresource resize``: new resources for the pod (``spec.resources``) and
    its containers (app, init and sidecar containers by name), and optionally new resize policies.
    ``where`` names the event in the scenario (``events[3]``)."""

    key: str | None = None  # namespace/name
    uid: str | None = None
    pod_resources: ResourcePatch | None = None
    containers: tuple[tuple[str, ResourcePatch], ...] = ()
    resize_policy: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    where: str = ""


@dataclass(frozen=True, slots=True)
class RetryResizes:
    """The allocation manager's periodic retry of pending resizes (its ticker: 30 s, then 3 min)."""


@dataclass(frozen=True, slots=True)
class RestartKubelet:
    """The kubelet restarts on the same node, possibly as another release and with another
    configuration (``None``: unchanged). The running pods stay; the new kubelet reads the old one's
    checkpoint files and admits the running pods again."""

    kubelet_version: str | None = None  # a minor release (podfit.release)
    kubelet_config: KubeletConfig | None = None


Event = AddPod | RemovePod | StartPod | ResizePod | RetryResizes | RestartKubelet


@dataclass(frozen=True)
class Scenario:
    name: str
    node_name: str
    machine: Machine
    kubelet_config: KubeletConfig
    events: tuple[Event, ...]
    kubelet_version: str = DEFAULT_RELEASE  # the kubelet's minor release (podfit.release)
    node_os: NodeOS = field(default_factory=NodeOS)  # node.os: cgroup version, kernel, page size
    warnings: tuple[Diagnostic, ...] = ()  # what decoding the inputs had to warn about
