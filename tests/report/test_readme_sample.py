"""The README's first command, as the README shows it: its picture of the page exists (its sample
of the report is kept equal to what ``podfit simulate`` prints by tests/cli/test_readme.py)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_picture_exists() -> None:
    assert "![The default scenario's CPU map](docs/images/default-scenario.png)" in (
        ROOT / "README.md"
    ).read_text(encoding="utf-8")
    assert (ROOT / "docs/images/default-scenario.png").stat().st_size > 10_000
