"""A scenario: a machine, a kubelet configuration and a sequence of pod events (plain values).

Decoding a scenario document into these values is :mod:`podfit.api.scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass

from podfit.model.diagnostics import Diagnostic
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.pod import Pod
from podfit.release.profile import DEFAULT_RELEASE

__all__ = ["AddPod", "Event", "RemovePod", "Scenario", "StartPod"]


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


Event = AddPod | RemovePod | StartPod


@dataclass(frozen=True)
class Scenario:
    name: str
    node_name: str
    machine: Machine
    kubelet_config: KubeletConfig
    events: tuple[Event, ...]
    kubelet_version: str = DEFAULT_RELEASE  # the kubelet's minor release (podfit.release)
    warnings: tuple[Diagnostic, ...] = ()  # what decoding the inputs had to warn about
