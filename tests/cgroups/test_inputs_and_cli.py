"""The scenario's ``resize`` / ``retryResizes`` events and ``node.os`` (bad input: one line, exit 2),
and the ``podfit cgroups`` and ``podfit explain --resize`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cgroups.test_worked_example import EXAMPLE

from podfit.cli.main import main

RETRY = EXAMPLE.with_name("resize-deferred-and-retried.yaml")


def _with(tmp_path: Path, change: dict[str, Any], *, node: dict[str, Any] | None = None) -> Path:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"] = [*doc["events"][:2], change]
    if node is not None:
        doc["node"].update(node)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("change", "node", "expect"),
    [
        (
            {"resize": {"pod": "default/orders-db-0", "containers": {"nope": {"requests": {"cpu": "1"}}}}},
            None,
            "events[2].resize.containers.nope: no such container in default/orders-db-0",
        ),
        (
            {"resize": {"pod": "default/ghost", "resources": {"requests": {"cpu": "1"}}}},
            None,
            "events[2].resize.pod: no pod default/ghost is added before this event",
        ),
        (
            {"resize": {"pod": "default/web", "containers": {"app": {"requests": {"cpu": "1Gi"}}}}},
            None,
            "events[2].resize.containers.app.requests.cpu",
        ),
        (
            {"resize": {"pod": "default/web", "containers": {"app": {"request": {"cpu": "1"}}}}},
            None,
            "events[2].resize.containers.app.request: unknown field",
        ),
        ({"resize": {"pod": "default/web"}}, None, "events[2].resize: nothing to resize"),
        (
            {"resize": {"pod": "default/web", "resizePolicy": {"app": {"memory": "Sometimes"}}}},
            None,
            "events[2].resize.resizePolicy.app.memory",
        ),
        ({"retryResizes": {"now": True}}, None, "events[2].retryResizes: expected {}"),
        ({"retryResizes": {}}, {"os": {"cgroupVersion": 3}}, "node.os.cgroupVersion: expected 1 or 2"),
        ({"retryResizes": {}}, {"os": {"pageSize": 4000}}, "node.os.pageSize"),
        ({"retryResizes": {}}, {"os": {"kernelVersion": "linux"}}, "node.os.kernelVersion"),
        ({"retryResizes": {}}, {"os": {"swap": True}}, "node.os.swap: unknown field"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], node: Any, expect: str
) -> None:
    assert main(["simulate", str(_with(tmp_path, change, node=node))]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("podfit: error: ") and "\n" not in err
    assert expect in err


def test_retry_event_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = yaml.safe_load(RETRY.read_text())
    doc["events"] = [*doc["events"][:2], doc["events"][4], {"retryResizes": {}}]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert main(["simulate", str(path), "-o", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert steps[2]["op"] == "resize" and steps[2]["decision"]["outcome"] == "InProgress"  # 2 CPUs free
    assert steps[3] == {**steps[3], "op": "retryResizes", "trigger": "periodic", "retried": [], "pending": []}


def test_deferred_then_retried_on_removal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(RETRY), "-o", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    db, web, removed, db_memory = steps[3], steps[4], steps[5], steps[6]
    assert db["decision"]["outcome"] == "Infeasible"
    assert (
        db["decision"]["message"]
        == 'Resize is infeasible for Guaranteed Pods alongside CPU Manager policy "static"'
    )
    assert web["decision"]["outcome"] == "Deferred" and web["decision"]["handlerReason"] == "OutOfcpu"
    assert web["pending"] == ["default/web"]
    assert [d["outcome"] for d in removed["resizes"]] == ["InProgress"]
    assert removed["resizes"][0]["trigger"] == "pods_removed"
    assert db_memory["decision"]["outcome"] == "InProgress"  # memory only: not blocked by the CPU policy
    assert db_memory["decision"]["exclusive"]["changed"] == []  # the exclusive cpuset is kept


def test_resize_decisions_differ_by_release(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(RETRY), "-o", "json", "--kubelet-version", "1.33"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert (
        steps[3]["decision"]["message"]
        == "Resize is infeasible for Guaranteed Pods alongside CPU Manager static policy"
    )
    # 1.33 refuses any resize of a Guaranteed pod under the static policy, memory-only too
    assert steps[6]["decision"]["outcome"] == "Infeasible"


def test_cgroups_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cgroups", str(EXAMPLE), "--step", "2", "-o", "json", "--driver", "systemd"]) == 0
    doc = json.loads(capsys.readouterr().out)
    paths = {c["path"]: c for c in doc["cgroups"]}
    assert paths["/kubepods.slice"]["files"]["memory.min"] == str(18 << 30)
    assert "/kubepods.slice/kubepods-burstable.slice" in paths
    assert main(["cgroups", str(EXAMPLE), "--diff", "3..4"]) == 0
    diff = capsys.readouterr().out
    assert "~ memory.max: 17179869184 -> 21474836480" in diff
    assert main(["cgroups", str(EXAMPLE), "--diff-release", "1.37", "--step", "2", "-o", "json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert {
        "path": "/kubepods/pod6f1c2c1e-0000-4000-8000-000000000001/metrics-exporter",
        "file": "memory.high",
        "old": None,
        "new": "15461879808",
    } in changes
    target = tmp_path / "tree"
    assert main(["cgroups", str(EXAMPLE), "--apply-to", str(target)]) == 0
    assert not target.exists()
    assert main(["cgroups", str(EXAMPLE), "--apply-to", str(target), "--write"]) == 0
    assert (target / "kubepods" / "burstable" / "memory.low").read_text() == f"{2 << 30}\n"
    assert main(["cgroups", str(EXAMPLE), "--write"]) == 2
    assert main(["cgroups", str(EXAMPLE), "--diff", "3-4"]) == 2
    assert main(["cgroups", str(EXAMPLE), "--step", "9"]) == 2


def test_explain_resize(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(RETRY), "--pod", "default/web", "--step", "5", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["decision"]["outcome"] == "Deferred" and doc["decisive"] == "predicate"
    assert {"change": "remove default/batch first", "outcome": "InProgress", "note": None} in doc[
        "suggestions"
    ]
    assert main(["explain", str(RETRY), "--pod", "default/db", "--step", "4", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["decisive"] == "Guaranteed pod, CPU Manager static"
    assert doc["suggestions"][0]["change"] == "featureGates: {InPlacePodVerticalScalingExclusiveCPUs: true}"
    assert doc["suggestions"][0]["outcome"] == "InProgress"
    assert main(["explain", str(RETRY), "--pod", "default/db", "--resize"]) == 0
    out = capsys.readouterr().out
    assert "InProgress" in out and "ok" in out
    assert main(["explain", str(RETRY), "--pod", "default/nope", "--resize"]) == 2
