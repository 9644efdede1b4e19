"""The rendered page in a real browser: Debian's headless ``chromium`` driven by Playwright.

Checks that every CPU of the node has a box with the right owner at every step (against a hand
count for the built-in scenario), that the legend lists exactly the owner kinds on screen, that the
step control (buttons, slider, keyboard) changes the picture, and that hovering shows the details.
Saves ``docs/images/default-scenario.png``. Skips when Chromium or Playwright is missing, except
under CI (``CI`` set), where ``.ci/run`` installs Chromium and a skip would hide a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podfit.io.scenario import load_default_scenario
from podfit.kubelet.simulation import simulate
from podfit.model.cpuset import cpus, parse_cpuset
from podfit.report.json_result import result_to_json
from podfit.report.render_html import render_html
from podfit.report.screenshot import BrowserUnavailable, find_chromium, launch_chromium

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "default-scenario.png"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it (.ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed")
    if find_chromium() is None:
        _unavailable("chromium is not installed")
    try:
        with launch_chromium() as b:
            yield b
    except BrowserUnavailable as exc:
        _unavailable(str(exc))


@pytest.fixture()
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    result = simulate(load_default_scenario())
    path = tmp_path / "default.html"
    path.write_text(render_html(result_to_json(result), result.machine), encoding="utf-8")
    pg = browser.new_page(viewport={"width": 1600, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on(
        "request",
        lambda r: errors.append(f"network request {r.url}") if not r.url.startswith("file:") else None,
    )
    pg.goto(path.as_uri())
    yield pg
    pg.close()
    assert errors == []


def _set(text: str) -> set[int]:
    return set(cpus(parse_cpuset(text)))


# The built-in scenario by hand: CPU 0 reserved; each orders-db pod takes 4 cores of one NUMA node
# (budget), the database container 3 of them (exclusive), the two sidecars share the fourth.
# (pod, exclusive CPUs, pod shared CPUs) on the node after each step.
DB0 = ("default/orders-db-0", "1-3,17-19", "4,20")
DB1 = ("default/orders-db-1", "8-10,24-26", "11,27")
DB2 = ("default/orders-db-2", "12-14,28-30", "15,31")
DB4 = ("default/orders-db-4", "1-3,17-19", "4,20")
ON_NODE = [(), (DB0,), (DB0, DB1), (DB0, DB1, DB2), (DB0, DB1, DB2), (DB1, DB2), (DB1, DB2, DB4)]


def _expected(step: int) -> dict[int, tuple[str, str, str]]:
    owners = {c: ("node-shared", "", "") for c in range(32)}
    owners[0] = ("reserved", "", "")
    for pod, exclusive, shared in ON_NODE[step]:
        for c in _set(exclusive):
            owners[c] = ("exclusive", pod, "database")
        for c in _set(shared):
            owners[c] = ("pod-shared", pod, "metrics-exporter,backup-agent")
    return owners


def _boxes(pg: Any) -> dict[int, tuple[str, str, str]]:
    rows = pg.eval_on_selector_all(
        "section.map g.cpu[data-cpu]",
        "els => els.map(g => [Number(g.dataset.cpu), g.dataset.kind, g.dataset.pod, g.dataset.container,"
        " g.getAttribute('class')])",
    )
    out = {}
    for cpu, kind, pod, container, cls in rows:
        assert cls == f"cpu k-{kind}"
        assert cpu not in out
        out[cpu] = (kind, pod, container)
    return out


def _legend(pg: Any) -> list[str]:
    return pg.eval_on_selector_all(
        ".step-panel:not([hidden]) li.legend-item",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.kind)",
    )


def _step(pg: Any) -> int:
    return int(pg.eval_on_selector("body", "b => b.dataset.step"))


def test_every_cpu_has_the_right_owner_at_every_step(page: Any) -> None:
    assert _step(page) == 6
    for step in range(6, -1, -1):
        assert _step(page) == step
        assert page.inner_text("#step-num") == f"Step {step} / 6"
        boxes = _boxes(page)
        assert boxes == _expected(step)
        assert sorted(_legend(page)) == sorted({k for k, _, _ in boxes.values()})
        assert page.is_visible(f'.step-panel[data-step="{step}"]')
        assert page.locator(".step-panel:not([hidden])").count() == 1
        if step:
            page.click("#prev")
    assert page.is_disabled("#prev") and not page.is_disabled("#next")


def test_colours_follow_the_owner(page: Any) -> None:
    fill = "g => getComputedStyle(g.querySelector('rect')).fill"
    assert page.eval_on_selector('g.cpu[data-cpu="0"]', fill) == "rgb(61, 61, 61)"
    assert page.eval_on_selector('g.cpu[data-cpu="1"]', fill) == "rgb(0, 114, 178)"
    assert page.eval_on_selector('g.cpu[data-cpu="4"]', fill) == "rgb(230, 159, 0)"
    assert page.eval_on_selector('g.cpu[data-cpu="5"]', fill) == "rgb(214, 230, 245)"


def test_step_control_changes_the_picture(page: Any) -> None:
    last = _boxes(page)
    page.fill("#step", "0")  # the slider
    page.dispatch_event("#step", "input")
    assert _step(page) == 0 and _boxes(page) == _expected(0) != last
    page.click("#next")
    assert _step(page) == 1 and _boxes(page) == _expected(1)
    page.keyboard.press("ArrowRight")
    assert _step(page) == 2
    page.click('ol.timeline li[data-step="4"] button')
    assert _step(page) == 4
    panel = page.inner_text('.step-panel[data-step="4"]')
    assert "rejected" in panel and "TopologyAffinityError" in panel
    assert page.get_attribute('ol.timeline li[data-step="4"]', "aria-current") == "step"
    page.click('ol.timeline li[data-step="6"] button')
    assert page.is_disabled("#next")


def test_hover_shows_the_details(page: Any) -> None:
    page.hover('g.cpu[data-cpu="17"]')
    text = page.inner_text("#details")
    assert "CPU 17 · core 1 · socket 0 · NUMA 0" in text
    assert "pod default/orders-db-4, container database" in text
    page.hover('g.cpu[data-cpu="0"]')
    assert "Reserved" in page.inner_text("#details")


def test_screenshot_of_the_default_scenario(page: Any) -> None:
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
