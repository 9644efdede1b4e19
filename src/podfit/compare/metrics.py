"""What one admitted pod costs the node, read from the kubelet's admission result.

For a pod ``p`` admitted under a model (CPU counts are logical CPUs, i.e. hardware threads):

* ``held`` — CPUs taken out of the node's shared pool for ``p``: its pod-level bubble (pod scope
  with pod-level resources) together with every node-exclusive slice of its containers.
* ``exclusive`` — CPUs in the exclusive slices (node- or pod-exclusive) of its long-running
  containers (sidecars and app containers).
* ``pod_shared`` — CPUs of its pod shared pool handed to long-running containers.
* ``idle`` — CPUs of the bubble handed to no long-running container:
  ``|bubble| - |exclusive ∪ pod_shared|`` (0 without a bubble).
* ``aligned`` — every long-running container is pinned (no container in the node shared pool) and
  all their CPUs and memory blocks lie on one and the same NUMA node.

Init containers are left out of ``exclusive``/``pod_shared``/``idle`` (they finish before the app
starts); they still count in ``held`` while their slices are held.
"""

from __future__ import annotations

from dataclasses import dataclass

from podfit.kubelet.result import NODE_EXCLUSIVE, NODE_SHARED, POD_EXCLUSIVE, POD_SHARED, AdmitResult
from podfit.model.cpuset import cpus, size
from podfit.model.machine import Machine

__all__ = ["PodFootprint", "cores", "pod_footprint"]

_EXCLUSIVE = (NODE_EXCLUSIVE, POD_EXCLUSIVE)


@dataclass(frozen=True, slots=True)
class PodFootprint:
    """CPU counts of one admitted pod (see the module docstring for each)."""

    pod: str
    held: int
    exclusive: int
    pod_shared: int
    idle: int
    aligned: bool


def _numa_of(machine: Machine, cpu_mask: int) -> set[int]:
    info = machine.cpu_info
    return {info[c].numa for c in cpus(cpu_mask)}


def _aligned(result: AdmitResult, machine: Machine) -> bool:
    numa: set[int] = set()
    for c in result.containers:
        if c.kind == "init":
            continue
        if c.assignment == NODE_SHARED or c.cpus is None:
            return False
        numa |= _numa_of(machine, c.cpus)
        if c.memory is not None:
            numa |= set(c.memory.numa_affinity)
    return len(numa) == 1


def pod_footprint(result: AdmitResult, machine: Machine) -> PodFootprint:
    """The footprint of an admitted pod."""
    bubble = result.pod_cpus or 0
    held = bubble
    exclusive = shared = 0
    for c in result.containers:
        if c.cpus is None:
            continue
        if c.assignment == NODE_EXCLUSIVE:
            held |= c.cpus
        if c.kind == "init":
            continue
        if c.assignment in _EXCLUSIVE:
            exclusive |= c.cpus
        elif c.assignment == POD_SHARED:
            shared |= c.cpus
    idle = size(bubble & ~(exclusive | shared)) if bubble else 0
    return PodFootprint(
        pod=result.pod,
        held=size(held),
        exclusive=size(exclusive),
        pod_shared=size(shared),
        idle=idle,
        aligned=_aligned(result, machine),
    )


def cores(cpu_count: int, threads_per_core: int) -> float:
    """Logical CPUs as physical cores (``cpu_count / threads_per_core``)."""
    return cpu_count / threads_per_core
