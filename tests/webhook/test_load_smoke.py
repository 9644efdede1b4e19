"""A small, bounded load run of the real webhook on 127.0.0.1 (the benchmark's code,
benchmarks/webhook_load.py): every review answered, none failed. No timing is asserted; the
targets are the benchmark's to report. hey and wrk come from Debian (.ci/run installs them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("granian")
pytest.importorskip("trustme")


@pytest.mark.parametrize(
    ("tool", "extra"),
    [("hey", ["--http2"]), ("hey", []), ("wrk", ["--seconds", "2"])],
    ids=["hey HTTP/2", "hey HTTP/1.1", "wrk HTTP/1.1"],
)
def test_bounded_load_has_no_errors(tool: str, extra: list[str], tmp_path: Path) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian package {tool}; .ci/run installs it with apt-get)")
    from benchmarks.webhook_load import main

    out = tmp_path / "report.json"
    argv = ["--tool", tool, "--requests", "1600", "--concurrency", "8", "--workers", "1", "--out", str(out)]
    assert main([*argv, *extra]) == 0
    report = json.loads(out.read_text())
    result = report["result"]
    assert result["errors"] == 0
    assert result["ok"] >= (1600 if tool == "hey" else 1)  # hey: -n split evenly over -c
    assert report["rss_kib_before"] > 0 and report["rss_kib_after"] > 0
