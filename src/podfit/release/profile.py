"""The release profile: one frozen value per kubelet release, read by the managers like feature gates.

A scenario names its release as ``node.kubeletVersion`` (every command also takes
``--kubelet-version``); a patch level maps to its minor release (``1.35.3`` → ``1.35``): no
behaviour podfit models is known to differ between patch releases of one minor (v1.36.3 has no
change under pkg/kubelet/cm against v1.36.2).

A profile holds the release's feature gates (:class:`~podfit.release.gates.GateTable`), its
policy-option maturity, its behaviour switches (each named after the upstream change), its words
and its metric names. The configuration carries it (``KubeletConfig.release``, the same object as
``FeatureGates.release``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from podfit.release import gates_1_33, gates_1_34, gates_1_35, gates_1_36, gates_1_37
from podfit.release.gates import GateSpec, GateTable
from podfit.release.messages import MESSAGES, ReleaseMessages
from podfit.release.metrics import METRICS, ReleaseMetrics
from podfit.release.node_features import NODE_FEATURES, NodeFeatures
from podfit.release.options import OPTIONS, ReleaseOptions
from podfit.release.switches import SWITCHES, BehaviourSwitches

__all__ = [
    "DEFAULT_RELEASE",
    "SUPPORTED_RELEASES",
    "ReleaseProfile",
    "default_profile",
    "parse_kubelet_version",
    "release_profile",
]

DEFAULT_RELEASE: Final = "1.36"
SUPPORTED_RELEASES: Final = ("1.33", "1.34", "1.35", "1.36", "1.37")
_VERSION: Final = re.compile(r"^v?(1)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?$")


@dataclass(frozen=True, slots=True, eq=False)
class ReleaseProfile:
    """What one kubelet release does, where releases differ (one instance per release: compared
    by identity)."""

    version: str  # the minor release, e.g. "1.36"
    source: str  # what the profile rests on (the code read, or for 1.37 its PRs and docs)
    gates: GateTable
    options: ReleaseOptions
    switches: BehaviourSwitches
    messages: ReleaseMessages
    metrics: ReleaseMetrics
    node_features: NodeFeatures  # Memory QoS, in-place resize, cgroup values

    def __repr__(self) -> str:
        return f"ReleaseProfile({self.version!r})"


def _profile(
    version: str, source: str, specs: tuple[GateSpec, ...], absent: dict[str, bool]
) -> ReleaseProfile:
    switches = SWITCHES[version]
    table = GateTable(
        MappingProxyType({s.name: s for s in specs}),
        MappingProxyType(dict(absent)),
        switches.feature_gate_dependencies,
    )
    return ReleaseProfile(
        version,
        source,
        table,
        OPTIONS[version],
        switches,
        MESSAGES[version],
        METRICS[version],
        NODE_FEATURES[version],
    )


_PROFILES: Final[dict[str, ReleaseProfile]] = {
    "1.33": _profile(
        "1.33", "kubernetes v1.33.5 (openshift/microshift 83d4040a)", gates_1_33.GATES, gates_1_33.ABSENT
    ),
    "1.34": _profile(
        "1.34", "kubernetes v1.34.2 (openshift/microshift c9e94e18)", gates_1_34.GATES, gates_1_34.ABSENT
    ),
    "1.35": _profile(
        "1.35", "kubernetes v1.35.3 (openshift/microshift d47c1ed9)", gates_1_35.GATES, gates_1_35.ABSENT
    ),
    "1.36": _profile(
        "1.36", "kubernetes v1.36.2 (openshift/microshift 8e16b12f)", gates_1_36.GATES, gates_1_36.ABSENT
    ),
    "1.37": _profile(
        "1.37",
        "kubernetes 1.37 pull requests, release notes and docs (no code read)",
        gates_1_37.GATES,
        gates_1_37.ABSENT,
    ),
}


def parse_kubelet_version(text: str) -> str | None:
    """The minor release of a kubelet version string (``1.35``, ``v1.35.3``, ``1.36.2-gke.100``),
    or ``None`` when it is not one podfit models."""
    m = _VERSION.match(text.strip())
    if m is None:
        return None
    version = f"{m.group(1)}.{int(m.group(2))}"
    return version if version in _PROFILES else None


def release_profile(version: str = DEFAULT_RELEASE) -> ReleaseProfile | None:
    """The profile of ``version`` (``None``: a release podfit does not model)."""
    return _PROFILES.get(version)


def default_profile() -> ReleaseProfile:
    """The profile of the default release (1.36)."""
    return _PROFILES[DEFAULT_RELEASE]
