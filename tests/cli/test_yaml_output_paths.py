"""Every command that writes YAML, over the repository's example scenarios and test data: whenever
podfit.io.yaml_out lets libyaml's emitter write, PyYAML's pure emitter writes the same bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from tests.io.test_sysfs import linux_rows, same_package, write_tree

from podfit.cli.main import main
from podfit.io import yaml_out

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(
    [
        *(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.endswith(".expected.yaml")),
        *(ROOT / "tests" / "golden" / "repro").glob("*.yaml"),
        *(ROOT / "tests" / "explain").glob("*.yaml"),
    ]
)
WORKLOADS = ROOT / "tests" / "data" / "workloads"
POLICY = ROOT / "examples" / "webhook" / "policy.yaml"
pytestmark = pytest.mark.skipif(yaml_out._FAST is None, reason="PyYAML built without libyaml")


class Checked:
    """What went through libyaml (each compared with PyYAML's text) and what through PyYAML."""

    def __init__(self) -> None:
        self.libyaml = 0
        self.pure = 0


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Checked]:
    seen = Checked()

    def dump_all(documents: list[Any], **options: Any) -> str:
        text: str = yaml.dump_all(documents, **options)
        options.pop("Dumper")
        assert text == yaml.safe_dump_all(documents, **options)
        seen.libyaml += 1
        return text

    def safe_dump_all(documents: list[Any], **options: Any) -> str:
        seen.pure += 1
        return yaml.safe_dump_all(documents, **options)  # type: ignore[no-any-return]

    monkeypatch.setattr(yaml_out, "yaml", SimpleNamespace(dump_all=dump_all, safe_dump_all=safe_dump_all))
    yield seen


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_simulate_and_explain(scenario: Path, checked: Checked, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "simulate", str(scenario), "-o", "yaml")
    assert checked.libyaml == 1  # simulate's results are printable ASCII
    steps = json.loads(_run(capsys, "simulate", str(scenario), "-o", "json"))["steps"]
    pods = [s for s in steps if s.get("op") == "add"]
    rejected = [s for s in pods if not s["admitted"]]
    for step in [*pods[:1], *rejected[:1]]:
        _run(capsys, "explain", str(scenario), "--pod", step["pod"], "-o", "yaml")
    if scenario.name.startswith("compare-") or scenario.name.startswith("kep5526"):
        _run(capsys, "compare", str(scenario), "-o", "yaml")
    assert checked.libyaml + checked.pure >= 1 + len(pods[:1]) + len(rejected[:1])


def test_the_default_scenario_and_workloads(checked: Checked, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "simulate", "-o", "yaml")
    _run(capsys, "compare", "-o", "yaml")
    _run(capsys, "compare", "--fill", "-o", "yaml")
    machine = [
        "--machine",
        str(WORKLOADS / "machine.yaml"),
        "--kubelet-config",
        str(WORKLOADS / "kubelet.yaml"),
    ]
    for workload in sorted(WORKLOADS.glob("*.yaml")):
        if workload.stem in ("machine", "kubelet", "only-services", "list-configmap-deployment"):
            continue
        _run(capsys, "simulate", *machine, "-f", str(workload), "-o", "yaml")
    assert checked.libyaml >= 10


def test_policy_webhook_and_capture(
    tmp_path: Path, checked: Checked, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "policy", str(POLICY))
    target = tmp_path / "static"
    _run(
        capsys, "policy", str(POLICY), "--static", "-o", str(target), "--webhook-url", "https://10.0.0.5:8443"
    )
    _run(capsys, "webhook", "manifests", "--policy", str(POLICY), "--cert-manager")
    for sockets, nps, cores in ((1, 1, 4), (2, 1, 4), (2, 4, 8)):
        rows = linux_rows(sockets, nps, cores, 2)
        root = write_tree(tmp_path / f"sys{sockets}{nps}{cores}", rows, l3=same_package(rows))
        _run(capsys, "capture-machine", "--sysfs", str(root))
    assert checked.libyaml >= 3  # the captured machines and the VAP manifests
    assert checked.pure >= 1  # the webhook manifests carry the policy as multi-line JSON


def test_a_page_scenario(tmp_path: Path, checked: Checked, capsys: pytest.CaptureFixture[str]) -> None:
    """The large-scenario benchmark's kind of input (page_scenario), at 150 pods."""
    from benchmarks.page_scenario import page_scenario

    path = tmp_path / "page.json"
    path.write_text(json.dumps(page_scenario(150, cpus=128, numa=4)))
    _run(capsys, "simulate", str(path), "-o", "yaml")
    assert checked.libyaml == 1
