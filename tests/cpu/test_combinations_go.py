"""iterateCombinations with Go's slice semantics: kept combinations are overwritten by later ones
(v1.36.2 takeByTopologyNUMADistributed keeps ``bestCombo`` / ``bestLocalRemainder``; issue 14)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podfit.api.machine_build import synthetic_machine
from podfit.cpu.assignment import iterate_combinations, take_by_topology_numa_distributed
from podfit.cpu.combinations import GoIntSlice, go_append, go_iterate_combinations
from podfit.model.cpuset import format_cpuset, parse_cpuset


def _all(n: list[int], k: int) -> tuple[list[list[int]], list[GoIntSlice]]:
    seen: list[list[int]] = []
    kept: list[GoIntSlice] = []

    def f(s: GoIntSlice) -> bool:
        seen.append(s.values())
        kept.append(s)
        return False

    go_iterate_combinations(n, k, f)
    return seen, kept


def test_append_shares_the_array_while_capacity_lasts() -> None:
    s = GoIntSlice([], 0)
    caps = []
    for x in range(9):
        s = go_append(s, x)
        caps.append(len(s.array))
    assert caps == [1, 2, 4, 4, 8, 8, 8, 8, 16]  # Go's growslice for []int
    base = GoIntSlice([7, 8, 9, 0], 3)
    a, b = go_append(base, 1), go_append(base, 2)
    assert a.array is b.array and a.values() == [7, 8, 9, 2]  # the second append overwrote the first
    full = GoIntSlice([7, 8], 2)
    c, d = go_append(full, 1), go_append(full, 2)
    assert c.values() == [7, 8, 1] and d.values() == [7, 8, 2]  # reallocated: independent


@given(st.lists(st.integers(0, 63), min_size=0, max_size=9, unique=True), st.integers(0, 10))
def test_same_combinations_in_the_same_order_as_seen(n: list[int], k: int) -> None:
    seen, _ = _all(n, k)
    assert seen == list(iterate_combinations(n, k))


@pytest.mark.parametrize(
    ("k", "first_kept"),
    [
        (1, [0]),
        (2, [0, 1]),
        (3, [0, 1, 2]),  # depth 3 reallocates: no sharing
        (4, [0, 1, 2, 7]),  # depth 4 writes into depth 3's spare slot: the last d wins
        (5, [0, 1, 2, 3, 4]),
        (6, [0, 1, 2, 3, 4, 7]),
        (7, [0, 1, 2, 3, 4, 6, 7]),  # slots 5 and 6 rewritten by the last combination of the prefix
        (8, [0, 1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_kept_first_combination_reads_what_later_ones_wrote(k: int, first_kept: list[int]) -> None:
    seen, kept = _all(list(range(8)), k)
    assert seen[0] == list(range(k))
    assert kept[0].values() == first_kept


def test_break_stops_after_the_append() -> None:
    kept: list[GoIntSlice] = []

    def f(s: GoIntSlice) -> bool:
        kept.append(s)
        return len(kept) == 3  # Break on the third

    go_iterate_combinations(list(range(8)), 4, f)
    assert [s.values() for s in kept] == [[0, 1, 2, 5]] * 3  # all three share the array


def test_distributed_uses_the_overwritten_combination() -> None:
    """Oracle case cpu-375 (kubelet v1.36.2, microshift 8e16b12f): 2 sockets x 4 NUMA nodes x 2
    cores x 2 threads, CPU 0 reserved, 14 CPUs with distribute-cpus-across-numa. The best 4-node
    combination found is {1,2,3,4}; the slice kept for it reads {1,2,3,7} once the loop is over, so
    NUMA node 7 gets the CPUs meant for NUMA node 4."""
    m = synthetic_machine(sockets=2, numa_nodes_per_socket=4, cores_per_numa_node=2, threads_per_core=2)
    got = take_by_topology_numa_distributed(m, parse_cpuset("1-31"), 14, 1)
    assert format_cpuset(got) == "2-7,14-15,18-22,30"
