"""Upstream kubelet tables (config validation, policy options, manager construction) ported as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.features import feature_gates_from_dict
from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.cpu.manager import new_cpu_policy
from podfit.cpu.policy_options import check_cpu_policy_option_available, parse_cpu_manager_options
from podfit.errors import InputError, PolicyOptionError
from podfit.memory.manager import new_memory_policy
from podfit.memory.policy_static import new_policy_static
from podfit.model.admission import ConfigRefusal
from podfit.model.kubelet_config import ReservedMemory
from podfit.model.policy_options import CPUManagerOptions, TopologyManagerOptions
from podfit.model.quantity import parse_quantity
from podfit.topology.policy_options import (
    check_topology_policy_option_available,
    parse_topology_manager_options,
)

from ._kubelet_machines import MACHINES

DATA = Path(__file__).resolve().parents[1] / "upstream" / "kubeletconfig"
BASE = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
TWO_NUMA = MACHINES["TwoNUMA"]
TM_FAKE_ALPHA = frozenset({"fancy-alpha-option"})
TM_FAKE_BETA = frozenset({"fancy-new-option"})


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / name).read_text())


def _table(name: str, table: str) -> list[Any]:
    cases = _load(name)["tables"][table]
    return [pytest.param(c, id=c["name"]) for c in cases]


def _cases(name: str) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in _load(name)["cases"]]


def _gates(case: dict[str, Any]):
    gate = case.get("gate")
    return feature_gates_from_dict({gate: bool(case.get("gate_enabled", False))} if gate else {})


# ----- ValidateKubeletConfiguration ---------------------------------------------------------


@pytest.mark.parametrize("case", _cases("validation.yaml") + _cases("validation_reserved_memory.yaml"))
def test_validate_kubelet_configuration(case: dict[str, Any]) -> None:
    doc = {**BASE, **case["config"]}
    if case.get("input_error"):
        with pytest.raises(InputError) as info:
            kubelet_config_from_dict(doc)
        assert info.value.field == case["input_error"]
        assert case["error"] in info.value.message
        return
    refusal = validate_kubelet_config(kubelet_config_from_dict(doc))
    if case["error"] is None:
        assert refusal is None
    else:
        assert refusal is not None
        assert refusal.reason == "KubeletConfigInvalid"
        assert case["error"] in refusal.message


# ----- topology manager policy options ------------------------------------------------------

TM = "topologymanager_policy_options.yaml"


@pytest.mark.parametrize("case", _table(TM, "TestNewTopologyManagerOptions"))
def test_new_topology_manager_options(case: dict[str, Any]) -> None:
    gates = _gates(case)
    if case.get("error"):
        with pytest.raises(PolicyOptionError) as info:
            parse_topology_manager_options(case["options"], gates, TM_FAKE_ALPHA, TM_FAKE_BETA)
        assert case["error"] in str(info.value)
    else:
        got = parse_topology_manager_options(case["options"], gates, TM_FAKE_ALPHA, TM_FAKE_BETA)
        assert got == TopologyManagerOptions(**case["expected"])


@pytest.mark.parametrize(
    "case", _table(TM, "TestPolicyDefaultsAvailable") + _table(TM, "TestPolicyOptionsAvailable")
)
def test_topology_policy_option_available(case: dict[str, Any]) -> None:
    refusal = check_topology_policy_option_available(
        case["option"], _gates(case), TM_FAKE_ALPHA, TM_FAKE_BETA
    )
    assert (refusal is None) == case["available"]


# ----- CPU manager policy options ----------------------------------------------------------

CPU = "cpumanager_policy_options.yaml"


@pytest.mark.parametrize(
    "case", _table(CPU, "TestPolicyDefaultsAvailable") + _table(CPU, "TestPolicyOptionsAvailable")
)
def test_cpu_policy_option_available(case: dict[str, Any]) -> None:
    refusal = check_cpu_policy_option_available(case["option"], _gates(case))
    assert (refusal is None) == case["available"]


@pytest.mark.parametrize("case", _table(CPU, "TestValidateStaticPolicyOptions"))
def test_validate_static_policy_options(case: dict[str, Any]) -> None:
    cfg = kubelet_config_from_dict(
        {
            **BASE,
            "featureGates": {"CPUManagerPolicyAlphaOptions": True},
            "cpuManagerPolicy": "static",
            "cpuManagerPolicyOptions": case["options"],
            "topologyManagerPolicy": case["topology_manager_policy"],
        }
    )
    got = new_cpu_policy(
        MACHINES[case["topology"]],
        "static",
        cfg.cpu_manager_policy_options,
        cfg.feature_gates,
        1000,
        0,
        cfg.topology_manager_policy,
    )
    assert isinstance(got, ConfigRefusal) == case["error"]
    if isinstance(got, ConfigRefusal):
        assert got.reason == "CPUManagerError"


@pytest.mark.parametrize("case", _table(CPU, "TestPolicyOptionsCompatibility"))
def test_policy_options_compatibility(case: dict[str, Any]) -> None:
    gates = feature_gates_from_dict({case["gate"]: True})
    if case["error"]:
        with pytest.raises(PolicyOptionError, match="can not be used at the same time"):
            parse_cpu_manager_options(case["options"], gates)
    else:
        assert isinstance(parse_cpu_manager_options(case["options"], gates), CPUManagerOptions)


# ----- CPU manager construction -------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    _table("cpumanager_manager.yaml", "TestCPUManagerNew")
    + _table("cpumanager_manager.yaml", "TestStaticPolicyStart"),
)
def test_cpu_manager_new(case: dict[str, Any]) -> None:
    doc = {**BASE, "cpuManagerPolicy": "static"}
    cfg = kubelet_config_from_dict(doc)
    if case.get("reserved_cpus"):
        from dataclasses import replace

        from podfit.model.cpuset import parse_cpuset

        cfg = replace(cfg, reserved_system_cpus=parse_cpuset(case["reserved_cpus"]))
    got = new_cpu_policy(
        MACHINES[case["machine"]],
        "static",
        cfg.cpu_manager_policy_options,
        cfg.feature_gates,
        case["reservation"].get("cpu"),
        cfg.reserved_system_cpus or 0,
        cfg.topology_manager_policy,
    )
    if case["error"] is None:
        assert not isinstance(got, ConfigRefusal)
    else:
        assert isinstance(got, ConfigRefusal) and got.reason == "CPUManagerError"
        assert case["error"] in got.message


# ----- memory manager construction ----------------------------------------------------------

MM = "memorymanager.yaml"


def _reserved(entries: list[dict[str, Any]]) -> tuple[ReservedMemory, ...]:
    out = []
    for e in entries:
        qs = {k: parse_quantity(v) for k, v in e["limits"].items()}
        out.append(
            ReservedMemory(
                e["numaNode"], {k: q.value() for k, q in qs.items()}, {k: q.format for k, q in qs.items()}
            )
        )
    return tuple(out)


def _allocatable(m: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    qs = {k: parse_quantity(v) for k, v in m.items()}
    return {k: q.value() for k, q in qs.items()}, {k: q.format for k, q in qs.items()}


@pytest.mark.parametrize(
    "case",
    _table(MM, "TestValidateReservedMemory") + _table(MM, "TestGetSystemReservedMemory"),
)
def test_validate_reserved_memory(case: dict[str, Any]) -> None:
    from podfit.memory.reserved import validate_reserved_memory

    values, formats = _allocatable(case["allocatable"])
    message = validate_reserved_memory((0, 1), values, formats, _reserved(case["reserved"]))
    assert message == case["error"]


@pytest.mark.parametrize("case", _table(MM, "TestNewManager"))
def test_memory_manager_new(case: dict[str, Any]) -> None:
    values, formats = _allocatable(case["allocatable"])
    gates = feature_gates_from_dict({})
    got = new_memory_policy(TWO_NUMA, case["policy"], values, formats, _reserved(case["reserved"]), gates)
    assert (got.message if isinstance(got, ConfigRefusal) else None) == case["error"]
    if isinstance(got, ConfigRefusal):
        assert got.reason == "MemoryManagerError"


@pytest.mark.parametrize("case", _table(MM, "TestStaticPolicyNew"))
def test_static_policy_new(case: dict[str, Any]) -> None:
    reserved: dict[int, dict[str, int]] = {0: {}, 1: {}}
    for entry in _reserved(case["reserved"]):
        reserved.setdefault(entry.numa_node, {}).update(entry.limits)
    policy, err = new_policy_static(TWO_NUMA, reserved, feature_gates_from_dict({}))
    assert err == case["error"]
    assert (policy is None) == (err is not None)
