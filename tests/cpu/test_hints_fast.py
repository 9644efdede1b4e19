"""The fast CPU hint generator equals the literal one (random machines, <= 6 NUMA nodes)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.cpu.hints import generate_cpu_topology_hints, generate_cpu_topology_hints_reference
from podfit.model.machine import Machine
from podfit.model.machine_build import synthetic_machine
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
