"""``podfit upgrade`` (podfit.compare.upgrade): the two KEP-5526 examples and a 1.35 node full of
Guaranteed pods on 1.35, 1.36 and 1.37, with hand-checked expectations.

* The database (pod scope, single-numa-node): without pod-level resource managers (1.35, or the gate
  off) the static managers leave a pod with ``spec.resources`` alone (every container in the node's
  shared pool, no memory pinned); with them (1.36 / 1.37, gate on) the pod gets its 8-CPU budget on
  NUMA 0 (CPUs 1-4,17-20: 4 whole cores next to the reserved CPU 0), the database 6 of them
  exclusive (1-3,17-19) and the sidecars the pod shared pool (4,20). A rolling upgrade 1.35 -> 1.36
  (gate on) moves the running pod into its budget; 1.36 -> 1.37 keeps it.
* The ML workload (container scope): with the gate on the training container (3 CPUs) gets node
  exclusive CPUs 1,16-17 and NUMA 0 under best-effort; under single-numa-node v1.36 rejects the pod
  (the memory manager and the sidecar without memory, fixed by #138770 in 1.37) and a rolling
  upgrade to 1.36 rejects the running pod.
* 16 CPUs, CPU 0 reserved: seven 2-CPU Guaranteed pods, identical on every release and kept by every
  restart; a downgrade from 1.36 with the gate on is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podfit.cli.main import main
from podfit.compare.upgrade import Variant, upgrade, variant_config, variants_for
from podfit.errors import InputError
from podfit.io.scenario import load_scenario
from podfit.kubelet.restart import KEPT, MOVED, REJECTED

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VERSIONS = ["1.35", "1.36", "1.37"]


def _outcome_cells(name: str, gates: str = "on") -> list[object]:
    u = upgrade(load_scenario(EXAMPLES / name), VERSIONS, gates)
    (pod,) = u.pods
    return [
        None
        if o is None
        else (o.admitted, o.pod_cpus, {c.name: (c.assignment, c.cpus, c.numa) for c in o.containers})
        for o in pod.outcomes
    ]


def test_variants() -> None:
    assert [v.label for v in variants_for(VERSIONS)] == [
        "1.35",
        "1.36 PLRM on",
        "1.36 PLRM off",
        "1.37 PLRM on",
        "1.37 PLRM off",
    ]
    assert [v.label for v in variants_for(["1.33", "1.37"], "off")] == ["1.33", "1.37 PLRM off"]
    assert [v.label for v in variants_for(["1.36"], "config")] == ["1.36"]
    with pytest.raises(InputError):
        variants_for(["1.40"])


def test_a_release_without_the_gate_runs_without_it() -> None:
    config = load_scenario(EXAMPLES / "kep5526-tightly-coupled-database.yaml").kubelet_config
    assert (
        "PodLevelResourceManagers"
        not in variant_config(config, Variant("1.35", None)).feature_gates.overrides
    )
    assert (
        variant_config(config, Variant("1.37", False)).feature_gates.enabled("PodLevelResourceManagers")
        is False
    )


SHARED = {
    "metrics-exporter": ("node_shared", None, ()),
    "backup-agent": ("node_shared", None, ()),
    "database": ("node_shared", None, ()),
}
BUDGET = {
    "metrics-exporter": ("pod_shared", "4,20", (0,)),
    "backup-agent": ("pod_shared", "4,20", (0,)),
    "database": ("pod_exclusive", "1-3,17-19", (0,)),
}


def test_database_example_per_release() -> None:
    assert _outcome_cells("kep5526-tightly-coupled-database.yaml") == [
        (True, None, SHARED),  # 1.35
        (True, "1-4,17-20", BUDGET),  # 1.36 PLRM on
        (True, "1-4,17-20", BUDGET),  # 1.37 PLRM on
    ]
    assert _outcome_cells("kep5526-tightly-coupled-database.yaml", "off") == [(True, None, SHARED)] * 3


def test_database_example_rolling_upgrade() -> None:
    u = upgrade(load_scenario(EXAMPLES / "kep5526-tightly-coupled-database.yaml"), VERSIONS)
    on, off = u.chains
    assert on.label == "1.35 -> 1.36 PLRM on -> 1.37 PLRM on"
    assert [[p.outcome for p in r.pods] for r in on.restarts] == [[MOVED], [KEPT]]
    assert on.restarts[0].pods[0].changes[0] == "pod CPUs none -> 1-4,17-20"
    assert [(f.written_as, f.read_as) for f in on.restarts[1].files] == [("V3", "V3"), ("V2", "V2")]
    assert [[p.outcome for p in r.pods] for r in off.restarts] == [[KEPT], [KEPT]]
    (pod,) = u.pods
    assert pod.differs
    assert (
        "1.36 PLRM on: database node_shared shared pool NUMA - -> pod_exclusive 1-3,17-19 NUMA 0"
        in pod.changes
    )


def test_ml_workload_container_scope_per_release() -> None:
    exclusive = {
        "service-mesh": ("node_shared", None, ()),
        "ml-training": ("node_exclusive", "1,16-17", (0,)),
    }
    shared = {"service-mesh": ("node_shared", None, ()), "ml-training": ("node_shared", None, ())}
    assert _outcome_cells("kep5526-ml-workload-container-scope.yaml") == [
        (True, None, shared),
        (True, None, exclusive),
        (True, None, exclusive),
    ]


def test_ml_workload_single_numa_node_v1_36_rejects_and_the_upgrade_rejects_the_running_pod() -> None:
    u = upgrade(load_scenario(EXAMPLES / "kep5526-ml-workload-single-numa-node.yaml"), VERSIONS, "on")
    (pod,) = u.pods
    v135, v136, _ = pod.outcomes
    assert v135 is not None and v135.admitted
    assert v136 is not None and not v136.admitted
    assert v136.message == (
        "Allocate failed due to [memorymanager] failed to get the default NUMA affinity, no NUMA nodes with "
        "enough memory is available, which is unexpected"
    )
    (chain,) = u.chains
    assert [p.outcome for p in chain.restarts[0].pods] == [REJECTED]


def test_ml_workload_single_numa_node_v1_37_admits() -> None:
    """1.37 skips the container without exclusive memory (mm_skip_zero_exclusive_memory_containers,
    kubernetes PR #138770): admitted."""
    u = upgrade(load_scenario(EXAMPLES / "kep5526-ml-workload-single-numa-node.yaml"), VERSIONS, "on")
    v137 = u.pods[0].outcomes[2]
    assert v137 is not None and v137.admitted


def test_guaranteed_node_is_the_same_on_every_release() -> None:
    u = upgrade(load_scenario(EXAMPLES / "upgrade-guaranteed-node.yaml"), VERSIONS)
    assert [(r.admitted, r.rejected) for r in u.runs] == [(7, 1)] * 5
    assert not any(p.differs for p in u.pods)
    first = u.pods[0].outcomes[0]
    assert first is not None
    assert [(c.assignment, c.cpus, c.numa) for c in first.containers] == [("node_exclusive", "1,9", (0,))]
    for chain in u.chains:
        assert all(p.outcome == KEPT for r in chain.restarts for p in r.pods)
        assert all(len(r.pods) == 7 for r in chain.restarts)
    on, _ = u.chains
    assert [(f.written_as, f.read_as) for r in on.restarts for f in r.files] == [
        ("V2", "V2"),
        ("V1", "V1"),
        ("V3", "V3"),
        ("V2", "V2"),
    ]


def test_guaranteed_node_downgrade_from_1_36_with_the_gate_on_is_refused() -> None:
    u = upgrade(load_scenario(EXAMPLES / "upgrade-guaranteed-node.yaml"), ["1.36", "1.35"], "on")
    (chain,) = u.chains
    (down,) = chain.restarts
    assert down.refusal is not None
    assert down.refusal.message.startswith("could not restore state from checkpoint: checkpoint is corrupted")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_cli(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "up.html"
    args = [
        "upgrade",
        str(EXAMPLES / "kep5526-tightly-coupled-database.yaml"),
        "-o",
        fmt,
        "--html",
        str(html),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    page = html.read_text()
    assert "1.36 PLRM on" in page and "moved" in page and "podfit-upgrade" in page
    if fmt == "json":
        doc = json.loads(out)
        assert [v["label"] for v in doc["variants"]][:2] == ["1.35", "1.36 PLRM on"]
        assert doc["pods"][0]["differs"] is True
        assert doc["rollingUpgrades"][0]["restarts"][0]["op"] == "restart"
        assert doc["rollingUpgrades"][0]["restarts"][0]["pods"][0]["outcome"] == "moved"
    else:
        assert "rolling upgrade 1.35 -> 1.36 PLRM on -> 1.37 PLRM on" in out


def test_cli_bad_versions(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["upgrade", str(EXAMPLES / "upgrade-guaranteed-node.yaml"), "--kubelet-versions", "1.35,2.0"])
        == 2
    )
    assert "--kubelet-versions" in capsys.readouterr().err
