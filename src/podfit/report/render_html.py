"""The self-contained HTML page of ``podfit render``: the node's CPU map, coloured by owner (one
colour per pod) after the selected step, with a legend, hover details, the pods on the node, memory
bars per NUMA node, the shortfall of a rejected pod, and a step control.

The page is drawn once, for the selected step (so it reads without its script too); the steps
travel as differences (:mod:`podfit.report.page_data`) which the script replays to repaint only
the CPUs that change and to build the panel of the step shown, so the page's size and the time to
open it grow with the scenario's changes, not with steps x CPUs.

Pure: result document (+ optional :class:`Machine` for the L3 groups, + the shortfalls of the
rejected steps) in, HTML string out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from podfit.model.cpuset import format_cpuset
from podfit.model.machine import Machine
from podfit.report.colours import kind_paint, legend_label
from podfit.report.frames import build_timeline
from podfit.report.owners import (
    Frame,
    PodView,
    StepChange,
    TopologyRow,
    topology_rows,
)
from podfit.report.page_data import page_data, page_json, pod_colours
from podfit.report.render_assets import PAGE_CSS, PAGE_JS
from podfit.report.render_svg import SVG_STYLE, memory_svg, node_map_svg, paint_style, step_caption

__all__ = [
    "PODS_SHOWN",
    "TIMELINE_ALL",
    "TIMELINE_SPAN",
    "render_html",
    "reserved_text",
    "timeline_window",
    "uncore_map",
]

_STATUS_MARK = {
    "admitted": "✓",
    "rejected": "✗",
    "removed": "−",
    "started": "▸",
    "not-on-node": "·",
    "restarted": "↻",
    "resized": "⇔",
    "refused": "✗",
}
PODS_SHOWN = 100  # rows of pods listed before a "show all" button
TIMELINE_ALL = 60  # up to this many steps the timeline lists them all; beyond, a window
TIMELINE_SPAN = 12  # steps listed either side of the one shown


def uncore_map(machine: Machine | None) -> dict[int, int] | None:
    """CPU id → L3 (uncore) cache id, from the machine the scenario ran on."""
    if machine is None:
        return None
    return {c.cpu: c.uncore for c in machine.cpus}


def reserved_text(reserved: int) -> str:
    """``reserved CPUs: 1 (CPU 0)``, ``reserved CPUs: 4 (CPUs 0-1,32-33)``, ``reserved CPUs: 0``."""
    n = reserved.bit_count()
    if not n:
        return "reserved CPUs: 0"
    return f"reserved CPUs: {n} ({'CPU' if n == 1 else 'CPUs'} {format_cpuset(reserved)})"


def _legend(frame: Frame) -> str:
    items = []
    for kind in frame.kinds:
        count = sum(1 for o in frame.owners.values() if o.kind == kind)
        items.append(
            f'<li class="legend-item" data-kind="{kind}"><svg width="30" height="20" aria-hidden="true">'
            f'<g class="k-{kind}" style="{paint_style(kind_paint(kind))}"><rect class="cpu-box" x="1" y="1" '
            f'width="28" height="18" rx="3"/></g></svg><span>{escape(legend_label(kind))}</span> '
            f'<span class="count">({count} CPU{"" if count == 1 else "s"})</span></li>'
        )
    return f'<ul class="legend" aria-label="Legend">{"".join(items)}</ul>'


def _swatch(colour: str) -> str:
    return f'<span class="swatch" style="background:{colour}"></span>' if colour else ""


def _pods_table(pods: Sequence[PodView]) -> str:
    if not pods:
        return '<p class="note">No pod holds CPUs or memory on the node.</p>'
    rows = []
    for pod in pods[:PODS_SHOWN]:
        colour, containers = pod_colours(pod)
        budget = "" if pod.pod_cpus is None else f" · budget {format_cpuset(pod.pod_cpus)}"
        rows.append(
            f'<tr class="pod-row" data-pod="{escape(pod.name)}"><th colspan="4">{_swatch(colour)}'
            f"{pod.label} {escape(pod.name)}{escape(budget)}</th></tr>"
        )
        for c, c_colour in zip(pod.containers, containers, strict=True):
            where = "node shared pool" if c.cpus is None else format_cpuset(c.cpus)
            rows.append(
                f"<tr><td>{_swatch(c_colour)}{escape(c.name)}</td><td>{escape(c.kind)}</td>"
                f'<td>{escape(c.assignment)}</td><td class="cpus">{escape(where)}</td></tr>'
            )
    if len(pods) > PODS_SHOWN:
        rows.append(
            f'<tr class="more"><td colspan="4"><button type="button" class="show-all">Show all '
            f"{len(pods)} pods</button></td></tr>"
        )
    head = "<tr><th>container</th><th>kind</th><th>assignment</th><th>CPUs</th></tr>"
    return f'<table class="pods"><tbody>{head}{"".join(rows)}</tbody></table>'


def _memory(frame: Frame) -> str:
    w, h, frag = memory_svg(frame.memory, 560)
    if not frag:
        return '<p class="note">No per-NUMA memory table in this result for this step.</p>'
    return (
        f'<svg class="podfit-svg memory" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-label="Memory per NUMA node">{frag}</svg>'
    )


def _shortfall(frame: Frame, shortfalls: Mapping[int, Sequence[str]] | None) -> str:
    if frame.status != "rejected" or shortfalls is None:
        return ""
    lines = shortfalls.get(frame.index)
    if lines is None:
        return (
            '<p class="note shortfall">Shortfall not computed for this rejection (only the first ones '
            f"are): podfit explain --pod {escape(frame.pod or '')} traces it.</p>"
        )
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<div class="shortfall"><h3>What it lacked</h3><ul>{items}</ul></div>'


def _panel(frame: Frame, total: int, shortfalls: Mapping[int, Sequence[str]] | None) -> str:
    status = f'<span class="status status-{frame.status}">{escape(frame.status)}</span>' if frame.op else ""
    reason = ""
    if frame.reason or frame.message:
        reason = (
            f'<p class="reason"><strong>{escape(frame.reason or "")}</strong>'
            f"{': ' if frame.reason and frame.message else ''}{escape(frame.message or '')}</p>"
        )
    return (
        f'<section class="step-panel" data-step="{frame.index}" data-status="{frame.status}" '
        f'aria-label="{escape(step_caption(frame, total))}">'
        f"<h2>{status}Step {frame.index}/{total - 1}: {escape(frame.title)}</h2>{reason}"
        f"{_shortfall(frame, shortfalls)}{_legend(frame)}"
        f'<p class="note pool">Node shared pool: {escape(format_cpuset(frame.default_cpuset) or "empty")}</p>'
        f"<h3>Pods on the node</h3>{_pods_table(frame.pods)}"
        f"<h3>Memory per NUMA node</h3>{_memory(frame)}</section>"
    )


def timeline_window(total: int, selected: int) -> range:
    """The steps the timeline lists while ``selected`` is shown."""
    if total <= TIMELINE_ALL:
        return range(total)
    lo = max(0, min(selected - TIMELINE_SPAN, total - 1 - 2 * TIMELINE_SPAN))
    return range(lo, min(total, lo + 2 * TIMELINE_SPAN + 1))


def _timeline(steps: Sequence[StepChange], selected: int) -> str:
    window = timeline_window(len(steps), selected)
    items = ['<li class="gap" aria-hidden="true">…</li>'] if window.start > 0 else []
    for i in window:
        s = steps[i]
        mark = _STATUS_MARK.get(s.status, "")
        label = f"{s.index} {mark} {s.title}".replace("  ", " ")
        current = ' aria-current="step"' if i == selected else ""
        items.append(
            f'<li class="st-{s.status}" data-step="{s.index}"{current}><button type="button" '
            f'title="{escape(s.status)}">{escape(label)}</button></li>'
        )
    if window.stop < len(steps):
        items.append('<li class="gap" aria-hidden="true">…</li>')
    return f'<ol class="timeline" aria-label="Events">{"".join(items)}</ol>'


def _summary(doc: Mapping[str, Any], rows: Sequence[TopologyRow], reserved: int) -> str:
    node = doc["node"]
    parts = [
        f"node {node.get('name', '')}",
        f"{len({r.socket for r in rows})} socket(s)",
        f"{len({r.numa for r in rows})} NUMA node(s) with CPUs",
        f"{len({r.core for r in rows})} cores",
        f"{len(rows)} CPUs",
        reserved_text(reserved),
    ]
    if any(r.uncore is not None for r in rows):
        parts.insert(3, f"{len({r.uncore for r in rows})} L3 group(s)")
    return " · ".join(parts)


def render_html(
    doc: Mapping[str, Any],
    machine: Machine | None = None,
    step: int | None = None,
    shortfalls: Mapping[int, Sequence[str]] | None = None,
) -> str:
    """The page for result ``doc``, showing ``step`` (default: the last) when opened;
    ``shortfalls``: what the rejected pods lacked, by step (podfit.report.rejections)."""
    timeline = build_timeline(doc)
    total = len(timeline)
    selected = total - 1 if step is None else step
    if not 0 <= selected < total:
        raise ValueError(f"step {step} out of range 0..{total - 1}")
    rows = topology_rows(doc, uncore_map(machine))
    frame = timeline.frame(selected)
    data = page_data(timeline, rows, shortfalls)
    data["ui"] = {"podsShown": PODS_SHOWN, "timelineAll": TIMELINE_ALL, "timelineSpan": TIMELINE_SPAN}
    w, h, map_frag = node_map_svg(rows, frame.owners, timeline.labels, frame.pods)
    scenario = str(doc.get("scenario") or "scenario")
    svg = (
        f'<svg class="podfit-svg node-map" xmlns="http://www.w3.org/2000/svg" width="{w + 4}" '
        f'height="{h + 4}" viewBox="-2 -2 {w + 4} {h + 4}" role="img" aria-label="CPU map of the node">'
        f"{map_frag}</svg>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>podfit · {escape(scenario)}</title><style>{PAGE_CSS}{SVG_STYLE}</style></head>"
        f'<body data-step="{selected}">'
        f"<header><h1>podfit · {escape(scenario)}</h1>"
        f'<p id="summary">{escape(_summary(doc, rows, timeline.reserved))}</p></header>'
        '<nav class="step-control" aria-label="Step control">'
        '<button type="button" id="prev" aria-label="Previous step">◀ Prev</button>'
        f'<input type="range" id="step" min="0" max="{total - 1}" value="{selected}" aria-label="Step">'
        '<button type="button" id="next" aria-label="Next step">Next ▶</button>'
        f'<span id="step-num">Step {selected} / {total - 1}</span></nav>'
        f"{_timeline(timeline.steps, selected)}"
        f'<main><section class="map">{svg}</section><aside>'
        '<div id="details" aria-live="polite">Hover or click a CPU for details.</div>'
        f"{_panel(frame, total, shortfalls)}</aside></main>"
        f'<script type="application/json" id="podfit-frames">{page_json(data)}</script>'
        f"<script>{PAGE_JS}</script></body></html>"
    )
