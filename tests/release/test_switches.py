"""One test per behaviour switch of podfit.release, per release: each fails if its switch is removed
(hard-wired to one release's behaviour). The upstream unit-test cases behind the switches run in
test_upstream_by_release.py; the table of evidence is docs/versions.md."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

import pytest

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.api.scenario import scenario_from_dict
from podfit.cpu.policy_options import parse_cpu_manager_options
from podfit.cpu.policy_static import StaticPolicy, new_static_policy
from podfit.kubelet.node import start_node
from podfit.kubelet.simulation import simulate
from podfit.model.diagnostics import Diagnostic
from podfit.model.features import FeatureGates
from podfit.model.machine import CPUInfo, Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.release import SUPPORTED_RELEASES, BehaviourSwitches, release_profile
from podfit.release.gates import BETA, GateSpec, dependency_errors
from podfit.release.switches import (
    PLR_SKIP_NEVER,
    PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS,
    PLR_SKIP_WHEN_GATE_ENABLED,
)

RELEASES = SUPPORTED_RELEASES
KC = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
GI = 1 << 30
SMALL = {"sockets": 1, "coresPerNUMANode": 4, "threadsPerCore": 1}


def _profile(release: str) -> Any:
    profile = release_profile(release)
    assert profile is not None
    return profile


def _gates(release: str, **overrides: bool) -> FeatureGates:
    return FeatureGates(MappingProxyType(overrides), _profile(release))


def _machine(numa: int = 2, cores: int = 4) -> Machine:
    cpus = tuple(
        CPUInfo(cpu=n * cores + c, core=n * cores + c, socket=n, numa=n)
        for n in range(numa)
        for c in range(cores)
    )
    return Machine(cpus=cpus, numa_nodes=tuple(NUMANode(id=n, memory=64 * GI) for n in range(numa)))


def _guaranteed(cpu: int, mem: int) -> ResourceRequirements:
    return ResourceRequirements({"cpu": cpu * 1000, "memory": mem}, {"cpu": cpu * 1000, "memory": mem})


def _plr_pod(uid: str = "plr") -> Pod:
    """A pod with spec.resources (4 CPUs, 4Gi) and one Guaranteed 2-CPU container."""
    return Pod(
        namespace="default",
        name=uid,
        uid=uid,
        containers=(Container("app", "app", _guaranteed(2, GI)),),
        resources=_guaranteed(4, 4 * GI),
    )


# ----- the switch table itself ----------------------------------------------------------------

# every switch, and the test below that pins it
PINNED_BY = {
    "plr_pod_skip_in_static_managers": "test_plr_pod_skip_in_static_managers",
    "pod_features_admit_handler": "test_pod_features_admit_handler",
    "uncore_partial_round_up": "test_uncore_partial_round_up",
    "device_hints_device_numa_nodes_only": "test_device_hints_device_numa_nodes_only",
    "mm_skip_zero_exclusive_memory_containers": "test_mm_skip_zero_exclusive_memory_containers",
    "feature_gate_dependencies": "test_feature_gate_dependencies",
    "ippr_requests_from_status_allocated_resources": "test_switches_podfit_does_not_model_yet",
    "plr_hugepage_limits_from_pod_spec": "test_switches_podfit_does_not_model_yet",
    "memory_qos_reservation_policy": "test_switches_podfit_does_not_model_yet",
    "resize_infeasible_per_resource": "test_switches_podfit_does_not_model_yet",
    "api_pod_level_limits_defaulting": "test_api_pod_level_limits_defaulting",
    "kubelet_config_fields_absent": "test_kubelet_config_fields_absent",
    "memory_throttling_factor_needs_gate": "test_memory_throttling_factor_needs_gate",
}


def test_every_switch_is_pinned_by_a_test() -> None:
    fields = {f.name for f in dataclasses.fields(BehaviourSwitches)}
    assert fields == set(PINNED_BY)
    for name in set(PINNED_BY.values()):
        assert callable(globals()[name])


# ----- B1: pods with spec.resources in the static CPU and Memory managers ----------------------

SKIP = {
    "1.33": PLR_SKIP_NEVER,
    "1.34": PLR_SKIP_WHEN_GATE_ENABLED,
    "1.35": PLR_SKIP_WHEN_GATE_ENABLED,
    "1.36": PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS,
    "1.37": PLR_SKIP_UNLESS_POD_LEVEL_MANAGERS,
}
# (PodLevelResources gate) -> whether the CPU manager hints the pod's container, per release
HINTED = {
    "1.33": {True: True, False: True},
    "1.34": {True: False, False: True},
    "1.35": {True: False, False: True},
    "1.36": {True: False, False: False},  # PR #134768: skipped whenever the pod-level managers are off
    "1.37": {True: False, False: False},
}


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("plr", [True, False])
def test_plr_pod_skip_in_static_managers(release: str, plr: bool) -> None:
    """kubernetes PR #133279 (1.34), widened by PR #134768 (1.36); oracle: plr-allgu."""
    assert _profile(release).switches.plr_pod_skip_in_static_managers == SKIP[release]
    gates = _gates(release, PodLevelResources=plr)
    policy = new_static_policy(_machine(), 0, 0, parse_cpu_manager_options({}, gates), gates)
    assert isinstance(policy, StaticPolicy)
    from podfit.cpu.state import CPUState

    st = CPUState(_machine().all_cpus, {})
    pod = _plr_pod()
    hints = policy.get_topology_hints(st, pod, pod.containers[0])
    assert (hints is not None) is HINTED[release][plr]
    assert policy.allocate(st, pod, pod.containers[0]) is None
    assert (st.get_cpu_set(pod.uid, "app") is not None) is HINTED[release][plr]


