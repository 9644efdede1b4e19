"""The three issue-14 reproductions give the kubelet's answers (the expectations in each file's
header come from the real v1.36.2 code; the files are read as they are)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from podfit.io.scenario import load_scenario
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

REPRO = Path(__file__).parent / "repro"
# "#   1 add pod1: admitted; exclusive {"app0": "5-7"}; shared pool 0-4,8-19"
LINE = re.compile(r"^#\s+(\d+) (add|remove) (\S+): (.*); exclusive (.*); shared pool (\S*)$")


def _expected(path: Path) -> list[tuple[int, str, str, str, dict[str, str], str]]:
    out = []
    for text in path.read_text(encoding="utf-8").splitlines():
        m = LINE.match(text)
        if m:
            index, op, pod, result, exclusive, pool = m.groups()
            out.append((int(index), op, pod, result, {} if exclusive == "-" else json.loads(exclusive), pool))
    return out


def _result(step: dict[str, Any]) -> str:
    if step["op"] == "remove":
        return "removed" if step["removed"] else "not on the node"
    if step["admitted"]:
        return "admitted"
    return f"rejected {step['reason']}: {step['message']}"


def _exclusive(step: dict[str, Any]) -> dict[str, str]:
    return {
        c["name"]: c["cpus"]
        for c in step.get("containers") or []
        if c["assignment"] != "node_shared" and c["cpus"] is not None
    }


@pytest.mark.parametrize("path", sorted(REPRO.glob("*.yaml")), ids=lambda p: p.stem)
def test_reproduction_gives_the_kubelets_answer(path: Path) -> None:
    expected = _expected(path)
    doc = result_to_json(simulate(load_scenario(path)))
    assert len(expected) == len(doc["steps"]) >= 5
    for (index, op, pod, result, exclusive, pool), step in zip(expected, doc["steps"], strict=True):
        where = f"{path.stem} step {index}"
        assert step["op"] == op and step["uid"] == pod, where
        assert _result(step) == result, where
        if op == "add" and step["admitted"]:
            assert _exclusive(step) == exclusive, where
        assert step["defaultCPUSet"] == pool, where
