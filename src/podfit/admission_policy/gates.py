"""Which kubelet release knows which pod-level feature gate, and its default there.

The two gates the pod-level rules depend on, per release (``podfit.release`` will own such tables
once the release profiles carry their contents; this is the subset the admission rules need):

* ``PodLevelResources``: alpha (off) from 1.32, beta (on) from 1.34 (pkg/features/kube_features.go
  read in v1.33.5, v1.34.2, v1.35.3, v1.36.2).
* ``PodLevelResourceManagers``: alpha (off) in 1.36 (read in v1.36.2; absent from 1.35.3); beta in
  1.37 but off by default (kubernetes PRs #140573, then #141209 "disable PodLevelResourceManagers
  by default", milestone v1.37: no 1.37 code read).

A kubelet with ``PodLevelResources`` off rejects a pod with pod-level resources from 1.34 on
(lifecycle ``PodLevelResourcesNotSupported``, read in v1.34.2 and v1.36.2); the 1.33 kubelet has no
such check and ignores the pod-level stanza.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "PLR",
    "PLRM",
    "POD_LEVEL_NOT_SUPPORTED_FROM",
    "gate_default",
    "gate_known",
    "rejects_pod_level_when_off",
    "release_gates",
]

PLR: Final = "PodLevelResources"
PLRM: Final = "PodLevelResourceManagers"

# release -> gate -> default (a gate missing from a release is unknown to its kubelet)
_DEFAULTS: Final[dict[str, dict[str, bool]]] = {
    "1.33": {PLR: False},
    "1.34": {PLR: True},
    "1.35": {PLR: True},
    "1.36": {PLR: True, PLRM: False},
    "1.37": {PLR: True, PLRM: False},
}

# from this release on, the kubelet rejects pod-level resources when PodLevelResources is off
POD_LEVEL_NOT_SUPPORTED_FROM: Final = (1, 34)


def _minor(release: str) -> tuple[int, int]:
    major, minor = release.split(".")[:2]
    return int(major), int(minor)


def gate_known(release: str, gate: str) -> bool:
    """Whether the kubelet of ``release`` knows ``gate`` (setting an unknown gate: it refuses to start)."""
    return gate in _DEFAULTS.get(release, {})


def gate_default(release: str, gate: str) -> bool:
    """The default of ``gate`` in ``release`` (False when the release does not know it)."""
    return _DEFAULTS.get(release, {}).get(gate, False)


def release_gates(release: str, explicit: Mapping[str, bool]) -> dict[str, bool]:
    """The two pod-level gates of a kubelet of ``release`` whose configuration sets ``explicit``."""
    return {gate: explicit.get(gate, gate_default(release, gate)) for gate in (PLR, PLRM)}


def rejects_pod_level_when_off(release: str) -> bool:
    """True when the kubelet of ``release`` rejects pod-level resources with the gate off."""
    return _minor(release) >= POD_LEVEL_NOT_SUPPORTED_FROM
