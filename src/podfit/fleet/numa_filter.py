"""An approximation of the NodeResourceTopologyMatch filter (scheduler-plugins) from per-NUMA
free resources, as a NodeResourceTopology exporter would publish them after each kubelet decision.

Only nodes whose Topology Manager policy is ``single-numa-node`` are filtered, and only pods the
kubelet would align: Guaranteed pods, and any pod asking for GPUs. Pod scope: the pod's whole
demand (exclusive CPUs, memory, GPUs) must fit in one NUMA node. Container scope: each
container's demand must fit in some NUMA node, each checked on its own (as the plugin does).
A Guaranteed container's CPUs count only when they are whole (the static CPU manager pins only
those). Pure.
"""

from __future__ import annotations

from podfit.fleet.kubelet_port import Pod

__all__ = ["Demand", "fits_numa", "numa_demands"]

Demand = tuple[int, int, int]  # exclusive CPUs, memory bytes, GPUs


def _container_demand(cpu_req: int, cpu_lim: int, mem: int, gpus: int, guaranteed: bool) -> Demand:
    cpus = cpu_req // 1000 if guaranteed and cpu_req == cpu_lim and cpu_req % 1000 == 0 else 0
    return (cpus, mem if guaranteed else 0, gpus)


def numa_demands(pod: Pod, scope: str, gpu_resource: str, guaranteed: bool) -> tuple[Demand, ...]:
    """What the filter asks of one NUMA node for ``pod`` (empty: the pod is not filtered);
    ``guaranteed``: its QoS class is Guaranteed (as the replay's release computes it)."""
    gpus = sum(c.resources.limits.get(gpu_resource, 0) for c in pod.all_containers())
    if not guaranteed and not gpus:
        return ()
    if scope == "pod":
        if pod.resources is not None and not pod.resources.is_empty:
            r = pod.resources
            return (
                _container_demand(r.request("cpu"), r.limit("cpu"), r.request("memory"), gpus, guaranteed),
            )
        cpus = mem = 0
        for c in pod.all_containers():
            d = _container_demand(
                c.resources.request("cpu"),
                c.resources.limit("cpu"),
                c.resources.request("memory"),
                0,
                guaranteed,
            )
            cpus, mem = cpus + d[0], mem + d[1]
        return ((cpus, mem, gpus),)
    out = []
    for c in pod.all_containers():
        r = c.resources
        d = _container_demand(
            r.request("cpu"), r.limit("cpu"), r.request("memory"), r.limits.get(gpu_resource, 0), guaranteed
        )
        if d != (0, 0, 0):
            out.append(d)
    return tuple(out)


def fits_numa(demands: tuple[Demand, ...], zones: tuple[tuple[int, int, int], ...]) -> bool:
    """Every demand fits in some NUMA zone ``(free CPUs, free memory bytes, free GPUs)``."""
    for cpus, mem, gpus in demands:
        for zc, zm, zg in zones:
            if zc >= cpus and zm >= mem and zg >= gpus:
                break
        else:
            return False
    return True
