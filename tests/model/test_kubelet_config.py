"""Decoding a KubeletConfiguration: strictness, the /configz form and v1beta1 defaults."""

from __future__ import annotations

from typing import Any

import pytest

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.kubelet_config_fields import FIELDS
from podfit.errors import InputError
from podfit.model.kubelet_config import EvictionThreshold

BASE = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}


def decode(**fields: Any):
    return kubelet_config_from_dict({**BASE, **fields})


def test_defaults() -> None:
    cfg = decode()
    assert cfg.cpu_manager_policy == "none"
    assert cfg.memory_manager_policy == "None"
    assert cfg.topology_manager_policy == "none"
    assert cfg.topology_manager_scope == "container"
    assert cfg.max_pods == 110
    assert cfg.cpu_cfs_quota is True
    assert cfg.cpu_cfs_quota_period_us == 100000
    assert cfg.cpu_manager_reconcile_period_s == 10.0
    assert cfg.enforce_node_allocatable == ("pods",)
    assert cfg.reserved_system_cpus is None
    assert cfg.eviction_hard["memory.available"] == EvictionThreshold("memory.available", quantity=100 << 20)
    assert cfg.eviction_hard["nodefs.available"].percentage == pytest.approx(0.1)
    assert cfg.feature_gates.enabled("PodLevelResources")
    assert not cfg.feature_gates.enabled("PodLevelResourceManagers")


def test_interpreted_fields() -> None:
    cfg = decode(
        cpuManagerPolicy="static",
        cpuManagerPolicyOptions={"full-pcpus-only": "true"},
        cpuManagerReconcilePeriod="1m30s",
        reservedSystemCPUs="0,8-9",
        kubeReserved={"cpu": "500m", "memory": "1Gi", "pid": "100"},
        systemReserved={"cpu": "1", "ephemeral-storage": "1G"},
        reservedMemory=[{"numaNode": 1, "limits": {"memory": "1100Mi", "hugepages-2Mi": "4Mi"}}],
        cpuCFSQuotaPeriod="50ms",
        maxPods=250,
        cpuCFSQuota=False,
    )
    assert cfg.cpu_manager_reconcile_period_s == 90.0
    assert cfg.reserved_system_cpus == 0b11_0000_0001
    assert cfg.kube_reserved == {"cpu": 500, "memory": 1 << 30, "pid": 100}
    assert cfg.system_reserved == {"cpu": 1000, "ephemeral-storage": 10**9}
    assert cfg.reserved_memory[0].numa_node == 1
    assert cfg.reserved_memory[0].limits == {"memory": 1100 << 20, "hugepages-2Mi": 4 << 20}
    assert cfg.cpu_cfs_quota_period_us == 50000
    assert cfg.max_pods == 250
    assert cfg.cpu_cfs_quota is False


def test_configz_form() -> None:
    cfg = kubelet_config_from_dict({"kubeletconfig": {"cpuManagerPolicy": "static", "maxPods": 32}})
    assert cfg.cpu_manager_policy == "static"
    assert cfg.max_pods == 32


def test_configz_errors_name_the_wrapped_field() -> None:
    with pytest.raises(InputError) as info:
        kubelet_config_from_dict({"kubeletconfig": {"maxPods": "32"}})
    assert info.value.field == "kubeletconfig.maxPods"