# ----- B2: the pod-features admit handler -----------------------------------------------------


@pytest.mark.parametrize("release", RELEASES)
def test_pod_features_admit_handler(release: str) -> None:
    """kubernetes PR #133046 (1.34): lifecycle/features_linux.go isPodLevelResourcesSupported."""
    profile = _profile(release)
    on = release != "1.33"
    assert profile.switches.pod_features_admit_handler is on
    config = scenario_from_dict(
        {
            "node": {"machine": {"sockets": 1, "coresPerNUMANode": 4, "threadsPerCore": 1}},
            "kubeletConfig": KC,
        },
        release,
    ).kubelet_config
    config = dataclasses.replace(config, feature_gates=_gates(release, PodLevelResources=False))
    node = start_node(_machine(1), config)
    assert not isinstance(node, type(None)) and hasattr(node, "admit")
    result = node.admit(_plr_pod())  # type: ignore[union-attr]
    if on:
        assert (result.admitted, result.reason, result.message) == (
            False,
            "PodLevelResourcesNotSupported",
            "PodLevelResources feature gate is disabled",
        )
    else:
        assert result.admitted


# ----- B7: uncore-cache partial take ---------------------------------------------------------


@pytest.mark.parametrize("release", RELEASES)
def test_uncore_partial_round_up(release: str) -> None:
    """kubernetes PR #131850 (1.34): an odd request fits inside one SMT uncore cache. 1 NUMA node,
    2 uncore caches of 2 cores x 2 threads, CPU 0 (and its sibling) reserved: 3 CPUs."""
    from podfit.cpu.accumulator import TopologyIndex
    from podfit.cpu.assignment import take_numa_packed

    cpus = tuple(
        CPUInfo(cpu=t * 4 + c, core=c, socket=0, numa=0, uncore=c // 2) for t in range(2) for c in range(4)
    )
    machine = Machine(cpus=cpus, numa_nodes=(NUMANode(id=0, memory=GI),))
    round_up = _profile(release).switches.uncore_partial_round_up
    assert round_up is (release != "1.33")
    available = machine.all_cpus & ~(1 << 0 | 1 << 4)  # core 0 held
    got = take_numa_packed(TopologyIndex.of(machine), available, 3, "packed", True, None, round_up)
    uncores = {cpus[c].uncore for c in range(8) if got >> c & 1}
    # 1.34+: two CPUs of core 2 + one of core 3 (cache 1); 1.33: the floor leaves it one short of a
    # whole core, so the cross-cache path takes core 1 (cache 0) and a CPU of cache 1
    assert uncores == ({1} if round_up else {0, 1})


# ----- B8: device hints ------------------------------------------------------------------------


@pytest.mark.parametrize("release", RELEASES)
def test_device_hints_device_numa_nodes_only(release: str) -> None:
    """kubernetes PR #138244 (1.36): a GPU on NUMA 1 only is hinted {1} alone; before, also {0,1}."""
    doc = {
        "node": {
            "machine": {
                "sockets": 2,
                "coresPerNUMANode": 2,
                "threadsPerCore": 1,
                "devices": [{"resource": "example.com/gpu", "numaNode": 1, "count": 1}],
            },
            "kubeletVersion": release,
        },
        "kubeletConfig": {**KC, "topologyManagerPolicy": "best-effort"},
        "pods": [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "c", "resources": {"limits": {"example.com/gpu": "1"}}}]},
            }
        ],
    }
    scenario = scenario_from_dict(doc)
    node = start_node(scenario.machine, scenario.kubelet_config)
    pod = scenario.events[0].pod  # type: ignore[union-attr]
    hints = node.managers.devices.get_topology_hints(pod, pod.containers[0])  # type: ignore[union-attr]
    masks = [h.numa_affinity for h in hints["example.com/gpu"] or []]
    only = _profile(release).switches.device_hints_device_numa_nodes_only
    assert only is (release in ("1.36", "1.37"))
    assert masks == ([0b10] if only else [0b10, 0b11])


