"""``podfit explain`` on the command line: text and JSON, help with an example, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podfit.cli.main import main
from podfit.io.scenario import load_scenario
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.simulation import simulate
from podfit.model.scenario import AddPod

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOPOLOGY = str(EXAMPLES / "explain-topology-affinity.yaml")
SMT = str(EXAMPLES / "explain-smt-alignment.yaml")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_topology_affinity(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", TOPOLOGY, "--pod", "default/big-db")
    assert code == 0
    assert "TopologyAffinityError" in out
    assert "cpu: needs 10 CPUs within one NUMA node; free: node0 5, node1 6" in out
    assert "What would admit it" in out
    assert "topologyManagerPolicy: best-effort" in out


def test_text_smt_alignment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", SMT, "--pod", "default/three-cpus")
    assert code == 0
    assert "full-pcpus-only: requested 3 CPUs, not a multiple of 2 threads per core" in out
    assert "2 CPUs for container app" in out


@pytest.mark.parametrize(
    ("path", "pod", "reason"),
    [(TOPOLOGY, "default/big-db", "TopologyAffinityError"), (SMT, "default/three-cpus", "SMTAlignmentError")],
)
def test_json_suggestions_rerun(capsys: pytest.CaptureFixture[str], path: str, pod: str, reason: str) -> None:
    """Every printed suggestion, applied to the scenario by this test, admits the pod."""
    code, out, _ = _run(capsys, "explain", path, "--pod", pod, "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["result"]["reason"] == reason and doc["shortfall"]
    assert doc["suggestions"]
    scenario = load_scenario(Path(path))
    for s in doc["suggestions"]:
        changed = _apply(scenario, pod, s["kind"], s["change"])
        if changed is None:
            continue
        steps = [st for st in simulate(changed).steps if isinstance(st, AdmitResult) and st.pod == pod]
        assert steps[0].admitted, s["summary"]


def _apply(scenario, pod: str, kind: str, change: dict):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from podfit.api.presets import preset_machine
    from podfit.explain.suggest import with_cpus

    i = next(i for i, e in enumerate(scenario.events) if isinstance(e, AddPod) and e.pod.key == pod)
    event = scenario.events[i]
    head = scenario.events[:i]
    if kind == "topology-policy":
        config = replace(scenario.kubelet_config, topology_manager_policy=change["topologyManagerPolicy"])
        return replace(scenario, kubelet_config=config, events=(*head, event))
    if kind == "topology-scope":
        config = replace(scenario.kubelet_config, topology_manager_scope=change["topologyManagerScope"])
        return replace(scenario, kubelet_config=config, events=(*head, event))
    if kind in ("fewer-cpus", "smt-even-cpus"):
        container = None if change["container"] == "(pod)" else change["container"]
        return replace(scenario, events=(*head, AddPod(with_cpus(event.pod, container, int(change["cpu"])))))
    if kind == "machine":
        return replace(scenario, machine=preset_machine(change["preset"]), events=(*head, event))
    return None


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "--help")
    assert code == 0
    assert "Example" in out and "podfit explain" in out and "--pod" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["explain", TOPOLOGY, "--pod", "default/nope"], 'no pod "default/nope"'),
        (["explain", TOPOLOGY], "--pod"),
        (["explain", TOPOLOGY, "--pod", " "], "--pod"),
        (["explain", TOPOLOGY, "--preset", "laptop-8c16t", "--pod", "x"], "not both"),
        (["explain", "/nonexistent.yaml", "--pod", "x"], "nonexistent"),
    ],
)
def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_a_kubelet_that_refuses_to_start_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "topology-max-allowable-numa-nodes.yaml")
    code, out, err = _run(capsys, "explain", path, "--pod", "never-admitted")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "refuses to start" in err


def test_default_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "--pod", "default/orders-db-3")
    assert code == 0
    assert "cpu: needs 8 CPUs; no NUMA node combination has that much free; free: node0 7, node1 0" in out


def test_a_hint_list_too_long_to_show_says_how_many_more(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # a zero GPU limit on a 34-NUMA tray: every one of the 2^34 - 1 masks is a device hint (up to
    # v1.35; from v1.36, PR #138244, only the masks of the NUMA nodes that hold GPUs)
    scenario = {
        "kind": "Scenario",
        "metadata": {"name": "tray"},
        "node": {"preset": "gb200-tray", "kubeletVersion": "1.35"},
        "kubeletConfig": {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "cpuManagerPolicy": "static",
            "reservedSystemCPUs": "0",
            "topologyManagerPolicy": "best-effort",
            "topologyManagerPolicyOptions": {"max-allowable-numa-nodes": "64"},
        },
        "events": [
            {
                "add": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "p", "namespace": "d"},
                    "spec": {
                        "containers": [
                            {
                                "name": "c",
                                "resources": {"limits": {"cpu": "2", "memory": "1Gi", "nvidia.com/gpu": "0"}},
                            }
                        ]
                    },
                }
            }
        ],
    }
    path = tmp_path / "tray.yaml"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    code, out, _ = _run(capsys, "explain", str(path), "--pod", "d/p", "-o", "json")
    assert code == 0
    (merge,) = json.loads(out)["merges"]
    (gpu,) = [r for r in merge["providers"] if r["resource"] == "nvidia.com/gpu"]
    assert gpu["hintsTotal"] == 2**34 - 1 and len(gpu["hints"]) < 2**34 - 1
    code, out, _ = _run(capsys, "explain", str(path), "--pod", "d/p")
    assert code == 0 and f"{2**34 - 1 - len(gpu['hints']):,} more" in out
