"""Decoding a ``featureGates`` map onto the gates of one kubelet release.

Mirrors: component-base/featuregate/feature_gate.go ``SetFromMap`` (its refusals are the kubelet's
start-up errors: :meth:`podfit.model.features.FeatureGates.errors`, reported by
:func:`podfit.api.kubelet_config_validation.validate_kubelet_config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from podfit.errors import InputError
from podfit.model.diagnostics import FEATURE_GATE_IGNORED, FEATURE_GATE_SWITCHED_OFF, Diagnostic
from podfit.model.features import FeatureGates
from podfit.model.gotext import json_text, json_type
from podfit.release.gates import dependency_errors, disabled_dependencies, gate_errors
from podfit.release.profile import ReleaseProfile, default_profile

__all__ = ["feature_gates_from_dict"]


def feature_gates_from_dict(
    m: Mapping[str, object] | None,
    release: ReleaseProfile | None = None,
    *,
    unknown_gates_warn: bool = False,
    warnings: list[Diagnostic] | None = None,
    dependants_off: bool = False,
) -> FeatureGates:
    """The gates of ``release`` (default: 1.36) with a ``featureGates`` map applied.

    A value that is not a boolean is bad input (``InputError``). A gate the release does not
    register set to true, or a locked gate set to the other value, is kept: the kubelet refuses to
    start with it (:meth:`FeatureGates.errors`), as upstream ``SetFromMap`` does. One it does not
    register set to false is kept too, with a warning: it means what its absence means
    (:func:`podfit.release.gates.gate_errors` says why it is no refusal). ``unknown_gates_warn``
    (OpenShift's kubelet, whose feature-gate code logs an unknown gate and goes on): a gate the
    release does not register is dropped and a warning appended to ``warnings``; a locked gate is
    still refused.

    Mirrors: component-base/featuregate/feature_gate.go unsafeSetFromMap (upstream; OpenShift's
    fork for ``unknown_gates_warn``), v1.36.2.
    """
    profile = release if release is not None else default_profile()
    if m is None:
        return FeatureGates(release=profile)
    if not isinstance(m, Mapping):
        raise InputError("featureGates", f"expected a map of gate name to boolean, got {json_type(m)}")
    out: dict[str, bool] = {}
    for name, value in m.items():
        key = str(name)
        if not isinstance(value, bool):
            raise InputError(f"featureGates.{key}", f"expected a boolean, got {json_text(value)}")
        absent_means_false = profile.gates.spec(key) is None and not value and not unknown_gates_warn
        if absent_means_false and warnings is not None:  # kept: false is what absence means (gate_errors)
            warnings.append(
                Diagnostic(
                    FEATURE_GATE_IGNORED,
                    f"not a gate of the v{profile.version} kubelet: set to false, it asks for what "
                    "its absence means, and podfit reads it so (an upstream kubelet refuses to "
                    "start: unrecognized feature gate)",
                    field=f"featureGates.{key}",
                )
            )
        if unknown_gates_warn and profile.gates.spec(key) is None:
            if warnings is not None:
                warnings.append(
                    Diagnostic(
                        FEATURE_GATE_IGNORED,
                        f"unrecognized feature gate: {key}: ignored, as an OpenShift kubelet ignores "
                        f"it (an upstream {profile.version} kubelet refuses to start with it)",
                        field=f"featureGates.{key}",
                    )
                )
            continue
        out[key] = value
    if dependants_off:
        _switch_off_dependants(profile, out, warnings)
    return FeatureGates(MappingProxyType(out), profile)


def _switch_off_dependants(
    profile: ReleaseProfile, out: dict[str, bool], warnings: list[Diagnostic] | None
) -> None:
    """Switch off every gate left on while a gate it depends on is off (1.35+: v1.36's
    ``InPlacePodLevelResourcesVerticalScaling`` under ``PodLevelResources: false``), as an operator
    must for the kubelet to start, with a warning each. The kubelet itself refuses such a map
    (``--strict`` keeps that refusal); the managers podfit is checked against switch the
    dependants off the same way (docs/decisions.md)."""
    table = profile.gates
    if gate_errors(table, out) != dependency_errors(table, out):
        return  # an unknown or locked gate: the refusal stands
    while found := disabled_dependencies(table, out):  # each round switches at least one gate off
        for name, off in found:
            out[name] = False
            if warnings is not None:
                warnings.append(
                    Diagnostic(
                        FEATURE_GATE_SWITCHED_OFF,
                        f"{name} depends on {', '.join(off)}, which is off: switched off too, as an "
                        f"operator must (a v{profile.version} kubelet refuses to start otherwise: "
                        "--strict says so)",
                        field=f"featureGates.{name}",
                    )
                )
