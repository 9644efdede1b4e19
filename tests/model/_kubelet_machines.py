"""Small machines for the kubelet-configuration tests, built directly from CPUInfo/NUMANode."""

from __future__ import annotations

from podfit.model.machine import CPUInfo, Machine, NUMANode

GI = 1 << 30


def make_machine(
    sockets: int,
    numa_per_socket: int,
    cores_per_numa: int,
    threads: int,
    memory_per_numa: int = 8 * GI,
    sockets_per_numa: int = 1,
) -> Machine:
    """Linux-style numbering: thread t of global core g is CPU t * cores + g.

    ``sockets_per_numa`` > 1 builds machines where several sockets share one NUMA node.
    """
    numa_count = sockets // sockets_per_numa if sockets_per_numa > 1 else sockets * numa_per_socket
    total_cores = sockets * (cores_per_numa * numa_per_socket if sockets_per_numa == 1 else cores_per_numa)
    cpus = []
    for g in range(total_cores):
        if sockets_per_numa > 1:
            socket = g // cores_per_numa
            numa = socket // sockets_per_numa
        else:
            numa = g // cores_per_numa
            socket = numa // numa_per_socket
        for t in range(threads):
            cpus.append(CPUInfo(cpu=t * total_cores + g, core=g, socket=socket, numa=numa))
    cpus.sort(key=lambda c: c.cpu)
    nodes = tuple(NUMANode(i, memory_per_numa) for i in range(numa_count))
    return Machine(cpus=tuple(cpus), numa_nodes=nodes)


MACHINES = {
    "SingleSocket4": make_machine(1, 1, 4, 1),
    "DualSocketHT": make_machine(2, 1, 3, 2),
    "DualSocketMultiNumaPerSocketHT": make_machine(2, 2, 10, 2),
    "MultiSocketDualSocketPerNumaHT": make_machine(4, 1, 5, 2, sockets_per_numa=2),
    "TwoNUMA": make_machine(1, 2, 4, 2),
}
