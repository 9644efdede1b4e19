"""The Memory QoS fields of the KubeletConfiguration per release: the upstream validation and
defaulting cases (tests/upstream/memoryqos/kubelet_config_validation.yaml) and what each release's
decoder does with ``memoryReservationPolicy`` (a 1.36 field: strict decoding fails on it before, the
kubelet decodes leniently and ignores it) and with ``memoryThrottlingFactor`` (1.37: default nil)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cgroups.upstream_tables import release_cases

from podfit.api.kubelet_config import kubelet_config_for_release, kubelet_config_from_dict
from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.errors import InputError
from podfit.model.diagnostics import LENIENT_DECODING, Diagnostic
from podfit.model.kubelet_config import KubeletConfig
from podfit.release.profile import ReleaseProfile, release_profile

BASE = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}


def _profile(release: str) -> ReleaseProfile:
    profile = release_profile(release)
    assert profile is not None
    return profile


def _read(release: str, fields: dict[str, Any], warnings: list[Diagnostic] | None = None) -> KubeletConfig:
    return kubelet_config_from_dict({**BASE, **fields}, _profile(release), strict=False, warnings=warnings)


@pytest.mark.parametrize(
    ("release", "case"), list(release_cases("memoryqos", "kubelet_config_validation.yaml"))
)
def test_upstream_memory_qos_config(release: str, case: dict[str, Any]) -> None:
    if case.get("not_ported"):
        pytest.skip(case["not_ported"])
    cfg = _read(release, case["config"])
    if "defaults" in case:
        want = case["defaults"]
        assert cfg.memory_throttling_factor == want["memoryThrottlingFactor"]
        if "memoryReservationPolicy" in want:
            assert cfg.memory_reservation_policy == want["memoryReservationPolicy"]
        return
    refusal = validate_kubelet_config(cfg)
    if case["error"] is None:
        assert refusal is None
    else:
        assert refusal is not None and refusal.reason == "KubeletConfigInvalid"
        assert case["error"] in refusal.message


@pytest.mark.parametrize("release", ["1.33", "1.34", "1.35"])
@pytest.mark.parametrize("policy", ["TieredReservation", "invalid"])
def test_memory_reservation_policy_is_unknown_before_136(release: str, policy: str) -> None:
    """A 1.33-1.35 kubelet has no memoryReservationPolicy: strict decoding fails, the lenient
    decoding drops it (whatever its value) with a logged error; podfit warns, --strict refuses."""
    doc = {"featureGates": {"MemoryQoS": True}, "memoryReservationPolicy": policy}
    found: list[Diagnostic] = []
    cfg = _read(release, doc, found)
    assert cfg.memory_reservation_policy == "None"
    assert "memoryReservationPolicy" not in cfg.fields
    assert validate_kubelet_config(cfg) is None
    assert [(w.code, w.field) for w in found] == [(LENIENT_DECODING, "memoryReservationPolicy")]
    assert f"to the {release} kubelet (a field of 1.36 and later)" in found[0].message
    with pytest.raises(InputError) as info:
        kubelet_config_from_dict({**BASE, **doc}, _profile(release), strict=True)
    assert info.value.field == "memoryReservationPolicy"
    assert "unknown field" in info.value.message


@pytest.mark.parametrize("release", ["1.36", "1.37"])
def test_memory_reservation_policy_is_read_from_136(release: str) -> None:
    found: list[Diagnostic] = []
    cfg = _read(
        release, {"featureGates": {"MemoryQoS": True}, "memoryReservationPolicy": "TieredReservation"}, found
    )
    assert (cfg.memory_reservation_policy, found) == ("TieredReservation", [])
    assert validate_kubelet_config(cfg) is None
    bad = _read(release, {"memoryReservationPolicy": "Tiered"})
    refusal = validate_kubelet_config(bad)
    assert refusal is not None
    assert refusal.message == (
        'invalid configuration: option "Tiered" specified for memoryReservationPolicy. '
        'Valid options are "None" or "TieredReservation"'
    )


def test_a_downgrade_drops_the_field() -> None:
    """The same file read by a 1.35 kubelet (podfit upgrade / a restart as another release)."""
    cfg = _read("1.36", {"featureGates": {"MemoryQoS": True}, "memoryReservationPolicy": "TieredReservation"})
    older = kubelet_config_for_release(cfg, _profile("1.35"))
    assert older.memory_reservation_policy == "None"
    assert "memoryReservationPolicy" not in older.fields
    assert kubelet_config_for_release(older, _profile("1.36")).memory_reservation_policy == "None"


def test_tls_curve_preferences_is_a_136_field() -> None:
    found: list[Diagnostic] = []
    _read("1.35", {"tlsCurvePreferences": [29]}, found)
    assert [w.field for w in found] == ["tlsCurvePreferences"]
    found.clear()
    _read("1.36", {"tlsCurvePreferences": [29]}, found)
    assert found == []


@pytest.mark.parametrize(
    ("release", "fields", "error"),
    [
        # 1.33-1.36: the factor is validated whatever the gate says (default 0.9)
        ("1.36", {"featureGates": {"MemoryQoS": False}, "memoryThrottlingFactor": 0.5}, None),
        ("1.33", {"memoryThrottlingFactor": 0}, "memoryThrottlingFactor 0 must be greater than 0"),
        # 1.37 (PR #140007): default nil, not required with the gate on (beta, on) ...
        ("1.37", {}, None),
        ("1.37", {"memoryThrottlingFactor": None}, None),
        # ... the old default passes with the gate off, another factor needs the gate
        ("1.37", {"featureGates": {"MemoryQoS": False}, "memoryThrottlingFactor": 0.9}, None),
        (
            "1.37",
            {"featureGates": {"MemoryQoS": False}, "memoryThrottlingFactor": 0.5},
            "invalid configuration: memoryThrottlingFactor 0.5 requires MemoryQoS feature gate to be enabled",
        ),
        ("1.37", {"memoryThrottlingFactor": 1.5}, "memoryThrottlingFactor 1.5 must be greater than 0"),
    ],
)
def test_memory_throttling_factor_per_release(
    release: str, fields: dict[str, Any], error: str | None
) -> None:
    refusal = validate_kubelet_config(_read(release, fields))
    if error is None:
        assert refusal is None
    else:
        assert refusal is not None and error in refusal.message
