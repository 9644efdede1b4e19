"""Docs, examples and messages never point outside the repository (a user has no ``shared/``
directory or ``/work``), and every decision they cite (A-1 … A-12) is restated in
docs/decisions.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USER_FACING = [
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "README.md",
    *sorted(p for p in (ROOT / "examples").rglob("*") if p.is_file()),
    *sorted((ROOT / "src" / "podfit").rglob("*.py")),
]
OUTSIDE = re.compile(r"/work/|\.\./shared|\bshared/(spec|design|research|tools|data)|spec-kep5526")


@pytest.mark.parametrize("path", USER_FACING, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in OUTSIDE.finditer(text)]
    assert not found, found


def test_every_cited_decision_is_restated() -> None:
    decisions = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    restated = set(re.findall(r"\*\*(A-\d+)[,.]", decisions))
    cited: set[str] = set()
    for path in USER_FACING:
        cited |= set(re.findall(r"\bA-\d+\b", path.read_text(encoding="utf-8")))
    assert cited <= restated, sorted(cited - restated)
    assert {f"A-{n}" for n in range(1, 13)} - {"A-5", "A-7", "A-8"} <= restated
