"""One test per mapping rule (docs/fleet.md, "Mapping policy")."""

from __future__ import annotations

import dataclasses

import pytest

from podfit.fleet.kubelet_port import MI, fleet_qos_gates, kubelet_config, pod_qos
from podfit.fleet.mapping import (
    has_sidecars,
    kubelet_config_doc,
    node_machine,
    node_shape,
    row_gpus,
    trace_qos,
    written_pod,
)
from podfit.fleet.values import MappingPolicy, NodeRow, NumaZone, PodRow

P = MappingPolicy()

Q = fleet_qos_gates("1.36")


def _row(cpu: int, mem: int = 65536, gpus: int = 0, **kw: object) -> NodeRow:
    return NodeRow("n", cpu, mem, gpus, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cpu", "policy", "expected"),
    [
        # sockets by core count: two from two_socket_min_cpus logical CPUs up
        (32000, P, (2, 1, 8, 2)),
        (16000, P, (1, 1, 8, 2)),
        (96000, P, (2, 1, 24, 2)),
        # a fixed socket count and NUMA nodes per socket
        (96000, dataclasses.replace(P, sockets=2, numa_per_socket=2), (2, 2, 12, 2)),
        # cores that do not split evenly: fewer NUMA nodes per socket, then one socket
        (104000, dataclasses.replace(P, numa_per_socket=4), (2, 2, 13, 2)),
        (82000, P, (1, 1, 41, 2)),
        # SMT: an odd CPU count has one thread per core; threads_per_core=1 turns SMT off
        (9000, P, (1, 1, 9, 1)),
        (8000, dataclasses.replace(P, threads_per_core=1), (1, 1, 8, 1)),
    ],
)
def test_sockets_numa_smt(cpu: int, policy: MappingPolicy, expected: tuple[int, int, int, int]) -> None:
    s = node_shape(_row(cpu), policy)
    assert (s.sockets, s.numa_per_socket, s.cores_per_numa, s.threads_per_core) == expected
    m = node_machine(s, policy)
    assert m.num_cpus == cpu // 1000
    assert m.num_numa_nodes == expected[0] * expected[1]
    assert m.num_sockets == expected[0]


def test_memory_splits_evenly_over_numa_nodes() -> None:
    m = node_machine(node_shape(_row(32000, mem=65536), P), P)
    assert [n.memory for n in m.numa_nodes] == [32768 * MI, 32768 * MI]


@pytest.mark.parametrize(
    ("gpu_numa", "gpus", "expected"),
    [
        ("spread", 8, [(0, 4), (1, 4)]),
        ("spread", 3, [(0, 2), (1, 1)]),
        ("first", 4, [(0, 4)]),
        ("none", 2, [(None, 2)]),
    ],
)
def test_gpus_per_numa(gpu_numa: str, gpus: int, expected: list[tuple[int | None, int]]) -> None:
    policy = dataclasses.replace(P, gpu_numa=gpu_numa)
    m = node_machine(node_shape(_row(32000, gpus=gpus), policy), policy)
    assert [(d.numa, d.count) for d in m.devices] == expected
    assert all(d.resource == "nvidia.com/gpu" for d in m.devices)


def test_nrt_zones_give_one_numa_node_each() -> None:
    row = _row(0, zones=(NumaZone(8, 16384, 1), NumaZone(12, 16384, 0)))
    m = node_machine(node_shape(row, P), P)
    assert [bin(m.numa_cpus[n]).count("1") for n in (0, 1)] == [8, 12]
    assert [(d.numa, d.count) for d in m.devices] == [(0, 1)]


def test_kubelet_configuration() -> None:
    shape = node_shape(_row(32000), P)
    doc = kubelet_config_doc(shape, P, "restricted", "pod")
    assert doc["cpuManagerPolicy"] == "static"
    assert doc["reservedSystemCPUs"] == "0,16"  # core 0's two threads (Linux numbering)
    assert (doc["topologyManagerPolicy"], doc["topologyManagerScope"]) == ("restricted", "pod")
    assert doc["reservedMemory"] == [{"numaNode": 0, "limits": {"memory": "1124Mi"}}]
    assert "memoryManagerPolicy" not in kubelet_config_doc(
        shape, dataclasses.replace(P, memory_manager="None"), "none", "pod"
    )
    cfg = kubelet_config(doc, "1.36", pod_level=True)
    assert cfg.feature_gates.enabled("PodLevelResourceManagers")


def test_unknown_release_is_an_input_error() -> None:
    from podfit.errors import InputError

    with pytest.raises(InputError, match=r"unknown kubelet release '1\.99'"):
        kubelet_config(kubelet_config_doc(node_shape(_row(8000), P), P, "none", "pod"), "1.99", False)


