"""Machine-dependent start-up refusals of the kubelet (reserved CPUs, the three managers)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.model._kubelet_machines import GI, make_machine

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.kubelet.allocatable import node_allocatable_reservation
from podfit.kubelet.startup import kubelet_refusal, startup_refusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.quantity import Quantity, format_quantity, parse_quantity


def num_reserved_cpus(cfg: KubeletConfig, machine: Machine) -> int | None:
    """ceil(reserved cpu millicores / 1000), as the CPU manager counts them."""
    milli = node_allocatable_reservation(cfg, machine)[0].get("cpu")
    return None if milli is None else -(-milli // 1000)


BASE = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
TWO_NUMA = make_machine(1, 2, 4, 2)  # 16 CPUs, NUMA 0 and 1, 8Gi each
NINE_NUMA = make_machine(9, 1, 1, 1)
STATIC_OK = {
    "cpuManagerPolicy": "static",
    "kubeReserved": {"cpu": "1", "memory": "1Gi"},
    "memoryManagerPolicy": "Static",
    "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
    "topologyManagerPolicy": "single-numa-node",
}


def refusal(machine: Machine = TWO_NUMA, **fields: Any):
    return startup_refusal(kubelet_config_from_dict({**BASE, **fields}), machine)


def test_a_consistent_configuration_starts() -> None:
    assert refusal(**STATIC_OK) is None
    assert refusal() is None


CASES = [
    pytest.param(
        {"reservedSystemCPUs": "14-17", "cpuManagerPolicy": "static"},
        TWO_NUMA,
        "KubeletConfigInvalid",
        "reserved-cpus: 14-17 is not a subset of online-cpus: 0-15",
        id="reservedSystemCPUs not on the machine",
    ),
    pytest.param(
        {"topologyManagerPolicy": "best-effort"},
        NINE_NUMA,
        "TopologyManagerError",
        "unsupported on machines with more than 8 NUMA Nodes",
        id="more NUMA nodes than max-allowable",
    ),
    pytest.param(
        {"topologyManagerPolicy": "restricted", "topologyManagerPolicyOptions": {"no-such-option": "true"}},
        TWO_NUMA,
        "TopologyManagerError",
        'unknown Topology Manager Policy option: "no-such-option"',
        id="unknown topology manager option",
    ),
    pytest.param(
        {"topologyManagerPolicyOptions": {"max-allowable-numa-nodes": "4"}},
        TWO_NUMA,
        "TopologyManagerError",
        'the minimum value of "max-allowable-numa-nodes" should not be less than 8',
        id="max-allowable-numa-nodes below 8",
    ),
    pytest.param(
        {"cpuManagerPolicy": "static"},
        TWO_NUMA,
        "CPUManagerError",
        "[cpumanager] unable to determine reserved CPU resources for static policy",
        id="static without CPU reservation",
    ),
    pytest.param(
        {"cpuManagerPolicy": "static", "systemReserved": {"cpu": "17"}},
        TWO_NUMA,
        "CPUManagerError",
        "new static policy error: [cpumanager] unable to reserve the required amount of CPUs "
        "(size of  did not equal 17)",
        id="more reserved CPUs than the machine has",
    ),
    pytest.param(
        {"cpuManagerPolicyOptions": {"full-pcpus-only": "true"}},
        TWO_NUMA,
        "CPUManagerError",
        "new none policy error: None policy: received unsupported options=map[full-pcpus-only:true]",
        id="options with the none policy",
    ),
    pytest.param(
        {
            "cpuManagerPolicy": "static",
            "kubeReserved": {"cpu": "1"},
            "cpuManagerPolicyOptions": {"align-by-socket": "true"},
        },
        TWO_NUMA,
        "CPUManagerError",
        "new static policy error: CPU Manager Policy Alpha-level Options not enabled, but option "
        '"align-by-socket" provided',
        id="alpha option without its gate",
    ),
    pytest.param(
        {
            "cpuManagerPolicy": "static",
            "kubeReserved": {"cpu": "1"},
            "cpuManagerPolicyOptions": {"full-pcpus-only": "yes"},
        },
        TWO_NUMA,
        "CPUManagerError",
        'new static policy error: bad value for option "full-pcpus-only": '
        'strconv.ParseBool: parsing "yes": invalid syntax',
        id="bad boolean option value",
    ),
    pytest.param(
        {
            "cpuManagerPolicy": "static",
            "kubeReserved": {"cpu": "1"},
            "cpuManagerPolicyOptions": {
                "prefer-align-cpus-by-uncorecache": "true",
                "distribute-cpus-across-numa": "true",
            },
        },
        TWO_NUMA,
        "CPUManagerError",
        "new static policy error: static policy options prefer-align-cpus-by-uncorecache and "
        "distribute-cpus-across-numa can not be used at the same time",
        id="incompatible options",
    ),
    pytest.param(
        {**STATIC_OK, "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1Gi"}}]},
        TWO_NUMA,
        "MemoryManagerError",
        'the total amount "1Gi" of type "memory" is not equal to the value "1124Mi" determined by Node '
        "Allocatable feature",
        id="reservedMemory misses the default hard eviction",
    ),
    pytest.param(
        {**STATIC_OK, "reservedMemory": [{"numaNode": 2, "limits": {"memory": "1124Mi"}}]},
        TWO_NUMA,
        "MemoryManagerError",
        "the reserved memory configuration references a NUMA node 2 that does not exist on this machine",
        id="reservedMemory on a missing NUMA node",
    ),
    pytest.param(
        {
            **STATIC_OK,
            "kubeReserved": {"cpu": "1"},
            "evictionHard": {"nodefs.available": "10%"},
            "reservedMemory": [],
        },
        TWO_NUMA,
        "MemoryManagerError",
        "[memorymanager] you should specify the system reserved memory",
        id="Static memory policy without any reserved memory",
    ),
    pytest.param(
        {"memoryManagerPolicy": "BestEffort"},
        TWO_NUMA,
        "MemoryManagerError",
        'policy "BestEffort" is not available for platform "linux"',
        id="BestEffort on Linux",
    ),
    pytest.param(
        {"memoryManagerPolicy": "static"},
        TWO_NUMA,
        "MemoryManagerError",
        'unknown policy: "static"',
        id="memory policy name is case sensitive",
    ),
]


@pytest.mark.parametrize(("fields", "machine", "reason", "message"), CASES)
def test_startup_refusals(fields: dict[str, Any], machine: Machine, reason: str, message: str) -> None:
    got = refusal(machine, **fields)
    assert got is not None
    assert (got.reason, got.message) == (reason, message)


def test_max_allowable_numa_nodes_lifts_the_limit() -> None:
    fields = {
        "topologyManagerPolicy": "best-effort",
        "topologyManagerPolicyOptions": {"max-allowable-numa-nodes": "9"},
    }
    assert refusal(NINE_NUMA, **fields) is None
    assert refusal(NINE_NUMA, topologyManagerPolicy="none") is None


def test_reserved_system_cpus_replace_the_cpu_reservation() -> None:
    cfg = kubelet_config_from_dict(
        {**BASE, "cpuManagerPolicy": "static", "reservedSystemCPUs": "0,8", "kubeReserved": {"cpu": "3"}}
    )
    assert num_reserved_cpus(cfg, TWO_NUMA) == 2
    assert startup_refusal(cfg, TWO_NUMA) is None


def test_fractional_reservation_rounds_up() -> None:
    cfg = kubelet_config_from_dict(
        {**BASE, "kubeReserved": {"cpu": "500m"}, "systemReserved": {"cpu": "600m"}}
    )
    assert num_reserved_cpus(cfg, TWO_NUMA) == 2


def test_percentage_eviction_counts_in_the_reservation() -> None:
    cfg = kubelet_config_from_dict({**BASE, "evictionHard": {"memory.available": "10%"}})
    values, formats = node_allocatable_reservation(cfg, TWO_NUMA)
    assert values["memory"] == int(16 * GI * 0.10000000149011612)
    assert formats["memory"] == "BinarySI"
    assert "cpu" not in values


def test_validation_comes_before_startup_checks() -> None:
    cfg = kubelet_config_from_dict({**BASE, "topologyManagerPolicy": "foo", "cpuManagerPolicy": "static"})
    got = kubelet_refusal(cfg, TWO_NUMA)
    assert got is not None and got.reason == "KubeletConfigInvalid"


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (0, "BinarySI", "0"),
        (1023, "BinarySI", "1023"),
        (1024, "BinarySI", "1Ki"),
        (1178599424, "BinarySI", "1124Mi"),
        (12, "DecimalSI", "12"),
        (1500, "DecimalSI", "1500"),
        (2 * 10**9, "DecimalSI", "2G"),
        (3000, "DecimalExponent", "3e3"),
    ],
)
def test_format_quantity(value: int, fmt: str, text: str) -> None:
    assert format_quantity(value, fmt) == text


@given(
    st.integers(min_value=0, max_value=2**62), st.sampled_from(["BinarySI", "DecimalSI", "DecimalExponent"])
)
def test_format_quantity_agrees_with_quantity_string(value: int, fmt: str) -> None:
    text = format_quantity(value, fmt)
    assert parse_quantity(text).value() == value
    assert str(Quantity(value, 0, fmt)) == text
