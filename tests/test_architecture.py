"""Architecture and hygiene checks that run with the test suite (and so in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.compiled import COMPILED

import podfit.kubelet.node
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


CORE = (
    "model",
    "release",
    "api",
    "topology",
    "cpu",
    "memory",
    "devices",
    "checkpoint",
    "kubelet",
    "fleet",
    "admission_policy",
    "live/drift.py",
    "live/values.py",
)


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
    assert COMPILED, f"the core is interpreted: {podfit.kubelet.node.__file__}"
    assert podfit.topology.fastmerge.__file__.endswith(".so")


def test_modules_stay_small() -> None:
    """A module over ~400 lines is a smell; 500 is the hard line."""
    big = [
        (p.relative_to(ROOT), n)
        for p in (ROOT / "src").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    ]
    assert not big, big


def _import_graph() -> dict[str, set[str]]:
    """Module -> the podfit modules it imports (anywhere in the file, function-local imports too)."""
    import ast

    src = ROOT / "src"
    graph: dict[str, set[str]] = {}
    modules = {
        ".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        for p in src.rglob("*.py")
    }
    for path in src.rglob("*.py"):
        name = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("podfit"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    deps.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("podfit"))
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def test_no_import_cycles_between_modules() -> None:
    """No module imports another that imports it back, directly or through others (a late
    import inside a function counts: it hides a cycle, it does not remove it). Package
    ``__init__`` re-exports are left out."""
    graph = {
        m: {d for d in deps if not _is_package(d)}
        for m, deps in _import_graph().items()
        if not _is_package(m)
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def _is_package(module: str) -> bool:
    return (ROOT / "src" / Path(*module.split(".")) / "__init__.py").exists()
