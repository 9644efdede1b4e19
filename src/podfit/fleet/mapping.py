"""The mapping policy: trace rows → machines and kubelet configurations, trace rows → pods.

Every rule is a field of :class:`~podfit.fleet.values.MappingPolicy` (a ``podfit fleet`` flag) and
is documented in docs/fleet.md:

* **sockets / NUMA / SMT** — logical CPUs = ``cpu_milli // 1000``; ``threads_per_core`` threads
  per core (1 when the CPU count is odd); ``sockets`` (0: two sockets from
  ``two_socket_min_cpus`` CPUs up, one below) × ``numa_per_socket`` NUMA nodes; when the cores do
  not split evenly, fewer NUMA nodes per socket, then one socket. Memory splits evenly over the
  NUMA nodes. A node with NodeResourceTopology zones gets one NUMA node (and socket) per zone.
* **GPUs per NUMA node** — ``spread`` (evenly, the remainder on the lowest NUMA ids), ``first``
  (all on NUMA 0) or ``none`` (no NUMA affinity).
* **kubelet** — CPU manager ``static`` with the first ``reserved_cpus`` logical CPUs of the first
  cores as ``reservedSystemCPUs``; Memory Manager ``memory_manager`` with ``reserved_memory_mib``
  kube-reserved (+100Mi eviction threshold) on NUMA 0; the configuration's topology policy and the
  model's scope; ``maxPods``; ``full-pcpus-only`` optional.
* **QoS** — ``Guaranteed`` stays, ``LS`` → ``ls_qos``, ``BE`` → ``be_qos``, ``Burstable`` and
  ``BestEffort`` stay. A Guaranteed pod's CPU is rounded to whole CPUs (``cpu_rounding``: up,
  down, at least 1, or none); memory request = limit.
* **GPU sharing** — a pod asking for a fraction of a GPU (``gpu_milli`` < 1000) gets whole GPUs
  (``whole``) or none (``drop``).
* **sidecars** — a Guaranteed pod whose name hashes (64-bit BLAKE2b of ``seed/name``) below
  ``sidecar_share`` gets ``sidecars`` restartable init containers of ``sidecar_cpu_milli`` /
  ``sidecar_memory_mib`` (requests only) and a pod-level budget (``spec.resources``, requests =
  limits: the CPUs rounded up as above, the memory summed); the models rewrite it (``podfit
  compare``'s per-container and pod-level transforms).

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from podfit.fleet.kubelet_port import (
    MI,
    Container,
    DeviceGroup,
    KubeletConfig,
    Machine,
    Pod,
    ResourceRequirements,
    kubelet_config,
    machine_from_table,
    synthetic_machine,
)
from podfit.fleet.values import FleetConfig, MappingPolicy, NodeRow, PodRow

__all__ = ["NodeShape", "has_sidecars", "kubelet_config_doc", "node_machine", "node_shape", "written_pod"]

_EVICTION_MIB = 100  # the kubelet's default evictionHard memory.available


@dataclass(frozen=True, slots=True)
class NodeShape:
    """The topology decided for a node row (what machines are cached by)."""

    sockets: int
    numa_per_socket: int
    cores_per_numa: int
    threads_per_core: int
    memory_mib: int  # whole node
    gpus: int
    zones: tuple[tuple[int, int, int], ...] = ()  # NRT zones: (cpus, memory MiB, gpus)


def node_shape(row: NodeRow, policy: MappingPolicy) -> NodeShape:
    """The topology the mapping policy gives ``row`` (see the module docstring)."""
    if row.zones:
        tpc = row.threads_per_core or policy.threads_per_core
        if any(z.cpus % tpc for z in row.zones):
            tpc = 1
        zones = tuple((z.cpus, z.memory_mib, z.gpus) for z in row.zones)
        return NodeShape(len(zones), 1, 0, tpc, sum(z[1] for z in zones), sum(z[2] for z in zones), zones)
    cpus = max(row.cpu_milli // 1000, 1)
    tpc = row.threads_per_core or policy.threads_per_core
    if cpus % tpc:
        tpc = 1
    cores = cpus // tpc
    sockets = policy.sockets or (2 if cpus >= policy.two_socket_min_cpus else 1)
    nps = policy.numa_per_socket
    while nps > 1 and cores % (sockets * nps):
        nps -= 1
    if cores % (sockets * nps):
        sockets, nps = 1, 1
    return NodeShape(sockets, nps, cores // (sockets * nps), tpc, row.memory_mib, row.gpus)


def _gpu_groups(gpus: int, numa: int, policy: MappingPolicy) -> tuple[DeviceGroup, ...]:
    if gpus <= 0:
        return ()
    res = policy.gpu_resource
    if policy.gpu_numa == "none":
        return (DeviceGroup(res, None, gpus),)
    if policy.gpu_numa == "first":
        return (DeviceGroup(res, 0, gpus),)
    base, extra = divmod(gpus, numa)
    return tuple(
        DeviceGroup(res, n, base + (1 if n < extra else 0)) for n in range(numa) if base or n < extra
    )


def node_machine(shape: NodeShape, policy: MappingPolicy) -> Machine:
    """The machine of a node shape (Linux numbering, as ``podfit``'s synthetic machines)."""
    if shape.zones:
        return _zoned_machine(shape, policy)
    numa = shape.sockets * shape.numa_per_socket
    return synthetic_machine(
        sockets=shape.sockets,
        numa_nodes_per_socket=shape.numa_per_socket,
        cores_per_numa_node=shape.cores_per_numa,
        threads_per_core=shape.threads_per_core,
        memory_per_numa_node=shape.memory_mib * MI // numa,
        devices=_gpu_groups(shape.gpus, numa, policy),
    )


def _zoned_machine(shape: NodeShape, policy: MappingPolicy) -> Machine:
    tpc = shape.threads_per_core
    total_cores = sum(z[0] // tpc for z in shape.zones)
    rows: list[dict[str, int]] = []
    core = 0
    for numa, (cpus, _mem, _gpus) in enumerate(shape.zones):
        for _ in range(cpus // tpc):
            rows.extend(
                {"cpu": t * total_cores + core, "core": core, "socket": numa, "numa": numa, "uncore": numa}
                for t in range(tpc)
            )
            core += 1
    rows.sort(key=lambda r: r["cpu"])
    nodes = [{"id": n, "memory": z[1] * MI} for n, z in enumerate(shape.zones)]
    devices: list[dict[str, Any]] = [
        {"resource": policy.gpu_resource, "numaNode": n, "count": z[2]}
        for n, z in enumerate(shape.zones)
        if z[2]
    ]
    return machine_from_table(rows, nodes, None, devices)


def _reserved_cpus(shape: NodeShape, count: int) -> str:
    if count <= 0:
        return ""
    tpc = shape.threads_per_core
    if shape.zones:
        total_cores = sum(z[0] // tpc for z in shape.zones)
    else:
        total_cores = shape.sockets * shape.numa_per_socket * shape.cores_per_numa
    cores = -(-count // tpc)
    ids = sorted(t * total_cores + g for g in range(cores) for t in range(tpc))[:count]
    return ",".join(str(i) for i in sorted(ids))


def kubelet_config_doc(
    shape: NodeShape, policy: MappingPolicy, topology_policy: str, scope: str
) -> dict[str, Any]:
    """The KubeletConfiguration of a node of ``shape`` (see the module docstring)."""
    doc: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cpuManagerPolicy": "static",
        "topologyManagerPolicy": topology_policy,
        "topologyManagerScope": scope,
        "maxPods": policy.max_pods,
    }
    reserved = _reserved_cpus(shape, policy.reserved_cpus)
    if reserved:
        doc["reservedSystemCPUs"] = reserved
    if policy.full_pcpus_only:
        doc["cpuManagerPolicyOptions"] = {"full-pcpus-only": "true"}
    if policy.memory_manager == "Static":
        doc["memoryManagerPolicy"] = "Static"
        doc["kubeReserved"] = {"memory": f"{policy.reserved_memory_mib}Mi"}
        doc["reservedMemory"] = [
            {"numaNode": 0, "limits": {"memory": f"{policy.reserved_memory_mib + _EVICTION_MIB}Mi"}}
        ]
    return doc


def node_kubelet_config(shape: NodeShape, config: FleetConfig) -> KubeletConfig:
    doc = kubelet_config_doc(shape, config.mapping, config.policy, config.scope)
    return kubelet_config(doc, config.version, config.pod_level)


# ----- pods -----------------------------------------------------------------------------------
def has_sidecars(name: str, policy: MappingPolicy, seed: int) -> bool:
    """The sidecar rule: the 64-bit BLAKE2b hash of ``seed/name`` below ``sidecar_share`` of its range."""
    if policy.sidecars <= 0 or policy.sidecar_share <= 0:
        return False
    digest = hashlib.blake2b(f"{seed}/{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < policy.sidecar_share * 18446744073709551616.0


def trace_qos(qos: str, policy: MappingPolicy) -> str:
    if qos == "LS":
        return policy.ls_qos
    if qos == "BE":
        return policy.be_qos
    return qos


def _whole(millis: int, rounding: str) -> int:
    if rounding == "none":
        return max(millis, 1)
    if rounding == "down":
        return max(millis // 1000, 1) * 1000
    return max(-(-millis // 1000), 1) * 1000


def row_gpus(row: PodRow, policy: MappingPolicy) -> int:
    if row.gpus > 0 and 0 < row.gpu_milli < 1000 and policy.shared_gpu == "drop":
        return 0
    return max(row.gpus, 0)


def written_pod(row: PodRow, policy: MappingPolicy, sidecars: bool) -> Pod:
    """The pod a trace row describes, written once for every model (a template: its name is its
    shape; :func:`podfit.fleet.kubelet_port.instantiate` names the copies)."""
    qos = trace_qos(row.qos, policy)
    gpus = row_gpus(row, policy)
    memory = max(row.memory_mib, 1) * MI
    extra = {policy.gpu_resource: gpus} if gpus else {}
    name = f"{qos}-{row.cpu_milli}m-{row.memory_mib}Mi-{gpus}g{'-sc' if sidecars else ''}"
    if qos == "Guaranteed":
        cpu = _whole(row.cpu_milli, policy.cpu_rounding)
        fixed = {"cpu": cpu, "memory": memory, **extra}
        app = Container("app", "app", ResourceRequirements(fixed, fixed))
        if not sidecars:
            return Pod("fleet", name, name, containers=(app,))
        side = {"cpu": policy.sidecar_cpu_milli, "memory": policy.sidecar_memory_mib * MI}
        inits = tuple(
            Container(f"sidecar-{i}", "sidecar", ResourceRequirements(side, {}), restart_policy="Always")
            for i in range(policy.sidecars)
        )
        total_cpu = cpu + policy.sidecars * policy.sidecar_cpu_milli
        budget = {
            "cpu": _whole(total_cpu, "up" if policy.cpu_rounding != "none" else "none"),
            "memory": memory + policy.sidecars * policy.sidecar_memory_mib * MI,
        }
        return Pod(
            "fleet",
            name,
            name,
            init_containers=inits,
            containers=(app,),
            resources=ResourceRequirements(budget, budget),
        )
    if qos == "Burstable":
        requests = {"cpu": max(row.cpu_milli, 0), "memory": memory, **extra}
        requests = {k: v for k, v in requests.items() if v}
        app = Container("app", "app", ResourceRequirements(requests, extra))
        return Pod("fleet", name, name, containers=(app,))
    app = Container("app", "app", ResourceRequirements(extra, extra))
    return Pod("fleet", name, name, containers=(app,))
