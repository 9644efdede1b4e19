"""podfit against the real kubelet v1.36.2 resource managers, on committed oracle outputs.

Each line of ``oracle-v1.36.2/*.jsonl`` is one line the kubelet oracle
(/work/shared/tools/kubelet-oracle, the real Topology / CPU / Memory Managers of kubelet v1.36.2
as vendored by microshift 8e16b12f) printed for a scenario of the differential harness
(``tools/oracle``): its input and what the real code decided. The test turns the input back into a
podfit scenario, runs podfit and compares admission, reason, message, hints, exclusive CPU sets,
the shared pool, memory blocks and the memory machine state step by step
(``tools.oracle.compare``). The files: the three issue-14 reproductions (``repro``), the uncore
families (``uncore``, ``uncore-fpo-strict-3numa``, ``uncore-pod-8numa-closest``), the other CPU
paths (``cpu``) and the Memory Manager with pod-level resources (``memory``); every scenario an
older podfit got wrong is among them. Tests never build or run the oracle.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tools.oracle.compare import compare
from tools.oracle.convert import from_oracle_input

from podfit.api.scenario import scenario_from_dict
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

GOLDEN = Path(__file__).parent / "oracle-v1.36.2"
SOURCE = "kubelet v1.36.2 (microshift 8e16b12f)"


def _lines() -> list[Any]:
    out = []
    for path in sorted(GOLDEN.glob("*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            line = json.loads(text)
            out.append(pytest.param(line, id=f"{path.stem}:{line['input']['id']}"))
    return out


LINES = _lines()


def _podfit(line: dict[str, Any]) -> dict[str, Any]:
    return result_to_json(simulate(scenario_from_dict(from_oracle_input(line["input"], "1.36"))))


def test_golden_set_is_there() -> None:
    families = {p.id.split(":")[0] for p in LINES}  # type: ignore[union-attr]
    uncore = {"uncore", "uncore-fpo-strict-3numa", "uncore-pod-8numa-closest"}
    assert families == {"cpu", "memory", "repro", *uncore}
    assert len(LINES) >= 300


@pytest.mark.parametrize("line", LINES)
def test_podfit_agrees_with_kubelet_v1_36_2(line: dict[str, Any]) -> None:
    assert line["schema"] == "kubelet-rm-oracle/v1" and line["source"] == SOURCE
    result = compare(_podfit(line), line)
    assert result.truncated_at is None
    assert result.agree, "\n".join(str(m) for m in result.mismatches)


def test_a_changed_kubelet_answer_is_caught() -> None:
    """The comparison can fail: the same podfit run against a doctored oracle output."""
    line = next(p.values[0] for p in LINES if p.id == "repro:uncore-align-by-socket")  # type: ignore[union-attr]
    doctored = copy.deepcopy(line)
    doctored["output"]["steps"][1]["containerCPUs"]["app0"] = "3-5"  # podfit's old answer
    doctored["output"]["steps"][1]["defaultCPUSet"] = "0-2,6-19"
    fields = {m.field for m in compare(_podfit(line), doctored).mismatches}
    assert fields == {"containerCPUs", "defaultCPUSet"}
