"""Kubelet releases: which release a behaviour belongs to.

This package is the one place that says which kubelet release does what — feature-gate defaults
and lock states (``gates``, with generated per-release tables), policy-option maturity
(``options``), the behaviour switches the managers read, each named after the upstream change that
introduced it (``switches``), the words of each release (``messages``) and its metric names
(``metrics``). The managers mirror upstream functions (their ``Mirrors:`` docstring lines name
them) without naming a release; what differs between releases is read from a
:class:`ReleaseProfile`. It is the lowest core layer: it imports nothing else of podfit but
``podfit.errors``.
"""

from podfit.release.gates import GateSpec, GateTable, gate_errors
from podfit.release.profile import (
    DEFAULT_RELEASE,
    SUPPORTED_RELEASES,
    ReleaseProfile,
    default_profile,
    parse_kubelet_version,
    release_profile,
)
from podfit.release.switches import BehaviourSwitches

__all__ = [
    "DEFAULT_RELEASE",
    "SUPPORTED_RELEASES",
    "BehaviourSwitches",
    "GateSpec",
    "GateTable",
    "ReleaseProfile",
    "default_profile",
    "gate_errors",
    "parse_kubelet_version",
    "release_profile",
]
