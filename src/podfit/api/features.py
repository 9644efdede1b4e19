"""Decoding a ``featureGates`` map onto the defaults the kubelet knows.

Mirrors: component-base/featuregate/feature_gate.go ``SetFromMap``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from podfit.errors import InputError
from podfit.model.diagnostics import FEATURE_GATE_IGNORED, Diagnostic
from podfit.model.features import GATES, FeatureGates
from podfit.model.gotext import json_text, json_type

__all__ = ["feature_gates_from_dict"]


def feature_gates_from_dict(
    m: Mapping[str, object] | None, *, strict: bool = True, warnings: list[Diagnostic] | None = None
) -> FeatureGates:
    """Apply a ``featureGates`` map on the v1.36 defaults.

    Mirrors: component-base/featuregate/feature_gate.go unsafeSetFromMap: an unknown gate
    or a locked gate set to the other value is refused (the kubelet refuses to start). Unless
    ``strict``, such a gate is ignored instead and a warning appended to ``warnings``: a real
    node file often names gates of another release (an OpenShift kubelet only warns on unknown
    gates), and the rest of the file still says what the node does.
    """
    if m is None:
        return FeatureGates()
    if not isinstance(m, Mapping):
        raise InputError("featureGates", f"expected a map of gate name to boolean, got {json_type(m)}")
    out: dict[str, bool] = {}
    for name, value in m.items():
        key = str(name)
        if not isinstance(value, bool):
            raise InputError(f"featureGates.{key}", f"expected a boolean, got {json_text(value)}")
        spec = GATES.get(key)
        refusal = None
        if spec is None:
            refusal = f"unrecognized feature gate: {key}"
        elif spec.locked and value != spec.default:
            refusal = (
                f"cannot set feature gate {key} to {_go_bool(value)}, "
                f"feature is locked to {_go_bool(spec.default)}"
            )
        if refusal is not None:
            if strict:
                raise InputError(f"featureGates.{key}", refusal)
            if warnings is not None:
                warnings.append(
                    Diagnostic(
                        FEATURE_GATE_IGNORED,
                        f"{refusal}: ignored (an upstream kubelet refuses to start with it; "
                        "--strict refuses it)",
                        field=f"featureGates.{key}",
                    )
                )
            continue
        out[key] = value
    return FeatureGates(MappingProxyType(out))


def _go_bool(v: bool) -> str:
    return "true" if v else "false"
