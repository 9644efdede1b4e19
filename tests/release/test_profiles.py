"""Release profiles: gate defaults and locks, start-up refusals, option maturity, words and metric
names, per release (evidence: docs/versions.md)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.api.scenario import scenario_from_dict
from podfit.cpu.policy_options import parse_cpu_manager_options
from podfit.errors import PolicyOptionError
from podfit.kubelet.metrics import new_node_metrics
from podfit.kubelet.simulation import simulate
from podfit.kubelet.startup import kubelet_refusal
from podfit.model.features import FeatureGates
from podfit.model.machine import CPUInfo, Machine, NUMANode
from podfit.release import SUPPORTED_RELEASES, release_profile
from podfit.report.json_result import result_to_json
from podfit.topology.policy_options import parse_topology_manager_options

KC = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
R = SUPPORTED_RELEASES  # 1.33 .. 1.37


def _profile(release: str) -> Any:
    profile = release_profile(release)
    assert profile is not None
    return profile


def _gates(release: str, **overrides: bool) -> FeatureGates:
    return FeatureGates(MappingProxyType(overrides), _profile(release))


# gate -> per release (1.33 .. 1.37): (default, stage, locked) or None (not registered)
GATES = {
    "PodLevelResources": [
        (False, "ALPHA", False),
        (True, "BETA", False),
        (True, "BETA", False),
        (True, "BETA", False),
        (True, "BETA", False),
    ],
    "PodLevelResourceManagers": [None, None, None, (False, "ALPHA", False), (False, "BETA", False)],
    "InPlacePodLevelResourcesVerticalScaling": [
        None,
        None,
        (False, "ALPHA", False),
        (True, "BETA", False),
        (True, "BETA", False),
    ],
    "CPUManagerPolicyAlphaOptions": [(False, "ALPHA", False)] * 5,
    "CPUManagerPolicyBetaOptions": [(True, "BETA", False)] * 5,
    "CPUManagerPolicyOptions": [(True, "GA", True)] * 5,
    "TopologyManagerPolicyAlphaOptions": [(False, "ALPHA", False)] * 5,
    "TopologyManagerPolicyBetaOptions": [(True, "BETA", False)] * 5,
    "TopologyManagerPolicyOptions": [(True, "GA", False)] * 3 + [(True, "GA", True)] * 2,
    "MemoryQoS": [(False, "ALPHA", False)] * 4 + [(True, "BETA", False)],
    "MemoryManager": [(True, "GA", True)] * 3 + [None, None],
    "DisableCPUQuotaWithExclusiveCPUs": [(True, "BETA", False)] * 3
    + [(True, "DEPRECATED", False), (True, "DEPRECATED", True)],
    "CustomCPUCFSQuotaPeriod": [(False, "ALPHA", False)] * 3 + [(True, "GA", False)] * 2,
    "InPlacePodVerticalScaling": [(True, "BETA", False)] * 2 + [(True, "GA", True)] * 3,
    "NodeDeclaredFeatures": [None, None, (False, "ALPHA", False), (True, "BETA", False), (True, "GA", True)],
    "KubeletPSI": [(False, "ALPHA", False), (True, "BETA", False), (True, "BETA", False)]
    + [(True, "GA", True)] * 2,
}


@pytest.mark.parametrize("gate", sorted(GATES))
@pytest.mark.parametrize("release", R)
def test_gate_specs(gate: str, release: str) -> None:
    spec = _profile(release).gates.spec(gate)
    want = GATES[gate][R.index(release)]
    got = None if spec is None else (spec.default, spec.stage, spec.locked)
    assert got == want


@pytest.mark.parametrize("release", R)
def test_gate_counts_and_no_openshift_gates(release: str) -> None:
    specs = _profile(release).gates.specs
    counts = {"1.33": 191, "1.34": 208, "1.35": 218, "1.36": 242, "1.37": 228}
    assert len(specs) == counts[release]
    assert not {"RouteExternalCertificate", "MinimumKubeletVersion", "StoragePerformantSecurityPolicy"} & set(
        specs
    )


def _refusal(release: str, gates: dict[str, bool]) -> str | None:
    cfg = kubelet_config_from_dict({**KC, "featureGates": gates}, _profile(release))
    refusal = validate_kubelet_config(cfg)
    return None if refusal is None else refusal.message


# (gates, release) -> the kubelet's start-up error (None: it starts)
STARTUP = [
    # a gate the release does not know, set to false: what its absence means (gate_errors)
    ({"PodLevelResourceManagers": False}, "1.35", None),
    ({"PodLevelResourceManagers": True}, "1.35", "unrecognized feature gate: PodLevelResourceManagers"),
    ({"PodLevelResourceManagers": False}, "1.36", None),
    ({"MemoryManager": True}, "1.35", None),
    ({"MemoryManager": True}, "1.36", "unrecognized feature gate: MemoryManager"),
    (
        {"InPlacePodVerticalScaling": False},
        "1.34",
        None,
    ),
    (
        {"InPlacePodVerticalScaling": False},
        "1.35",
        "cannot set feature gate InPlacePodVerticalScaling to false, feature is locked to true",
    ),
    (
        {"KubeletPSI": False, "InPlacePodVerticalScaling": False},
        "1.36",
        "[cannot set feature gate InPlacePodVerticalScaling to false, feature is locked to true, "
        "cannot set feature gate KubeletPSI to false, feature is locked to true]",
    ),
    ({"PodLevelResources": False}, "1.35", None),
    (
        {"PodLevelResources": False},
        "1.36",
        "InPlacePodLevelResourcesVerticalScaling is enabled, but depends on features that are disabled: "
        "[PodLevelResources]",
    ),
    ({"PodLevelResources": False, "InPlacePodLevelResourcesVerticalScaling": False}, "1.36", None),
    (
        {
            "PodLevelResources": False,
            "InPlacePodLevelResourcesVerticalScaling": False,
            "PodLevelResourceManagers": True,
        },
        "1.36",
        "PodLevelResourceManagers is enabled, but depends on features that are disabled: [PodLevelResources]",
    ),
    (
        {"InPlacePodLevelResourcesVerticalScaling": True},
        "1.35",
        "InPlacePodLevelResourcesVerticalScaling is enabled, but depends on features that are disabled: "
        "[NodeDeclaredFeatures]",
    ),
    ({"DisableCPUQuotaWithExclusiveCPUs": False}, "1.36", None),
    (
        {"DisableCPUQuotaWithExclusiveCPUs": False},
        "1.37",
        "cannot set feature gate DisableCPUQuotaWithExclusiveCPUs to false, feature is locked to true",
    ),
]


@pytest.mark.parametrize(("gates", "release", "error"), STARTUP)
def test_start_up_refusals_from_feature_gates(
    gates: dict[str, bool], release: str, error: str | None
) -> None:
    """Upstream SetFromMap (not the OpenShift carry that only warns about an unknown gate); the
    1.35/1.36 texts were checked against the real gate objects (gates-*.json crossCheck probes)."""
    assert _refusal(release, gates) == error


@pytest.mark.parametrize("release", R)
def test_custom_cfs_quota_period(release: str) -> None:
    """CustomCPUCFSQuotaPeriod: alpha/off to 1.35, GA/on (unlocked) from 1.36."""
    cfg = kubelet_config_from_dict({**KC, "cpuCFSQuotaPeriod": "50ms"}, _profile(release))
    refused = validate_kubelet_config(cfg) is not None
    assert refused is (release in ("1.33", "1.34", "1.35"))


# ----- option maturity -------------------------------------------------------------------------

# option -> maturity per release 1.33 .. 1.37
CPU_OPTIONS = {
    "full-pcpus-only": ["GA"] * 5,
    "distribute-cpus-across-numa": ["beta"] * 5,
    "align-by-socket": ["alpha"] * 5,
    "distribute-cpus-across-cores": ["alpha"] * 5,
    "strict-cpu-reservation": ["beta", "beta", "GA", "GA", "GA"],  # PR #134388
    "prefer-align-cpus-by-uncorecache": ["alpha", "beta", "beta", "GA", "GA"],  # PR #137055 (GA)
}
TM_OPTIONS = {
    "prefer-closest-numa-nodes": ["GA"] * 5,
    "max-allowable-numa-nodes": ["beta", "beta", "GA", "GA", "GA"],  # PR #134614
}
GATE_OF = {"alpha": "CPUManagerPolicyAlphaOptions", "beta": "CPUManagerPolicyBetaOptions"}


@pytest.mark.parametrize("option", sorted(CPU_OPTIONS))
@pytest.mark.parametrize("release", R)
def test_cpu_option_maturity(option: str, release: str) -> None:
    maturity = CPU_OPTIONS[option][R.index(release)]
    assert _profile(release).options.cpu.maturity(option) == maturity
    # an option of a maturity whose gate is off is the kubelet's refusal, in that release
    for level, gate in GATE_OF.items():
        other = GATE_OF["beta" if level == "alpha" else "alpha"]
        gates = _gates(release, **{gate: False, other: True})
        if maturity == level:
            with pytest.raises(PolicyOptionError) as info:
                parse_cpu_manager_options({option: "true"}, gates)
            assert str(info.value) == (
                f"CPU Manager Policy {level.capitalize()}-level Options not enabled, "
                f'but option "{option}" provided'
            )
        else:
            parse_cpu_manager_options({option: "true"}, gates)


@pytest.mark.parametrize("option", sorted(TM_OPTIONS))
@pytest.mark.parametrize("release", R)
def test_topology_option_maturity(option: str, release: str) -> None:
    maturity = TM_OPTIONS[option][R.index(release)]
    assert _profile(release).options.topology.maturity(option) == maturity
    value = "8" if option == "max-allowable-numa-nodes" else "true"
    gates = _gates(release, TopologyManagerPolicyBetaOptions=False)
    if maturity == "beta":
        with pytest.raises(PolicyOptionError) as info:
            parse_topology_manager_options({option: value}, gates)
        assert str(info.value) == (
            f'topology manager policy beta-level options not enabled, but option "{option}" provided'
        )
    else:
        parse_topology_manager_options({option: value}, gates)


def _machine() -> Machine:
    cpus = tuple(CPUInfo(cpu=c, core=c, socket=0, numa=0) for c in range(4))
    return Machine(cpus=cpus, numa_nodes=(NUMANode(id=0, memory=1 << 30),))


@pytest.mark.parametrize("release", R)
def test_topology_manager_policy_options_gate(release: str) -> None:
    """TopologyManagerPolicyOptions is GA but unlocked to 1.35: switched off with options set, the
    kubelet refuses (cmd/kubelet/app/server.go run); from 1.36 it is locked (a gate error)."""
    doc = {
        **KC,
        "featureGates": {"TopologyManagerPolicyOptions": False},
        "topologyManagerPolicy": "best-effort",
        "topologyManagerPolicyOptions": {"prefer-closest-numa-nodes": "true"},
    }
    refusal = kubelet_refusal(kubelet_config_from_dict(doc, _profile(release)), _machine())
    assert refusal is not None
    if release in ("1.33", "1.34", "1.35"):
        assert refusal.message == (
            "topology manager policy options map[prefer-closest-numa-nodes:true] require feature gates "
            '"TopologyManagerPolicyOptions" enabled'
        )
    else:
        assert refusal.message == (
            "cannot set feature gate TopologyManagerPolicyOptions to false, feature is locked to true"
        )


# ----- words -------------------------------------------------------------------------------------


@pytest.mark.parametrize("release", R)
def test_container_scope_words_for_pod_level_pods(release: str) -> None:
    """scope_container.go (PR #134768, 1.36): a pod-level pod whose container merge fails."""
    words = _profile(release).messages.pod_level_container_scope_admission_failure
    if release in ("1.33", "1.34", "1.35"):
        assert words == ""  # no pod-level resource managers
        return
    gates = {"PodLevelResources": True, "PodLevelResourceManagers": True}
    doc = {
        "node": {
            "machine": {"sockets": 2, "coresPerNUMANode": 2, "threadsPerCore": 1},
            "kubeletVersion": release,
        },
        "kubeletConfig": {
            **KC,
            "featureGates": gates,
            "cpuManagerPolicy": "static",
            "reservedSystemCPUs": "0",
            "topologyManagerPolicy": "single-numa-node",
        },
        "pods": [
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {
                    "resources": {
                        "requests": {"cpu": "4", "memory": "1Gi"},
                        "limits": {"cpu": "4", "memory": "1Gi"},
                    },
                    "containers": [
                        {
                            "name": "c",
                            "resources": {
                                "requests": {"cpu": "3", "memory": "1Gi"},
                                "limits": {"cpu": "3", "memory": "1Gi"},
                            },
                        }
                    ],
                },
            }
        ],
    }
    (step,) = simulate(scenario_from_dict(doc)).steps
    assert (step.admitted, step.reason) == (False, "TopologyAffinityError")
    assert step.message == f"Pod Scope {words}"
    assert words == "pod with pod-level resources failed admission with a container-level topology manager"


