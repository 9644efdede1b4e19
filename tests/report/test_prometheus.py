"""The Prometheus exposition of the node's metrics, read back with prometheus_client's parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from podfit.cli.main import main
from podfit.io.scenario import load_default_scenario
from podfit.kubelet import metrics as M
from podfit.kubelet.metrics import MetricsSnapshot, NodeMetrics
from podfit.kubelet.simulation import simulate
from podfit.report.prometheus import go_float, registry, render_text


@pytest.fixture(scope="module")
def snapshot() -> MetricsSnapshot:
    snap = simulate(load_default_scenario()).metrics
    assert snap is not None
    return snap


def _parsed(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _expected(snap: MetricsSnapshot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The parser's view: counter samples always end in ``_total``."""
    out = {}
    for f in snap.families:
        name = f.desc.name
        if f.desc.type == "counter" and not name.endswith("_total"):
            name += "_total"
        for s in f.samples:
            out[(name, tuple(sorted(s.labels)))] = float(s.value)
    return out


def test_exposition_parses_back_to_the_snapshot(snapshot: MetricsSnapshot) -> None:
    parsed = _parsed(render_text(snapshot))
    assert parsed == _expected(snapshot)
    assert (
        parsed[
            (
                "resource_manager_container_assignments_total",
                (("assignment_type", "pod_shared"), ("resource_name", "cpu")),
            )
        ]
        == 8
    )
    assert parsed[("kubelet_cpu_manager_shared_pool_size_millicores", ())] == 7000


def test_library_registry_gives_the_same_values(snapshot: MetricsSnapshot) -> None:
    assert _parsed(generate_latest(registry(snapshot)).decode()) == _expected(snapshot)


def test_text_is_the_kubelets(snapshot: MetricsSnapshot) -> None:
    text = render_text(snapshot)
    lines = text.splitlines()
    assert (
        "# HELP resource_manager_container_assignments [ALPHA] Number of containers with a specific type "
        "of resource assignment." in lines
    )
    assert "# TYPE resource_manager_container_assignments counter" in lines
    assert (
        'resource_manager_container_assignments{assignment_type="pod_exclusive",resource_name="cpu"} 4'
        in lines
    )
    assert "# TYPE kubelet_cpu_manager_shared_pool_size_millicores gauge" in lines
    assert "kubelet_cpu_manager_pinning_requests_total 4" in lines
    assert 'kubelet_cpu_manager_allocation_per_numa{numa_node="1"} 16' in lines
    assert "resource_manager_allocation_errors_total" not in text  # a vec without series is not shown
    names = [line.split()[2] for line in lines if line.startswith("# TYPE")]
    assert names == sorted(names)


def test_numbers_are_written_like_go() -> None:
    assert [go_float(v) for v in (0, 24, -3000, 1_000_000, 1_234_567, 0.5)] == [
        "0",
        "24",
        "-3000",
        "1e+06",
        "1.234567e+06",
        "0.5",
    ]


def test_label_values_are_escaped() -> None:
    m = NodeMetrics([M.CPU_MANAGER_ALLOCATION_PER_NUMA])
    m.set(M.CPU_MANAGER_ALLOCATION_PER_NUMA, 2, 'a"b\\c')
    text = render_text(m.snapshot())
    assert 'kubelet_cpu_manager_allocation_per_numa{numa_node="a\\"b\\\\c"} 2' in text.splitlines()
    assert _parsed(text) == {("kubelet_cpu_manager_allocation_per_numa", (("numa_node", 'a"b\\c'),)): 2.0}


def test_cli_writes_the_metrics_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "metrics.prom"
    assert main(["simulate", "--output", "json", "--metrics", str(out)]) == 0
    capsys.readouterr()
    parsed = _parsed(out.read_text(encoding="utf-8"))
    assert parsed[("kubelet_topology_manager_admission_requests_total", ())] == 5
    assert (
        parsed[("resource_manager_allocations_total", (("resource_name", "memory"), ("source", "pod")))] == 12
    )


def test_cli_metrics_file_is_empty_when_the_kubelet_refuses_to_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        """
kind: Scenario
metadata: {name: refused}
node:
  machine: {sockets: 1, numaNodesPerSocket: 1, coresPerNUMANode: 2, threadsPerCore: 1, memoryPerNUMANode: 4Gi}
kubeletConfig:
  apiVersion: kubelet.config.k8s.io/v1beta1
  kind: KubeletConfiguration
  cpuManagerPolicy: static
  memoryManagerPolicy: Static
events: []
""",
        encoding="utf-8",
    )
    out = tmp_path / "metrics.prom"
    assert main(["simulate", str(scenario), "-o", "json", "--metrics", str(out)]) == 0
    assert '"error": {' in capsys.readouterr().out
    assert out.read_text(encoding="utf-8") == ""
