"""The fast CPU assignment against its literal kubelet-order reference (issue 14).

Random machines with 1-4 L3 (uncore) groups per NUMA node, 1-8 NUMA nodes, SMT on and off (and
now and then the cAdvisor layout with one L3 per socket), random free CPUs and requests:

* the accumulator: ``take_numa_packed`` (fast) == ``take_by_topology_numa_packed_reference``
  (a step-by-step port of ``takeByTopologyNUMAPacked`` with its uncore-cache step), both sorting
  strategies, uncore alignment on and off -- the same CPUs or the same error text;
* the static policy: ``allocate_cpus`` (hint-aligned take, then the rest) with every valid
  option mix, fast policy vs ``exact_reference=True`` -- the same CPUs and the same shared pool.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.api.machine_build import synthetic_machine
from podfit.cpu.accumulator import TopologyIndex
from podfit.cpu.assignment import CPUAssignmentError, take_numa_packed
from podfit.cpu.assignment_reference import take_by_topology_numa_packed_reference
from podfit.cpu.policy_static import StaticPolicy, new_static_policy
from podfit.cpu.state import CPUState
from podfit.model.cpuset import cpus, mask
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine
from podfit.model.policy_options import CPUManagerOptions

SHAPES = [(1, 1), (2, 1), (1, 2), (3, 1), (1, 3), (2, 2), (4, 1), (1, 4), (4, 2), (2, 4), (8, 1)]


@st.composite
def machines(draw: st.DrawFn) -> Machine:
    sockets, nps = draw(st.sampled_from(SHAPES))
    uncores = draw(st.integers(1, 4))
    per_group = draw(st.integers(1, 3))
    threads = draw(st.sampled_from([1, 2]))
    while sockets * nps * uncores * per_group * threads > 96 and per_group > 1:
        per_group -= 1
    return synthetic_machine(
        sockets=sockets,
        numa_nodes_per_socket=nps,
        cores_per_numa_node=uncores * per_group,
        threads_per_core=threads,
        uncore_caches_per_numa_node=uncores,
        uncore_per_socket=draw(st.booleans()) and draw(st.booleans()),
    )


@st.composite
def free_cpus(draw: st.DrawFn, machine: Machine) -> int:
    """Whole NUMA nodes, L3 groups and cores taken away now and then, single CPUs too."""
    free = machine.all_cpus
    for groups in (machine.numa_cpus, machine.uncore_cpus, machine.core_cpus):
        for m in groups.values():
            if draw(st.integers(0, 9)) == 0:
                free &= ~m
    for cpu in cpus(machine.all_cpus):
        if draw(st.integers(0, 7)) == 0:
            free &= ~(1 << cpu)
    return free


def _run(f: object, *args: object) -> tuple[str, object]:
    try:
        return "ok", f(*args)  # type: ignore[operator]
    except CPUAssignmentError as exc:
        return "error", str(exc)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_packed_take_matches_the_literal_reference(data: st.DataObject) -> None:
    machine = data.draw(machines())
    free = data.draw(free_cpus(machine))
    n = data.draw(st.integers(0, free.bit_count() + 1))
    sorting = data.draw(st.sampled_from(["packed", "spread"]))
    uncore = data.draw(st.booleans()) or sorting == "packed"
    fast = _run(take_numa_packed, TopologyIndex.of(machine), free, n, sorting, uncore)
    ref = _run(take_by_topology_numa_packed_reference, machine, free, n, sorting, uncore)
    assert fast == ref


OPTION_MIXES = [
    CPUManagerOptions(prefer_align_by_uncore_cache=True, **dict.fromkeys(extra, True))
    for extra in [
        (),
        ("full_physical_cpus_only",),
        ("strict_cpu_reservation",),
        ("align_by_socket",),
        ("full_physical_cpus_only", "strict_cpu_reservation"),
        ("full_physical_cpus_only", "align_by_socket"),
        ("strict_cpu_reservation", "align_by_socket"),
        ("full_physical_cpus_only", "strict_cpu_reservation", "align_by_socket"),
    ]
] + [
    CPUManagerOptions(),
    CPUManagerOptions(distribute_cpus_across_cores=True),
    CPUManagerOptions(distribute_cpus_across_numa=True),
    CPUManagerOptions(distribute_cpus_across_numa=True, full_physical_cpus_only=True),
]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_policy_allocation_matches_the_literal_reference(data: st.DataObject) -> None:
    machine = data.draw(machines())
    options = data.draw(st.sampled_from(OPTION_MIXES))
    if options.align_by_socket and machine.num_sockets > machine.num_numa_nodes_with_cpus:
        options = replace(options, align_by_socket=False)  # the kubelet refuses the mix
    reserved = data.draw(st.integers(1, 3))
    gates = FeatureGates({"CPUManagerPolicyAlphaOptions": True, "CPUManagerPolicyBetaOptions": True})
    fast = new_static_policy(machine, reserved, 0, options, gates, "best-effort")
    if not isinstance(fast, StaticPolicy):
        return  # refused (not enough CPUs to reserve): nothing to compare
    ref = replace(fast, exact_reference=True)
    pool = data.draw(free_cpus(machine)) | fast.reserved_cpus
    if options.strict_cpu_reservation:
        pool &= ~fast.reserved_cpus
    n = data.draw(st.integers(1, max(1, (pool & ~fast.reserved_cpus).bit_count() + 1)))
    numa_ids = sorted(machine.numa_cpus)
    affinity = data.draw(st.none() | st.sets(st.sampled_from(numa_ids), min_size=1).map(mask))
    reusable = pool & data.draw(st.integers(0, machine.all_cpus))
    results = []
    for policy in (fast, ref):
        state = CPUState(pool)
        got = policy.allocate_cpus(state, n, affinity, reusable)
        results.append((got, state.get_default_cpu_set()))
    assert results[0] == results[1]
