"""The direct preferred merge (``best_preferred_merge``, tried first by ``Policy.merge``) equals
the plain steps it fuses and the literal permutation merge (<= 6 NUMA nodes, every policy and
option, plain lists, tuples, hint spaces, foreign bits, "any" and empty hint lists)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology.fastmerge import HintSpace, best_preferred_merge, preferred_merged_masks
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.merge import filter_providers_hints
from podfit.topology.numa_info import NUMAInfo
from podfit.topology.policy import (
    POLICY_NAMES,
    POLICY_NONE,
    POLICY_SINGLE_NUMA_NODE,
    Policy,
    filter_single_numa_hints,
    new_policy,
)

RESOURCES = ["cpu", "memory", "hugepages-2Mi", "gpu"]


@st.composite
def machines(draw: st.DrawFn) -> NUMAInfo:
    n = draw(st.integers(1, 6))
    if draw(st.booleans()):
        nodes = tuple(range(n))
    else:
        nodes = tuple(sorted(draw(st.sets(st.integers(0, 9), min_size=n, max_size=n))))
    # symmetric distances, 10 on the diagonal, few distinct values so ties happen
    pairs = [(i, j) for i in nodes for j in nodes if i < j]
    upper = draw(st.lists(st.sampled_from([11, 12, 20, 21]), min_size=len(pairs), max_size=len(pairs)))
    dist = {**{(i, i): 10 for i in nodes}, **dict(zip(pairs, upper, strict=True))}
    dist.update({(j, i): v for (i, j), v in list(dist.items())})
    width = max(nodes) + 1
    return NUMAInfo(
        nodes=nodes, distances={i: tuple(dist.get((i, j), 0) for j in range(width)) for i in nodes}
    )


@st.composite
def hint_lists(draw: st.DrawFn, info: NUMAInfo, pool: list[int]) -> Sequence[TopologyHint] | None:
    universe = info.default_affinity_mask()
    kind = draw(st.sampled_from(["list", "list", "list", "tuple", "space", "space", "none", "empty"]))
    if kind == "none":
        return None
    if kind == "empty":
        return draw(st.sampled_from([[], ()]))
    if kind == "space":
        nodes = info.nodes
        free = draw(st.integers(0, universe)) & universe
        core_nodes = universe & ~free
        if not core_nodes or not free:
            return [TopologyHint(universe, draw(st.booleans()))]
        raw = draw(st.lists(st.integers(1, universe), max_size=4))
        cores = [c for c in dict.fromkeys(m & core_nodes for m in raw) if c]
        flags = draw(st.integers(0, 255))
        base = [TopologyHint(c, bool(flags >> i & 1)) for i, c in enumerate(cores)]
        return HintSpace(nodes, base, free) if base else base
    hints: list[TopologyHint] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.integers(0, 6))
        if kind <= 3:  # masks shared by the lists, so that preferred merges exist
            mask: int | None = draw(st.sampled_from(pool))
        elif kind == 4:
            mask = draw(st.integers(1, universe)) & universe
        elif kind == 5:
            mask = draw(st.integers(0, (1 << 11) - 1))  # a foreign bit, or an empty mask
        else:
            mask = None
        hints.append(TopologyHint(mask, draw(st.integers(0, 3)) != 3))
    return tuple(hints) if kind == "tuple" else hints


@st.composite
def scenario(draw: st.DrawFn) -> tuple[NUMAInfo, list[ProviderHints]]:
    info = draw(machines())
    universe = info.default_affinity_mask()
    pool = draw(st.lists(st.integers(1, universe).map(lambda m: m & universe), min_size=1, max_size=3))
    providers: list[ProviderHints] = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 6)) == 6:
            providers.append(draw(st.sampled_from([None, {}])))
            continue
        names = RESOURCES[draw(st.integers(0, 3)) :][: draw(st.integers(1, 2))]
        providers.append({name: draw(hint_lists(info, pool)) for name in names})
    size = 1
    for p in providers:
        for hs in (p or {}).values():
            size *= max(1, len(hs or ()))
    assume(size <= 3000)  # keeps the literal merge (the whole product) cheap
    return info, providers


def _plain_best_preferred(d: int, providers: Sequence[ProviderHints], single: bool) -> int | None:
    """The steps the direct path fuses, run one after the other."""
    filtered: list[Sequence[TopologyHint]] = filter_providers_hints(providers)
    if single:
        filtered = filter_single_numa_hints(filtered)  # type: ignore[assignment]
    masks = preferred_merged_masks(d, filtered)
    if not masks:
        return None
    return min(masks, key=lambda m: (m.bit_count(), m))


def _listed(providers: Sequence[ProviderHints]) -> list[ProviderHints]:
    return [
        p if not p else {k: (list(v) if isinstance(v, HintSpace) else v) for k, v in p.items()}
        for p in providers
    ]


@settings(max_examples=2500, deadline=None)
@given(scenario(), st.booleans())
def test_best_preferred_merge_equals_plain_steps(
    case: tuple[NUMAInfo, list[ProviderHints]], single: bool
) -> None:
    info, providers = case
    d = info.default_affinity_mask()
    assert best_preferred_merge(d, providers, single) == _plain_best_preferred(d, providers, single)


@settings(max_examples=2500, deadline=None)
@given(scenario(), st.sampled_from(POLICY_NAMES), st.booleans())
def test_policy_merge_equals_reference_and_plain_fast_merge(
    case: tuple[NUMAInfo, list[ProviderHints]], policy_name: str, closest: bool
) -> None:
    info, providers = case
    opts = TopologyManagerOptions(prefer_closest_numa=closest)
    fast = new_policy(policy_name, info, opts)
    plain = new_policy(policy_name, info, opts)
    object.__setattr__(plain, "_direct", False)  # the merge without the direct path
    got = fast.merge(providers)
    assert got == plain.merge(providers)
    assert got == new_policy(policy_name, info, opts, exact_reference=True).merge(_listed(providers))


def test_direct_path_is_used_only_where_it_is_exact() -> None:
    info = NUMAInfo(nodes=(0, 1))
    for name in POLICY_NAMES:
        for closest in (False, True):
            policy = new_policy(name, info, TopologyManagerOptions(prefer_closest_numa=closest))
            expected = name != POLICY_NONE and (name == POLICY_SINGLE_NUMA_NODE or not closest)
            assert policy._direct is expected
            assert not new_policy(name, info, exact_reference=True)._direct
    # node ids outside 0-63: the merge refuses them per call, as before
    wide = Policy("restricted", NUMAInfo(nodes=(0, 64)))
    assert not wide._direct


def test_other_hint_containers_fall_back_to_the_plain_merge() -> None:
    info = NUMAInfo(nodes=(0, 1))
    hints = [TopologyHint(1, True), TopologyHint(2, True), TopologyHint(3, False)]
    policy = new_policy("restricted", info)
    assert best_preferred_merge(3, [{"cpu": iter(hints)}], False) is None
    # a one-shot iterator is listed by the plain merge (not consumed by the direct pass)
    assert policy.merge([{"cpu": iter(hints)}, {"memory": hints}]) == (TopologyHint(1, True), True)
    assert policy.merge([{"cpu": (h for h in hints if h.numa_affinity != 1)}]) == (
        TopologyHint(2, True),
        True,
    )


def test_cycle_shape() -> None:
    # the admit + release benchmark's pod merge: no devices, CPU and memory with three hints each
    info = NUMAInfo(nodes=(0, 1))
    hints = [TopologyHint(1, True), TopologyHint(2, True), TopologyHint(3, False)]
    for name in ("best-effort", "restricted", "single-numa-node"):
        policy = new_policy(name, info)
        got = policy.merge(({}, {"cpu": hints}, {"memory": hints}))
        assert got == (TopologyHint(1, True), True)
        assert got == new_policy(name, info, exact_reference=True).merge(
            ({}, {"cpu": hints}, {"memory": hints})
        )
    # single-numa-node: a merge spanning every node becomes "any"
    one = NUMAInfo(nodes=(0,))
    assert new_policy("single-numa-node", one).merge([{"cpu": [TopologyHint(1, True)]}]) == (
        TopologyHint(None, True),
        True,
    )
