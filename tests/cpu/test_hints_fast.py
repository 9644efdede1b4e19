"""The fast CPU hint generator equals the literal one (random machines, <= 6 NUMA nodes)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.api.machine_build import synthetic_machine
from podfit.cpu.hints import generate_cpu_topology_hints, generate_cpu_topology_hints_reference
from podfit.model.machine import Machine
from podfit.model.policy_options import CPUManagerOptions


@st.composite
def cases(draw: st.DrawFn) -> tuple[Machine, CPUManagerOptions, int, int, int]:
    sockets = draw(st.integers(1, 3))
    nps = draw(st.integers(1, max(1, 6 // sockets)))
    machine = synthetic_machine(
        sockets=sockets,
        numa_nodes_per_socket=nps,
        cores_per_numa_node=draw(st.integers(1, 3)),
        threads_per_core=draw(st.integers(1, 2)),
    )
    every = machine.all_cpus
    n = every.bit_length()
    available = draw(st.integers(0, (1 << n) - 1)) & every
    # reusable CPUs: usually inside the machine, sometimes one outside it
    reusable = draw(st.integers(0, (1 << n) - 1)) & every & draw(st.sampled_from([0, 0, 0b1010, -1]))
    if draw(st.integers(0, 20)) == 0:
        reusable |= 1 << (n + 1)
    request = draw(st.integers(1, every.bit_count() + 1))
    options = CPUManagerOptions(align_by_socket=draw(st.booleans()))
    return machine, options, available, reusable, request


@settings(max_examples=3000, deadline=None)
@given(cases())
def test_fast_cpu_hints_equal_reference(case: tuple[Machine, CPUManagerOptions, int, int, int]) -> None:
    machine, options, available, reusable, request = case
    fast = generate_cpu_topology_hints(machine, options, available, reusable, request)
    assert fast == generate_cpu_topology_hints_reference(machine, options, available, reusable, request)


def _with_sparse_numa_ids(machine: Machine, gaps: list[int]) -> Machine:
    """The same machine with NUMA node i renumbered ``i + sum(gaps[:i + 1])`` (memory-only nodes
    in the gaps), so node ids are not 0..n-1."""
    new_id, acc = {}, 0
    for i, node in enumerate(machine.numa_nodes):
        acc += gaps[i % len(gaps)]
        new_id[node.id] = node.id + acc
    nodes = []
    for node in machine.numa_nodes:
        if new_id[node.id] > 0 and new_id[node.id] - 1 not in new_id.values():
            nodes.append(dataclasses.replace(node, id=new_id[node.id] - 1))  # a memory-only node
        nodes.append(dataclasses.replace(node, id=new_id[node.id]))
    cpus = tuple(dataclasses.replace(c, numa=new_id[c.numa]) for c in machine.cpus)
    return Machine(cpus=cpus, numa_nodes=tuple(nodes))


@settings(max_examples=500, deadline=None)
@given(cases(), st.lists(st.integers(0, 2), min_size=1, max_size=4))
def test_fast_cpu_hints_equal_reference_sparse_numa_ids(
    case: tuple[Machine, CPUManagerOptions, int, int, int], gaps: list[int]
) -> None:
    machine, options, available, reusable, request = case
    machine = _with_sparse_numa_ids(machine, gaps)
    fast = generate_cpu_topology_hints(machine, options, available, reusable, request)
    assert fast == generate_cpu_topology_hints_reference(machine, options, available, reusable, request)
