"""The Static policy's machine state: built from the Machine and the reserved memory, charged and
released block by block, and validated against the memory assignments on start.

Mirrors: pkg/kubelet/cm/memorymanager/policy_static.go
``getDefaultMachineState``, ``getResourceSystemReserved``, ``updateMachineState``, ``releaseMemory``,
``validateState``, ``updateExpectedMachineState``, ``areMachineStatesEqual``, ``areMemoryStatesEqual``.
Errors are returned as their kubelet text (``str``), ``None`` meaning success.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from podfit.memory.state import Block, MemoryState, MemoryTable, NUMANodeMap, NUMANodeState
from podfit.model.machine import Machine
from podfit.model.pod import RESOURCE_MEMORY, hugepage_resource_name

__all__ = [
    "NodeSteps",
    "SystemReservedMemory",
    "are_groups_equal",
    "are_machine_states_equal",
    "get_default_machine_state",
    "hugepage_resource_name",
    "release_memory",
    "update_expected_machine_state",
    "update_machine_state",
    "validate_state",
]

SystemReservedMemory = Mapping[int, Mapping[str, int]]
"""NUMA node id -> resource -> bytes reserved for the system (policy_static.go systemReservedMemory)."""


def _system_reserved(reserved: SystemReservedMemory, numa_id: int, resource: str) -> int:
    """Mirrors: memorymanager/policy_static.go getResourceSystemReserved"""
    return reserved.get(numa_id, {}).get(resource, 0)


def get_default_machine_state(machine: Machine, reserved: SystemReservedMemory) -> dict[int, NUMANodeState]:
    """Every NUMA node with one table per hugepage size and one for regular memory (which loses
    the system-reserved memory and every hugepage pool); nothing reserved, ``cells == (id,)``.

    Mirrors: memorymanager/policy_static.go getDefaultMachineState
    """
    out: dict[int, NUMANodeState] = {}
    for numa_node in machine.numa_nodes:
        tables: dict[str, MemoryTable] = {}
        hugepages_total = 0
        for page_size, count in numa_node.hugepages:
            name = hugepage_resource_name(page_size)
            total = page_size * count
            sys_res = _system_reserved(reserved, numa_node.id, name)
            alloc = total - sys_res
            tables[name] = MemoryTable(total, sys_res, alloc, 0, alloc)
            hugepages_total += total
        sys_res = _system_reserved(reserved, numa_node.id, RESOURCE_MEMORY)
        alloc = numa_node.memory - sys_res - hugepages_total
        tables[RESOURCE_MEMORY] = MemoryTable(numa_node.memory, sys_res, alloc, 0, alloc)
        out[numa_node.id] = NUMANodeState(0, tables, (numa_node.id,))
    return out


def _charge(table: MemoryTable, size: int) -> tuple[MemoryTable, int]:
    """Take up to ``size`` bytes of ``table``'s free memory; return the table and what is left."""
    if table.free <= 0:
        return table, size
    if table.free >= size:
        return MemoryTable(
            table.total_mem_size,
            table.system_reserved,
            table.allocatable,
            table.reserved + size,
            table.free - size,
        ), 0
    left = size - table.free
    return MemoryTable(
        table.total_mem_size, table.system_reserved, table.allocatable, table.reserved + table.free, 0
    ), left


def _charged_node(
    numa_node: NUMANodeState, cells: tuple[int, ...], resource: str, requested: int
) -> tuple[NUMANodeState, int]:
    """One node's step of :func:`update_machine_state`: the node and what is left to charge."""
    tables = dict(numa_node.memory_map)
    if requested != 0 and resource in tables:
        tables[resource], requested = _charge(tables[resource], requested)
    return NUMANodeState(numa_node.number_of_assignments + 1, tables, cells), requested


def update_machine_state(
    machine_state: dict[int, NUMANodeState], numa_affinity: Sequence[int], resource: str, requested: int
) -> None:
    """Charge ``requested`` bytes of ``resource`` to the affinity's nodes in order (fill one node's
    free memory, then the next); every node of the affinity gets one more assignment and the
    affinity as its group, even when nothing is left to charge.

    Mirrors: memorymanager/policy_static.go updateMachineState
    """
    cells = tuple(numa_affinity)
    for numa_id in numa_affinity:
        machine_state[numa_id], requested = _charged_node(machine_state[numa_id], cells, resource, requested)


