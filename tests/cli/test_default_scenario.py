"""The built-in default scenario (README's first command): the KEP-5526 tightly-coupled database.

Expected values are hand-derived from the kubelet's algorithms: 2 sockets x 8 cores x 2 threads,
CPU 0 reserved, full-pcpus-only, single-numa-node in pod scope. The 8-CPU budget takes the four
lowest whole free cores of NUMA 0 (1-4 with siblings 17-20); the database's 6 CPUs are three whole
cores of the bubble; both sidecars share the remaining core; a fourth pod no longer fits on a
single NUMA node; after one pod leaves, the next one lands where it was.
"""

from __future__ import annotations

import json

import pytest

from podfit.cli.main import main


@pytest.fixture(scope="module")
def result() -> dict:
    from podfit.io.scenario import load_default_scenario
    from podfit.kubelet.simulation import simulate
    from podfit.report.json_result import result_to_json

    return result_to_json(simulate(load_default_scenario()))


def test_the_database_pod(result: dict) -> None:
    db = result["steps"][0]
    assert (db["admitted"], db["qosClass"]) == (True, "Guaranteed")
    assert db["podHint"] == {"numaAffinity": [0], "preferred": True}
    assert db["podCPUs"] == "1-4,17-20"
    by_name = {c["name"]: c for c in db["containers"]}
    assert by_name["database"]["cpus"] == "1-3,17-19"
    assert by_name["database"]["assignment"] == "pod_exclusive"
    assert by_name["database"]["memory"] == {"numaAffinity": [0], "bytes": {"memory": 12 << 30}}
    assert by_name["database"]["cpuQuota"] == {"quotaUs": -1, "periodUs": 100000}
    for sidecar in ("metrics-exporter", "backup-agent"):
        c = by_name[sidecar]
        assert (c["kind"], c["cpus"], c["assignment"]) == ("sidecar", "4,20", "pod_shared")
        assert c["memory"] == {"numaAffinity": [0], "bytes": {"memory": 4 << 30}}
        assert c["cpuQuota"] == {"quotaUs": 800000, "periodUs": 100000}
    assert db["defaultCPUSet"] == "0,5-16,21-31"


def test_the_node_fills_up_then_frees(result: dict) -> None:
    steps = result["steps"]
    assert [s.get("podCPUs") for s in steps[:3]] == ["1-4,17-20", "8-11,24-27", "12-15,28-31"]
    rejected = steps[3]
    assert (rejected["admitted"], rejected["reason"]) == (False, "TopologyAffinityError")
    assert rejected["message"] == (
        "Pod Scope pod with pod-level resources failed admission under pod-scope topology manager"
    )
    assert steps[4] == {**steps[4], "op": "remove", "removed": True, "defaultCPUSet": "0-7,16-23"}
    assert steps[5]["podCPUs"] == "1-4,17-20"


def test_cli_without_arguments_runs_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--output", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"] == "tightly-coupled-database"
    assert main(["simulate"]) == 0
    assert "admitted default/orders-db-0" in capsys.readouterr().out
