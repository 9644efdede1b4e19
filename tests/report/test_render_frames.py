"""CPU owners per step (``podfit.report.frames``): synthetic result documents, table-driven,
plus invariants over every example scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from podfit.io.scenario import load_default_scenario, load_scenario
from podfit.kubelet.simulation import simulate
from podfit.model.cpuset import cpus, parse_cpuset
from podfit.report.frames import build_frames, pod_labels
from podfit.report.json_result import result_to_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIOS = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".expected.yaml"))


def _node(n: int = 8, reserved: str = "0", default: str = "0-7") -> dict[str, Any]:
    # 8 CPUs, 2 threads per core, one socket, two NUMA nodes (cores 0-1 on NUMA 0)
    rows = [[c, c % 4, 0, (c % 4) // 2] for c in range(n)]
    return {"cpuTopology": rows, "reservedCPUs": reserved, "initialDefaultCPUSet": default}


def _c(name: str, assignment: str, cpus_: str | None, kind: str = "app") -> dict[str, Any]:
    return {"name": name, "kind": kind, "cpus": cpus_, "assignment": assignment}


def _add(
    pod: str,
    containers: list[dict[str, Any]],
    default: str,
    pod_cpus: str | None = None,
    admitted: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    step = {
        "op": "add",
        "pod": pod,
        "admitted": admitted,
        "reason": None,
        "message": None,
        "podCPUs": pod_cpus,
        "containers": containers if admitted else [],
        "defaultCPUSet": default,
    }
    step.update(extra)
    return step


def _owners(frame: Any) -> dict[int, tuple[str, str | None, tuple[str, ...]]]:
    return {c: (o.kind, o.pod, o.containers) for c, o in frame.owners.items()}


# (description, document, step index, {cpu: (kind, pod, containers)} for the CPUs that matter)
CASES: list[tuple[str, dict[str, Any], int, dict[int, tuple[str, str | None, tuple[str, ...]]]]] = [
    (
        "initial state: reserved CPU also in the shared pool, the rest node shared",
        {"node": _node(), "error": None, "steps": []},
        0,
        {0: ("reserved", None, ()), 1: ("node-shared", None, ()), 7: ("node-shared", None, ())},
    ),
    (
        "pod-level: exclusive slice, pod shared pool and unused budget",
        {
            "node": _node(),
            "error": None,
            "steps": [
                _add(
                    "ns/db",
                    [_c("side", "pod_shared", "5", "sidecar"), _c("db", "pod_exclusive", "1-2")],
                    "0,7",
                    pod_cpus="1-6",
                )
            ],
        },
        1,
        {
            1: ("exclusive", "ns/db", ("db",)),
            2: ("exclusive", "ns/db", ("db",)),
            5: ("pod-shared", "ns/db", ("side",)),
            3: ("pod-free", "ns/db", ()),
            6: ("pod-free", "ns/db", ()),
            7: ("node-shared", None, ()),
            0: ("reserved", None, ()),
        },
    ),
    (
        "container-level exclusive plus a container in the node shared pool",
        {
            "node": _node(),
            "error": None,
            "steps": [
                _add("ns/a", [_c("main", "node_exclusive", "2-3"), _c("log", "node_shared", None)], "0-1,4-7")
            ],
        },
        1,
        {
            2: ("exclusive", "ns/a", ("main",)),
            3: ("exclusive", "ns/a", ("main",)),
            4: ("node-shared", None, ()),
        },
    ),
    (
        "init container CPUs reused by the app container: the app container first",
        {
            "node": _node(),
            "error": None,
            "steps": [
                _add(
                    "ns/i",
                    [_c("setup", "node_exclusive", "2-5", "init"), _c("app", "node_exclusive", "2-3")],
                    "0-1,6-7",
                )
            ],
        },
        1,
        {
            2: ("exclusive", "ns/i", ("app", "setup")),
            4: ("exclusive", "ns/i", ("setup",)),
            6: ("node-shared", None, ()),
        },
    ),
    (
        "a rejected pod changes nothing",
        {
            "node": _node(),
            "error": None,
            "steps": [
                _add("ns/a", [_c("main", "node_exclusive", "2-3")], "0-1,4-7"),
                _add("ns/b", [], "0-1,4-7", admitted=False, reason="TopologyAffinityError", message="m"),
            ],
        },
        2,
        {2: ("exclusive", "ns/a", ("main",)), 4: ("node-shared", None, ())},
    ),
    (
        "removing a pod returns its CPUs to the node shared pool",
        {
            "node": _node(),
            "error": None,
            "steps": [
                _add("ns/a", [_c("main", "node_exclusive", "2-3")], "0-1,4-7"),
                {"op": "remove", "pod": "ns/a", "removed": True, "defaultCPUSet": "0-7"},
            ],
        },
        2,
        {2: ("node-shared", None, ()), 3: ("node-shared", None, ())},
    ),
    (
        "strict reservation: reserved CPU out of the shared pool is still 'reserved'; a CPU in no pool",
        {"node": _node(reserved="0", default="1-6"), "error": None, "steps": []},
        0,
        {0: ("reserved", None, ()), 3: ("node-shared", None, ()), 7: ("unassigned", None, ())},
    ),
]


@pytest.mark.parametrize(("doc", "index", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_owners(doc: dict[str, Any], index: int, expected: dict[int, Any]) -> None:
    frames = build_frames(doc)
    assert len(frames) == len(doc["steps"]) + 1
    got = _owners(frames[index])
    assert {c: got[c] for c in expected} == expected


def test_statuses_reasons_and_labels() -> None:
    doc = {
        "node": _node(),
        "error": None,
        "steps": [
            _add("ns/a", [_c("main", "node_exclusive", "2-3")], "0-1,4-7"),
            _add("ns/b", [], "0-1,4-7", admitted=False, reason="SMTAlignmentError", message="odd"),
            {"op": "remove", "pod": "ns/zz", "removed": False, "defaultCPUSet": "0-1,4-7"},
            {"op": "remove", "pod": "ns/a", "removed": True, "defaultCPUSet": "0-7"},
            _add("ns/c", [_c("main", "node_exclusive", "4")], "0-3,5-7"),
        ],
    }
    frames = build_frames(doc)
    assert [f.status for f in frames] == [
        "initial",
        "admitted",
        "rejected",
        "not-on-node",
        "removed",
        "admitted",
    ]
    assert (frames[2].reason, frames[2].message) == ("SMTAlignmentError", "odd")
    assert [p.name for p in frames[1].pods] == ["ns/a"] and frames[4].pods == ()
    assert pod_labels(doc) == {"ns/a": "P1", "ns/c": "P2"}
    assert frames[1].kinds == ("reserved", "node-shared", "exclusive")


def test_refused_kubelet() -> None:
    doc = {
        "node": _node(reserved="", default=""),
        "error": {"reason": "CPUManagerError", "message": "bad"},
        "steps": [],
    }
    (frame,) = build_frames(doc)
    assert (frame.status, frame.reason, frame.title) == (
        "refused",
        "CPUManagerError",
        "Kubelet refuses to start",
    )
    assert {o.kind for o in frame.owners.values()} == {"unassigned"}


def test_memory_is_taken_from_the_step() -> None:
    mem = {"0": {"memory": {"allocatable": 10, "reserved": 4, "free": 6}}}
    doc = {
        "node": _node(),
        "error": None,
        "steps": [
            _add("ns/a", [], "0-7", nodeMemory=mem),
            _add("ns/b", [], "0-7", admitted=False, reason="TopologyAffinityError", message="m"),
            {"op": "remove", "pod": "ns/a", "removed": True, "defaultCPUSet": "0-7"},
        ],
    }
    frames = build_frames(doc)
    # before any pod: nothing assigned; a rejection changes nothing; a removal without a table shows none
    assert frames[0].memory == {"0": {"memory": {"allocatable": 10, "reserved": 0, "free": 10}}}
    assert frames[1].memory == mem and frames[2].memory == mem and frames[3].memory is None
    plain = {"node": _node(), "error": None, "steps": [_add("ns/a", [], "0-7")]}
    assert [f.memory for f in build_frames(plain)] == [None, None]


def test_default_scenario_by_hand() -> None:
    """The built-in scenario: 32 CPUs, CPU 0 reserved; orders-db-0 on NUMA 0 (exclusive 1-3,17-19,
    pod shared 4,20), orders-db-1 and -2 on NUMA 1, orders-db-3 rejected, db-0 removed, db-4 on NUMA 0."""
    frames = build_frames(result_to_json(simulate(load_default_scenario())))
    assert [f.status for f in frames] == [
        "initial",
        "admitted",
        "admitted",
        "admitted",
        "rejected",
        "removed",
        "admitted",
    ]
    first = frames[1]
    assert sorted(c for c, o in first.owners.items() if o.kind == "exclusive") == [1, 2, 3, 17, 18, 19]
    assert sorted(c for c, o in first.owners.items() if o.kind == "pod-shared") == [4, 20]
    assert first.owners[4].containers == ("metrics-exporter", "backup-agent")
    counts = [sum(o.kind == "exclusive" for o in f.owners.values()) for f in frames]
    assert counts == [0, 6, 12, 18, 18, 12, 18]
    assert [sum(o.kind == "node-shared" for o in f.owners.values()) for f in frames] == [
        31,
        23,
        15,
        7,
        7,
        15,
        7,
    ]


def _docs() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in SCENARIOS]


@pytest.mark.parametrize("path", _docs())
def test_invariants_on_examples(path: Path) -> None:
    """Every CPU has exactly one owner; node-shared CPUs are the shared pool less reserved CPUs;
    exclusive and pod-shared CPUs are exactly those the pods on the node hold."""
    doc = result_to_json(simulate(load_scenario(path)))
    frames = build_frames(doc)
    all_cpus = {r[0] for r in doc["node"]["cpuTopology"]}
    reserved = set(cpus(parse_cpuset(doc["node"]["reservedCPUs"] or "")))
    for frame in frames:
        assert set(frame.owners) == all_cpus
        shared = set(cpus(frame.default_cpuset))
        node_shared = {c for c, o in frame.owners.items() if o.kind == "node-shared"}
        assert node_shared == shared - reserved - {c for p in frame.pods for c in cpus(p.pod_cpus or 0)}
        held = {
            c
            for p in frame.pods
            for k in p.containers
            if k.assignment in ("node_exclusive", "pod_exclusive")
            for c in cpus(k.cpus or 0)
        }
        assert {c for c, o in frame.owners.items() if o.kind == "exclusive"} == held
        assert all(o.kind != "exclusive" or o.pod for o in frame.owners.values())
