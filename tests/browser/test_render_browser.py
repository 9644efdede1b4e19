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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from benchmarks.page_scenario import page_scenario

from podfit.api.scenario import scenario_from_dict
from podfit.io.scenario import load_default_scenario
from podfit.kubelet.simulation import simulate
from podfit.model.cpuset import cpus, parse_cpuset
from podfit.report.colours import owner_paint
from podfit.report.frames import build_frames, build_timeline
from podfit.report.json_result import result_to_json
from podfit.report.rejections import rejection_shortfalls
from podfit.report.render_html import PODS_SHOWN, TIMELINE_SPAN, render_html
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


def _default_html() -> str:
    scenario = load_default_scenario()
    result = simulate(scenario)
    return render_html(
        result_to_json(result), result.machine, shortfalls=rejection_shortfalls(scenario, result)
    )


@contextmanager
def _open(browser: Any, html: str, tmp_path: Path) -> Iterator[Any]:
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
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


@pytest.fixture()
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    with _open(browser, _default_html(), tmp_path) as pg:
        yield pg


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
    """Each pod in its own colour: the two database slices on NUMA 1 (orders-db-1 and -2) differ,
    and every box is painted in its owner's colours (podfit.report.colours)."""
    frame = build_frames(result_to_json(simulate(load_default_scenario())))[-1]
    by_name = {p.name: p for p in frame.pods}
    fill = "g => getComputedStyle(g.querySelector('rect')).fill"
    for cpu in (0, 1, 4, 5, 8, 12):
        owner = frame.owners[cpu]
        expected = owner_paint(owner, by_name.get(owner.pod or ""))[0]
        assert page.eval_on_selector(f'g.cpu[data-cpu="{cpu}"]', fill) == _rgb(expected), cpu
    assert page.eval_on_selector('g.cpu[data-cpu="0"]', fill) == "rgb(61, 61, 61)"
    assert page.eval_on_selector('g.cpu[data-cpu="5"]', fill) == "rgb(214, 230, 245)"
    assert page.eval_on_selector('g.cpu[data-cpu="8"]', fill) != page.eval_on_selector(
        'g.cpu[data-cpu="12"]', fill
    )


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


_BOX = (
    "els => els.map(g => [Number(g.dataset.cpu), g.getAttribute('class'), g.getAttribute('style'),"
    " g.dataset.kind, g.dataset.pod, g.dataset.container, g.querySelector('title').textContent,"
    " g.querySelector('.cpu-tag').textContent])"
)


def _drawn(pg: Any) -> list[Any]:
    return sorted(pg.eval_on_selector_all("section.map g.cpu[data-cpu]", _BOX))


def test_script_paints_what_python_draws(browser: Any, tmp_path: Path) -> None:
    """Every step the script shows looks as the page Python draws for that step (boxes, their
    colours, tooltips and tags; the panel's text)."""
    scenario = load_default_scenario()
    result = simulate(scenario)
    doc = result_to_json(result)
    lacked = rejection_shortfalls(scenario, result)
    drawn, panels = {}, {}
    static = browser.new_context(java_script_enabled=False, viewport={"width": 1600, "height": 900})
    for step in range(7):
        path = tmp_path / f"static-{step}.html"
        path.write_text(render_html(doc, result.machine, step, lacked), encoding="utf-8")
        pg = static.new_page()
        pg.goto(path.as_uri())
        assert pg.get_attribute("body", "data-step") == str(step)
        drawn[step] = _drawn(pg)
        panels[step] = pg.eval_on_selector(".step-panel", "e => e.outerHTML")
        pg.close()
    static.close()
    with _open(browser, render_html(doc, result.machine, 0, lacked), tmp_path) as pg:
        for step in range(7):
            pg.click(f'ol.timeline li[data-step="{step}"] button')
            assert _drawn(pg) == drawn[step]
            assert pg.eval_on_selector(".step-panel", "e => e.outerHTML") == panels[step]
        assert "What it lacked" in panels[4] and "cpu: needs" in panels[4]


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


def _owners_of(frame: Any) -> dict[int, tuple[str, str, str]]:
    return {c: (o.kind, o.pod or "", ",".join(o.containers)) for c, o in frame.owners.items()}


def _slide(pg: Any, step: int) -> None:
    pg.fill("#step", str(step))
    pg.dispatch_event("#step", "input")


def test_a_thousand_pods_on_512_cpus(browser: Any, tmp_path: Path) -> None:
    """The page of 1,000 pods arriving on (and leaving) a 512-CPU, 8-NUMA node opens and steps
    (no timing here: benchmarks/page.py measures it): the boxes match Python's owners wherever
    the script is sent, the timeline lists a window of steps, the pods list grows on demand, and
    rejected steps say what they lacked."""
    scenario = scenario_from_dict(page_scenario(1000))
    result = simulate(scenario)
    doc = result_to_json(result)
    timeline = build_timeline(doc)
    last = len(timeline) - 1
    lacked = rejection_shortfalls(scenario, result, limit=20)
    rejected = [s.index for s in timeline.steps if s.status == "rejected"]
    assert len(rejected) > len(lacked) == 20
    with _open(browser, render_html(doc, result.machine, shortfalls=lacked), tmp_path) as pg:
        assert _step(pg) == last and pg.locator("section.map g.cpu").count() == 512
        assert _boxes(pg) == _owners_of(timeline.frame(last))
        marks = pg.eval_on_selector_all(
            "ol.timeline li[data-step]", "els => els.map(e => Number(e.dataset.step))"
        )
        assert last in marks and len(marks) <= 2 * TIMELINE_SPAN + 1
        pg.click("#prev")
        assert _step(pg) == last - 1 and _boxes(pg) == _owners_of(timeline.frame(last - 1))
        for step in (0, 1, last // 2, 300, 299, rejected[0], rejected[-1], last):
            _slide(pg, step)
            assert _step(pg) == step and _boxes(pg) == _owners_of(timeline.frame(step)), step
        pg.keyboard.press("ArrowLeft")
        assert _step(pg) == last - 1
        pg.click(f'ol.timeline li[data-step="{last - 5}"] button')
        assert _step(pg) == last - 5 and _boxes(pg) == _owners_of(timeline.frame(last - 5))
        crowded = next(f for f in timeline.frames() if len(f.pods) > PODS_SHOWN)
        on_node = len(crowded.pods)
        _slide(pg, crowded.index)
        assert pg.locator(".step-panel tr.pod-row").count() == PODS_SHOWN
        pg.click(".step-panel button.show-all")
        assert pg.locator(".step-panel tr.pod-row").count() == on_node
        _slide(pg, rejected[0])
        assert "What it lacked" in pg.inner_text(".step-panel")
        _slide(pg, rejected[-1])
        assert "Shortfall not computed" in pg.inner_text(".step-panel")
