"""Feature gates: v1.36 defaults, overrides, locked gates, AllAlpha/AllBeta, dependencies.

(Per release: tests/release/test_gates.py.)"""

from __future__ import annotations

import pytest

from podfit.api.features import feature_gates_from_dict
from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.model.features import GATES, FeatureGates

DEFAULTS = {
    "PodLevelResources": True,
    "PodLevelResourceManagers": False,
    "CPUManagerPolicyAlphaOptions": False,
    "CPUManagerPolicyBetaOptions": True,
    "TopologyManagerPolicyAlphaOptions": False,
    "TopologyManagerPolicyBetaOptions": True,
    "DisableCPUQuotaWithExclusiveCPUs": True,
    "MemoryQoS": False,
    "InPlacePodLevelResourcesVerticalScaling": True,
    "CustomCPUCFSQuotaPeriod": True,  # GA, unlocked, in v1.36.2
    "PodLevelResourcesFixKubeletQOSClass": False,  # a 1.37 gate: off (not there) in 1.36
}


@pytest.mark.parametrize(("gate", "default"), DEFAULTS.items())
def test_v136_defaults(gate: str, default: bool) -> None:
    assert FeatureGates().enabled(gate) is default


def test_override() -> None:
    gates = feature_gates_from_dict({"PodLevelResourceManagers": True, "CPUManagerPolicyBetaOptions": False})
    assert gates.enabled("PodLevelResourceManagers")
    assert not gates.enabled("CPUManagerPolicyBetaOptions")
    assert gates.enabled("PodLevelResources")


def test_unknown_gate_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        FeatureGates().enabled("NoSuchGate")


def test_locked_ga_gate_cannot_be_disabled() -> None:
    assert feature_gates_from_dict({"CPUManagerPolicyOptions": False}).errors() == [
        "cannot set feature gate CPUManagerPolicyOptions to false, feature is locked to true"
    ]
    # setting a locked gate to its own value is accepted (with a warning in the kubelet)
    assert feature_gates_from_dict({"CPUManagerPolicyOptions": True}).enabled("CPUManagerPolicyOptions")


def test_all_alpha_and_all_beta() -> None:
    gates = feature_gates_from_dict({"AllAlpha": True, "MemoryQoS": False})
    assert gates.enabled("PodLevelResourceManagers")
    assert gates.enabled("CPUManagerPolicyAlphaOptions")
    assert not gates.enabled("MemoryQoS")  # explicit setting wins
    assert gates.enabled("PodLevelResources")  # beta untouched
    off = feature_gates_from_dict({"AllBeta": False})
    assert not off.enabled("PodLevelResources")
    assert not off.enabled("CPUManagerPolicyBetaOptions")
    assert off.enabled("CPUManagerPolicyOptions")  # GA locked gates are not switched


def test_dependency_error_is_a_config_refusal() -> None:
    cfg = kubelet_config_from_dict(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "featureGates": {
                "PodLevelResources": False,
                "PodLevelResourceManagers": True,
                "InPlacePodLevelResourcesVerticalScaling": False,
            },
        }
    )
    refusal = validate_kubelet_config(cfg)
    assert refusal is not None
    assert refusal.reason == "KubeletConfigInvalid"
    assert refusal.message == (
        "PodLevelResourceManagers is enabled, but depends on features that are disabled: [PodLevelResources]"
    )


def test_unknown_gate_is_a_config_refusal() -> None:
    cfg = kubelet_config_from_dict(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "featureGates": {"NoSuchGate": True, "KubeletPSI": False},
        }
    )
    refusal = validate_kubelet_config(cfg)
    assert refusal is not None and refusal.message == "unrecognized feature gate: NoSuchGate"


def test_table_is_consistent() -> None:
    for name, spec in GATES.items():
        assert spec.name == name
        for dep in spec.depends_on:
            assert dep in GATES
        if spec.locked:
            assert spec.stage in ("GA", "DEPRECATED")
