"""The indexed scheduler picks exactly what filtering and scoring every node picks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.fleet.scheduler import Scheduler

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
