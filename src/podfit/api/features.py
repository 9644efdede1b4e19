"""Decoding a ``featureGates`` map onto the defaults the kubelet knows.

Mirrors: component-base/featuregate/feature_gate.go ``SetFromMap``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from podfit.errors import InputError
from podfit.model.features import GATES, FeatureGates

__all__ = ["feature_gates_from_dict"]


def feature_gates_from_dict(m: Mapping[str, object] | None) -> FeatureGates:
    """Apply a ``featureGates`` map on the v1.36 defaults.

    Mirrors: component-base/featuregate/feature_gate.go unsafeSetFromMap: an unknown gate
    or a locked gate set to the other value is refused (the kubelet refuses to start).
    """
    if m is None:
        return FeatureGates()
    if not isinstance(m, Mapping):
        raise InputError("featureGates", f"expected a map of gate name to boolean, got {type(m).__name__}")
    out: dict[str, bool] = {}
    for name, value in m.items():
        key = str(name)
        if not isinstance(value, bool):
            raise InputError(f"featureGates.{key}", f"expected a boolean, got {value!r}")
        spec = GATES.get(key)
        if spec is None:
            raise InputError(f"featureGates.{key}", f"unrecognized feature gate: {key}")
        if spec.locked and value != spec.default:
            raise InputError(
                f"featureGates.{key}",
                f"cannot set feature gate {key} to {_go_bool(value)}, "
                f"feature is locked to {_go_bool(spec.default)}",
            )
        out[key] = value
    return FeatureGates(MappingProxyType(out))


def _go_bool(v: bool) -> str:
    return "true" if v else "false"
