"""``-o`` is the output format everywhere (``simulate -o wide|yaml|json``, ``capture-machine -o
yaml|json``); the file options are ``--html``, ``--png``, ``--out``, and the old ``-o FILE``
spellings still work. A closed pipe is exit 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from podfit.cli.main import main
from podfit.report.wide import HEADER

ROOT = Path(__file__).resolve().parents[2]


def test_wide_is_one_line_per_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "-o", "wide"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == list(HEADER)
    assert main(["simulate", "-o", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert len(lines) == 1 + len(steps)
    first = lines[1].split()
    assert first[:4] == ["0", "default/orders-db-0", "Guaranteed", "admitted"]
    assert first[4:] == ["0", "1-4,17-20", "0:", "20Gi"]  # NUMA, the pod budget, memory per NUMA
    rejected = next(line for line in lines if "TopologyAffinityError" in line)
    assert rejected.split()[1] == "default/orders-db-3"
    assert any(line.split()[3] == "removed" for line in lines[1:])


def test_wide_names_a_known_defect(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(ROOT / "examples" / "kep5526-ml-workload-single-numa-node.yaml")
    assert main(["simulate", example, "-o", "wide"]) == 0
    assert "UnexpectedAdmissionError (known defect kubernetes#138770)" in capsys.readouterr().out


def test_yaml_is_the_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "-o", "json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert main(["simulate", "-o", "yaml"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == as_json


def test_render_html_and_the_old_o(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--html", str(tmp_path / "a.html")]) == 0
    assert main(["render", "-o", str(tmp_path / "b.html")]) == 0
    assert main(["render", "-o", "html", "--html", str(tmp_path / "c.html")]) == 0
    capsys.readouterr()
    assert all(
        (tmp_path / n).read_text().startswith("<!DOCTYPE html>") for n in ("a.html", "b.html", "c.html")
    )


def _run_into_a_closed_pipe(args: list[str], read_first: bool) -> tuple[int, bytes]:
    import fcntl
    import os

    r, w = os.pipe()
    fcntl.fcntl(r, 1031, 4096)  # F_SETPIPE_SZ: a small pipe, so that the writer blocks early
    cmd = [sys.executable, "-c", "import sys; from podfit.cli.main import main; sys.exit(main())", *args]
    proc = subprocess.Popen(cmd, stdout=w, stderr=subprocess.PIPE)
    os.close(w)
    if read_first:
        with os.fdopen(r, "rb") as reader:
            reader.readline()  # as head -1 does, then goes away
    else:
        os.close(r)  # gone before the first write
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@pytest.mark.skipif(sys.platform != "linux", reason="F_SETPIPE_SZ is Linux's")
@pytest.mark.parametrize(
    ("args", "read_first"),
    [(["presets"], False), (["simulate"], True), (["simulate", "-o", "json"], True), (["simulate"], False)],
)
def test_a_closed_pipe_is_exit_0(args: list[str], read_first: bool) -> None:
    """``podfit presets | head -1``: the reader goes away; podfit exits 0, silently."""
    code, err = _run_into_a_closed_pipe(args, read_first)
    assert (code, err) == (0, b"")


@pytest.mark.parametrize(
    "args",
    [
        ["explain", str(ROOT / "examples" / "explain-topology-affinity.yaml"), "--pod", "default/big-db"],
        ["compare", str(ROOT / "examples" / "compare-database-fleet.yaml")],
    ],
    ids=["explain", "compare"],
)
def test_yaml_beside_json_everywhere(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "-o", "json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert main([*args, "-o", "yaml"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == as_json
