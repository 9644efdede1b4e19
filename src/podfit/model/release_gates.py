"""A feature gate's value on one kubelet release: the configuration's ``featureGates`` over the
release's own default (``podfit.release.node_features``) — for the gates Memory QoS, in-place
resize and the cgroup values read, whose defaults differ between releases.

:class:`~podfit.model.features.FeatureGates` holds v1.36 defaults; this reads the same overrides
against the gate table of the release being simulated.

Mirrors: component-base/featuregate/feature_gate.go ``featureGate.Enabled`` (``AllAlpha`` /
``AllBeta`` switch the gates of that stage that are not set explicitly; locked gates keep their
default).
"""

from __future__ import annotations

from podfit.model.features import FeatureGates
from podfit.release.node_features import ALPHA, BETA, NodeFeatures

__all__ = ["release_gate"]


def release_gate(gates: FeatureGates, features: NodeFeatures, name: str) -> bool:
    """``name`` on ``features.release``: off when the release does not have the gate."""
    for spec in features.gates:
        if spec.name != name:
            continue
        overrides = gates.overrides
        if spec.locked:
            return spec.default
        if name in overrides:
            return bool(overrides[name])
        if spec.stage == ALPHA and "AllAlpha" in overrides:
            return bool(overrides["AllAlpha"])
        if spec.stage == BETA and "AllBeta" in overrides:
            return bool(overrides["AllBeta"])
        return spec.default
    return False