def _released_node(
    numa_node: NUMANodeState, numa_id: int, resource: str, released: int
) -> tuple[NUMANodeState, int]:
    """One node's step of :func:`release_memory`: the node and what is left to release."""
    count = numa_node.number_of_assignments - 1
    cells = (numa_id,) if count == 0 else numa_node.cells
    tables = dict(numa_node.memory_map)
    table = tables.get(resource)
    if released != 0 and table is not None and table.reserved != 0:
        if table.reserved < released:
            released -= table.reserved
            tables[resource] = MemoryTable(
                table.total_mem_size,
                table.system_reserved,
                table.allocatable,
                0,
                table.free + table.reserved,
            )
        else:
            tables[resource] = MemoryTable(
                table.total_mem_size,
                table.system_reserved,
                table.allocatable,
                table.reserved - released,
                table.free + released,
            )
            released = 0
    return NUMANodeState(count, tables, cells), released


def release_memory(state: MemoryState, blocks: Iterable[Block]) -> None:
    """Give the blocks' memory back to the machine state: one assignment less per node of each
    block (a node back at 0 assignments is its own group again), reserved bytes freed in order.

    Mirrors: memorymanager/policy_static.go releaseMemory
    """
    machine_state = state.get_machine_state()
    for block in blocks:
        released = block.size
        for numa_id in block.numa_affinity:
            machine_state[numa_id], released = _released_node(
                machine_state[numa_id], numa_id, block.type, released
            )
    state.set_machine_state(machine_state)


_Step = tuple[NUMANodeState, NUMANodeState, int]
"""(the node state, the state after the step, what is left to charge or release)."""


class NodeSteps:
    """The per-node steps of :func:`update_machine_state` and :func:`release_memory`, memoised.

    A node state is immutable, so a step is a pure function of the node state and the step's
    arguments. Steps are keyed by the node state's identity (each entry holds that state, so its
    id cannot be reused while the entry lives). The result of a release is interned by its full
    value, table order included, so that a state reached again -- the same pods admitted and
    removed again -- is the same object and the steps from it are found (a charge result is
    then found by the identity of the state it was charged from). Kept by the policy that uses
    it; emptied when it holds ``limit`` steps.
    """

    __slots__ = ("_charges", "_interned", "_releases", "limit")

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self._charges: dict[tuple[int, tuple[int, ...], str, int], _Step] = {}
        self._releases: dict[tuple[int, int, str, int], _Step] = {}
        self._interned: dict[tuple[object, ...], NUMANodeState] = {}

    def _room(self) -> None:
        if len(self._charges) + len(self._releases) >= self.limit:
            self._charges.clear()
            self._releases.clear()
            self._interned.clear()

    def _intern(self, numa_node: NUMANodeState) -> NUMANodeState:
        key = (numa_node.number_of_assignments, numa_node.cells, tuple(numa_node.memory_map.items()))
        return self._interned.setdefault(key, numa_node)

    def charge(
        self, machine_state: dict[int, NUMANodeState], cells: tuple[int, ...], resource: str, requested: int
    ) -> None:
        """:func:`update_machine_state` (``cells``: the affinity as a tuple)."""
        steps = self._charges
        for numa_id in cells:
            numa_node = machine_state[numa_id]
            key = (id(numa_node), cells, resource, requested)
            found = steps.get(key)
            if found is None or found[0] is not numa_node:
                self._room()
                new, left = _charged_node(numa_node, cells, resource, requested)
                found = steps[key] = (numa_node, new, left)
            machine_state[numa_id] = found[1]
            requested = found[2]

    def release(self, state: MemoryState, blocks: Iterable[Block]) -> None:
        """:func:`release_memory`."""
        machine_state = state.get_machine_state()
        steps = self._releases
        for block in blocks:
            resource, released = block.type, block.size
            for numa_id in block.numa_affinity:
                numa_node = machine_state[numa_id]
                key = (id(numa_node), numa_id, resource, released)
                found = steps.get(key)
                if found is None or found[0] is not numa_node:
                    self._room()
                    new, left = _released_node(numa_node, numa_id, resource, released)
                    found = steps[key] = (numa_node, self._intern(new), left)
                machine_state[numa_id] = found[1]
                released = found[2]
        state.replace_machine_state(machine_state)


