"""Node-level invariants under random pod sequences (hypothesis).

- no CPU is ever owned by two containers of different pods, nor by a container and the shared pool;
- shared pool ∪ exclusive assignments (∪ reserved CPUs under strict-cpu-reservation) = every CPU;
- memory: reserved + free == allocatable on every NUMA node for every memory type;
- a rejected pod leaves the state unchanged; removing every pod restores the initial state exactly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.machines import build_machine
from podfit.api.pods import pod_from_dict
from podfit.kubelet.node import Node

POLICIES = ["none", "best-effort", "restricted", "single-numa-node"]


def _node(threads: int, cores: int, policy: str, scope: str, strict: bool, full: bool) -> Node:
    machine = build_machine(
        {
            "machine": {
                "sockets": 2,
                "numaNodesPerSocket": 1,
                "coresPerNUMANode": cores,
                "threadsPerCore": threads,
                "memoryPerNUMANode": "8Gi",
            }
        }
    )
    options = {}
    if strict:
        options["strict-cpu-reservation"] = "true"
    if full:
        options["full-pcpus-only"] = "true"
    config = kubelet_config_from_dict(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "cpuManagerPolicy": "static",
            "cpuManagerPolicyOptions": options,
            "reservedSystemCPUs": "0",
            "memoryManagerPolicy": "Static",
            "kubeReserved": {"memory": "1Gi"},
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
            "topologyManagerPolicy": policy,
            "topologyManagerScope": scope,
        }
    )
    return Node(machine, config)


def _pod(i: int, containers: list[tuple[str, int, int]], init: list[tuple[str, int, int]]) -> Any:
    def ctr(name: str, cpu: int, mem: int) -> dict[str, Any]:
        if cpu == 0:
            return {"name": name, "resources": {"requests": {"cpu": "100m", "memory": f"{mem}Mi"}}}
        q = {"cpu": str(cpu), "memory": f"{mem}Mi"}
        return {"name": name, "resources": {"requests": q, "limits": q}}

    spec: dict[str, Any] = {"containers": [ctr(f"c{j}", *c[1:]) for j, c in enumerate(containers)]}
    if init:
        spec["initContainers"] = [
            {**ctr(f"i{j}", *c[1:]), **({"restartPolicy": "Always"} if c[0] == "sidecar" else {})}
            for j, c in enumerate(init)
        ]
    return pod_from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"}, "spec": spec})


container = st.tuples(st.just("app"), st.integers(0, 5), st.sampled_from([64, 512, 1024, 3072]))
init_container = st.tuples(
    st.sampled_from(["init", "sidecar"]), st.integers(0, 3), st.sampled_from([64, 512])
)
pods = st.lists(
    st.tuples(st.lists(container, min_size=1, max_size=3), st.lists(init_container, max_size=2)),
    min_size=1,
    max_size=8,
)


def _check_invariants(node: Node) -> None:
    state = node.managers.cpu.state
    owned = 0
    by_pod: dict[str, int] = {}
    for uid, containers in state.get_cpu_assignments().items():
        for cset in containers.values():
            by_pod[uid] = by_pod.get(uid, 0) | cset
    for cset in by_pod.values():
        assert owned & cset == 0, "a CPU is owned by two pods"
        owned |= cset
    default = state.get_default_cpu_set()
    assert default & owned == 0, "a CPU is both shared and exclusive"
    covered = default | owned
    if node.config.cpu_manager_policy_options.get("strict-cpu-reservation") == "true":
        covered |= node.reserved_cpus
    assert covered == node.machine.all_cpus
    for numa in node.managers.memory.state.get_machine_state().values():
        for table in numa.memory_map.values():
            assert table.reserved + table.free == table.allocatable
            assert table.free >= 0 and table.reserved >= 0


def _memory_trace(snap: Any) -> Any:
    """What a rejected pod must leave as it found it in the memory manager: the assignments, and
    per NUMA group the reserved and free bytes of each resource. Not how they spread over the
    group's NUMA nodes: the kubelet releases a multi-NUMA block from the first node of its affinity
    on, which is not always where the charge went (memorymanager/policy_static.go releaseMemory vs
    updateMachineState), and podfit releases a rejected pod the kubelet's way."""
    groups: dict[tuple[int, ...], dict[str, tuple[int, int]]] = {}
    for _, numa in snap.machine_state:
        totals = groups.setdefault(tuple(numa.cells), {})
        for resource, table in numa.memory_map.items():
            reserved, free = totals.get(resource, (0, 0))
            totals[resource] = (reserved + table.reserved, free + table.free)
    return snap.assignments, snap.pod_blocks, groups


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    threads=st.sampled_from([1, 2]),
    cores=st.integers(2, 4),
    policy=st.sampled_from(POLICIES),
    scope=st.sampled_from(["container", "pod"]),
    strict=st.booleans(),
    full=st.booleans(),
    specs=pods,
    removals=st.lists(st.integers(0, 7), max_size=4),
)
def test_random_sequences_keep_the_invariants(
    threads: int,
    cores: int,
    policy: str,
    scope: str,
    strict: bool,
    full: bool,
    specs: list[Any],
    removals: list[int],
) -> None:
    node = _node(threads, cores, policy, scope, strict, full)
    initial = (node.managers.cpu.state.snapshot(), node.managers.memory.state.snapshot())
    for i, (ctrs, inits) in enumerate(specs):
        before = (node.managers.cpu.state.snapshot(), node.managers.memory.state.snapshot())
        result = node.admit(_pod(i, ctrs, inits))
        if not result.admitted:
            after = (node.managers.cpu.state.snapshot(), node.managers.memory.state.snapshot())
            assert after[0] == before[0], "a rejected pod changed the CPU state"
            assert _memory_trace(after[1]) == _memory_trace(before[1]), "a rejected pod changed memory"
        _check_invariants(node)
    for r in removals:
        node.remove(key=f"default/p{r}")
        _check_invariants(node)
    for pod in list(node.pods):
        node.remove(uid=pod.uid)
    # the checkpointed state comes back exactly (the policies' in-memory reuse maps, cpusToReuse and
    # initContainersReusableMemory, keep the last pod's entry, as the kubelet's do)
    cpu_now = replace(node.managers.cpu.state.snapshot(), cpus_to_reuse={})
    assert cpu_now == replace(initial[0], cpus_to_reuse={})
    assert replace(node.managers.memory.state.snapshot(), reusable=()) == replace(initial[1], reusable=())
