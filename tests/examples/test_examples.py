"""The documented kubelet examples (``examples/*.yaml``) as golden scenarios.

Each scenario ``examples/<name>.yaml`` reproduces an example of the kubernetes.io pages on the
CPU, Topology and Memory Managers (its header names the page and section). Its expected results,
``examples/<name>.expected.yaml``, were derived by hand from the kubelet's algorithms and hold only
the fields that matter; this module runs every example through ``podfit simulate --output json``
and compares.

Expected-file format (every key optional unless noted)::

    xfail: "<why podfit is believed wrong>"   # marks the case xfail(strict=True)
    node: {reservedCPUs: "0", initialDefaultCPUSet: "0-15"}     # compared key by key
    error: null | {reason: ..., message: ...}                    # compared exactly
    steps:                                    # required; one entry per event, in order
      - pod: default/name                     # every other key is compared exactly, except
        admitted: true                        #   containers: {name: {field: value}}, which must
        containers:                           #   name every container of the step and is
          app: {cpus: "1,9"}                  #   compared field by field
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.cli.main import main
from podfit.io.scenario import load_scenario
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXPECTED_SUFFIX = ".expected.yaml"
SCENARIOS = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(EXPECTED_SUFFIX))
EXPECTED = sorted(EXAMPLES.glob("*" + EXPECTED_SUFFIX))


def _expected_path(scenario: Path) -> Path:
    return scenario.with_name(scenario.name[: -len(".yaml")] + EXPECTED_SUFFIX)


def _scenario_path(expected: Path) -> Path:
    return expected.with_name(expected.name[: -len(EXPECTED_SUFFIX)] + ".yaml")


WITH_EXPECTED = [p for p in SCENARIOS if _expected_path(p).exists()]


def _cases() -> list[Any]:
    cases = []
    for path in EXPECTED:
        spec = yaml.safe_load(path.read_text())
        marks = [pytest.mark.xfail(strict=True, reason=spec["xfail"])] if spec.get("xfail") else []
        name = path.name[: -len(EXPECTED_SUFFIX)]
        cases.append(pytest.param(_scenario_path(path), spec, id=name, marks=marks))
    return cases


def _run(scenario: Path) -> dict[str, Any]:
    return result_to_json(simulate(load_scenario(scenario)))


def _mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every difference between the expected fields and podfit's JSON, as readable lines."""
    out: list[str] = []
    for key, want in (expected.get("node") or {}).items():
        if actual["node"].get(key) != want:
            out.append(f"node.{key}: expected {want!r}, got {actual['node'].get(key)!r}")
    if "error" in expected and actual["error"] != expected["error"]:
        out.append(f"error: expected {expected['error']!r}, got {actual['error']!r}")
    want_steps, got_steps = expected["steps"], actual["steps"]
    if len(want_steps) != len(got_steps):
        return [*out, f"steps: expected {len(want_steps)}, got {len(got_steps)}"]
    for i, (want, got) in enumerate(zip(want_steps, got_steps, strict=True)):
        where = f"steps[{i}] ({got.get('pod')})"
        for key, value in want.items():
            if key == "containers":
                out.extend(_container_mismatches(where, value, got.get("containers") or []))
            elif got.get(key) != value:
                out.append(f"{where}.{key}: expected {value!r}, got {got.get(key)!r}")
    return out


def _container_mismatches(where: str, want: dict[str, Any], got: list[dict[str, Any]]) -> list[str]:
    by_name = {c["name"]: c for c in got}
    if set(want) != set(by_name):
        return [f"{where}.containers: expected {sorted(want)}, got {sorted(by_name)}"]
    out = []
    for name, fields in want.items():
        for key, value in fields.items():
            got_value = by_name[name].get(key)
            if got_value != value:
                out.append(f"{where}.containers[{name}].{key}: expected {value!r}, got {got_value!r}")
    return out


@pytest.mark.parametrize(("scenario", "expected"), _cases())
def test_documented_example(scenario: Path, expected: dict[str, Any]) -> None:
    problems = _mismatches(expected, _run(scenario))
    assert not problems, "\n".join(problems)


# examples whose results are checked by the tests of their own feature
CHECKED_ELSEWHERE = ("kep5526-", "compare-", "explain-", "memory-qos-", "resize-", "upgrade-")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_example_has_expected_results(scenario: Path) -> None:
    if scenario.name.startswith(CHECKED_ELSEWHERE):
        pytest.skip("checked by their own tests (tests/podlevel, compare, explain, cgroups)")
    assert _expected_path(scenario).exists(), f"{scenario.name} has no {_expected_path(scenario).name}"


@pytest.mark.parametrize("scenario", WITH_EXPECTED, ids=lambda p: p.stem)
def test_cli_json_matches(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``podfit simulate <example> --output json`` exits 0 and prints what the API computes."""
    assert main(["simulate", str(scenario), "--output", "json"]) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out) == _run(scenario)


def test_examples_are_indexed_in_readme() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    missing = [p.name for p in WITH_EXPECTED if p.name not in readme]
    assert not missing, f"examples/README.md does not list {missing}"


def test_scenarios_cite_their_documentation_page() -> None:
    for path in WITH_EXPECTED:
        header = path.read_text().split("\nkind:", 1)[0]
        assert header.startswith("# Reproduces: kubernetes/website content/en/docs/"), path.name


def test_mismatch_report_catches_differences() -> None:
    """The comparison itself fails on a wrong value, a missing container and a wrong step count."""
    actual = {
        "node": {"reservedCPUs": "0"},
        "error": None,
        "steps": [{"pod": "default/a", "admitted": True, "containers": [{"name": "c", "cpus": "1"}]}],
    }
    ok = {
        "node": {"reservedCPUs": "0"},
        "error": None,
        "steps": [{"pod": "default/a", "containers": {"c": {"cpus": "1"}}}],
    }
    assert _mismatches(ok, actual) == []
    wrong_cpus = {**ok, "steps": [{"pod": "default/a", "containers": {"c": {"cpus": "2"}}}]}
    assert _mismatches(wrong_cpus, actual) == [
        "steps[0] (default/a).containers[c].cpus: expected '2', got '1'"
    ]
    wrong_names = {**ok, "steps": [{"containers": {"d": {}}}]}
    assert len(_mismatches(wrong_names, actual)) == 1
    assert _mismatches({**ok, "steps": []}, actual) == ["steps: expected 0, got 1"]
    assert _mismatches({**ok, "node": {"reservedCPUs": "1"}}, actual)
