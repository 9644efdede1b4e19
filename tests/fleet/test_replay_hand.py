"""Issue 16 acceptance: a hand-checked 3-node, 20-pod replay.

Hand count
----------
Nodes: 3 x 16 CPUs, 64 GiB, ``--sockets 2`` -> 2 NUMA nodes of 4 cores x 2 threads (8 CPUs) and
32 GiB each; reservedSystemCPUs = CPUs 0 and 8 (core 0, NUMA 0) -> free exclusive CPUs per node:
NUMA 0 = 6, NUMA 1 = 8; allocatable CPU 14000m. Topology policy single-numa-node, per-container
model (container scope), no sidecars; LeastAllocated, ties to the lowest node; back-off 1, 2, 4, 8,
10 s; 5 retries (tries at a+1, a+3, a+7, a+15, a+25 for a pod created at a).

* p0-p2 (t=0,1,2): Guaranteed 10 CPUs. While some node has 10000m unrequested the scheduler
  sends them there and the kubelet rejects them (no NUMA node has 10 free CPUs):
  TopologyAffinityError for p0 at t=0, 1, 3 (node0, node0, node1), p1 at 1, 2, 4 (node0, node0,
  node2), p2 at 2, 3 (node0, node1) = 8. From t=5 no node has 10000m free: their later tries are
  unschedulable (p0 at 7, 15, 25; p1 at 8, 16, 26; p2 at 5, 9, 17, 27) and the last one decides
  the final outcome: ``unschedulable`` x 3.
* p3-p8 (t=3..8): Guaranteed 6 CPUs. Round robin node0, node1, node2, node0, node1, node2 (equal
  scores go to the lowest index); first on a node takes NUMA 0 (exactly 6 free), the second NUMA 1.
  p3 lives 20 s (leaves at t=23), the others stay.
* p9-p11 (t=9,10,11): Guaranteed 2 CPUs -> node0, node1, node2 (2000m left each), NUMA 1.
  Every node is now fully requested (14000m).
* p12-p19 (t=12..19): Burstable 1 CPU. Unschedulable until p3 leaves at t=23 (6000m free on
  node0). First tries at or after 23 (departures run first at an instant): p16 at 23 (17, 19, 23),
  p17 at 24, p18 at 25, p19 at 26, p12 at 27 (13, 15, 19, 27), p13 at 28 -> node0 full again; p14
  (tries 29, 39) and p15 (30, 40) give up: ``unschedulable`` x 2 more.

Totals: 15 pods ran, 5 unschedulable; retries 3x5 + p12 4 + p13 4 + p14 5 + p15 5 + p16..p19
3 each = 45; pending time p12 and p13 15 s, p16..p19 7 s; 9 Guaranteed pods ran, all NUMA-aligned; 36 CPUs
held at the end (p4..p8 6 each + p9..p11 2 each).
"""

from __future__ import annotations

import dataclasses

from podfit.fleet import CellInputs, FleetConfig, MappingPolicy, NodeRow, PodRow, run_config

MAPPING = MappingPolicy(sockets=2, sidecar_share=0.0)
CONFIG = FleetConfig(
    model="per-container", policy="single-numa-node", mapping=MAPPING, sample_interval_ms=5000
)


def _cell() -> CellInputs:
    nodes = tuple(NodeRow(f"node{i}", 16000, 65536) for i in range(3))
    pods = []
    for i in range(20):
        if i < 3:
            qos, cpu, life = "Guaranteed", 10000, None
        elif i < 9:
            qos, cpu, life = "Guaranteed", 6000, 20_000 if i == 3 else None
        elif i < 12:
            qos, cpu, life = "Guaranteed", 2000, None
        else:
            qos, cpu, life = "Burstable", 1000, None
        pods.append(PodRow(f"p{i}", i * 1000, life, qos, cpu, 4096 if qos == "Guaranteed" else 1024))
    return CellInputs("hand", nodes, tuple(pods))


def _placements(log: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    out = {}
    for line in log:
        parts = line.split()
        if parts[1] == "admit":
            out[parts[2].split("~")[0]] = (int(parts[0]), parts[3])
    return out


def test_hand_checked_outcomes() -> None:
    r = run_config(_cell(), CONFIG, keep_log=True)
    assert r.arrived == 20
    assert r.ran == 15
    assert dict(r.outcomes) == {"ran": 15, "unschedulable": 5}
    assert dict(r.kubelet_rejections) == {"TopologyAffinityError": 8}
    assert r.retries == 45
    assert r.attempts == 65
    assert (r.guaranteed_ran, r.aligned) == (9, 9)
    assert dict(r.pending) == {0: 9, 7000: 4, 15000: 2}
    assert r.series[-1].held == 36
    assert r.series[-1].running == 14
    assert r.series[-1].cores_saved == 0.0


def test_hand_checked_placements() -> None:
    placed = _placements(run_config(_cell(), CONFIG, keep_log=True).log)
    expected = {
        "p3": (3000, "node0"), "p4": (4000, "node1"), "p5": (5000, "node2"),
        "p6": (6000, "node0"), "p7": (7000, "node1"), "p8": (8000, "node2"),
        "p9": (9000, "node0"), "p10": (10000, "node1"), "p11": (11000, "node2"),
        "p16": (23000, "node0"), "p17": (24000, "node0"), "p18": (25000, "node0"),
        "p19": (26000, "node0"), "p12": (27000, "node0"), "p13": (28000, "node0"),
    }  # fmt: skip
    assert placed == expected


def test_kubelet_rejections_are_visible_over_time() -> None:
    """The retry storm: the 8 rejections of p0-p2 fall in the first sample (t <= 5 s)."""
    r = run_config(_cell(), CONFIG, keep_log=True)
    per_interval = [sum(n for _, n in s.rejected) for s in r.series]
    assert per_interval[0] == 8
    assert sum(per_interval) == 8
    rejects = [line.split()[:4] for line in r.log if line.split()[1] == "reject"]
    assert rejects == [
        ["0", "reject", "p0~0", "node0"], ["1000", "reject", "p1~0", "node0"],
        ["1000", "reject", "p0~1", "node0"], ["2000", "reject", "p2~0", "node0"],
        ["2000", "reject", "p1~1", "node0"], ["3000", "reject", "p0~2", "node1"],
        ["3000", "reject", "p2~1", "node1"], ["4000", "reject", "p1~2", "node2"],
    ]  # fmt: skip


def test_numa_filter_stops_the_storm() -> None:
    """With the NUMA-aware filter the 10-CPU pods never reach a kubelet: unschedulable instead."""
    r = run_config(_cell(), dataclasses.replace(CONFIG, numa_filter=True))
    assert dict(r.kubelet_rejections) == {}
    assert dict(r.outcomes) == {"ran": 15, "unschedulable": 5}
