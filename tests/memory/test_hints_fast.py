"""Memory hints without enumerating masks of idle empty NUMA nodes equal the literal
``calculateHints`` (and the default / extended hint built from it), <= 6 NUMA nodes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.memory.hints import (
    calculate_hints,
    calculate_hints_reference,
    extend_topology_manager_hint,
    find_best_hint,
    get_default_hint,
    is_hint_in_group,
)
from podfit.memory.state import MemoryTable, NUMANodeState
from podfit.model.pod import RESOURCE_MEMORY
from podfit.topology.bitmask import get_bits

HP = "hugepages-2Mi"


def _table(draw: st.DrawFn, empty: bool) -> MemoryTable:
    allocatable = 0 if empty else draw(st.sampled_from([0, 2, 4, 8]))
    free = draw(st.integers(0, allocatable)) if allocatable else 0
    return MemoryTable(allocatable, 0, allocatable, allocatable - free, free)


@st.composite
def states(draw: st.DrawFn) -> tuple[dict[int, NUMANodeState], dict[str, int], dict[int, dict[str, int]]]:
    n = draw(st.integers(1, 6))
    empty = {i for i in range(n) if draw(st.booleans())}  # memory-only nodes without memory
    cells: dict[int, tuple[int, ...]] = {i: (i,) for i in range(n)}
    assigned: dict[int, int] = dict.fromkeys(range(n), 0)
    for _ in range(draw(st.integers(0, 2))):  # a few allocations, single or multi-NUMA groups
        group = tuple(sorted(set(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3)))))
        for node in group:
            cells[node] = group
            assigned[node] += 1
    ms = {}
    for i in range(n):
        tables = {RESOURCE_MEMORY: _table(draw, i in empty)}
        if draw(st.booleans()):
            tables[HP] = _table(draw, i in empty)
        ms[i] = NUMANodeState(assigned[i], tables, cells[i])
    requested = {RESOURCE_MEMORY: draw(st.integers(1, 12))}
    if draw(st.booleans()):
        requested[HP] = draw(st.integers(0, 6))
    reusable: dict[int, dict[str, int]] = {}
    if draw(st.integers(0, 4)) == 0:
        reusable[draw(st.integers(1, (1 << n) - 1))] = {RESOURCE_MEMORY: draw(st.integers(0, 6))}
    return ms, requested, reusable


@settings(max_examples=2000, deadline=None)
@given(states(), st.integers(0, 63))
def test_fast_memory_hints_equal_reference(
    case: tuple[dict[int, NUMANodeState], dict[str, int], dict[int, dict[str, int]]], mask: int
) -> None:
    ms, requested, reusable = case
    fast = calculate_hints(ms, requested, reusable)
    ref = calculate_hints_reference(ms, requested, reusable)
    assert {k: list(v) for k, v in fast.items()} == ref

    ref_mem = ref.get(RESOURCE_MEMORY, [])
    default = get_default_hint(ms, requested, reusable)
    assert default == ((find_best_hint(ref_mem), None) if ref else default)
    if not ref:
        assert default[0] is None

    mask &= (1 << len(ms)) - 1
    if mask:
        filtered = [h for h in ref_mem if is_hint_in_group(get_bits(mask), get_bits(h.numa_affinity or 0))]
        got = extend_topology_manager_hint(ms, requested, reusable, mask)
        if filtered:
            assert got == (find_best_hint(filtered), None)
        else:
            assert got[0] is None and got[1] is not None
