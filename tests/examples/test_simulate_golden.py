"""``podfit simulate --output json`` of every example (and of the built-in default scenario) is
byte-identical to the committed golden output under ``tests/golden/simulate/``.

The goldens pin behaviour across refactors: a change that moves one byte of any example's JSON
fails here. When a change is meant to alter results (a kubelet-exactness fix, say), regenerate
them with ``python -m tests.examples.test_simulate_golden`` and say why in the commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from podfit.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "simulate"
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.endswith(".expected.yaml"))


def _simulate(args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["simulate", *args, "--output", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _cases() -> list[tuple[str, list[str]]]:
    return [("default", []), *((p.stem, [str(p)]) for p in EXAMPLES)]


@pytest.mark.parametrize(("name", "args"), _cases(), ids=[n for n, _ in _cases()])
def test_simulate_json_is_byte_identical_to_golden(name: str, args: list[str]) -> None:
    expected = (GOLDEN / f"{name}.json").read_text(encoding="utf-8")
    assert _simulate(args) == expected


def test_every_example_has_a_golden() -> None:
    assert {p.stem for p in GOLDEN.glob("*.json")} == {n for n, _ in _cases()}


if __name__ == "__main__":  # regenerate
    for name, args in _cases():
        (GOLDEN / f"{name}.json").write_text(_simulate(args), encoding="utf-8")
    sys.exit(0)
