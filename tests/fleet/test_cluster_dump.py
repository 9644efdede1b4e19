"""A cluster dump as `kubectl get ... -o json|yaml` writes it: the forms it comes in, terminated
pods, and every malformed shape as one line naming the file and field (exit 2, never a traceback)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.cli.main import main
from podfit.errors import InputError
from podfit.io.cluster_dump import read_cluster_dump

NODE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "w0", "labels": {"pool": "a"}},
    "status": {"capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"}},
}
POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "db", "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"},
    "spec": {
        "containers": [
            {
                "name": "c",
                "resources": {
                    "requests": {"cpu": "2", "memory": "1Gi"},
                    "limits": {"cpu": "2", "memory": "1Gi"},
                },
            }
        ]
    },
}


def _pod(name: str, created: str = "2026-01-01T00:00:00Z", **status: Any) -> dict[str, Any]:
    p = copy.deepcopy(POD)
    p["metadata"].update(name=name, creationTimestamp=created)
    if status:
        p["status"] = status
    return p


def _terminated(finished: str) -> dict[str, Any]:
    return {"name": "c", "state": {"terminated": {"exitCode": 0, "finishedAt": finished}}}


def _write(tmp: Path, nodes: Any, pods: Any, *, as_yaml: bool = False) -> tuple[Path, Path]:
    out = []
    for name, doc in (("nodes", nodes), ("pods", pods)):
        path = tmp / f"{name}.{'yaml' if as_yaml else 'json'}"
        path.write_text(yaml.safe_dump(doc) if as_yaml else json.dumps(doc))
        out.append(path)
    return out[0], out[1]


def _list(*items: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": list(items), "metadata": {"resourceVersion": ""}}


def test_yaml_dump_reads_as_json(tmp_path: Path) -> None:
    pods = _list(_pod("a"), _pod("b", "2026-01-01T00:00:05Z"))
    (tmp_path / "j").mkdir()
    (tmp_path / "y").mkdir()
    from_json = read_cluster_dump(*_write(tmp_path / "j", _list(NODE), pods))
    from_yaml = read_cluster_dump(*_write(tmp_path / "y", _list(NODE), pods, as_yaml=True))
    assert from_json == from_yaml
    assert [p.name for p in from_json.pods] == ["default/a", "default/b"]
    assert [p.arrival_ms for p in from_json.pods] == [0, 5000]


def test_bare_list_and_documents(tmp_path: Path) -> None:
    nodes, pods = _write(tmp_path, [NODE], [_pod("a")])
    assert [n.name for n in read_cluster_dump(nodes, pods).nodes] == ["w0"]
    pods.write_text(yaml.safe_dump_all([_pod("a"), _pod("b")]))
    assert [p.name for p in read_cluster_dump(nodes, pods).pods] == ["default/a", "default/b"]


def test_terminated_pods_live_until_their_last_container_finished(tmp_path: Path) -> None:
    done = _pod(
        "job-1",
        phase="Succeeded",
        initContainerStatuses=[_terminated("2026-01-01T00:00:10Z")],
        containerStatuses=[_terminated("2026-01-01T00:01:40Z")],
    )
    failed_early = _pod("job-2", phase="Failed", containerStatuses=[_terminated("2026-01-01T00:00:30Z")])
    unknown = _pod("job-3", phase="Succeeded", containerStatuses=[{"name": "c", "state": {}}])
    running = _pod("web", phase="Running")
    dump = read_cluster_dump(*_write(tmp_path, _list(NODE), _list(done, failed_early, unknown, running)))
    lifetimes = {p.name: p.lifetime_ms for p in dump.pods}
    assert lifetimes == {"default/job-1": 100_000, "default/job-2": 30_000, "default/web": None}
    [w] = dump.warnings
    assert (w.code, w.pod, w.field) == ("TerminatedPodSkipped", "default/job-3", "items[2].status")


def test_terminated_pod_warning_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = _pod("job-3", phase="Failed")
    nodes, pods = _write(tmp_path, _list(NODE), _list(_pod("web"), unknown))
    args = [
        "fleet",
        "--nodes",
        str(nodes),
        "--pods",
        str(pods),
        "--out",
        str(tmp_path / "o"),
        "--format",
        "csv",
    ]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "podfit: warning: " in err and "items[1].status: Failed with no container finish time" in err


BAD: list[tuple[str, Any, Any, str]] = [
    ("pod-item-not-object", _list(NODE), _list("x"), "pods.json: items[0]: expected an object, got string"),
    ("node-item-not-object", _list(3), _list(POD), "nodes.json: items[0]: expected an object, got number"),
    ("pods-not-list", _list(NODE), {"kind": "List", "items": {}}, "pods.json: items: expected a list"),
    ("no-items", _list(NODE), {"foo": 1}, "pods.json: expected a List object with items"),
    (
        "metadata-not-object",
        _list(NODE),
        _list({**POD, "metadata": []}),
        "items[0].metadata: expected an object, got array",
    ),
    (
        "labels-not-object",
        _list({**NODE, "metadata": {"name": "w0", "labels": ["a"]}}),
        _list(POD),
        "nodes.json: items[0].metadata.labels: expected an object",
    ),
    (
        "label-not-string",
        _list({**NODE, "metadata": {"name": "w0", "labels": {"gpu": True}}}),
        _list(POD),
        "items[0].metadata.labels.gpu: expected a string, got boolean",
    ),
    (
        "node-selector-not-object",
        _list(NODE),
        _list({**POD, "spec": {**POD["spec"], "nodeSelector": ["pool"]}}),
        "pods.json: items[0].spec.nodeSelector: expected an object",
    ),
    (
        "pod-twice",
        _list(NODE),
        _list(POD, POD),
        "items[1].metadata.name: pod default/db again (first at items[0])",
    ),
    (
        "node-twice",
        _list(NODE, NODE),
        _list(POD),
        "items[1].metadata.name: node 'w0' again (first at items[0])",
    ),
    (
        "bad-finish-time",
        _list(NODE),
        _list(_pod("j", phase="Succeeded", containerStatuses=[_terminated("yesterday")])),
        "items[0].status.containerStatuses[0].state.terminated.finishedAt: not an RFC 3339 time",
    ),
    (
        "only-terminated",
        _list(NODE),
        _list(_pod("j", phase="Succeeded")),
        "pods.json: items: no pods to replay",
    ),
    (
        "capacity-not-object",
        _list({**NODE, "status": {"capacity": ["cpu"]}}),
        _list(POD),
        "needs cpu and memory",
    ),
]


def assert_bad_dump(
    tmp: Path, nodes: Any, pods: Any, expect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reader raises; ``podfit fleet`` says ``expect`` in one line and exits 2."""
    n, p = _write(tmp, nodes, pods)
    with pytest.raises(InputError):
        read_cluster_dump(n, p)
    assert main(["fleet", "--nodes", str(n), "--pods", str(p), "--out", str(tmp / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("podfit: error: ") and expect in err, err


@pytest.mark.parametrize(("case", "nodes", "pods", "expect"), BAD, ids=[b[0] for b in BAD])
def test_bad_dump(
    case: str, nodes: Any, pods: Any, expect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_bad_dump(tmp_path, nodes, pods, expect, capsys)


def _daemon_pod(name: str, node: str) -> dict[str, Any]:
    p = _pod(name)
    p["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent"}]
    p["spec"]["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
    }
    return p


def _mirror_pod(name: str, node: str) -> dict[str, Any]:
    p = _pod(name)
    p["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "0123abcd"}
    p["spec"]["nodeName"] = node
    return p


@pytest.mark.parametrize(
    ("pod", "node"),
    [
        (_daemon_pod("agent-x", "w2"), "w2"),
        (_mirror_pod("etcd-w1", "w1"), "w1"),
        (_pod("plain"), ""),
        # a scheduled pod's spec.nodeName alone does not bind it: the replay schedules it again
        ({**_pod("scheduled"), "spec": {**POD["spec"], "nodeName": "w1"}}, ""),
        # an affinity that allows two nodes, or names a label, binds nothing
        (
            {
                **_pod("two"),
                "spec": {
                    **POD["spec"],
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {
                                        "matchFields": [
                                            {"key": "metadata.name", "operator": "In", "values": ["w1", "w2"]}
                                        ]
                                    }
                                ]
                            }
                        }
                    },
                },
            },
            "",
        ),
    ],
)
def test_bound_node(pod: dict[str, Any], node: str) -> None:
    from podfit.io.cluster_dump import bound_node

    assert bound_node(pod) == node


