"""Decoding a ``featureGates`` map onto the gates of one kubelet release.

Mirrors: component-base/featuregate/feature_gate.go ``SetFromMap`` (its refusals are the kubelet's
start-up errors: :meth:`podfit.model.features.FeatureGates.errors`, reported by
:func:`podfit.api.kubelet_config_validation.validate_kubelet_config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from podfit.errors import InputError
from podfit.model.features import FeatureGates
from podfit.release.profile import ReleaseProfile, default_profile

__all__ = ["feature_gates_from_dict"]


def feature_gates_from_dict(
    m: Mapping[str, object] | None, release: ReleaseProfile | None = None
) -> FeatureGates:
    """The gates of ``release`` (default: 1.36) with a ``featureGates`` map applied.

    A value that is not a boolean is bad input (``InputError``). A gate the release does not
    register, or a locked gate set to the other value, is kept: the kubelet refuses to start with
    it (:meth:`FeatureGates.errors`), as upstream ``SetFromMap`` does.
    """
    profile = release if release is not None else default_profile()
    if m is None:
        return FeatureGates(release=profile)
    if not isinstance(m, Mapping):
        raise InputError("featureGates", f"expected a map of gate name to boolean, got {type(m).__name__}")
    out: dict[str, bool] = {}
    for name, value in m.items():
        key = str(name)
        if not isinstance(value, bool):
            raise InputError(f"featureGates.{key}", f"expected a boolean, got {value!r}")
        out[key] = value
    return FeatureGates(MappingProxyType(out), profile)
