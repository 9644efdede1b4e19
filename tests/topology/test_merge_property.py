"""The fast merge equals the literal permutation merge (random providers, <= 6 NUMA nodes)."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.fastmerge import _and_convolution_zeta, and_convolution
from podfit.topology.hint import TopologyHint
from podfit.topology.numa_info import NUMAInfo
from podfit.topology.policy import POLICY_NAMES, new_policy

RESOURCES = ["cpu", "memory", "hugepages-2Mi", "gpu"]


def mask_sets(width: int) -> st.SearchStrategy[set[int]]:
    return st.sets(st.integers(0, (1 << width) - 1), max_size=40)


@st.composite
def machines(draw: st.DrawFn) -> NUMAInfo:
    n = draw(st.integers(min_value=1, max_value=6))
    contiguous = draw(st.booleans())
    if contiguous:
        nodes = tuple(range(n))
    else:
        nodes = tuple(sorted(draw(st.sets(st.integers(0, 9), min_size=n, max_size=n))))
    # symmetric distance matrix, 10 on the diagonal, few distinct values so ties happen
    dist: dict[tuple[int, int], int] = {}
    for i in nodes:
        for j in nodes:
            if i == j:
                dist[i, j] = 10
            elif (j, i) in dist:
                dist[i, j] = dist[j, i]
            else:
                dist[i, j] = draw(st.sampled_from([11, 12, 20, 21, 30]))
    width = max(nodes) + 1
    rows = {i: tuple(dist.get((i, j), 0) for j in range(width)) for i in nodes}
    return NUMAInfo(nodes=nodes, distances=rows)


def hints_for(info: NUMAInfo) -> st.SearchStrategy[TopologyHint]:
    universe = info.default_affinity_mask()
    # masks mostly inside the machine, sometimes with a foreign bit (like upstream test data)
    mask = st.one_of(
        st.integers(0, universe).map(lambda m: m & universe),
        st.integers(0, (1 << 11) - 1),
        st.none(),
    )
    return st.builds(TopologyHint, mask, st.booleans())


@st.composite
def scenario(draw: st.DrawFn) -> tuple[NUMAInfo, list]:
    info = draw(machines())
    hint = hints_for(info)
    resource_hints = st.one_of(st.none(), st.lists(hint, min_size=0, max_size=5))
    provider = st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(RESOURCES), resource_hints, max_size=3),
    )
    providers = draw(st.lists(provider, min_size=0, max_size=4))
    # keep the reference merge (which walks the whole product) cheap
    size = 1
    for p in providers:
        for hs in (p or {}).values():
            size *= max(1, len(hs or ()))
    assume(size <= 5000)
    return info, providers


@settings(max_examples=600, deadline=None)
@given(scenario(), st.sampled_from(POLICY_NAMES), st.booleans())
def test_fast_merge_equals_reference(case: tuple[NUMAInfo, list], policy_name: str, closest: bool) -> None:
    info, providers = case
    opts = TopologyManagerOptions(prefer_closest_numa=closest)
    fast = new_policy(policy_name, info, opts).merge(providers)
    ref = new_policy(policy_name, info, opts, exact_reference=True).merge(providers)
    assert fast == ref


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6).flatmap(lambda w: st.tuples(st.just(w), mask_sets(w), mask_sets(w))))
def test_and_convolution(case: tuple[int, set[int], set[int]]) -> None:
    width, left, right = case
    expected = {a & b for a in left for b in right} - {0}
    assert and_convolution(left, right, (1 << width) - 1) == expected
    assert _and_convolution_zeta(left, right, width) == expected


def test_zeta_path_large_sets() -> None:
    # dense sets force the zeta-transform path; compare with the plain product
    left = set(range(0, 256, 3))
    right = set(range(1, 256, 2))
    assert and_convolution(left, right, 255) == {a & b for a in left for b in right} - {0}