def _nodes(n: int) -> dict[str, Any]:
    return _list(
        *(
            {**NODE, "metadata": {"name": f"w{i}", "labels": {"pool": "a" if i < 2 else "b"}}}
            for i in range(n)
        )
    )


def test_daemon_set_and_mirror_pods_stay_on_their_nodes(tmp_path: Path) -> None:
    """Scheduled freely (MostAllocated here) a DaemonSet's pods would pile on one node; bound, they
    and a mirror pod run on the node they name, or nowhere (a node not in the dump, no room)."""
    from podfit.fleet import FleetConfig, run_config
    from podfit.io.fleet_sources import DumpSource

    pods = [_daemon_pod(f"agent-{i}", f"w{i}") for i in range(3)]
    pods += [_mirror_pod("etcd-w2", "w2"), _daemon_pod("agent-gone", "w9"), _pod("free")]
    big = _daemon_pod("agent-big", "w1")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "15", "memory": "1Gi"}}
    pods.append(big)
    nodes, pods_path = _write(tmp_path, _nodes(3), _list(*pods))
    source = DumpSource(nodes, pods_path)
    config = FleetConfig(model="per-container", policy="none", scoring="MostAllocated", max_retries=0)
    r = run_config(source.cell(0), config, keep_log=True)
    placed = {line.split()[2].split("~")[0]: line.split()[3] for line in r.log if line.split()[1] == "admit"}
    assert placed == {
        "default/agent-0": "w0",
        "default/agent-1": "w1",
        "default/agent-2": "w2",
        "default/etcd-w2": "w2",
        "default/free": "w2",  # the scheduler's pick: the most allocated node (two pods already)
    }
    assert dict(r.outcomes) == {"ran": 5, "unschedulable": 2}


