"""KEP-5526 pod-level memory allocation of the Static policy: one NUMA-aligned memory "bubble" for
the whole pod budget, partitioned among its containers.

Mirrors: memorymanager/policy_static.go ``staticPolicy.AllocatePod``. The caller (the Topology Manager's pod
scope with ``PodLevelResourceManagers``) decides
when this path is taken; like upstream, this code re-checks neither gate (only the pod's QoS, in
:meth:`StaticPolicy.allocate_pod`).

Partitioning is by quantity only; every block carries the pod's NUMA mask. The node's memory
accounting is charged once, for the pod budget; the container entries are not charged. All state
is written after the partition is complete, so a refusal leaves the state untouched.

The Go partition works on ``uint64`` maps: a budget smaller than what the sidecars or the exclusive
app containers take (API-invalid pods only) wraps around. :func:`_sub` keeps that arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from podfit.memory.hints import select_hint
from podfit.memory.machine_state import update_machine_state
from podfit.memory.requests import (
    get_container_requested_resources,
    get_pod_requested_resources,
    validate_pod_scope_resources,
)
from podfit.memory.reusable import reusable_for_pod
from podfit.memory.state import Block, MemoryState
from podfit.model.admission import Rejection, empty_pod_shared_pool_rejection
from podfit.model.pod import Pod
from podfit.topology.bitmask import get_bits
from podfit.topology.hint import TopologyHint

__all__ = ["PodMemoryPartition", "allocate_pod_memory", "partition_pod_memory"]

_U64: Final = 1 << 64

PodMemoryPartition = tuple[dict[str, tuple[Block, ...]], tuple[Block, ...]]
"""(container name -> its own blocks, the pod shared pool blocks)."""


def _sub(a: int, b: int) -> int:
    """``a - b`` in Go ``uint64`` arithmetic."""
    return (a - b) % _U64


def _blocks(bits: tuple[int, ...], sizes: Mapping[str, int]) -> tuple[Block, ...]:
    return tuple(Block(bits, name, size) for name, size in sizes.items() if size > 0)


def partition_pod_memory(
    pod: Pod, budget: Mapping[str, int], bits: Sequence[int], pod_level_managers: bool
) -> PodMemoryPartition:
    """Split the pod budget among the containers, all on the NUMA nodes ``bits``.

    * an exclusive-eligible init container gets its own requests (a standard one's are reused
      by the later containers; a sidecar's leave the pod's pool for good);
    * a standard init container without exclusive requests gets the budget minus the exclusive
      sidecars declared before it;
    * an exclusive-eligible app container gets its own requests, taken from the pool;
    * every other container (shared sidecars and apps) is left out: it gets the final pool.

    Mirrors: memorymanager/policy_static.go AllocatePod, step 4
    """
    cells = tuple(bits)
    own: dict[str, tuple[Block, ...]] = {}
    sidecars: dict[str, int] = {}
    for c in pod.init_containers:
        reqs = get_container_requested_resources(pod, c, pod_level_managers)
        if not reqs:
            if not c.is_restartable_init:
                own[c.name] = _blocks(
                    cells, {name: _sub(total, sidecars.get(name, 0)) for name, total in budget.items()}
                )
            continue
        own[c.name] = _blocks(cells, reqs)
        if c.is_restartable_init:
            for name, size in reqs.items():
                sidecars[name] = sidecars.get(name, 0) + size
    pool = {name: _sub(total, sidecars.get(name, 0)) for name, total in budget.items()}
    for c in pod.containers:
        reqs = get_container_requested_resources(pod, c, pod_level_managers)
        if not reqs:
            continue
        own[c.name] = _blocks(cells, reqs)
        for name, size in reqs.items():
            if size > 0:
                pool[name] = _sub(pool.get(name, 0), size)
    return own, _blocks(cells, pool)


def allocate_pod_memory(
    state: MemoryState, pod: Pod, hint: TopologyHint | None, pod_level_managers: bool, reference: bool = False
) -> Rejection | None:
    """Validate the pod's shared pool, pick the NUMA nodes for the whole budget, partition it,
    store the pod entry, charge the machine state once per memory type and record every
    container's blocks. The pod must be Guaranteed (checked by the caller).

    Mirrors: memorymanager/policy_static.go AllocatePod
    """
    budget = get_pod_requested_resources(pod, pod_level_managers)
    refusal = validate_pod_scope_resources(pod, pod_level_managers)
    if refusal is not None:
        return empty_pod_shared_pool_rejection(refusal)
    machine_state = state.get_machine_state()
    best, err = select_hint(machine_state, budget, reusable_for_pod(state, pod.uid), hint, reference)
    if err is not None or best is None:
        return Rejection(err or "")
    bits = tuple(get_bits(best.numa_affinity or 0))
    own, shared = partition_pod_memory(pod, budget, bits, pod_level_managers)
    state.set_pod_memory_blocks(pod.uid, tuple(Block(bits, name, size) for name, size in budget.items()))
    for name, size in budget.items():
        update_machine_state(machine_state, bits, name, size)
    for c in pod.all_containers():
        state.set_memory_blocks(pod.uid, c.name, own.get(c.name, shared))
    state.set_machine_state(machine_state)
    return None
