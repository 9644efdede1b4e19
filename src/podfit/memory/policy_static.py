"""The Memory Manager ``Static`` policy (Linux): NUMA-pinned memory and hugepages for Guaranteed pods.

Mirrors: pkg/kubelet/cm/memorymanager/policy_static.go ``staticPolicy``:
``NewPolicyStatic``, ``Name``, ``Start``, ``Allocate``, ``RemoveContainer``, ``GetTopologyHints``,
``GetPodTopologyHints``, ``GetAllocatableMemory``. Errors are
:class:`~podfit.model.admission.Rejection` values (``None`` = success).

The Topology Manager's affinity store is replaced by the ``hint`` argument of :meth:`allocate`
(``None`` = the store's empty hint ``TopologyHint(None, False)``).

KEP-5526: ``allocate_pod`` (policy_static.go ``AllocatePod``) lives in ``policy_static_pod``;
``remove_container``, ``start`` and ``get_pod_topology_hints`` handle pod-level state here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Protocol

from podfit.memory.hints import (
    Hints,
    free_memory_covers,
    hints_of,
    mixes_groups,
    regenerate_hints,
    select_hint,
)
from podfit.memory.machine_state import NodeSteps, SystemReservedMemory, validate_state
from podfit.memory.policy_static_pod import allocate_pod_memory
from podfit.memory.requests import (
    ContainerMemoryPlan,
    container_memory_plan,
    pod_memory_plan,
)
from podfit.memory.reusable import (
    get_pod_reusable_memory,
    reusable_for_pod,
    update_init_containers_memory_blocks,
    update_pod_reusable_memory,
)
from podfit.memory.state import Block, MemoryState, NUMANodeMap
from podfit.model.admission import Rejection
from podfit.model.machine import Machine
from podfit.model.pod import RESOURCE_MEMORY, Container, Pod
from podfit.model.qos import get_pod_qos, is_pod_level_resources_set, qos_gates
from podfit.release.profile import ReleaseProfile
from podfit.topology.hint import TopologyHint

__all__ = [
    "POLICY_TYPE_STATIC",
    "FeatureGateReader",
    "StaticPolicy",
    "new_policy_static",
]

POLICY_TYPE_STATIC: Final = "Static"
GATE_POD_LEVEL_RESOURCE_MANAGERS: Final = "PodLevelResourceManagers"


class FeatureGateReader(Protocol):
    """Anything answering ``enabled(gate)`` with the kubelet ``release``
    (``podfit.model.features.FeatureGates`` fits)."""

    def enabled(self, name: str) -> bool: ...

    @property
    def release(self) -> ReleaseProfile: ...


def new_policy_static(
    machine: Machine,
    system_reserved: SystemReservedMemory,
    gates: FeatureGateReader,
    restore_fixes: bool = False,
) -> tuple[StaticPolicy | None, str | None]:
    """Refuse a configuration without reserved regular memory on any NUMA node.

    Mirrors: memorymanager/policy_static.go NewPolicyStatic
    """
    total = sum(numa_node.get(RESOURCE_MEMORY, 0) for numa_node in system_reserved.values())
    if total <= 0:
        return None, "[memorymanager] you should specify the system reserved memory"
    return StaticPolicy(machine, system_reserved, gates, restore_fixes), None


def _holds_request(machine_state: NUMANodeMap, bits: Sequence[int], requested: Mapping[str, int]) -> bool:
    """Whether a given hint on the NUMA nodes ``bits`` is used as it is: its free memory covers
    every requested resource and it mixes no single- and cross-NUMA use of a node (then
    :func:`select_hint` returns it unchanged). Both checks, reading the same values in the same
    order (one ``get_bits``).

    Mirrors: memorymanager/policy_static.go isAffinitySatisfyRequest and
    isAffinityViolatingNUMAAllocations
    """
    if not free_memory_covers(machine_state, bits, requested):
        return False
    return len(bits) == 1 or not mixes_groups(machine_state, bits)


class StaticPolicy:
    """The Static policy. Stateless apart from its inputs: every mutable datum is in ``MemoryState``."""

    def __init__(
        self,
        machine: Machine,
        system_reserved: SystemReservedMemory,
        gates: FeatureGateReader,
        restore_fixes: bool = False,
    ) -> None:
        self.machine = machine
        self.system_reserved: Mapping[int, Mapping[str, int]] = {
            n: dict(r) for n, r in system_reserved.items()
        }
        self.gates = gates
        # the gates never change while the kubelet runs: read them once
        self._pod_level_managers = gates.enabled(GATE_POD_LEVEL_RESOURCE_MANAGERS)
        self._qos_gates = qos_gates(gates)
        switches = gates.release.switches
        self._skip = switches.plr_pod_skip_in_static_managers
        self._skip_empty = switches.mm_skip_zero_exclusive_memory_containers
        self._steps = NodeSteps()  # the machine-state steps, memoised
        # hints from the literal enumeration (calculate_hints_reference): the benchmarks' reference
        self.exact_reference = False
        # kubernetes PRs #141077 / #141070 (1.37): AllocatePod keeps a restored pod-level
        # allocation and GetPodTopologyHints regenerates the pod hint from the pod's blocks;
        # without them (1.36) a restarted kubelet charges the pod again (#140906) and compares one
        # container's blocks with the pod's request (#141069)
        self.restore_fixes = restore_fixes

    # ----- gates ---------------------------------------------------------------------------
    def _plan(self, pod: Pod, container: Container) -> ContainerMemoryPlan:
        return container_memory_plan(
            pod, container, self._qos_gates, self._pod_level_managers, self._skip, self._skip_empty
        )

    def _is_guaranteed(self, pod: Pod) -> bool:
        return get_pod_qos(pod, self._qos_gates) == "Guaranteed"

    # ----- policy interface ----------------------------------------------------------------
    def name(self) -> str:
        """Mirrors: memorymanager/policy_static.go Name"""
        return POLICY_TYPE_STATIC

    def start(self, state: MemoryState) -> str | None:
        """Mirrors: memorymanager/policy_static.go Start / validateState"""
        return validate_state(state, self.machine, self.system_reserved, self._pod_level_managers)

    def allocate(
        self, state: MemoryState, pod: Pod, container: Container, hint: TopologyHint | None = None
    ) -> Rejection | None:
        """Pin the container's memory and hugepages to the NUMA nodes of ``hint`` (or the default
        hint), extended when its free memory is short; charge the machine state and record one
        block per resource. Idempotent for a container already in the state.

        The reusable-memory steps run only when they can change something: for a regular init
        container, or while the reusable table holds an entry (``update_pod_reusable_memory``),
        and for a container started after a regular init container
        (``update_init_containers_memory_blocks``).

        Mirrors: memorymanager/policy_static.go Allocate
        """
        plan = self._plan(pod, container)
        if not plan.pinned:
            return None
        uid = pod.uid
        existing = state.get_memory_blocks(uid, container.name)
        if existing is not None:
            if plan.regular_init or state.reusable:
                update_pod_reusable_memory(state, pod, container, existing)
            return None
        requested = plan.requested
        machine_state = state.get_machine_state()
        pod_reusable = reusable_for_pod(state, uid) if state.reusable else {}
        mask = None if hint is None else hint.numa_affinity
        if mask is not None:
            bits, blocks = plan.placed(mask)
            if not _holds_request(machine_state, bits, requested):
                mask = None
        if mask is None:
            best, err = select_hint(machine_state, requested, pod_reusable, hint, self.exact_reference)
            if err is not None or best is None:
                return Rejection(err or "")
            mask = best.numa_affinity or 0
            bits, blocks = plan.placed(mask)
        for block in blocks:
            size = block.size
            reuse = get_pod_reusable_memory(state, uid, mask, block.type) if pod_reusable else 0
            self._steps.charge(machine_state, bits, block.type, 0 if reuse >= size else size - reuse)
        if plan.regular_init or state.reusable:
            update_pod_reusable_memory(state, pod, container, blocks)
        state.replace_machine_state(machine_state)
        state.set_memory_blocks(uid, container.name, blocks)
        if plan.after_regular_init:
            update_init_containers_memory_blocks(state, pod, container, blocks)
        return None

    def allocate_pod(
        self, state: MemoryState, pod: Pod, hint: TopologyHint | None = None
    ) -> Rejection | None:
        """KEP-5526: one memory bubble for a Guaranteed pod's pod-level budget, partitioned among
        its containers (see :mod:`podfit.memory.policy_static_pod`). ``hint`` is the pod's hint
        (upstream: the store's affinity of the pod's first container). Returns ``None``, an error
        rejection (``EmptyPodSharedPoolError`` when the shared pool is empty).

        Mirrors: memorymanager/policy_static.go AllocatePod
        """
        if not self._is_guaranteed(pod):
            return None
        if self.restore_fixes and state.get_pod_memory_blocks(pod.uid) is not None:
            return None  # a restored pod-level allocation is kept as it is (#141077)
        return allocate_pod_memory(state, pod, hint, self._pod_level_managers, self.exact_reference)

    def remove_container(self, state: MemoryState, pod_uid: str, container_name: str) -> None:
        """Release the container's blocks (pod-level pods: the pod's blocks, with its last container).

        Mirrors: memorymanager/policy_static.go RemoveContainer
        """
        if self._pod_level_managers:
            pod_blocks = state.get_pod_memory_blocks(pod_uid)
            if pod_blocks is not None:
                state.delete(pod_uid, container_name)
                if not state.get_memory_assignments().get(pod_uid):
                    self._steps.release(state, pod_blocks)
                    state.delete_pod(pod_uid)
                return
        blocks = state.get_memory_blocks(pod_uid, container_name)
        if blocks is None:
            return
        state.delete(pod_uid, container_name)
        self._steps.release(state, blocks)

    def get_topology_hints(self, state: MemoryState, pod: Pod, container: Container) -> Hints | None:
        """Mirrors: memorymanager/policy_static.go GetTopologyHints"""
        plan = self._plan(pod, container)
        if not plan.pinned:  # not Guaranteed, or pod-level resources without the pod-level managers
            return None
        requested = plan.requested
        blocks = state.get_memory_blocks(pod.uid, container.name)
        if blocks is not None:
            return regenerate_hints(blocks, requested)
        return hints_of(
            state.get_machine_state(), requested, reusable_for_pod(state, pod.uid), self.exact_reference
        )

    def get_pod_topology_hints(self, state: MemoryState, pod: Pod) -> Hints | None:
        """Mirrors: memorymanager/policy_static.go GetPodTopologyHints"""
        plan = pod_memory_plan(pod, self._qos_gates, self._pod_level_managers, self._skip)
        if not plan.pinned:  # not Guaranteed, or pod-level resources without the pod-level managers
            return None
        requested = plan.requested
        if plan.refused:  # validatePodScopeResources
            return {name: [] for name in requested}
        if not requested:
            return None
        if self.restore_fixes and self._pod_level_managers and is_pod_level_resources_set(pod):
            pod_blocks = state.get_pod_memory_blocks(pod.uid)
            if pod_blocks is not None:  # the pod-level allocation restored (#141070)
                return regenerate_hints(pod_blocks, requested)
        for c in pod.all_containers():
            blocks = state.get_memory_blocks(pod.uid, c.name)
            if blocks is not None:
                return regenerate_hints(blocks, requested)
        return hints_of(
            state.get_machine_state(), requested, reusable_for_pod(state, pod.uid), self.exact_reference
        )

    def get_allocatable_memory(self, state: MemoryState) -> tuple[Block, ...]:
        """One block per NUMA node and resource with non-zero allocatable memory (sorted).

        Mirrors: memorymanager/policy_static.go GetAllocatableMemory
        """
        out = []
        for numa_id, numa_state in sorted(state.get_machine_state().items()):
            for resource, table in sorted(numa_state.memory_map.items()):
                if table.allocatable != 0:
                    out.append(Block((numa_id,), resource, table.allocatable))
        return tuple(out)
