"""Issue 5 acceptance: ``podfit compare`` on database-like pods filling one 2-socket node.

Hand count (``examples/compare-database-fleet.yaml``)
---------------------------------------------------
Node: 2 sockets x 8 cores x 2 threads = 32 CPUs; one NUMA node per socket (16 CPUs each);
``reservedSystemCPUs: "0"`` -> free CPUs: NUMA 0 has 15, NUMA 1 has 16; node allocatable cpu
= 32 - 1 = 31. Topology manager ``single-numa-node``, scope ``pod``; ``full-pcpus-only`` off (with
it the per-container model would have to give each 100m sidecar a whole core and the odd 7-CPU
budget would be refused with SMTAlignmentError; that variant is counted in the second test).
Memory (13Gi per pod, 64Gi per NUMA node) never binds.

Pod: database 6 CPU (Guaranteed), sidecars metrics-exporter and backup-agent 100m each,
pod-level budget 7 CPU. Workload: 3 such pods, then ``--fill`` adds copies until a rejection.

* per-container: 6 + 1 + 1 = 8 exclusive CPUs per pod, the whole pod on one NUMA node (pod scope).
  NUMA 0: 15 // 8 = 1 pod, NUMA 1: 16 // 8 = 2 pods -> 3 pods fit; the fill adds 0 (a 4th pod
  needs 8 on one node; 7 and 0 are free: TopologyAffinityError). Pinned 3 x 8 = 24, exclusive 24,
  node pool 32 - 24 = 8 (CPU 0 included); 3/3 aligned; cores saved 0.
* pod-level, pod scope: bubble of 7 per pod: database 6 pod-exclusive, both sidecars share the
  7th CPU (pod shared pool 1), idle 0. NUMA 0: 15 // 7 = 2, NUMA 1: 16 // 7 = 2 -> 4 pods fit
  (+1). For the 3 workload pods: pinned 21, exclusive 18, pod pools 3, node pool 11, 3/3 aligned;
  cores saved = 3 x (8 - 7) / 2 = 1.5.
* pod-level, container scope: database 6 node-exclusive, sidecars in the node shared pool (no
  hint) -> not NUMA-aligned. NUMA 0: 15 // 6 = 2, NUMA 1: 16 // 6 = 2 -> 4 pods; a 5th finds 3 and
  4 free CPUs (TopologyAffinityError; allocatable 31 - 4 x 7 = 3 < 7 would refuse it too).
  Workload: pinned 18, exclusive 18, pod pools 0, node pool 14, 0/3 aligned;
  cores saved = 3 x (8 - 6) / 2 = 3. Fit 4 (+1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.cli.main import main
from podfit.compare.run import Comparison, ModelRun, compare
from podfit.io.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compare-database-fleet.yaml"

# model key -> (admitted, aligned, pinned, exclusive, pod pools, idle, node pool, cores saved,
#               pods fit, extra pods, fill stopped by)
EXPECTED = {
    "per-container/pod/single-numa-node": (3, 3, 24, 24, 0, 0, 8, 0.0, 3, 0, "TopologyAffinityError"),
    "pod-level/pod/single-numa-node": (3, 3, 21, 18, 3, 0, 11, 1.5, 4, 1, "TopologyAffinityError"),
    "pod-level/container/single-numa-node": (3, 0, 18, 18, 0, 0, 14, 3.0, 4, 1, "TopologyAffinityError"),
}


def _figures(c: Comparison, run: ModelRun) -> tuple[Any, ...]:
    assert run.fill is not None
    return (
        run.admitted,
        run.aligned,
        run.held,
        run.exclusive,
        run.pod_shared,
        run.idle,
        run.node_shared_pool,
        run.cores_saved,
        run.pods_fit,
        c.extra_pods(run),
        run.fill[0].stopped_by,
    )


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(load_scenario(EXAMPLE), fill=True)


@pytest.mark.parametrize("key", list(EXPECTED))
def test_database_fleet_against_hand_count(comparison: Comparison, key: str) -> None:
    run = next(r for r in comparison.runs if r.model.key == key)
    assert _figures(comparison, run) == EXPECTED[key]


def test_node_summary(comparison: Comparison) -> None:
    assert (comparison.num_cpus, comparison.threads_per_core, comparison.reserved_cpus) == (32, 2, 1)
    assert comparison.baseline.model.key == "per-container/pod/single-numa-node"
    assert comparison.workload_pods == 3
    assert not comparison.full_pcpus_only


def test_full_pcpus_only_variant() -> None:
    """Same node with ``full-pcpus-only: "true"``, one pod, budget 8 (7 would be refused: odd).

    Whole free cores: NUMA 0 has 7 (CPU 0's core is partly reserved; its sibling 16 is free but
    no whole core), NUMA 1 has 8.
    * per-container: sidecars rounded to a whole core -> 6 + 2 + 2 = 10 per pod; NUMA 0 holds 1
      (7 cores), NUMA 1 holds 1 (8 cores) -> 2 fit (fill +1, then TopologyAffinityError).
    * pod scope: bubble 8 (4 whole cores): NUMA 0 holds 1, NUMA 1 holds 2 -> 3 fit (+1); per pod
      pinned 8 = 6 exclusive + 2 pod pool; cores saved (1 pod) = (10 - 8) / 2 = 1.
    * container scope: database 6 (3 cores) per pod, sidecars in the node pool; NUMA 0 holds 2,
      NUMA 1 more, but allocatable cpu 31 holds only 3 pods of 8 -> the 4th is OutOfcpu; 3 fit
      (+1); cores saved (1 pod) = (10 - 6) / 2 = 2.
    """
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["kubeletConfig"]["cpuManagerPolicyOptions"] = {"full-pcpus-only": "true"}
    pod = doc["pods"][0]
    budget = {"cpu": "8", "memory": "13Gi"}
    pod["spec"]["resources"] = {"requests": budget, "limits": budget}
    doc["pods"] = [pod]
    c = compare(scenario_from_dict(doc), fill=True)
    got = {
        r.model.key: (r.held, r.cores_saved, r.pods_fit, c.extra_pods(r), r.fill[0].stopped_by)
        for r in c.runs
        if r.fill
    }
    assert got["per-container/pod/single-numa-node"] == (10, 0.0, 2, 0, "TopologyAffinityError")
    assert got["pod-level/pod/single-numa-node"] == (8, 1.0, 3, 1, "TopologyAffinityError")
    assert got["pod-level/container/single-numa-node"] == (6, 2.0, 3, 1, "OutOfcpu")


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(EXAMPLE), "--fill", "-o", "json"]) == 0, capsys.readouterr().err
    doc = json.loads(capsys.readouterr().out)
    assert doc["baseline"] == "per-container/pod/single-numa-node"
    rows = {m["key"]: m for m in doc["models"]}
    pod_scope = rows["pod-level/pod/single-numa-node"]
    assert (pod_scope["coresSaved"], pod_scope["cpusSaved"]) == (1.5, 3)
    assert (pod_scope["fill"]["podsFit"], pod_scope["fill"]["extraPods"]) == (4, 1)
    assert rows["per-container/pod/single-numa-node"]["fill"]["podsFit"] == 3
    assert "threads per core" in doc["coresSavedFormula"]


def test_cli_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(EXAMPLE), "--fill"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert (
        "pod scope, single-numa-node: saves 1.5 cores (3 CPUs) on 3 pods, 3/3 NUMA-aligned, fits +1 pod"
        in out
    )
    assert (
        "container scope, single-numa-node: saves 3 cores (6 CPUs) on 3 pods, 0/3 NUMA-aligned, fits +1 pod"
        in out
    )
    assert max(len(line) for line in out.splitlines()) <= 120


def test_cli_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--help"]) == 0
    assert "podfit compare examples/compare-database-fleet.yaml --fill" in capsys.readouterr().out


def test_cli_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Scenario\nnode: {preset: no-such-preset}\n")
    assert main(["compare", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("podfit: error: ") and err.count("\n") == 1