# ----- B5: the memory manager and containers without exclusive memory -------------------------


def _b5_scenario(release: str, policy: str) -> dict[str, Any]:
    gates = {"PodLevelResources": True}
    if release in ("1.36", "1.37"):
        gates["PodLevelResourceManagers"] = True
    return {
        "node": {
            "machine": {
                "sockets": 2,
                "coresPerNUMANode": 8,
                "threadsPerCore": 2,
                "memoryPerNUMANode": "64Gi",
            },
            "kubeletVersion": release,
        },
        "kubeletConfig": {
            **KC,
            "featureGates": gates,
            "cpuManagerPolicy": "static",
            "reservedSystemCPUs": "0",
            "memoryManagerPolicy": "Static",
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
            "kubeReserved": {"memory": "1Gi"},
            "topologyManagerPolicy": policy,
            "topologyManagerScope": "container",
        },
        "pods": [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "plr", "uid": "plr"},
                "spec": {
                    "resources": {
                        "requests": {"cpu": "4", "memory": "4Gi"},
                        "limits": {"cpu": "4", "memory": "4Gi"},
                    },
                    "containers": [
                        {
                            "name": "app",
                            "resources": {
                                "requests": {"cpu": "2", "memory": "2Gi"},
                                "limits": {"cpu": "2", "memory": "2Gi"},
                            },
                        },
                        {"name": "helper"},
                    ],
                },
            }
        ],
    }


B5_REJECTIONS = {
    "single-numa-node": "Allocate failed due to [memorymanager] failed to get the default NUMA affinity, no "
    "NUMA nodes with enough memory is available, which is unexpected",
    "best-effort": "Allocate failed due to [memorymanager] preferred hint violates NUMA node allocation, "
    "which is unexpected",
}


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("policy", ["single-numa-node", "best-effort"])
def test_mm_skip_zero_exclusive_memory_containers(release: str, policy: str) -> None:
    """kubernetes PR #138770 (1.37). v1.36.2 rejects the pod (oracle plr-pod, container scope,
    PodLevelResourceManagers on); 1.37 admits it. 1.34 and 1.35 leave the pod to the shared pool
    (PR #133279); 1.33 has neither check and runs Allocate for ``helper`` with an empty request, as
    v1.36.2 does (the same rejection; derived from the v1.33.5 code, no 1.33 oracle)."""
    skip = _profile(release).switches.mm_skip_zero_exclusive_memory_containers
    assert skip is (release == "1.37")
    (step,) = simulate(scenario_from_dict(_b5_scenario(release, policy))).steps
    if release in ("1.33", "1.36"):
        assert (step.admitted, step.reason, step.message) == (
            False,
            "UnexpectedAdmissionError",
            B5_REJECTIONS[policy],
        )
    else:
        assert step.admitted, step.message


# ----- B19: feature-gate dependencies ----------------------------------------------------------