@pytest.mark.parametrize("release", R)
def test_resize_words(release: str) -> None:
    """canResizePod: the messages changed with PR #132473 (1.34)."""
    words = _profile(release).messages
    if release == "1.33":
        assert words.resize_infeasible_cpu_manager.endswith("alongside CPU Manager static policy")
    else:
        assert words.resize_infeasible_cpu_manager.endswith('alongside CPU Manager policy "static"')
        assert words.resize_infeasible_memory_manager.endswith('alongside Memory Manager policy "Static"')


# ----- metrics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("release", R)
def test_resource_manager_metric_names(release: str) -> None:
    """metrics.go: resource_manager_* (1.36, ALPHA, only with PodLevelResourceManagers on);
    kubelet_resource_manager_* BETA in 1.37 (PR #138770)."""
    families = {
        f.desc.name: f.desc for f in new_node_metrics(True, _profile(release).metrics).snapshot().families
    }
    names = {n for n in families if "resource_manager_" in n}
    want = {
        "1.36": {
            "resource_manager_allocations_total",
            "resource_manager_allocation_errors_total",
            "resource_manager_container_assignments",
        },
        "1.37": {
            "kubelet_resource_manager_allocations_total",
            "kubelet_resource_manager_allocation_errors_total",
            "kubelet_resource_manager_container_assignments",
        },
    }.get(release, set())
    assert names == want
    for name in names:
        assert families[name].stability == ("BETA" if release == "1.37" else "ALPHA")
    assert "kubelet_cpu_manager_pinning_requests_total" in families