@pytest.mark.parametrize(
    ("trace", "policy", "expected"),
    [
        ("LS", P, "Guaranteed"),
        ("LS", dataclasses.replace(P, ls_qos="Burstable"), "Burstable"),
        ("BE", P, "Burstable"),
        ("BE", dataclasses.replace(P, be_qos="BestEffort"), "BestEffort"),
        ("Burstable", P, "Burstable"),
        ("Guaranteed", P, "Guaranteed"),
    ],
)
def test_qos_from_the_trace(trace: str, policy: MappingPolicy, expected: str) -> None:
    assert trace_qos(trace, policy) == expected
    pod = written_pod(PodRow("p", 0, None, trace, 1500, 1024), policy, sidecars=False)
    assert pod_qos(pod, Q) == expected


@pytest.mark.parametrize(
    ("rounding", "milli", "expected"),
    [("up", 1500, 2000), ("down", 1500, 1000), ("down", 300, 1000), ("none", 1500, 1500)],
)
def test_guaranteed_cpu_rounding(rounding: str, milli: int, expected: int) -> None:
    policy = dataclasses.replace(P, cpu_rounding=rounding)
    pod = written_pod(PodRow("p", 0, None, "Guaranteed", milli, 1024), policy, sidecars=False)
    app = pod.containers[0].resources
    assert app.request("cpu") == app.limit("cpu") == expected
    assert app.request("memory") == app.limit("memory") == 1024 * MI


@pytest.mark.parametrize(("shared", "expected"), [("whole", 1), ("drop", 0)])
def test_shared_gpu(shared: str, expected: int) -> None:
    row = PodRow("p", 0, None, "LS", 4000, 1024, gpus=1, gpu_milli=460)
    assert row_gpus(row, dataclasses.replace(P, shared_gpu=shared)) == expected
    assert row_gpus(dataclasses.replace(row, gpu_milli=1000), dataclasses.replace(P, shared_gpu="drop")) == 1


def test_sidecar_rule_is_a_share_by_name_hash() -> None:
    names = [f"pod-{i}" for i in range(2000)]
    picked = sum(has_sidecars(n, P, seed=0) for n in names)
    assert 900 < picked < 1100  # share 0.5
    assert [has_sidecars(n, P, 0) for n in names] == [has_sidecars(n, P, 0) for n in names]
    assert [has_sidecars(n, P, 0) for n in names] != [has_sidecars(n, P, 1) for n in names]
    assert not any(has_sidecars(n, dataclasses.replace(P, sidecar_share=0.0), 0) for n in names)
    assert all(has_sidecars(n, dataclasses.replace(P, sidecar_share=1.0), 0) for n in names)


def test_sidecars_and_pod_level_budget() -> None:
    pod = written_pod(PodRow("p", 0, None, "LS", 3500, 2048), P, sidecars=True)
    assert [c.kind for c in pod.init_containers] == ["sidecar", "sidecar"]
    assert all(c.resources.request("cpu") == 100 and not c.resources.limits for c in pod.init_containers)
    assert pod.resources is not None
    # app rounded up to 4 CPUs + 2 x 100m -> 4.2 -> 5 whole CPUs; memory summed
    assert pod.resources.request("cpu") == pod.resources.limit("cpu") == 5000
    assert pod.resources.request("memory") == (2048 + 256) * MI
    assert pod_qos(pod, Q) == "Guaranteed"


def test_max_pods_and_full_pcpus_only() -> None:
    policy = dataclasses.replace(P, max_pods=7, full_pcpus_only=True)
    doc = kubelet_config_doc(node_shape(_row(16000), policy), policy, "none", "container")
    assert doc["maxPods"] == 7
    assert doc["cpuManagerPolicyOptions"] == {"full-pcpus-only": "true"}


def test_per_container_model_with_full_pcpus_only_rounds_to_whole_cores() -> None:
    from podfit.fleet.kubelet_port import model_pod, per_container_cpu_count

    pod = written_pod(PodRow("p", 0, None, "LS", 3000, 2048), P, sidecars=True)
    per_container = model_pod(pod, "per-container", "container", "single-numa-node", multiple=2, qos=Q)
    assert [c.resources.limit("cpu") for c in per_container.all_containers()] == [2000, 2000, 4000]
    assert per_container.resources is None
    assert per_container_cpu_count(pod, multiple=2, qos=Q) == 8
    assert per_container_cpu_count(pod, multiple=1, qos=Q) == 5
    pod_level = model_pod(pod, "pod-level-pod", "pod", "single-numa-node", multiple=2, qos=Q)
    assert pod_level is pod  # the written pod-level budget is kept
