"""The README's first command, as the README shows it: its sample of the report is what
``podfit simulate`` prints, line for line, and its picture of the page exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podfit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def _sample() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Among the steps of the report:\n\n```text\n(.*?)\n```", readme, re.S)
    assert block is not None, "README.md lost its sample of the report"
    return block.group(1).splitlines()


def test_readme_sample_is_what_simulate_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate"]) == 0
    printed = capsys.readouterr().out.splitlines()
    sample = _sample()
    start = printed.index(sample[0])
    assert printed[start : start + len(sample)] == sample


def test_readme_picture_exists() -> None:
    assert "![The default scenario's CPU map](docs/images/default-scenario.png)" in (
        ROOT / "README.md"
    ).read_text(encoding="utf-8")
    assert (ROOT / "docs/images/default-scenario.png").stat().st_size > 10_000
