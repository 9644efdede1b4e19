"""Structure of the SVG and HTML written by ``podfit render``, without a browser."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest
from tests.report.page_replay import replay_page_data, replayed_view

from podfit.api.presets import PRESETS
from podfit.io.scenario import load_default_scenario
from podfit.kubelet.simulation import SimulationResult, simulate
from podfit.report.frames import KIND_LABELS, build_frames
from podfit.report.json_result import result_to_json
from podfit.report.render_html import render_html, reserved_text, uncore_map
from podfit.report.render_svg import memory_rows, render_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(load_default_scenario())


@pytest.fixture(scope="module")
def doc(result: SimulationResult) -> dict[str, Any]:
    return result_to_json(result)


def _ancestors(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def test_svg_has_one_box_per_cpu_nested_socket_numa_l3_core(
    result: SimulationResult, doc: dict[str, Any]
) -> None:
    root = ET.fromstring(render_svg(doc, uncore_map(result.machine)))
    parent = _ancestors(root)
    boxes = [g for g in root.iter(SVG + "g") if "data-cpu" in g.attrib]
    assert sorted(int(g.get("data-cpu", "")) for g in boxes) == list(range(32))
    uncore = uncore_map(result.machine) or {}
    for g in boxes:
        chain: dict[str, str] = {}
        node = g
        while node in parent:
            node = parent[node]
            for level in ("core", "uncore", "numa", "socket"):
                if (
                    node.get("class") in (f"grp-{level}-group", "core-group")
                    and f"data-{level}" in node.attrib
                ):
                    chain.setdefault(level, node.get(f"data-{level}", ""))
        assert chain == {
            "core": g.get("data-core"),
            "uncore": str(uncore[int(g.get("data-cpu", ""))]),
            "numa": g.get("data-numa"),
            "socket": g.get("data-socket"),
        }


def test_svg_owners_and_legend_for_the_last_step(doc: dict[str, Any]) -> None:
    root = ET.fromstring(render_svg(doc))
    kinds = {
        int(g.get("data-cpu", "")): g.get("data-kind") for g in root.iter(SVG + "g") if "data-cpu" in g.attrib
    }
    assert [c for c, k in kinds.items() if k == "reserved"] == [0]
    assert sorted(c for c, k in kinds.items() if k == "pod-shared") == [4, 11, 15, 20, 27, 31]
    legend = [
        g.get("data-kind") for g in root.iter(SVG + "g") if g.get("class", "").startswith("legend-item")
    ]
    assert legend == ["reserved", "node-shared", "pod-shared", "exclusive"]
    assert set(legend) == set(kinds.values())
    caption = next(t for t in root.iter(SVG + "text") if t.get("class") == "step-caption")
    assert caption.text == "Step 6/6: add default/orders-db-4 — admitted"


def test_svg_step_zero_and_rejected_step(doc: dict[str, Any]) -> None:
    root = ET.fromstring(render_svg(doc, step=0))
    assert {g.get("data-kind") for g in root.iter(SVG + "g") if "data-cpu" in g.attrib} == {
        "reserved",
        "node-shared",
    }
    root = ET.fromstring(render_svg(doc, step=4))
    caption = next(t for t in root.iter(SVG + "text") if t.get("class") == "step-caption")
    assert (caption.text or "").startswith(
        "Step 4/6: add default/orders-db-3 — rejected: TopologyAffinityError: "
    )


def test_svg_without_machine_draws_no_l3_groups(doc: dict[str, Any]) -> None:
    root = ET.fromstring(render_svg(doc))
    assert not [g for g in root.iter(SVG + "g") if g.get("class") == "grp-uncore-group"]
    assert len([g for g in root.iter(SVG + "g") if g.get("class") == "grp-numa-group"]) == 2


MEM = {
    "1": {"memory": {"allocatable": 64 << 30, "reserved": 16 << 30, "free": 48 << 30}},
    "0": {
        "hugepages-2Mi": {"allocatable": 1 << 30, "reserved": 0, "free": 1 << 30},
        "memory": {"allocatable": 63 << 30, "reserved": 0, "free": 63 << 30},
    },
}


def test_memory_bars(doc: dict[str, Any]) -> None:
    assert memory_rows(MEM) == [
        ("0", "memory", 63 << 30, 0, 63 << 30),
        ("0", "hugepages-2Mi", 1 << 30, 0, 1 << 30),
        ("1", "memory", 64 << 30, 16 << 30, 48 << 30),
    ]
    with_mem = json.loads(json.dumps(doc))
    with_mem["steps"][-1]["nodeMemory"] = MEM
    root = ET.fromstring(render_svg(with_mem))
    rows = [g for g in root.iter(SVG + "g") if g.get("class") == "mem-row"]
    assert [(g.get("data-numa"), g.get("data-type")) for g in rows] == [
        ("0", "memory"),
        ("0", "hugepages-2Mi"),
        ("1", "memory"),
    ]
    used = [float(r.get("width", "")) for g in rows for r in g if r.get("class") == "mem-used"]
    full = [float(r.get("width", "")) for g in rows for r in g if r.get("class") == "mem-bg"]
    assert used[0] == 0 and used[2] == pytest.approx(full[2] / 4, abs=1)
    assert "16Gi assigned · 48Gi free of 64Gi" in ET.tostring(rows[2], encoding="unicode")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _parse(html: str) -> _Collector:
    p = _Collector()
    p.feed(html)
    return p


def test_html_page_structure(result: SimulationResult, doc: dict[str, Any]) -> None:
    html = render_html(doc, result.machine)
    page = _parse(html)
    cpus = [a for t, a in page.elements if t == "g" and "data-cpu" in a]
    assert sorted(int(a["data-cpu"] or "") for a in cpus) == list(range(32))
    # one panel, the selected step's (the script builds the others when they are shown)
    panels = [a for t, a in page.elements if t == "section" and "data-step" in a]
    assert [(a["data-step"], a["data-status"], "hidden" in a) for a in panels] == [("6", "admitted", False)]
    marks = [a for t, a in page.elements if t == "li" and "data-step" in a]
    assert [a["data-step"] for a in marks] == [str(i) for i in range(7)]
    assert [a.get("aria-current") for a in marks] == [None] * 6 + ["step"]
    ids = {a.get("id") for _, a in page.elements}
    assert {"prev", "next", "step", "step-num", "details", "podfit-frames", "summary"} <= ids
    slider = next(a for t, a in page.elements if t == "input" and a.get("id") == "step")
    assert (slider["min"], slider["max"], slider["value"]) == ("0", "6", "6")
    assert "TopologyAffinityError" in html
    assert "reserved CPUs: 1 (CPU 0)" in html


def test_html_rejected_step_panel_and_shortfall(result: SimulationResult, doc: dict[str, Any]) -> None:
    def panel(shortfalls: dict[int, tuple[str, ...]] | None) -> str:
        html = render_html(doc, result.machine, step=4, shortfalls=shortfalls)
        start = html.index('<section class="step-panel"')
        return html[start : html.index("</section>", start)]

    traced = panel({4: ("cpu: needs 8 CPUs within one NUMA node",)})
    assert traced.startswith('<section class="step-panel" data-step="4" data-status="rejected"')
    assert "<li>cpu: needs 8 CPUs within one NUMA node</li>" in traced
    assert "Shortfall not computed for this rejection" in panel({})
    assert "shortfall" not in panel(None)  # not asked for


@pytest.mark.parametrize(
    ("reserved", "text"),
    [
        (0, "reserved CPUs: 0"),
        (1, "reserved CPUs: 1 (CPU 0)"),
        (0b1100_0011, "reserved CPUs: 4 (CPUs 0-1,6-7)"),
    ],
)
def test_reserved_text(reserved: int, text: str) -> None:
    assert reserved_text(reserved) == text


def test_html_is_self_contained(result: SimulationResult, doc: dict[str, Any]) -> None:
    html = render_html(doc, result.machine)
    page = _parse(html)
    assert not [t for t, a in page.elements if t in ("link", "img", "iframe") or "src" in a or "href" in a]
    assert set(re.findall(r"https?://[^\"' )]+", html)) == {
        "http://www.w3.org/2000/svg"
    }  # SVG namespace only


def test_html_data_replays_to_the_python_owners(result: SimulationResult, doc: dict[str, Any]) -> None:
    page = _parse(render_html(doc, result.machine, step=2))
    data = json.loads(page.scripts[0])
    frames = build_frames(doc)
    replayed = replay_page_data(data)
    assert len(replayed) == len(frames)
    for frame, got in zip(frames, replayed, strict=True):
        assert got == replayed_view(frame)
    body = next(a for t, a in page.elements if t == "body")
    assert body["data-step"] == "2"
    legend = [a["data-kind"] for t, a in page.elements if t == "li" and a.get("class") == "legend-item"]
    assert set(legend) <= set(KIND_LABELS)


def test_html_escapes_hostile_names(doc: dict[str, Any]) -> None:
    evil = json.loads(json.dumps(doc))
    evil["scenario"] = "<b>x</b>"
    evil["steps"][0]["pod"] = "ns/</script><script>alert(1)</script>"
    evil["steps"][0]["containers"][2]["name"] = '"><img src=x>'
    html = render_html(evil, step=1)
    assert "<script>alert(1)" not in html and "<img" not in html and "<b>x</b>" not in html
    page = _parse(html)
    assert len(page.scripts) == 2
    data = json.loads(page.scripts[0])
    assert data["names"][data["steps"][1]["p"]][0] == "ns/</script><script>alert(1)</script>"
    assert any(c[0] == '"><img src=x>' for c in data["pods"][0][3])


def test_html_step_out_of_range(doc: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="out of range"):
        render_html(doc, step=7)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_renders_every_cpu(preset: str) -> None:
    from podfit.api.scenario import scenario_from_dict

    scenario = scenario_from_dict(
        {
            "kind": "Scenario",
            "metadata": {"name": preset},
            "node": {"preset": preset},
            "kubeletConfig": {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"},
            "pods": [],
        }
    )
    res = simulate(scenario)
    root = ET.fromstring(render_svg(result_to_json(res), uncore_map(res.machine)))
    boxes = [g for g in root.iter(SVG + "g") if "data-cpu" in g.attrib]
    assert len(boxes) == res.machine.num_cpus
    uncores = {g.get("data-uncore") for g in boxes}
    assert len(uncores) == res.machine.num_uncore_caches
