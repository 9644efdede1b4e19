"""The pure drift checks, as a table of states and as invariants; every finding is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podfit.live import drift
from podfit.live.drift import CPUCheckpoint, MemoryCheckpoint, PodInfo
from podfit.live.values import ContainerResources, PodResources

ALL = (1 << 16) - 1  # CPUs 0-15
RESERVED = 0b1  # CPU 0


def m(*cpus: int) -> int:
    return sum(1 << c for c in cpus)


def pod(uid: str, *containers: str, exclusive: tuple[str, ...] = (), active: bool = True) -> PodInfo:
    return PodInfo(uid, f"default/{uid}", containers, containers, frozenset(exclusive), active)


CASES = [
    # (name, checkpoint, pods, expected kinds)
    (
        "consistent",
        CPUCheckpoint(ALL & ~m(1, 2), {"a": {"c": m(1, 2)}}, {}),
        {"a": pod("a", "c", exclusive=("c",))},
        [],
    ),
    ("deleted pod", CPUCheckpoint(ALL & ~m(1, 2), {"a": {"c": m(1, 2)}}, {}), {}, ["deleted-pod"]),
    (
        "terminated pod",
        CPUCheckpoint(ALL & ~m(1, 2), {"a": {"c": m(1, 2)}}, {}),
        {"a": pod("a", "c", exclusive=("c",), active=False)},
        ["deleted-pod"],
    ),
    (
        "unknown container",
        CPUCheckpoint(ALL & ~m(1, 2), {"a": {"x": m(1, 2)}}, {}),
        {"a": pod("a", "c")},
        ["unknown-container"],
    ),
    (
        "missing container",
        CPUCheckpoint(ALL & ~m(1), {"a": {"c": m(1)}}, {}),
        {"a": pod("a", "c", "d", exclusive=("c", "d"))},
        ["missing-container"],
    ),
    (
        "held by nobody",
        CPUCheckpoint(ALL & ~m(1, 2, 3), {"a": {"c": m(1, 2)}}, {}),
        None,
        ["cpus-held-by-nobody"],
    ),
    (
        "in the shared pool too",
        CPUCheckpoint(ALL & ~m(1), {"a": {"c": m(1, 2)}}, {}),
        None,
        ["cpu-owned-twice"],
    ),
    (
        "two pods",
        CPUCheckpoint(ALL & ~m(1, 2, 3), {"a": {"c": m(1, 2)}, "b": {"c": m(2, 3)}}, {}),
        None,
        ["cpu-owned-twice"],
    ),
    (
        "two slices of one pod",
        CPUCheckpoint(ALL & ~m(1, 2, 3), {"a": {"c": m(1, 2), "d": m(2, 3)}}, {}),
        {"a": pod("a", "c", "d", exclusive=("c", "d"))},
        ["cpu-owned-twice"],
    ),
    (
        "pod-shared containers share one set",
        CPUCheckpoint(
            ALL & ~m(1, 2, 3, 4), {"a": {"db": m(1, 2), "s1": m(3, 4), "s2": m(3, 4)}}, {"a": m(1, 2, 3, 4)}
        ),
        {"a": pod("a", "db", "s1", "s2", exclusive=("db",))},
        [],
    ),
    (
        "budget does not cover",
        CPUCheckpoint(ALL & ~m(1, 2, 3), {"a": {"db": m(1, 2, 3)}}, {"a": m(1, 2)}),
        {"a": pod("a", "db", exclusive=("db",))},
        ["budget-does-not-cover"],
    ),
]


@pytest.mark.parametrize(("name", "cp", "pods", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_cpu_findings(
    name: str, cp: CPUCheckpoint, pods: dict[str, PodInfo] | None, kinds: list[str]
) -> None:
    assert [f.kind for f in drift.cpu_findings(ALL, RESERVED, cp, pods)] == kinds


def test_init_container_reuse_is_not_a_double_owner() -> None:
    cp = CPUCheckpoint(ALL & ~m(1, 2), {"a": {"init": m(1, 2), "app": m(1)}}, {})
    info = PodInfo(
        "a", "default/a", ("init", "app"), ("app",), frozenset({"init", "app"}), True, frozenset({"init"})
    )
    assert drift.cpu_findings(ALL, RESERVED, cp, {"a": info}) == []


def test_memory_findings() -> None:
    mem = MemoryCheckpoint(
        {
            "a": {"c": (("memory", 1 << 30, (1,)),), "ghost": (("memory", 1, (0,)),)},
            "gone": {"c": (("memory", 5, (0,)),)},
        },
        {"a": (("memory", 2 << 30, (0,)),)},
    )
    got = drift.memory_findings(mem, {"a": pod("a", "c")})
    assert [f.kind for f in got] == ["unknown-container", "budget-does-not-cover", "deleted-pod"]


def test_podresources_findings() -> None:
    cp = CPUCheckpoint(ALL & ~m(1, 2), {"a": {"c": m(1, 2)}}, {})
    listed = [
        PodResources("a", "default", (ContainerResources("c", (1, 3)),)),
        PodResources("stranger", "default", (ContainerResources("c", ()),)),
    ]
    pods = {"a": pod("a", "c", exclusive=("c",)), "b": pod("b", "c")}
    assert [f.kind for f in drift.podresources_findings(cp, listed, pods)] == [
        "podresources-mismatch",
        "not-in-pod-list",
        "not-in-podresources",
    ]


def test_match_uids_names_pods_by_their_cpu_sets() -> None:
    cp = CPUCheckpoint(0, {"u1": {"c": m(1, 2)}, "u2": {"c": m(3)}, "u3": {"c": m(9)}}, {})
    listed = [
        PodResources("p1", "ns", (ContainerResources("c", (1, 2)),)),
        PodResources("p2", "ns", (ContainerResources("c", (3,)),)),
        PodResources("p3", "ns", (ContainerResources("c", (3,)),)),  # ambiguous with p2
    ]
    assert drift.match_uids(cp, listed) == {"u1": "ns/p1"}


@st.composite
def consistent_states(draw: st.DrawFn) -> tuple[CPUCheckpoint, dict[str, PodInfo]]:
    """CPUs 1-15 dealt out to pods (one exclusive container each) or left in the shared pool."""
    owner = draw(st.lists(st.integers(-1, 4), min_size=15, max_size=15))
    entries: dict[str, dict[str, int]] = {}
    default = RESERVED
    for cpu, o in enumerate(owner, start=1):
        if o < 0:
            default |= 1 << cpu
        else:
            entries.setdefault(f"p{o}", {}).setdefault("c", 0)
            entries[f"p{o}"]["c"] |= 1 << cpu
    pods = {uid: pod(uid, "c", exclusive=("c",)) for uid in entries}
    return CPUCheckpoint(default, entries, {}), pods


@given(consistent_states(), st.integers(1, 15))
def test_a_consistent_state_has_no_findings_and_one_leak_is_found(
    state: tuple[CPUCheckpoint, dict[str, PodInfo]], cpu: int
) -> None:
    cp, pods = state
    assert drift.cpu_findings(ALL, RESERVED, cp, pods) == []
    leaked = CPUCheckpoint(
        cp.default & ~(1 << cpu),
        {u: {c: v & ~(1 << cpu) for c, v in cs.items()} for u, cs in cp.entries.items()},
        {},
    )
    found = drift.cpu_findings(ALL, RESERVED, leaked, pods)
    nobody = [f for f in found if f.kind == "cpus-held-by-nobody"]
    assert len(nobody) == 1 and nobody[0].cpus == 1 << cpu


def test_every_finding_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "live-node.md").read_text()
    assert all(f"| `{kind}` |" in doc for kind in drift.KINDS)