def test_bound_pods_join_their_nodes_cells(tmp_path: Path) -> None:
    """With --cell-label a DaemonSet's pod needs no nodeSelector: it is in its node's cell."""
    from podfit.io.fleet_sources import DumpSource

    pods = [_daemon_pod(f"agent-{i}", f"w{i}") for i in range(3)]
    pods.append({**_pod("web"), "spec": {**POD["spec"], "nodeSelector": {"pool": "b"}}})
    nodes, pods_path = _write(tmp_path, _nodes(3), _list(*pods))
    source = DumpSource(nodes, pods_path, cell_label="pool")
    source.check()
    assert source.cell_names() == ("a", "b")
    assert [p.name for p in source.cell(0).pods] == ["default/agent-0", "default/agent-1"]
    assert [p.name for p in source.cell(1).pods] == ["default/agent-2", "default/web"]


def _affinity_pod(name: str, *terms: list[dict[str, Any]]) -> dict[str, Any]:
    p = _pod(name)
    p["spec"]["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": exprs} for exprs in terms]
            }
        }
    }
    return p


def _in(key: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": "In", "values": list(values)}


@pytest.mark.parametrize(
    ("pod", "cell"),
    [
        ({**_pod("sel"), "spec": {**POD["spec"], "nodeSelector": {"pool": "b"}}}, "b"),
        (_affinity_pod("one", [_in("pool", "b")]), "b"),
        (_affinity_pod("and", [_in("pool", "a"), _in("zone", "z1", "z2")]), "a"),
        (_affinity_pod("or-same", [_in("pool", "a")], [_in("pool", "a"), _in("gpu", "yes")]), "a"),
        (_affinity_pod("or-differ", [_in("pool", "a")], [_in("pool", "b")]), None),
        (_affinity_pod("two-values", [_in("pool", "a", "b")]), None),
        (_affinity_pod("other-key", [_in("zone", "z1")]), None),
        (_affinity_pod("not-in", [{"key": "pool", "operator": "NotIn", "values": ["a"]}]), None),
        (_pod("none"), None),
    ],
)
def test_cell_value(pod: dict[str, Any], cell: str | None, tmp_path: Path) -> None:
    """The one pool a pod requires: nodeSelector, else every required affinity term naming it."""
    from podfit.io.fleet_sources import cell_value

    [row] = read_cluster_dump(*_write(tmp_path, _nodes(1), _list(pod))).pods
    assert cell_value(row, "pool") == cell


def test_cells_by_required_affinity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cell-label: a pod whose required affinity names one pool is in that pool's cell; a pod
    that could go to two pools is refused in one line."""
    from podfit.io.fleet_sources import DumpSource

    pods = [_affinity_pod("web", [_in("pool", "b")]), _affinity_pod("db", [_in("pool", "a")])]
    nodes, pods_path = _write(tmp_path, _nodes(3), _list(*pods))
    source = DumpSource(nodes, pods_path, cell_label="pool")
    source.check()
    assert [p.name for p in source.cell(0).pods] == ["default/db"]
    assert [p.name for p in source.cell(1).pods] == ["default/web"]
    pods_path.write_text(json.dumps(_list(_affinity_pod("either", [_in("pool", "a", "b")]))))
    args = ["fleet", "--nodes", str(nodes), "--pods", str(pods_path), "--cell-label", "pool"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pod default/either selects no one pool" in err, err


def test_a_dump_is_read_once_while_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI asks a dump for its cells, size, span and warnings before the replay: one read;
    a file written again is read again."""
    import podfit.io.fleet_sources as fs

    reads: list[int] = []
    real = fs.read_cluster_dump

    def counting(*args: Any) -> Any:
        reads.append(1)
        return real(*args)

    monkeypatch.setattr(fs, "read_cluster_dump", counting)
    nodes, pods = _write(tmp_path, _list(NODE), _list(_pod("a")))
    source = fs.DumpSource(nodes, pods)
    source.check()
    assert (source.pod_count(), source.span_ms(), source.warnings()) == (1, 0, ())
    assert [p.name for p in source.cell(0).pods] == ["default/a"]
    assert len(reads) == 1
    pods.write_text(json.dumps(_list(_pod("a"), _pod("bb", "2026-01-01T00:00:09Z"))))
    assert source.pod_count() == 2 and source.span_ms() == 9000
    assert len(reads) == 2
