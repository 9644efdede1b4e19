"""AdmitResult's hand-written ``__init__`` behaves as the one ``@dataclass`` would generate."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from podfit.kubelet.result import AdmitResult, CgroupValues, ContainerAssignment, Hint

# the same fields, with the __init__ @dataclass generates: the reference
Generated = dataclasses.make_dataclass(
    "Generated",
    [(f.name, f.type, f) for f in dataclasses.fields(AdmitResult)],
    frozen=True,
)

CONTAINER = ContainerAssignment(name="c0", kind="app", cpus=6, assignment="node_exclusive")
CGROUP = CgroupValues(cpu_shares=2048, cpu_quota_us=-1, cpu_period_us=100000, memory_limit=1 << 30)


class Views:
    """What ``assigned`` hands over: the three views, counted on read."""

    def __init__(self) -> None:
        self.reads = 0

    @property
    def containers(self) -> tuple[ContainerAssignment, ...]:
        self.reads += 1
        return (CONTAINER,)

    @property
    def pod_cgroup(self) -> CgroupValues | None:
        return CGROUP

    @property
    def pod_resources(self) -> None:
        return None


KWARGS: list[dict[str, Any]] = [
    {},
    {"reason": "TopologyAffinityError", "message": "Resources cannot be allocated"},
    {"qos_class": "Guaranteed", "pod_hint": Hint((0,), True), "container_hints": {"c0": Hint((0,), True)}},
    {"pod_cpus": 6, "containers": (CONTAINER,), "default_cpuset": 9, "pod_cgroup": CGROUP},
    {"extra": {"note": 1}, "numa_memory": None},
]


def _values(r: Any) -> dict[str, Any]:
    return {f.name: getattr(r, f.name) for f in dataclasses.fields(AdmitResult) if f.name != "assigned"}


@pytest.mark.parametrize("kwargs", KWARGS)
def test_fields_defaults_and_value_as_generated(kwargs: dict[str, Any]) -> None:
    got = AdmitResult("default/p", "u1", True, **kwargs)
    want = Generated("default/p", "u1", True, **kwargs)  # type: ignore[call-arg]
    assert _values(got) == _values(want)
    assert got == AdmitResult(pod="default/p", uid="u1", admitted=True, **kwargs)
    assert repr(got).replace("AdmitResult", "Generated") == repr(want)
    assert dataclasses.replace(got, admitted=False).admitted is False
    assert pickle.loads(pickle.dumps(got)) == got and copy.deepcopy(got) == got
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.admitted = False  # type: ignore[misc]


def test_extra_is_a_new_dict_each_time() -> None:
    a, b = AdmitResult("p", "u", True), AdmitResult("p", "u", True)
    assert a.extra == {} and a.extra is not b.extra


def test_views_from_assigned_are_built_on_first_read_and_kept() -> None:
    views = Views()
    lazy = AdmitResult("p", "u", True, assigned=views)
    assert views.reads == 0
    assert lazy.containers == (CONTAINER,) and lazy.containers == (CONTAINER,)
    assert views.reads == 1
    eager = AdmitResult("p", "u", True, containers=(CONTAINER,), pod_cgroup=CGROUP)
    assert lazy == eager and repr(lazy) == repr(eager)
    assert pickle.loads(pickle.dumps(AdmitResult("p", "u", True, assigned=Views()))) == eager


def test_given_views_win_over_assigned() -> None:
    views = Views()
    given = AdmitResult("p", "u", True, containers=(), pod_cgroup=None, assigned=views)
    assert given.containers == (CONTAINER,)  # nothing given: the views come from ``assigned``
    other = ContainerAssignment(name="x", kind="app", cpus=1, assignment="node_shared")
    kept = AdmitResult("p", "u", True, containers=(other,), assigned=Views())
    assert kept.containers == (other,) and kept.pod_cgroup is None


GeneratedHint = dataclasses.make_dataclass(
    "GeneratedHint", [(f.name, f.type, f) for f in dataclasses.fields(Hint)], frozen=True
)


@pytest.mark.parametrize(("mask", "preferred"), [((), True), ((0,), False), ((1, 3), True)])
def test_hint_as_generated(mask: tuple[int, ...], preferred: bool) -> None:
    got, want = Hint(mask, preferred), GeneratedHint(mask, preferred)
    assert (got.numa_affinity, got.preferred) == (want.numa_affinity, want.preferred)
    assert repr(got).replace("Hint", "GeneratedHint") == repr(want)
    assert got == Hint(numa_affinity=mask, preferred=preferred) and hash(got) == hash(Hint(mask, preferred))
    assert got != Hint(mask, not preferred)
    assert pickle.loads(pickle.dumps(got)) == got
    assert dataclasses.replace(got, preferred=not preferred).preferred is not preferred
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.preferred = False  # type: ignore[misc]
