"""``podfit render`` on the command line: files written, options, one-line errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from podfit.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_default_scenario_writes_html_and_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html, svg = tmp_path / "node.html", tmp_path / "node.svg"
    assert main(["render", "-o", str(html), "--svg", str(svg), "--step", "4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"wrote {html}", f"wrote {svg}"]
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<body data-step="4">' in page
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "rejected: TopologyAffinityError" in svg.read_text(encoding="utf-8")


def test_default_output_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["render"]) == 0
    written = tmp_path / "podfit-tightly-coupled-database.html"
    assert written.is_file()
    assert capsys.readouterr().out.strip() == f"wrote {written}"


def test_scenario_file(tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    assert main(["render", str(EXAMPLES / "cpu-static-qos-classes.yaml"), "-o", str(out)]) == 0
    assert "data-cpu=" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["render", "--step", "7"], 2, "--step: 7 is past the last step (6)"),
        (["render", "--step", "-1"], 2, "--step"),
        (["render", "missing.yaml"], 2, "missing.yaml"),
        (["render", "x.yaml", "--preset", "laptop-8c16t"], 2, "not both"),
    ],
    ids=["step past the end", "negative step", "missing scenario", "scenario and parts"],
)
def test_errors_are_one_line(
    args: list[str],
    code: int,
    fragment: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("podfit: error: ") and fragment in err


def test_png_without_chromium_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PODFIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert main(["render", "-o", str(tmp_path / "a.html"), "--png", str(tmp_path / "a.png")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "podfit: error: PNG output needs a Chromium executable: apt-get install chromium "
        "(or set PODFIT_CHROMIUM)\n"
    )
    assert not (tmp_path / "a.png").exists()


def test_png_without_the_browser_extra_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without Playwright (the 'browser' extra): exit 2 and the pip command, never a traceback."""
    import importlib.util

    real = importlib.util.find_spec

    def no_playwright(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] == "playwright":
            return None
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", no_playwright)
    assert main(["render", "-o", str(tmp_path / "a.html"), "--png", str(tmp_path / "a.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("podfit: error: PNG output needs the optional extra 'browser'")
    assert "pip install 'podfit[browser]'" in err and err.count("\n") == 1


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--help"]) == 0
    text = capsys.readouterr().out
    assert "Examples:" in text and "--png" in text
    assert "podfit render examples/kep5526-tightly-coupled-database.yaml" in text


def test_rejected_step_says_what_it_lacked(tmp_path: Path) -> None:
    out = tmp_path / "node.html"

    def panel() -> str:
        page = out.read_text(encoding="utf-8")
        start = page.index('<section class="step-panel"')
        return page[start : page.index("</section>", start)]

    assert main(["render", "--step", "4", "-o", str(out)]) == 0
    assert "What it lacked" in panel() and "cpu: needs" in panel()
    assert main(["render", "--step", "4", "--shortfalls", "0", "-o", str(out)]) == 0
    assert "Shortfall not computed for this rejection" in panel()
    assert main(["simulate", "--html", str(out)]) == 0
    assert '"f":[' in out.read_text(encoding="utf-8")  # the page's data carries the lines