@pytest.mark.parametrize("release", RELEASES)
def test_feature_gate_dependencies(release: str) -> None:
    """component-base AddDependencies (1.35): a gate on whose dependency is off refuses to start."""
    profile = _profile(release)
    on = release not in ("1.33", "1.34")
    assert profile.switches.feature_gate_dependencies is on
    assert profile.gates.dependencies is on
    table = profile.gates
    fake = GateSpec("Dependant", True, BETA, depends_on=("PodLevelResources",))
    probe = dataclasses.replace(table, specs=MappingProxyType({**table.specs, fake.name: fake}))
    errors = dependency_errors(probe, {"PodLevelResources": False})
    assert (
        "Dependant is enabled, but depends on features that are disabled: [PodLevelResources]" in errors
    ) is on


# ----- API server: pod-level limits defaulting --------------------------------------------------


@pytest.mark.parametrize("release", RELEASES)
def test_api_pod_level_limits_defaulting(release: str) -> None:
    """kubernetes PR #140514 (1.37): unset pod-level limits default to the containers' limits."""
    on = _profile(release).switches.api_pod_level_limits_defaulting
    assert on is (release == "1.37")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "resources": {"requests": {"cpu": "2", "memory": "1Gi"}},
            "containers": [{"name": "c", "resources": {"limits": {"cpu": "2", "memory": "1Gi"}}}],
        },
    }
    gates = {"PodLevelResources": True}
    doc = {
        "node": {
            "machine": {"sockets": 1, "coresPerNUMANode": 4, "threadsPerCore": 1},
            "kubeletVersion": release,
        },
        "kubeletConfig": {**KC, "featureGates": gates},
        "pods": [pod],
    }
    decoded = scenario_from_dict(doc).events[0].pod  # type: ignore[union-attr]
    assert decoded.resources is not None
    assert bool(decoded.resources.limits) is on


# ----- switches podfit reads nowhere yet (their behaviour is not modelled) -----------------------

NOT_MODELLED = {
    # (1.33, 1.34, 1.35, 1.36, 1.37)
    "ippr_requests_from_status_allocated_resources": (True, True, False, False, False),
    "plr_hugepage_limits_from_pod_spec": (False, True, True, True, True),
    "memory_qos_reservation_policy": (False, False, False, True, True),
    "resize_infeasible_per_resource": (False, True, True, True, True),
}


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("switch", sorted(NOT_MODELLED))
def test_switches_podfit_does_not_model_yet(release: str, switch: str) -> None:
    """Their values, for the code that will read them (Memory QoS, resize, hugepage cgroups)."""
    value = getattr(_profile(release).switches, switch)
    assert value is NOT_MODELLED[switch][RELEASES.index(release)]


# ----- KubeletConfiguration fields and the Memory QoS factor (tests/cgroups/test_memory_qos_config.py) --


@pytest.mark.parametrize("release", RELEASES)
def test_kubelet_config_fields_absent(release: str) -> None:
    """1.36 added memoryReservationPolicy and tlsCurvePreferences to the v1beta1 type: an older
    kubelet decodes them leniently (dropped, with a warning)."""
    absent = dict(_profile(release).switches.kubelet_config_fields_absent)
    older = release in ("1.33", "1.34", "1.35")
    assert absent == ({"memoryReservationPolicy": "1.36", "tlsCurvePreferences": "1.36"} if older else {})
    found: list[Diagnostic] = []
    doc = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
    doc["memoryReservationPolicy"] = "None"
    kubelet_config_from_dict(doc, _profile(release), strict=False, warnings=found)
    assert bool(found) is older


@pytest.mark.parametrize("release", RELEASES)
def test_memory_throttling_factor_needs_gate(release: str) -> None:
    """1.37 (PR #140007): a factor other than 0.9 with MemoryQoS off is refused."""
    assert _profile(release).switches.memory_throttling_factor_needs_gate is (release == "1.37")
    doc = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
    doc.update({"featureGates": {"MemoryQoS": False}, "memoryThrottlingFactor": 0.5})
    refused = validate_kubelet_config(kubelet_config_from_dict(doc, _profile(release))) is not None
    assert refused is (release == "1.37")
