"""The Memory Manager ``Static`` policy (Linux): NUMA-pinned memory and hugepages for Guaranteed pods.

Mirrors: pkg/kubelet/cm/memorymanager/policy_static.go (v1.36, index id 4195507488) ``staticPolicy``:
``NewPolicyStatic``, ``Name``, ``Start``, ``Allocate``, ``RemoveContainer``, ``GetTopologyHints``,
``GetPodTopologyHints``, ``GetAllocatableMemory``. Errors are the Go error texts (``str``; ``None`` =
success); :func:`get_pod_admit_result` words a failed allocation the way the kubelet rejects a pod.

The Topology Manager's affinity store is replaced by the ``hint`` argument of :meth:`allocate`
(``None`` = the store's empty hint ``TopologyHint(None, False)``).

KEP-5526: ``allocate_pod`` (policy_static.go ``AllocatePod``) lives in ``policy_static_pod``;
``remove_container``, ``start`` and ``get_pod_topology_hints`` handle pod-level state here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from podfit.memory.errors import AllocationResult, admission_error
from podfit.memory.hints import Hints, calculate_hints, regenerate_hints, select_hint
from podfit.memory.machine_state import (
    SystemReservedMemory,
    release_memory,
    update_machine_state,
    validate_state,
)
from podfit.memory.policy_static_pod import allocate_pod_memory
from podfit.memory.requests import (
    get_container_requested_resources,
    get_pod_requested_resources,
    validate_pod_scope_resources,
)
from podfit.memory.reusable import (
    get_pod_reusable_memory,
    reusable_for_pod,
    update_init_containers_memory_blocks,
    update_pod_reusable_memory,
)
from podfit.memory.state import Block, MemoryState
from podfit.model.machine import Machine
from podfit.model.pod import RESOURCE_MEMORY, Container, Pod
from podfit.model.qos import get_pod_qos, is_pod_level_resources_set
from podfit.topology.bitmask import get_bits
from podfit.topology.errors import get_pod_admit_result as topology_admit_result
from podfit.topology.hint import TopologyHint

__all__ = [
    "POLICY_TYPE_STATIC",
    "FeatureGateReader",
    "StaticPolicy",
    "get_pod_admit_result",
    "new_policy_static",
]

POLICY_TYPE_STATIC = "Static"
GATE_POD_LEVEL_RESOURCES = "PodLevelResources"
GATE_POD_LEVEL_RESOURCE_MANAGERS = "PodLevelResourceManagers"


class FeatureGateReader(Protocol):
    """Anything answering ``enabled(gate)`` (``podfit.model.features.FeatureGates`` fits)."""

    def enabled(self, name: str) -> bool: ...


def get_pod_admit_result(err: AllocationResult) -> tuple[bool, str, str]:
    """``(admit, reason, message)`` for an allocation error: a typed error keeps its reason and
    message, a plain one is "unexpected".

    Mirrors: pkg/kubelet/cm/admission/errors.go GetPodAdmitResult (v1.36)
    """
    result = topology_admit_result(None if err is None else admission_error(err))
    return result.admit, result.reason, result.message


def new_policy_static(
    machine: Machine, system_reserved: SystemReservedMemory, gates: FeatureGateReader
) -> tuple[StaticPolicy | None, str | None]:
    """Refuse a configuration without reserved regular memory on any NUMA node.

    Mirrors: memorymanager/policy_static.go NewPolicyStatic (v1.36)
    """
    total = sum(node.get(RESOURCE_MEMORY, 0) for node in system_reserved.values())
    if total <= 0:
        return None, "[memorymanager] you should specify the system reserved memory"
    return StaticPolicy(machine, system_reserved, gates), None


class StaticPolicy:
    """The Static policy. Stateless apart from its inputs: every mutable datum is in ``MemoryState``."""

    def __init__(
        self, machine: Machine, system_reserved: SystemReservedMemory, gates: FeatureGateReader
    ) -> None:
        self.machine = machine
        self.system_reserved: Mapping[int, Mapping[str, int]] = {
            n: dict(r) for n, r in system_reserved.items()
        }
        self.gates = gates
        # the gates never change while the kubelet runs: read them once
        self._pod_level_managers = gates.enabled(GATE_POD_LEVEL_RESOURCE_MANAGERS)
        self._pod_level_resources = gates.enabled(GATE_POD_LEVEL_RESOURCES)

    # ----- gates ---------------------------------------------------------------------------
    def _skips_pod_level(self, pod: Pod) -> bool:
        """Pod-level resources while the pod-level managers (or pod-level resources) are off."""
        if not is_pod_level_resources_set(pod):
            return False
        return not (self._pod_level_managers and self._pod_level_resources)

    def _is_guaranteed(self, pod: Pod) -> bool:
        return get_pod_qos(pod, pod_level_resources=self._pod_level_resources) == "Guaranteed"

    # ----- policy interface ----------------------------------------------------------------
    def name(self) -> str:
        """Mirrors: memorymanager/policy_static.go Name (v1.36)"""
        return POLICY_TYPE_STATIC

    def start(self, state: MemoryState) -> str | None:
        """Mirrors: memorymanager/policy_static.go Start / validateState (v1.36)"""
        return validate_state(state, self.machine, self.system_reserved, self._pod_level_managers)

    def allocate(
        self, state: MemoryState, pod: Pod, container: Container, hint: TopologyHint | None = None
    ) -> str | None:
        """Pin the container's memory and hugepages to the NUMA nodes of ``hint`` (or the default
        hint), extended when its free memory is short; charge the machine state and record one
        block per resource. Idempotent for a container already in the state.

        Mirrors: memorymanager/policy_static.go Allocate (v1.36)
        """
        if not self._is_guaranteed(pod) or self._skips_pod_level(pod):
            return None
        existing = state.get_memory_blocks(pod.uid, container.name)
        if existing is not None:
            update_pod_reusable_memory(state, pod, container, existing)
            return None
        requested = get_container_requested_resources(pod, container, self._pod_level_managers)
        machine_state = state.get_machine_state()
        pod_reusable = reusable_for_pod(state, pod.uid)
        best, err = select_hint(machine_state, requested, pod_reusable, hint)
        if err is not None or best is None:
            return err
        mask = best.numa_affinity or 0
        bits = tuple(get_bits(mask))
        blocks: list[Block] = []
        for resource, size in requested.items():
            blocks.append(Block(bits, resource, size))
            reuse = get_pod_reusable_memory(state, pod.uid, mask, resource) if pod_reusable else 0
            charge = 0 if reuse >= size else size - reuse
            update_machine_state(machine_state, bits, resource, charge)
        update_pod_reusable_memory(state, pod, container, blocks)
        state.set_machine_state(machine_state)
        state.set_memory_blocks(pod.uid, container.name, blocks)
        update_init_containers_memory_blocks(state, pod, container, blocks)
        return None

    def allocate_pod(
        self, state: MemoryState, pod: Pod, hint: TopologyHint | None = None
    ) -> AllocationResult:
        """KEP-5526: one memory bubble for a Guaranteed pod's pod-level budget, partitioned among
        its containers (see :mod:`podfit.memory.policy_static_pod`). ``hint`` is the pod's hint
        (upstream: the store's affinity of the pod's first container). Returns ``None``, an error
        text, or an :class:`EmptyPodSharedPoolError`.

        Mirrors: memorymanager/policy_static.go AllocatePod (v1.36)
        """
        if not self._is_guaranteed(pod):
            return None
        return allocate_pod_memory(state, pod, hint, self._pod_level_managers)

    def remove_container(self, state: MemoryState, pod_uid: str, container_name: str) -> None:
        """Release the container's blocks (pod-level pods: the pod's blocks, with its last container).

        Mirrors: memorymanager/policy_static.go RemoveContainer (v1.36)
        """
        if self._pod_level_managers:
            pod_blocks = state.get_pod_memory_blocks(pod_uid)
            if pod_blocks is not None:
                state.delete(pod_uid, container_name)
                if not state.get_memory_assignments().get(pod_uid):
                    release_memory(state, pod_blocks)
                    state.delete_pod(pod_uid)
                return
        blocks = state.get_memory_blocks(pod_uid, container_name)
        if blocks is None:
            return
        state.delete(pod_uid, container_name)
        release_memory(state, blocks)

    def get_topology_hints(self, state: MemoryState, pod: Pod, container: Container) -> Hints | None:
        """Mirrors: memorymanager/policy_static.go GetTopologyHints (v1.36)"""
        if not self._is_guaranteed(pod):
            return None
        requested = get_container_requested_resources(pod, container, self._pod_level_managers)
        if self._skips_pod_level(pod):
            return None
        blocks = state.get_memory_blocks(pod.uid, container.name)
        if blocks is not None:
            return regenerate_hints(blocks, requested)
        return calculate_hints(state.get_machine_state(), requested, reusable_for_pod(state, pod.uid))

    def get_pod_topology_hints(self, state: MemoryState, pod: Pod) -> Hints | None:
        """Mirrors: memorymanager/policy_static.go GetPodTopologyHints (v1.36)"""
        if not self._is_guaranteed(pod):
            return None
        requested = get_pod_requested_resources(pod, self._pod_level_managers)
        if self._skips_pod_level(pod):
            return None
        pod_level = self._pod_level_managers and is_pod_level_resources_set(pod)
        if pod_level and validate_pod_scope_resources(pod, self._pod_level_managers) is not None:
            return {name: [] for name in requested}
        if not requested:
            return None
        for c in pod.all_containers():
            blocks = state.get_memory_blocks(pod.uid, c.name)
            if blocks is not None:
                return regenerate_hints(blocks, requested)
        return calculate_hints(state.get_machine_state(), requested, reusable_for_pod(state, pod.uid))

    def get_allocatable_memory(self, state: MemoryState) -> tuple[Block, ...]:
        """One block per NUMA node and resource with non-zero allocatable memory (sorted).

        Mirrors: memorymanager/policy_static.go GetAllocatableMemory (v1.36)
        """
        out = []
        for node_id, node in sorted(state.get_machine_state().items()):
            for resource, table in sorted(node.memory_map.items()):
                if table.allocatable != 0:
                    out.append(Block((node_id,), resource, table.allocatable))
        return tuple(out)
