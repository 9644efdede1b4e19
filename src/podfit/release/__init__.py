"""Kubelet releases: which release a behaviour belongs to.

This package is the one place that says which kubelet release does what — feature-gate defaults
and lock states, policy-option maturity, the words of each rejection, the checkpoint formats and
the behaviour switches the managers read (each named after the upstream change that introduced
it). The managers mirror upstream functions (their ``Mirrors:`` docstring lines name them) without
naming a release; what differs between releases is read from a :class:`ReleaseProfile`.
"""

from podfit.release.profile import (
    DEFAULT_RELEASE,
    SUPPORTED_RELEASES,
    ReleaseProfile,
    parse_kubelet_version,
    release_profile,
)

__all__ = [
    "DEFAULT_RELEASE",
    "SUPPORTED_RELEASES",
    "ReleaseProfile",
    "parse_kubelet_version",
    "release_profile",
]
