"""The self-contained HTML page of ``podfit render``: the node's CPU map, coloured by owner after
the selected step, with a legend, hover details, memory bars per NUMA node and a step control.

Pure: result document (+ optional :class:`Machine` for the L3 groups) in, HTML string out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from podfit.model.cpuset import format_cpuset
from podfit.model.machine import Machine
from podfit.report.frames import (
    KIND_LABELS,
    Frame,
    PodView,
    TopologyRow,
    build_frames,
    pod_labels,
    topology_rows,
)
from podfit.report.render_assets import PAGE_CSS, PAGE_JS
from podfit.report.render_svg import (
    DEFS,
    SVG_STYLE,
    cpu_tag,
    cpu_tooltip,
    memory_svg,
    node_map_svg,
    step_caption,
)

__all__ = ["frames_json", "render_html", "uncore_map"]

_STATUS_MARK = {"admitted": "✓", "rejected": "✗", "removed": "−", "started": "▸", "not-on-node": "·"}


def uncore_map(machine: Machine | None) -> dict[int, int] | None:
    """CPU id → L3 (uncore) cache id, from the machine the scenario ran on."""
    if machine is None:
        return None
    return {c.cpu: c.uncore for c in machine.cpus}


def frames_json(frames: Sequence[Frame], rows: Sequence[TopologyRow], labels: Mapping[str, str]) -> str:
    """The per-step owners the page's script paints: for each step, for each CPU (in ``cpus``
    order) ``[kind, pod, containers, tag, tooltip]``. Safe to embed in a ``<script>`` element."""
    data = {
        "cpus": [r.cpu for r in rows],
        "steps": [
            [
                [
                    o.kind,
                    o.pod or "",
                    ",".join(o.containers),
                    cpu_tag(o, labels),
                    cpu_tooltip(r, o),
                ]
                for r in rows
                for o in (f.owners[r.cpu],)
            ]
            for f in frames
        ],
    }
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _legend(frame: Frame) -> str:
    items = []
    for kind in frame.kinds:
        count = sum(1 for o in frame.owners.values() if o.kind == kind)
        items.append(
            f'<li class="legend-item" data-kind="{kind}"><svg width="30" height="20" aria-hidden="true">'
            f'<g class="k-{kind}"><rect class="cpu-box" x="1" y="1" width="28" height="18" rx="3"/></g></svg>'
            f'<span>{escape(KIND_LABELS[kind])}</span> <span class="count">({count} CPU'
            f"{'' if count == 1 else 's'})</span></li>"
        )
    return f'<ul class="legend" aria-label="Legend">{"".join(items)}</ul>'


def _pods_table(pods: Sequence[PodView]) -> str:
    if not pods:
        return '<p class="note">No pod holds CPUs or memory on the node.</p>'
    rows = []
    for pod in pods:
        budget = "" if pod.pod_cpus is None else f" · budget {format_cpuset(pod.pod_cpus)}"
        rows.append(
            f'<tr class="pod-row" data-pod="{escape(pod.name)}"><th colspan="4">{pod.label} '
            f"{escape(pod.name)}{escape(budget)}</th></tr>"
        )
        for c in pod.containers:
            where = "node shared pool" if c.cpus is None else format_cpuset(c.cpus)
            rows.append(
                f"<tr><td>{escape(c.name)}</td><td>{escape(c.kind)}</td><td>{escape(c.assignment)}</td>"
                f'<td class="cpus">{escape(where)}</td></tr>'
            )
    head = "<tr><th>container</th><th>kind</th><th>assignment</th><th>CPUs</th></tr>"
    return f'<table class="pods">{head}{"".join(rows)}</table>'


def _memory(frame: Frame) -> str:
    w, h, frag = memory_svg(frame.memory, 560)
    if not frag:
        return '<p class="note">No per-NUMA memory table in this result for this step.</p>'
    return (
        f'<svg class="podfit-svg memory" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-label="Memory per NUMA node">{frag}</svg>'
    )


def _panel(frame: Frame, total: int, selected: int) -> str:
    hidden = "" if frame.index == selected else " hidden"
    status = f'<span class="status status-{frame.status}">{escape(frame.status)}</span>' if frame.op else ""
    title = escape(frame.title)
    reason = ""
    if frame.reason or frame.message:
        reason = (
            f'<p class="reason"><strong>{escape(frame.reason or "")}</strong>'
            f"{': ' if frame.reason and frame.message else ''}{escape(frame.message or '')}</p>"
        )
    return (
        f'<section class="step-panel" data-step="{frame.index}" data-status="{frame.status}" '
        f'aria-label="{escape(step_caption(frame, total))}"{hidden}>'
        f"<h2>{status}Step {frame.index}/{total - 1}: {title}</h2>{reason}"
        f"{_legend(frame)}"
        f'<p class="note">Node shared pool: {escape(format_cpuset(frame.default_cpuset) or "empty")}</p>'
        f"<h3>Pods on the node</h3>{_pods_table(frame.pods)}"
        f"<h3>Memory per NUMA node</h3>{_memory(frame)}</section>"
    )


def _timeline(frames: Sequence[Frame]) -> str:
    items = []
    for f in frames:
        mark = _STATUS_MARK.get(f.status, "")
        label = f"{f.index} {mark} {f.title}".replace("  ", " ")
        items.append(
            f'<li class="st-{f.status}" data-step="{f.index}"><button type="button" '
            f'title="{escape(f.status)}">{escape(label)}</button></li>'
        )
    return f'<ol class="timeline" aria-label="Events">{"".join(items)}</ol>'


def _summary(doc: Mapping[str, Any], rows: Sequence[TopologyRow]) -> str:
    node = doc["node"]
    sockets = len({r.socket for r in rows})
    numas = len({r.numa for r in rows})
    cores = len({r.core for r in rows})
    parts = [
        f"node {node.get('name', '')}",
        f"{sockets} socket(s)",
        f"{numas} NUMA node(s) with CPUs",
        f"{cores} cores",
        f"{len(rows)} CPUs",
        f"reserved CPUs {node.get('reservedCPUs') or 'none'}",
    ]
    if any(r.uncore is not None for r in rows):
        parts.insert(3, f"{len({r.uncore for r in rows})} L3 group(s)")
    return " · ".join(parts)


def render_html(doc: Mapping[str, Any], machine: Machine | None = None, step: int | None = None) -> str:
    """The page for result ``doc``, showing ``step`` (default: the last) when opened."""
    frames = build_frames(doc)
    total = len(frames)
    selected = total - 1 if step is None else step
    if not 0 <= selected < total:
        raise ValueError(f"step {step} out of range 0..{total - 1}")
    labels = pod_labels(doc)
    rows = topology_rows(doc, uncore_map(machine))
    frame = frames[selected]
    w, h, map_frag = node_map_svg(rows, frame.owners, labels)
    scenario = str(doc.get("scenario") or "scenario")
    svg = (
        f'<svg class="podfit-svg node-map" xmlns="http://www.w3.org/2000/svg" width="{w + 4}" '
        f'height="{h + 4}" viewBox="-2 -2 {w + 4} {h + 4}" role="img" aria-label="CPU map of the node">'
        f"{DEFS}{map_frag}</svg>"
    )
    panels = "".join(_panel(f, total, selected) for f in frames)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>podfit · {escape(scenario)}</title><style>{PAGE_CSS}{SVG_STYLE}</style></head>"
        f'<body data-step="{selected}">'
        f"<header><h1>podfit · {escape(scenario)}</h1><p>{escape(_summary(doc, rows))}</p></header>"
        '<nav class="step-control" aria-label="Step control">'
        '<button type="button" id="prev" aria-label="Previous step">◀ Prev</button>'
        f'<input type="range" id="step" min="0" max="{total - 1}" value="{selected}" aria-label="Step">'
        '<button type="button" id="next" aria-label="Next step">Next ▶</button>'
        f'<span id="step-num">Step {selected} / {total - 1}</span></nav>'
        f"{_timeline(frames)}"
        f'<main><section class="map">{svg}</section><aside>'
        '<div id="details" aria-live="polite">Hover or click a CPU for details.</div>'
        f"{panels}</aside></main>"
        f'<script type="application/json" id="podfit-frames">{frames_json(frames, rows, labels)}</script>'
        f"<script>{PAGE_JS}</script></body></html>"
    )
