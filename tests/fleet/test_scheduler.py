"""The indexed scheduler picks exactly what filtering and scoring every node picks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.fleet.scheduler import Scheduler
from podfit.fleet.values import SelectorRequirement, SelectorTerm, Taint, Toleration

SHAPES = [
    (14000, 30 << 30, 0, 110),
    (6000, 8 << 30, 2, 4),
    (95000, 384 << 30, 8, 110),
    (3000, 1 << 30, 0, 2),
    (0, 0, 0, 0),  # a node whose kubelet refused to start
]
LABELS = [(), (("pool", "a"),), (("pool", "b"),)]

requests = st.tuples(
    st.integers(0, 16000), st.sampled_from([0, 1 << 20, 512 << 20, 4 << 30, 40 << 30]), st.integers(0, 3)
)


@settings(max_examples=300, deadline=None)
@given(
    nodes=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), min_size=1, max_size=25),
    ops=st.lists(st.tuples(requests, st.booleans(), st.integers(0, 2), st.booleans()), max_size=60),
    most=st.booleans(),
)
def test_pick_equals_scan(nodes: list[tuple[int, int]], ops: list, most: bool) -> None:
    sched = Scheduler([SHAPES[s] for s, _ in nodes], [LABELS[lab] for _, lab in nodes], most)
    placed: list[tuple[int, tuple[int, int, int]]] = []
    for req, remove, sel, odd in ops:
        selector = LABELS[sel]
        check = (lambda n: n % 2 == 1) if odd else None
        got = sched.pick(req, selector, check)
        assert got == sched.pick_by_scan(req, selector, check)
        if remove and placed:
            node, r = placed.pop(0)
            sched.remove(node, r)
        elif got >= 0:
            sched.add(got, req)
            placed.append((got, req))


def test_least_and_most_allocated_prefer_opposite_nodes() -> None:
    sched = Scheduler([SHAPES[0]] * 3, [()] * 3, False)
    sched.add(1, (4000, 1 << 30, 0))
    assert sched.pick((1000, 1 << 20, 0)) == 0  # empty nodes score highest; ties to the lowest index
    most = Scheduler([SHAPES[0]] * 3, [()] * 3, True)
    most.add(1, (4000, 1 << 30, 0))
    assert most.pick((1000, 1 << 20, 0)) == 1


def test_nothing_fits() -> None:
    sched = Scheduler([SHAPES[3]], [()], False)
    assert sched.pick((4000, 0, 0)) == -1
    sched.add(0, (0, 0, 0))
    sched.add(0, (0, 0, 0))
    assert sched.pick((0, 0, 0)) == -1  # no pod slot left


# taints and required node affinity (podfit.fleet.node_filters): the classes are split by taints,
# the filters run once per class and pod signature; the scan evaluates them node by node
TAINTS = [
    (),
    (Taint("gpu", "true", "NoSchedule"),),
    (Taint("gpu", "true", "NoSchedule"), Taint("node.kubernetes.io/unschedulable", "", "NoSchedule")),
    (Taint("spot", "", "NoExecute"),),
]
TOLERATIONS = [
    (),
    (Toleration("gpu", "Exists"),),
    (Toleration("", "Exists"),),
    (Toleration("spot", "Equal", "", "NoExecute"), Toleration("gpu", "Equal", "true", "NoSchedule")),
]
AFFINITIES: list[tuple[SelectorTerm, ...] | None] = [
    None,
    (SelectorTerm((SelectorRequirement("pool", "In", ("a",)),)),),
    (
        SelectorTerm((SelectorRequirement("pool", "NotIn", ("a",)),)),
        SelectorTerm((SelectorRequirement("pool", "Exists"),)),
    ),
    (SelectorTerm((SelectorRequirement("pool", "DoesNotExist"),)),),
    (SelectorTerm(match_fields=(SelectorRequirement("metadata.name", "In", ("n3",)),)),),
    (
        SelectorTerm(
            (SelectorRequirement("pool", "In", ("b",)),),
            (SelectorRequirement("metadata.name", "NotIn", ("n1",)),),
        ),
        SelectorTerm((SelectorRequirement("pool", "Gt", ("1",)),)),
    ),
    (),
]


@settings(max_examples=300, deadline=None)
@given(
    nodes=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 2), st.integers(0, len(TAINTS) - 1)),
        min_size=1,
        max_size=25,
    ),
    ops=st.lists(
        st.tuples(
            requests,
            st.booleans(),
            st.integers(0, len(AFFINITIES) - 1),
            st.integers(0, len(TOLERATIONS) - 1),
            st.booleans(),
            st.integers(-1, 24),
        ),
        max_size=60,
    ),
    most=st.booleans(),
)
def test_pick_equals_scan_with_taints_and_affinity(
    nodes: list[tuple[int, int, int]], ops: list, most: bool
) -> None:
    sched = Scheduler(
        [SHAPES[s] for s, _, _ in nodes],
        [LABELS[lab] for _, lab, _ in nodes],
        most,
        [TAINTS[t] for _, _, t in nodes],
        [f"n{i}" for i in range(len(nodes))],
    )
    placed: list[tuple[int, tuple[int, int, int]]] = []
    for req, remove, aff, tol, odd, bound in ops:
        affinity, tolerations = AFFINITIES[aff], TOLERATIONS[tol]
        check = (lambda n: n % 2 == 1) if odd else None
        got = sched.pick(req, (), check, affinity, tolerations)
        assert got == sched.pick_by_scan(req, (), check, affinity, tolerations)
        node = min(bound, len(nodes) - 1)
        on = sched.pick_node(node, req, (), None, affinity, tolerations)
        assert on == (
            node if node >= 0 and sched.fits(node, req) and sched.passes(node, affinity, tolerations) else -1
        )
        assert sched.pick_node(node, req, (), None, affinity, tolerations, mirror=True) == (
            node if node >= 0 and sched.fits(node, req) else -1
        )
        if remove and placed:
            n, r = placed.pop(0)
            sched.remove(n, r)
        elif got >= 0:
            sched.add(got, req)
            placed.append((got, req))


def test_taints_keep_pods_off_unless_tolerated() -> None:
    """A tainted empty node scores best, yet only a pod tolerating its taint goes there; a pod whose
    affinity asks for pool a goes to a pool-a node even if another one scores better."""
    sched = Scheduler(
        [SHAPES[0]] * 3, [(("pool", "a"),), (), ()], False, [(), TAINTS[1], ()], ["n0", "n1", "n2"]
    )
    sched.add(0, (4000, 1 << 30, 0))
    sched.add(2, (2000, 1 << 30, 0))
    assert sched.pick((1000, 0, 0)) == 2
    assert sched.pick((1000, 0, 0), tolerations=TOLERATIONS[1]) == 1
    assert sched.pick((1000, 0, 0), affinity=AFFINITIES[1], tolerations=TOLERATIONS[2]) == 0
    assert sched.pick((1000, 0, 0), affinity=AFFINITIES[6]) == -1  # required, no term: nothing
