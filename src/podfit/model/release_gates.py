"""A feature gate's value on one kubelet release: the configuration's ``featureGates`` over the
release's own default (``podfit.release.node_features``) — for the gates Memory QoS, in-place
resize and the cgroup values read, whose defaults differ between releases.

:class:`~podfit.model.features.FeatureGates` already reads its own release's table; this reads
the same overrides against the table of ``features.release`` when that is another release.

Mirrors: component-base/featuregate/feature_gate.go ``featureGate.Enabled`` (``AllAlpha`` /
``AllBeta`` switch the gates of that stage that are not set explicitly; locked gates keep their
default).
"""

from __future__ import annotations

from podfit.model.features import FeatureGates
from podfit.release.node_features import NodeFeatures
from podfit.release.profile import release_profile

__all__ = ["release_gate"]


def release_gate(gates: FeatureGates, features: NodeFeatures, name: str) -> bool:
    """``name`` on ``features.release``: the configuration's gates read against that release's gate
    table (off when the release does not have the gate)."""
    if gates.release.version != features.release:
        profile = release_profile(features.release)
        if profile is not None:
            gates = gates.for_release(profile)
    return gates.enabled(name)