def are_groups_equal(group1: Iterable[int], group2: Iterable[int]) -> bool:
    """Same NUMA ids in any order.

    Mirrors: memorymanager/policy_static.go areGroupsEqual
    """
    return sorted(group1) == sorted(group2)


def update_expected_machine_state(
    expected: dict[int, NUMANodeState], blocks: Iterable[Block], pod_uid: str, container_name: str
) -> str | None:
    """Replay blocks on a default machine state (what ``validate_state`` expects to find).

    Mirrors: memorymanager/policy_static.go updateExpectedMachineState
    """
    for block in blocks:
        requested = block.size
        for numa_id in block.numa_affinity:
            numa_node = expected.get(numa_id)
            if numa_node is None:
                return (
                    f"[memorymanager] (pod: {pod_uid}, container: {container_name}) "
                    "the memory assignment uses the NUMA that does not exist"
                )
            tables = dict(numa_node.memory_map)
            table = tables.get(block.type)
            if table is None:
                return (
                    f"[memorymanager] (pod: {pod_uid}, container: {container_name}) "
                    "the memory assignment uses memory resource that does not exist"
                )
            if requested != 0:
                tables[block.type], requested = _charge(table, requested)
            expected[numa_id] = NUMANodeState(
                numa_node.number_of_assignments + 1, tables, block.numa_affinity
            )
    return None


def _tables_equal(t1: MemoryTable, t2: MemoryTable) -> bool:
    """Mirrors: memorymanager/policy_static.go areMemoryStatesEqual"""
    return (
        t1.total_mem_size == t2.total_mem_size
        and t1.system_reserved == t2.system_reserved
        and t1.allocatable == t2.allocatable
    )


def _group_sum(ms: NUMANodeMap, cells: Iterable[int], resource: str) -> tuple[int, int]:
    free = reserved = 0
    for numa_id in cells:
        table = ms[numa_id].memory_map[resource]
        free += table.free
        reserved += table.reserved
    return free, reserved


def are_machine_states_equal(ms1: NUMANodeMap, ms2: NUMANodeMap) -> bool:
    """Same nodes, assignment counts, groups and table sizes; free and reserved compared as sums
    over each node's group (a cross-NUMA block may be spread differently between the nodes).

    Mirrors: memorymanager/policy_static.go areMachineStatesEqual
    """
    if len(ms1) != len(ms2):
        return False
    for numa_id, n1 in ms1.items():
        n2 = ms2.get(numa_id)
        if n2 is None:
            return False
        if n1.number_of_assignments != n2.number_of_assignments:
            return False
        if not are_groups_equal(n1.cells, n2.cells):
            return False
        if len(n1.memory_map) != len(n2.memory_map):
            return False
        for resource, t1 in n1.memory_map.items():
            t2 = n2.memory_map.get(resource)
            if t2 is None or not _tables_equal(t1, t2):
                return False
            try:
                if _group_sum(ms1, n1.cells, resource) != _group_sum(ms2, n1.cells, resource):
                    return False
            except KeyError:  # the Go code would dereference a missing node or table
                return False
    return True


def validate_state(
    state: MemoryState, machine: Machine, reserved: SystemReservedMemory, pod_level_resource_managers: bool
) -> str | None:
    """Fill an empty machine state with the default one, or check a restored one against the
    machine state the assignments imply.

    Mirrors: memorymanager/policy_static.go validateState
    """
    machine_state = state.get_machine_state()
    assignments = state.get_memory_assignments()
    if not machine_state:
        if assignments:
            return "[memorymanager] machine state can not be empty when it has memory assignments"
        state.set_machine_state(get_default_machine_state(machine, reserved))
        return None
    expected = get_default_machine_state(machine, reserved)
    for pod_uid, containers in assignments.items():
        if pod_level_resource_managers:
            pod_blocks = state.get_pod_memory_blocks(pod_uid)
            if pod_blocks:
                err = update_expected_machine_state(expected, pod_blocks, pod_uid, "")
                if err is not None:
                    return err
                continue
        for name, blocks in containers.items():
            err = update_expected_machine_state(expected, blocks, pod_uid, name)
            if err is not None:
                return err
    if not are_machine_states_equal(machine_state, expected):
        return "[memorymanager] the expected machine state is different from the real one"
    return None