@pytest.mark.parametrize("release", R)
def test_json_result_names_the_release(release: str) -> None:
    doc = {
        "node": {"machine": {"sockets": 1, "coresPerNUMANode": 2, "threadsPerCore": 1}},
        "kubeletConfig": KC,
    }
    assert result_to_json(simulate(scenario_from_dict(doc, release)))["kubeletVersion"] == release


def test_gate_modules_are_generated_from_their_data() -> None:
    from tools.gen_release_gates import main

    assert main(["--check"]) == 0


@pytest.mark.parametrize("release", ["1.34", "1.35"])
def test_an_unknown_gate_set_to_false_runs_as_if_absent(release: str) -> None:
    """``PodLevelResourceManagers: false`` on a release without the gate: the same answers as
    without it, and one FeatureGateIgnored warning (docs/versions.md)."""
    from podfit.api.scenario import scenario_from_dict
    from podfit.kubelet.simulation import simulate
    from podfit.report.json_result import result_to_json

    def run(gates: dict[str, bool]) -> dict[str, object]:
        doc = {
            "kind": "Scenario",
            "node": {
                "machine": {"sockets": 2, "coresPerNUMANode": 4, "threadsPerCore": 1},
                "kubeletVersion": release,
            },
            "kubeletConfig": {
                "apiVersion": "kubelet.config.k8s.io/v1beta1",
                "kind": "KubeletConfiguration",
                "cpuManagerPolicy": "static",
                "reservedSystemCPUs": "0",
                "topologyManagerPolicy": "single-numa-node",
                "featureGates": gates,
            },
            "pods": [
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "p"},
                    "spec": {
                        "containers": [{"name": "c", "resources": {"limits": {"cpu": "2", "memory": "1Gi"}}}]
                    },
                }
            ],
        }
        return result_to_json(simulate(scenario_from_dict(doc, warnings=[])))

    plain, with_gate = run({}), run({"PodLevelResourceManagers": False})
    assert with_gate["error"] is None
    assert [w["code"] for w in with_gate.pop("warnings")] == ["FeatureGateIgnored"]  # type: ignore[union-attr]
    plain.pop("warnings")
    assert with_gate == plain
