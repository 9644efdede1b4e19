"""podfit against the real kubelet resource managers of v1.34.2, v1.35.3 and v1.36.2, on committed
oracle outputs.

Each line of ``oracle-v<release>/*.jsonl`` is one line the kubelet oracle
(/work/shared/tools/kubelet-oracle, the real Topology / CPU / Memory Managers of that kubelet as
vendored by microshift: c9e94e18, d47c1ed9, 8e16b12f) printed for a scenario of the differential
harness (``tools/oracle``): its input and what the real code decided. The test turns the input back
into a podfit scenario for that release (``tools.oracle.convert.from_oracle_input(input, release)``:
the oracle's gate conventions become the kubelet's gates), runs podfit as that release and compares
admission, reason, message, hints, exclusive CPU sets, the shared pool, memory blocks and the
memory machine state step by step (``tools.oracle.compare``). v1.36.2: the three issue-14
reproductions (``repro``), the uncore families (``uncore``, ``uncore-fpo-strict-3numa``,
``uncore-pod-8numa-closest``), the other CPU paths (``cpu``) and the Memory Manager with pod-level
resources (``memory``); v1.34.2 and v1.35.3: the same families, ``memory-wide`` and ``plr-gates``
(pods with ``spec.resources`` under every gate combination); on the three releases
``qos-empty-stanza`` (Guaranteed containers under an empty ``spec.resources``: BestEffort with
``PodLevelResources`` on, so no exclusive CPUs). Every scenario an older podfit got wrong is among
them. Tests never build or run the oracle.
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

HERE = Path(__file__).parent
GOLDEN = HERE / "oracle-v1.36.2"
SOURCES = {
    "1.34": "kubelet v1.34.2 (microshift c9e94e18)",
    "1.35": "kubelet v1.35.3 (microshift d47c1ed9)",
    "1.36": "kubelet v1.36.2 (microshift 8e16b12f)",
}
DIRS = {"1.34": "oracle-v1.34.2", "1.35": "oracle-v1.35.3", "1.36": "oracle-v1.36.2"}


def _lines(release: str) -> list[Any]:
    out = []
    for path in sorted((HERE / DIRS[release]).glob("*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            line = json.loads(text)
            out.append(pytest.param(line, id=f"{path.stem}:{line['input']['id']}"))
    return out


LINES = _lines("1.36")
LINES_134 = _lines("1.34")
LINES_135 = _lines("1.35")


def _podfit(line: dict[str, Any], release: str = "1.36") -> dict[str, Any]:
    return result_to_json(simulate(scenario_from_dict(from_oracle_input(line["input"], release))))


def test_golden_set_is_there() -> None:
    families = {p.id.split(":")[0] for p in LINES}  # type: ignore[union-attr]
    uncore = {"uncore", "uncore-fpo-strict-3numa", "uncore-pod-8numa-closest"}
    assert families == {"cpu", "memory", "plr-gates", "qos-empty-stanza", "repro", *uncore}
    assert len(LINES) >= 300
    for lines in (LINES_134, LINES_135):
        families = {p.id.split(":")[0] for p in lines}  # type: ignore[union-attr]
        assert families == {"cpu", "memory", "memory-wide", "plr-gates", "qos-empty-stanza", *uncore}
        assert len(lines) >= 300


def _agrees(line: dict[str, Any], release: str) -> None:
    assert line["schema"] == "kubelet-rm-oracle/v1" and line["source"] == SOURCES[release]
    doc = _podfit(line, release)
    assert doc["kubeletVersion"] == release
    result = compare(doc, line)
    assert result.truncated_at is None
    assert result.agree, "\n".join(str(m) for m in result.mismatches)


@pytest.mark.parametrize("line", LINES)
def test_podfit_agrees_with_kubelet_v1_36_2(line: dict[str, Any]) -> None:
    _agrees(line, "1.36")


@pytest.mark.parametrize("line", LINES_135)
def test_podfit_agrees_with_kubelet_v1_35_3(line: dict[str, Any]) -> None:
    _agrees(line, "1.35")


@pytest.mark.parametrize("line", LINES_134)
def test_podfit_agrees_with_kubelet_v1_34_2(line: dict[str, Any]) -> None:
    _agrees(line, "1.34")


@pytest.mark.parametrize(
    ("lines", "release", "other"), [(LINES_134, "1.34", "1.36"), (LINES, "1.36", "1.34")]
)
def test_each_golden_set_pins_its_release(lines: list[Any], release: str, other: str) -> None:
    """Run as another release, podfit disagrees with some of a release's answers (pods with
    spec.resources under PodLevelResources off: 1.34 allocates them per container, 1.36 skips them)."""
    plr = [p.values[0] for p in lines if p.id.startswith("plr-gates:")]  # type: ignore[union-attr]
    assert plr
    disagree = sum(not compare(_podfit(line, other), line).agree for line in plr)
    assert disagree > 0


def test_a_changed_kubelet_answer_is_caught() -> None:
    """The comparison can fail: the same podfit run against a doctored oracle output."""
    line = next(p.values[0] for p in LINES if p.id == "repro:uncore-align-by-socket")  # type: ignore[union-attr]
    doctored = copy.deepcopy(line)
    doctored["output"]["steps"][1]["containerCPUs"]["app0"] = "3-5"  # podfit's old answer
    doctored["output"]["steps"][1]["defaultCPUSet"] = "0-2,6-19"
    fields = {m.field for m in compare(_podfit(line), doctored).mismatches}
    assert fields == {"containerCPUs", "defaultCPUSet"}
