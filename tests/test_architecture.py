"""Architecture and hygiene checks that run with the test suite (and so in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.compiled import COMPILED

import podfit.node.node
import podfit.topology.fastmerge

ROOT = Path(__file__).resolve().parents[1]


def test_core_imports_no_io_cli_or_yaml() -> None:
    """import-linter contracts of pyproject.toml: the domain core is pure, layers point down."""
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    exe = str(ruff) if ruff.exists() else shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    proc = subprocess.run(
        [exe, "check", "src", "tests"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


CORE = ("model", "topology", "cpu", "memory", "devices", "node", "fleet")


def test_core_type_checks(tmp_path: Path) -> None:
    """The domain core passes mypy: its type hints are true (what a compiler such as mypyc, and a
    reader, rely on)."""
    mypy = Path(sys.executable).with_name("mypy")
    if not mypy.exists():
        pytest.skip("mypy is not installed (pip install -e '.[dev]')")
    packages = [f"src/podfit/{p}" for p in CORE]
    proc = subprocess.run(
        [str(mypy), "--cache-dir", str(tmp_path), *packages],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compiled_core_when_expected() -> None:
    """``.ci/run``'s compiled stage runs the suite against a mypyc build: make sure it is one."""
    if os.environ.get("PODFIT_EXPECT_COMPILED") != "1":
        pytest.skip("PODFIT_EXPECT_COMPILED is not set")
    assert COMPILED, f"the core is interpreted: {podfit.node.node.__file__}"
    assert podfit.topology.fastmerge.__file__.endswith(".so")


def test_modules_stay_small() -> None:
    """A module over ~400 lines is a smell; 500 is the hard line."""
    big = [
        (p.relative_to(ROOT), n)
        for p in (ROOT / "src").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    ]
    assert not big, big