def test_every_v1beta1_field_is_accepted() -> None:
    assert len(FIELDS) == 125
    sample = {
        "bool": True,
        "str": "x",
        "duration": "1s",
        "int": 1,
        "int32": 1,
        "float": 0.5,
        "object": {},
        "map_str": {},
        "map_bool": {},
        "map_list": {},
        "list_str": [],
        "list_int32": [],
        "list_object": [],
    }
    safe = {k: sample[v] for k, v in FIELDS.items()}
    # fields whose value podfit interprets need a meaningful value
    safe.update(
        featureGates={},
        reservedSystemCPUs="",
        cpuManagerReconcilePeriod="10s",
        cpuCFSQuotaPeriod="100ms",
        kubeReserved={},
        systemReserved={},
        evictionHard={},
        reservedMemory=[],
        memoryThrottlingFactor=0.9,
    )
    kubelet_config_from_dict({**BASE, **safe})


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        pytest.param({**BASE, "maxPod": 5}, "maxPod", "unknown field", id="unknown field"),
        pytest.param({**BASE, "maxPods": "110"}, "maxPods", "expected an integer", id="string for int"),
        pytest.param({**BASE, "maxPods": True}, "maxPods", "expected an integer", id="bool for int"),
        pytest.param(
            {**BASE, "cpuCFSQuota": "yes"}, "cpuCFSQuota", "expected a boolean", id="string for bool"
        ),
        pytest.param(
            {**BASE, "cpuManagerPolicyOptions": {"full-pcpus-only": True}},
            "cpuManagerPolicyOptions.full-pcpus-only",
            "unexpected value",
            id="bool option value",
        ),
        pytest.param(
            {**BASE, "kubeReserved": {"memory": "1Gx"}},
            "kubeReserved.memory",
            "quantities must match the regular expression",
            id="bad quantity",
        ),
        pytest.param(
            {**BASE, "kubeReserved": {"memory": "-1Gi"}},
            "kubeReserved.memory",
            'resource quantity for "memory" cannot be negative: -1Gi',
            id="negative reservation",
        ),
        pytest.param(
            {**BASE, "systemReserved": {"hugepages-2Mi": "2Mi"}},
            "systemReserved.hugepages-2Mi",
            'cannot reserve "hugepages-2Mi" resource',
            id="unreservable resource",
        ),
        pytest.param(
            {**BASE, "reservedSystemCPUs": "0-"},
            "reservedSystemCPUs",
            "unable to parse reservedSystemCPUs (--reserved-cpus) 0-",
            id="bad cpuset",
        ),
        pytest.param(
            {**BASE, "reservedSystemCPUs": "3-1"},
            "reservedSystemCPUs",
            "unable to parse reservedSystemCPUs",
            id="reversed cpuset range",
        ),
        pytest.param(
            {**BASE, "reservedMemory": [{"numaNode": 0, "limit": {}}]},
            "reservedMemory[0].limit",
            "unknown field",
            id="reservedMemory unknown field",
        ),
        pytest.param(
            {**BASE, "reservedMemory": [{"numaNode": 0, "limits": {"memory": "x"}}]},
            "reservedMemory[0].limits.memory",
            "quantities must match",
            id="reservedMemory bad quantity",
        ),
        pytest.param(
            {**BASE, "evictionHard": {"memory.free": "1Gi"}},
            "evictionHard.memory.free",
            "unsupported eviction signal memory.free",
            id="eviction unknown signal",
        ),
        pytest.param(
            {**BASE, "evictionHard": {"memory.available": "0"}},
            "evictionHard.memory.available",
            "eviction threshold memory.available must be positive: 0",
            id="eviction zero",
        ),
        pytest.param(
            {**BASE, "evictionHard": {"memory.available": "120%"}},
            "evictionHard.memory.available",
            "eviction percentage threshold memory.available must be <= 100%: 120%",
            id="eviction > 100%",
        ),
        pytest.param(
            {**BASE, "cpuManagerReconcilePeriod": "10"},
            "cpuManagerReconcilePeriod",
            'time: invalid duration "10"',
            id="duration without unit",
        ),
        pytest.param(
            {**BASE, "featureGates": {"PodLevelResources": "true"}},
            "featureGates.PodLevelResources",
            'unexpected value string "true"',
            id="gate not bool",
        ),
        pytest.param(
            {**BASE, "apiVersion": "kubelet.config.k8s.io/v1"},
            "apiVersion",
            'no kind "KubeletConfiguration" is registered for version "kubelet.config.k8s.io/v1"',
            id="wrong apiVersion",
        ),
        pytest.param(
            {**BASE, "kind": "KubeProxyConfiguration"},
            "kind",
            'expected "KubeletConfiguration"',
            id="wrong kind",
        ),
        pytest.param(
            {"cpuManagerPolicy": "static"},
            "apiVersion",
            "Object 'apiVersion' is missing",
            id="missing apiVersion",
        ),
    ],
)
def test_decode_refuses(doc: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        kubelet_config_from_dict(doc)
    assert info.value.field == field
    assert message in info.value.message


def test_eviction_percentage_and_disabling() -> None:
    cfg = decode(evictionHard={"memory.available": "10%", "nodefs.available": "0%"})
    threshold = cfg.eviction_hard["memory.available"]
    assert threshold.quantity is None
    # float32 arithmetic, as the kubelet: int64(float64(capacity) * float64(float32(0.1)))
    assert threshold.amount(1000) == 100
    assert threshold.amount(64 << 30) == 6871947776
    assert "nodefs.available" not in cfg.eviction_hard  # 0% disables a threshold
    assert "imagefs.available" not in cfg.eviction_hard  # a set map replaces the defaults


def test_merge_default_eviction_settings() -> None:
    cfg = decode(evictionHard={"nodefs.available": "5%"}, mergeDefaultEvictionSettings=True)
    assert cfg.eviction_hard["memory.available"].quantity == 100 << 20
    assert cfg.eviction_hard["nodefs.available"].percentage == pytest.approx(0.05)
    assert "memory.available" not in decode(evictionHard={"nodefs.available": "5%"}).eviction_hard


def test_values_are_frozen() -> None:
    cfg = decode(kubeReserved={"cpu": "1"})
    with pytest.raises(TypeError):
        cfg.kube_reserved["cpu"] = 2  # type: ignore[index]
