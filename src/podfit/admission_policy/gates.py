"""The pod-level feature gates the admission rules read, per kubelet release — read from the
release profiles (:mod:`podfit.release`), the one place that says which release knows which gate
and with which default.

A kubelet with ``PodLevelResources`` off rejects a pod with pod-level resources from 1.34 on
(lifecycle ``PodLevelResourcesNotSupported``: the profile's ``pod_features_admit_handler``
switch); the 1.33 kubelet has no such check and ignores the pod-level stanza.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from podfit.release.profile import ReleaseProfile, release_profile

__all__ = [
    "PLR",
    "PLRM",
    "gate_default",
    "gate_known",
    "rejects_pod_level_when_off",
    "release_gates",
]

PLR: Final = "PodLevelResources"
PLRM: Final = "PodLevelResourceManagers"


def _profile(release: str) -> ReleaseProfile:
    profile = release_profile(release)
    if profile is None:
        raise ValueError(f"unknown kubelet release {release!r}")
    return profile


def gate_known(release: str, gate: str) -> bool:
    """Whether the kubelet of ``release`` knows ``gate`` (setting an unknown gate: it refuses to start)."""
    return _profile(release).gates.spec(gate) is not None


def gate_default(release: str, gate: str) -> bool:
    """The default of ``gate`` in ``release`` (False when the release does not know it)."""
    return _profile(release).gates.value(gate, {})


def release_gates(release: str, explicit: Mapping[str, bool]) -> dict[str, bool]:
    """The two pod-level gates of a kubelet of ``release`` whose configuration sets ``explicit``."""
    return {gate: explicit.get(gate, gate_default(release, gate)) for gate in (PLR, PLRM)}


def rejects_pod_level_when_off(release: str) -> bool:
    """True when the kubelet of ``release`` rejects pod-level resources with the gate off."""
    return _profile(release).switches.pod_features_admit_handler
