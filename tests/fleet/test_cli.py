"""``podfit fleet`` end to end on small traces the tests write: outputs, bad traces (one line,
exit 2), identical results whatever the worker count."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from podfit.backends import run_sweep
from podfit.cli.main import main
from podfit.fleet import FleetConfig
from podfit.io.fleet_sources import AlibabaSource

NODES = [
    ("sn", "cpu_milli", "memory_mib", "gpu", "model"),
    ("n0", "32000", "131072", "2", "T4"),
    ("n1", "32000", "131072", "0", ""),
    ("n2", "16000", "65536", "0", ""),
]
PODS = [("name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "qos", "creation_time", "deletion_time")]
PODS += [
    (
        f"p{i}",
        str(2000 + 1000 * (i % 5)),
        "4096",
        str(i % 2),
        "1000",
        ("LS", "BE", "Burstable")[i % 3],
        str(i * 10),
        str(i * 10 + 300),
    )
    for i in range(30)
]


def write_trace(tmp: Path, nodes: list[tuple[str, ...]] = NODES, pods: list[tuple[str, ...]] = PODS) -> Path:
    d = tmp / "trace"
    d.mkdir(exist_ok=True)
    for name, rows in (("openb_node_list_all_node.csv", nodes), ("openb_pod_list_default.csv", pods)):
        with (d / name).open("w", newline="") as f:
            csv.writer(f).writerows(rows)
    return d


def _run(tmp: Path, *args: str) -> int:
    return main(["fleet", "--trace", str(write_trace(tmp)), "--out", str(tmp / "out"), *args])


def test_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "--models", "per-container,pod-level-pod", "--sample-interval", "60") == 0
    out = capsys.readouterr()
    assert "pods admitted" in out.out
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [
        "fleet-report.html",
        "fleet-series.csv",
        "fleet-series.parquet",
        "fleet-summary.csv",
        "fleet-summary.parquet",
    ]
    import pyarrow.parquet as pq

    summary = pq.read_table(tmp_path / "out" / "fleet-summary.parquet").to_pylist()
    assert [r["model"] for r in summary] == ["per-container", "pod-level-pod"]
    assert all(r["arrived"] == 30 for r in summary)
    with (tmp_path / "out" / "fleet-summary.csv").open() as f:
        assert [r["config"] for r in csv.DictReader(f)] == [r["config"] for r in summary]
    page = (tmp_path / "out" / "fleet-report.html").read_text()
    assert page.count("<svg") >= 6
    for external in ('src="http', "src='http", 'href="http', "<link", "<script"):
        assert external not in page  # self-contained: nothing fetched


def _outputs(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.suffix in (".csv", ".parquet", ".html")}


def test_same_bytes_whatever_the_worker_count(tmp_path: Path) -> None:
    args = [
        "--models",
        "per-container,pod-level-pod,pod-level-container",
        "--policies",
        "single-numa-node,none",
    ]
    trace = write_trace(tmp_path)
    assert main(["fleet", "--trace", str(trace), "--out", str(tmp_path / "w1"), "--workers", "1", *args]) == 0
    assert main(["fleet", "--trace", str(trace), "--out", str(tmp_path / "w2"), "--workers", "2", *args]) == 0
    assert _outputs(tmp_path / "w1") == _outputs(tmp_path / "w2")


BAD = [
    ("missing-column", [r[:-1] for r in PODS], "openb_pod_list_default.csv: deletion_time: missing column"),
    (
        "negative-time",
        [*PODS[:3], ("px", "1000", "1", "0", "0", "LS", "-5", "10")],
        "line 4: creation_time: negative",
    ),
    (
        "deleted-before-created",
        [*PODS[:2], ("px", "1000", "1", "0", "0", "LS", "50", "10")],
        "deletion_time: 10 is before",
    ),
    (
        "unknown-qos",
        [*PODS[:2], ("px", "1000", "1", "0", "0", "Gold", "5", "10")],
        "line 3: qos: unknown QoS 'Gold'",
    ),
    (
        "not-a-number",
        [*PODS[:2], ("px", "lots", "1", "0", "0", "LS", "5", "10")],
        "line 3: cpu_milli: not a number",
    ),
    ("empty-file", [], "openb_pod_list_default.csv: empty file"),
    ("header-only", PODS[:1], "no rows after the header"),
    ("short-row", [*PODS[:2], ("px", "1000", "1")], "line 3: 3 fields, the header has 8"),
    (
        "long-row",
        [*PODS[:2], ("px", "1000", "1", "0", "0", "LS", "5", "10", "x")],
        "line 3: 9 fields, the header has 8",
    ),
    ("repeated-name", [*PODS[:3], PODS[1]], "line 4: name: 'p0' again (first on line 2)"),
    ("empty-name", [*PODS[:2], ("", "1000", "1", "0", "0", "LS", "5", "10")], "line 3: name: empty value"),
    (
        "gpu-share-above-one",
        [*PODS[:2], ("px", "1000", "1", "1", "1500", "LS", "5", "10")],
        "line 3: gpu_milli: 1500 is more",
    ),
]


@pytest.mark.parametrize(("case", "pods", "expect"), BAD, ids=[b[0] for b in BAD])
def test_bad_trace(
    case: str, pods: list[tuple[str, ...]], expect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = write_trace(tmp_path, pods=pods)
    code = main(["fleet", "--trace", str(d), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("podfit: error: "), err
    assert expect in err


def test_spreadsheet_csv_reads_as_plain(tmp_path: Path) -> None:
    """A byte-order mark and CRLF line ends (a spreadsheet's CSV) read as the plain file: same hash."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = write_trace(tmp_path / "a")
    sheet = write_trace(tmp_path / "b")
    for name in ("openb_node_list_all_node.csv", "openb_pod_list_default.csv"):
        text = (sheet / name).read_text().replace("\r\n", "\n")
        (sheet / name).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    hashes = []
    for d in (plain, sheet):
        [r] = run_sweep(
            AlibabaSource(d / "openb_node_list_all_node.csv", d / "openb_pod_list_default.csv"),
            [FleetConfig()],
        )
        hashes.append(r.event_hash)
    assert hashes[0] == hashes[1]


def test_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = write_trace(tmp_path)
    f = d / "openb_pod_list_default.csv"
    f.write_bytes(f.read_bytes() + b"p\xe9,1000,1,0,0,LS,5,10\n")
    assert main(["fleet", "--trace", str(d), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "openb_pod_list_default.csv: not UTF-8 text" in err, err


def test_bad_node_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = write_trace(tmp_path, nodes=[r[1:] for r in NODES])
    assert main(["fleet", "--trace", str(d)]) == 2
    assert "openb_node_list_all_node.csv: sn: missing column" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--versions", "1.31"], "unknown kubelet release '1.31'"),
        (["--models", "per-pod"], "unknown value 'per-pod'"),
        (["--policies", "strict"], "unknown value 'strict'"),
        (["--format", "xlsx"], "unknown format 'xlsx'"),
    ],
)
def test_bad_flags(args: list[str], expect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expect in err, err


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        # the help's old example: the dump's --pods read as the synthetic stream's size
        (
            ["--synthetic", "--pods", "100000"],
            "--pods belongs to --nodes (a cluster dump), not to --synthetic",
        ),
        (["--synthetic", "--time-compression", "2"], "--time-compression belongs to --trace DIR"),
        (["--trace", "TRACE", "--pod-count", "5"], "--pod-count belongs to --synthetic, not to --trace DIR"),
        (["--trace", "TRACE", "--cell-label", "pool"], "--cell-label belongs to --nodes (a cluster dump)"),
        (["--nodes", "n.json", "--pods", "p.json", "--cells", "2"], "--cells belongs to --synthetic"),
        (
            ["--nodes", "n.json", "--pods", "p.json", "--trace-pods", "x.csv"],
            "--trace-pods belongs to --trace",
        ),
        # the mapping rules that write pods from rows: a dump's pods run as written
        (
            ["--nodes", "n.json", "--pods", "p.json", "--sidecars", "3"],
            "--sidecars belongs to --trace DIR or",
        ),
        (["--nodes", "n.json", "--pods", "p.json", "--cpu-rounding", "down"], "--cpu-rounding belongs to"),
        (["--nodes", "n.json", "--pods", "p.json", "--ls-qos", "Burstable"], "a dump's pods run as written"),
        # the synthetic stream has no LS/BE QoS and whole GPUs only
        (["--synthetic", "--be-qos", "BestEffort"], "--be-qos belongs to --trace DIR (the trace's LS/BE QoS"),
        (["--synthetic", "--shared-gpu", "drop"], "--shared-gpu belongs to --trace DIR"),
    ],
)
def test_options_of_another_input_are_refused(
    args: list[str], expect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An option only another kind of input reads would be silently ignored: one line, exit 2."""
    args = [str(write_trace(tmp_path)) if a == "TRACE" else a for a in args]
    assert main(["fleet", *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expect in err, err
    assert not (tmp_path / "out").exists()


def test_input_options_at_their_defaults_are_not_refused(tmp_path: Path) -> None:
    """Synthetic and dump options left unset (their defaults) do not count against a trace."""
    assert _run(tmp_path, "--format", "csv") == 0


def _dump(tmp: Path) -> tuple[Path, Path, Path]:
    nodes = {
        "items": [
            {
                "metadata": {"name": f"w{i}", "labels": {"pool": "a" if i < 2 else "b"}},
                "status": {"capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"}},
            }
            for i in range(4)
        ]
    }
    pods = {"items": []}
    for i in range(12):
        pods["items"].append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"db-{i}",
                    "namespace": "default",
                    "creationTimestamp": f"2026-01-01T00:00:{i:02d}Z",
                },
                "spec": {
                    "nodeSelector": {"pool": "a" if i % 2 else "b"},
                    "containers": [
                        {
                            "name": "db",
                            "resources": {
                                "requests": {"cpu": "3", "memory": "4Gi"},
                                "limits": {"cpu": "3", "memory": "4Gi"},
                            },
                        }
                    ],
                },
            }
        )
    nrt = {
        "items": [
            {
                "metadata": {"name": f"w{i}"},
                "zones": [
                    {
                        "name": f"node-{z}",
                        "type": "Node",
                        "resources": [
                            {"name": "cpu", "capacity": "8"},
                            {"name": "memory", "capacity": "32Gi"},
                        ],
                    }
                    for z in range(2)
                ],
            }
            for i in range(4)
        ]
    }
    paths = []
    for name, doc in (("nodes.json", nodes), ("pods.json", pods), ("nrt.json", nrt)):
        (tmp / name).write_text(json.dumps(doc))
        paths.append(tmp / name)
    return paths[0], paths[1], paths[2]


def test_cluster_dump_with_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n, p, t = _dump(tmp_path)
    args = [
        "fleet",
        "--nodes",
        str(n),
        "--pods",
        str(p),
        "--nrt",
        str(t),
        "--format",
        "csv",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main([*args, "--cell-label", "pool", "--workers", "2"]) == 0
    with (tmp_path / "o" / "fleet-summary.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["cells"] for r in rows} == {"2"}
    assert {r["arrived"] for r in rows} == {"12"}
    assert {r["ran"] for r in rows} == {"12"}


def test_cluster_dump_pod_without_the_cell_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n, p, _ = _dump(tmp_path)
    doc = json.loads(p.read_text())
    del doc["items"][3]["spec"]["nodeSelector"]
    p.write_text(json.dumps(doc))
    assert main(["fleet", "--nodes", str(n), "--pods", str(p), "--cell-label", "pool"]) == 2
    assert "pod default/db-3 selects no one pool" in capsys.readouterr().err


def test_versions_sweep_runs_each_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--versions 1.35,1.36``: each release is a configuration; a 1.35 kubelet has no pod-level
    resource managers (the gate does not exist), so the pod-level model pins nothing there, while
    1.36 with the gate on gives the Guaranteed pods exclusive CPUs."""
    args = ("--models", "pod-level-pod", "--policies", "single-numa-node", "--versions", "1.35,1.36")
    assert _run(tmp_path, *args) == 0
    capsys.readouterr()
    with (tmp_path / "out" / "fleet-summary.csv").open() as f:
        rows = {r["version"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"1.35", "1.36"}
    assert float(rows["1.35"]["exclusive_mean"]) == 0
    assert float(rows["1.36"]["exclusive_mean"]) > 0
    assert rows["1.35"]["event_hash"] != rows["1.36"]["event_hash"]
