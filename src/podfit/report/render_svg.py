"""The node as SVG: sockets → NUMA nodes → L3 (uncore) groups → cores → threads, each CPU a box
coloured by its owner after one step, plus a legend and memory bars per NUMA node.

Pure functions returning strings. The CPU boxes carry ``data-*`` attributes (cpu, core, socket,
numa, uncore, kind, pod, container) so the HTML page's script and the tests can read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from podfit.model.units import format_bytes
from podfit.report.colours import Paint, kind_paint, legend_label, owner_paint, pod_colour
from podfit.report.frames import build_timeline
from podfit.report.owners import (
    KIND_LABELS,
    POD_FREE,
    POD_SHARED,
    RESERVED,
    CPUOwner,
    Frame,
    PodView,
    TopologyRow,
    topology_rows,
)

__all__ = [
    "SVG_STYLE",
    "cpu_paints",
    "cpu_tag",
    "cpu_tooltip",
    "format_bytes",
    "legend_svg",
    "memory_rows",
    "memory_svg",
    "node_map_svg",
    "paint_style",
    "render_svg",
    "step_caption",
]

THREAD_W, THREAD_H = 62, 40
GAP = 4
CORE_PAD = 3
GROUP_PAD = 8
LABEL_H = 20
MAX_WIDTH = 1200  # groups are laid side by side only while they fit in this width
FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif"

# Each CPU box carries its colours (``--fill``, ``--ink``, ``--edge``: podfit.report.colours, one
# hue per pod); the kind decides the border's style. The fixed colours are Okabe–Ito-like, with text
# of a contrast ratio of at least 4.5:1 on each fill.
SVG_STYLE = f"""
.podfit-svg {{ font-family: {FONT}; }}
.podfit-svg .grp {{ fill: none; stroke: #6b6b6b; stroke-width: 1; }}
.podfit-svg .grp-socket {{ fill: #fafafa; stroke: #333; stroke-width: 1.5; }}
.podfit-svg .grp-numa {{ fill: #f2f2f2; }}
.podfit-svg .grp-uncore {{ fill: #ffffff; stroke-dasharray: 4 2; }}
.podfit-svg .grp-label {{ font-size: 12px; font-weight: 600; fill: #222; }}
.podfit-svg .core {{ fill: #e4e4e4; stroke: #9a9a9a; }}
.cpu-box {{ fill: var(--fill, #ffffff); stroke: var(--edge, #1f1f1f); stroke-width: 1; }}
.cpu text {{ fill: var(--ink, #1a1a1a); font-size: 10.5px; text-anchor: middle; pointer-events: none; }}
.cpu .cpu-id {{ font-size: 13px; font-weight: 700; }}
.k-{POD_SHARED} .cpu-box {{ stroke-width: 3.5; }}
.k-{POD_FREE} .cpu-box {{ stroke-width: 2; stroke-dasharray: 5 3; }}
.k-unassigned .cpu-box {{ stroke-dasharray: 2 2; }}
.cpu.selected .cpu-box, .cpu:hover .cpu-box {{ stroke: #d55e00; stroke-width: 3; stroke-dasharray: none; }}
.mem-bg {{ fill: #eeeeee; stroke: #777; }}
.mem-used {{ fill: #56b4e9; }}
.mem-label {{ font-size: 12px; fill: #222; }}
"""

Fragment = tuple[int, int, str]  # width, height, SVG drawn at the origin


def _short(name: str, limit: int = 6) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def cpu_tag(owner: CPUOwner, labels: Mapping[str, str]) -> str:
    """The short second line of a CPU box: ``P1 datab…``, ``P1 shared``, ``P1 free``, ``rsv`` or empty."""
    if owner.kind == RESERVED:
        return "rsv"
    if owner.pod is None:
        return ""
    tag = labels.get(owner.pod, "P?")
    if owner.kind == POD_SHARED:
        return f"{tag} shared"
    return f"{tag} {_short(owner.containers[0])}" if owner.containers else f"{tag} free"


def cpu_tooltip(row: TopologyRow, owner: CPUOwner) -> str:
    """Hover details: where the CPU is and who holds it."""
    place = f"CPU {row.cpu} · core {row.core} · socket {row.socket} · NUMA {row.numa}"
    if row.uncore is not None:
        place += f" · L3 {row.uncore}"
    who = KIND_LABELS[owner.kind]
    if owner.kind == RESERVED and owner.in_shared_pool:
        who += " (also in the node shared pool)"
    if owner.pod is not None:
        who += f": pod {owner.pod}"
        if owner.containers:
            who += ", container " + ", ".join(owner.containers)
    return f"{place}\n{who}"


def paint_style(paint: Paint) -> str:
    """The ``style`` attribute giving a CPU box its colours."""
    fill, ink, edge = paint
    return f"--fill:{fill};--ink:{ink};--edge:{edge}"


@dataclass(frozen=True)
class _Look:
    """What the boxes show: each CPU's owner, the pods' labels, each CPU's colours."""

    owners: Mapping[int, CPUOwner]
    labels: Mapping[str, str]
    paints: Mapping[int, Paint]


def _cpu(row: TopologyRow, look: _Look, x: int, y: int) -> str:
    owner = look.owners[row.cpu]
    attrs = {
        "class": f"cpu k-{owner.kind}",
        "data-cpu": row.cpu,
        "data-core": row.core,
        "data-socket": row.socket,
        "data-numa": row.numa,
        "data-uncore": "" if row.uncore is None else row.uncore,
        "data-kind": owner.kind,
        "data-pod": owner.pod or "",
        "data-container": ",".join(owner.containers),
        "style": paint_style(look.paints[row.cpu]),
        "transform": f"translate({x},{y})",
    }
    head = " ".join(f'{k}="{escape(str(v))}"' for k, v in attrs.items())
    return (
        f"<g {head}><title>{escape(cpu_tooltip(row, owner))}</title>"
        f'<rect class="cpu-box" width="{THREAD_W}" height="{THREAD_H}" rx="4"/>'
        f'<text class="cpu-id" x="{THREAD_W // 2}" y="17">{row.cpu}</text>'
        f'<text class="cpu-tag" x="{THREAD_W // 2}" y="33">{escape(cpu_tag(owner, look.labels))}</text></g>'
    )


def _core(rows: Sequence[TopologyRow], look: _Look) -> Fragment:
    w = len(rows) * THREAD_W + (len(rows) - 1) * GAP + 2 * CORE_PAD
    h = THREAD_H + 2 * CORE_PAD
    parts = [f'<rect class="core" width="{w}" height="{h}" rx="5"><title>core {rows[0].core}</title></rect>']
    for i, r in enumerate(rows):
        parts.append(_cpu(r, look, CORE_PAD + i * (THREAD_W + GAP), CORE_PAD))
    core = escape(str(rows[0].core))
    return w, h, f'<g class="core-group" data-core="{core}">{"".join(parts)}</g>'


def _grid(children: Sequence[Fragment], cols: int, gap: int) -> Fragment:
    cols = max(1, min(cols, len(children)))
    col_w = [0] * cols
    row_h = [0] * ((len(children) + cols - 1) // cols)
    for i, (w, h, _) in enumerate(children):
        col_w[i % cols] = max(col_w[i % cols], w)
        row_h[i // cols] = max(row_h[i // cols], h)
    parts = []
    for i, (_, _, frag) in enumerate(children):
        x = sum(col_w[: i % cols]) + gap * (i % cols)
        y = sum(row_h[: i // cols]) + gap * (i // cols)
        parts.append(f'<g transform="translate({x},{y})">{frag}</g>')
    width = sum(col_w) + gap * (cols - 1)
    height = sum(row_h) + gap * (len(row_h) - 1)
    return width, height, "".join(parts)


def _fit(children: Sequence[Fragment], gap: int, limit: int = 4) -> Fragment:
    """A grid with as many columns (at most ``limit``) as fit in ``MAX_WIDTH``."""
    widest = max(w for w, _, _ in children)
    cols = max(1, min(limit, (MAX_WIDTH + gap) // (widest + gap)))
    return _grid(children, cols, gap)


def _group(kind: str, ident: int, label: str, inner: Fragment) -> Fragment:
    iw, ih, frag = inner
    w, h = iw + 2 * GROUP_PAD, ih + LABEL_H + GROUP_PAD
    return (
        w,
        h,
        f'<g class="grp-{kind}-group" data-{kind}="{ident}">'
        f'<rect class="grp grp-{kind}" width="{w}" height="{h}" rx="6"/>'
        f'<text class="grp-label" x="{GROUP_PAD}" y="{LABEL_H - 6}">{escape(label)}</text>'
        f'<g transform="translate({GROUP_PAD},{LABEL_H})">{frag}</g></g>',
    )


def _by(rows: Sequence[TopologyRow], key: Callable[[TopologyRow], int]) -> dict[int, list[TopologyRow]]:
    out: dict[int, list[TopologyRow]] = {}
    for r in sorted(rows, key=lambda r: (key(r), r.cpu)):
        out.setdefault(key(r), []).append(r)
    return out


def _cores(rows: Sequence[TopologyRow], look: _Look) -> Fragment:
    cores = [
        _core(sorted(rs, key=lambda r: r.cpu), look)
        for rs in sorted(_by(rows, lambda r: r.core).values(), key=lambda rs: min(r.cpu for r in rs))
    ]
    threads = max(len(rs) for rs in _by(rows, lambda r: r.core).values())
    cols = max(1, 8 // max(threads, 1))
    if len(cores) > 4 * cols:
        cols *= 2
    return _grid(cores, cols, GAP + 2)


def cpu_paints(owners: Mapping[int, CPUOwner], pods: Sequence[PodView]) -> dict[int, Paint]:
    """Each CPU's colours: its owner's, in the colour of the owner's pod."""
    by_name = {p.name: p for p in pods}
    return {c: owner_paint(o, None if o.pod is None else by_name.get(o.pod)) for c, o in owners.items()}


def node_map_svg(
    rows: Sequence[TopologyRow],
    owners: Mapping[int, CPUOwner],
    labels: Mapping[str, str],
    pods: Sequence[PodView] = (),
) -> Fragment:
    """The CPU map alone (no ``<svg>`` wrapper); ``pods``: the pods on the node (their colours)."""
    look = _Look(owners, labels, cpu_paints(owners, pods))
    sockets = []
    for socket, srows in _by(rows, lambda r: r.socket).items():
        numas = []
        for numa, nrows in _by(srows, lambda r: r.numa).items():
            if all(r.uncore is not None for r in nrows):
                groups = [
                    _group("uncore", u, f"L3 group {u}", _cores(urows, look))
                    for u, urows in _by(nrows, lambda r: r.uncore or 0).items()
                ]
                inner = _fit(groups, GAP + 4)
            else:
                inner = _cores(nrows, look)
            numas.append(_group("numa", numa, f"NUMA node {numa}", inner))
        inner = _fit(numas, GAP + 6, limit=2)
        sockets.append(_group("socket", socket, f"Socket {socket}", inner))
    return _fit(sockets, 16, limit=2)


def memory_rows(
    memory: Mapping[str, Mapping[str, Mapping[str, int]]],
) -> list[tuple[str, str, int, int, int]]:
    """``(numa, type, allocatable, reserved, free)`` rows of a step's ``nodeMemory`` (memory types a
    node has none of — e.g. hugepage sizes with no pages — are left out)."""
    out = []
    for numa in sorted(memory, key=lambda n: int(n) if str(n).isdigit() else 1 << 30):
        for mtype in sorted(memory[numa], key=lambda t: (t != "memory", t)):
            v = memory[numa][mtype]
            if not any(int(v.get(k, 0)) for k in ("allocatable", "reserved", "free")):
                continue
            out.append(
                (
                    str(numa),
                    mtype,
                    int(v.get("allocatable", 0)),
                    int(v.get("reserved", 0)),
                    int(v.get("free", 0)),
                )
            )
    return out


def memory_svg(memory: Mapping[str, Mapping[str, Mapping[str, int]]] | None, width: int = 560) -> Fragment:
    """Bars per NUMA node and memory type: assigned to containers vs free, out of allocatable."""
    if not memory:
        return 0, 0, ""
    rows = memory_rows(memory)
    bar_x, bar_w, row_h = 170, max(width - 170, 120), 26
    parts = []
    for i, (numa, mtype, alloc, reserved, free) in enumerate(rows):
        y = i * row_h
        used = max(alloc - free, 0)  # assigned to containers (the kubelet's MemoryTable.Reserved)
        used_w = 0 if alloc <= 0 else round(bar_w * min(used, alloc) / alloc)
        text = f"{format_bytes(used)} assigned · {format_bytes(free)} free of {format_bytes(alloc)}"
        parts.append(
            f'<g class="mem-row" data-numa="{escape(numa)}" data-type="{escape(mtype)}" '
            f'data-allocatable="{alloc}" data-reserved="{reserved}" data-free="{free}" '
            f'transform="translate(0,{y})">'
            f"<title>NUMA {escape(numa)} {escape(mtype)}: {escape(text)}</title>"
            f'<text class="mem-label" x="0" y="16">NUMA {escape(numa)} · {escape(mtype)}</text>'
            f'<rect class="mem-bg" x="{bar_x}" y="2" width="{bar_w}" height="20" rx="3"/>'
            f'<rect class="mem-used" x="{bar_x}" y="2" width="{used_w}" height="20" rx="3"/>'
            f'<text class="mem-label" x="{bar_x + 6}" y="16">{escape(text)}</text></g>'
        )
    return bar_x + bar_w, len(rows) * row_h, "".join(parts)


def legend_svg(frame: Frame) -> Fragment:
    """One row per owner kind present in ``frame``, with its CPU count."""
    counts = {k: sum(1 for o in frame.owners.values() if o.kind == k) for k in frame.kinds}
    parts = []
    for i, kind in enumerate(frame.kinds):
        y = i * 24
        parts.append(
            f'<g class="legend-item k-{kind}" data-kind="{kind}" style="{paint_style(kind_paint(kind))}" '
            f'transform="translate(0,{y})">'
            f'<rect class="cpu-box" width="28" height="18" rx="3"/>'
            f'<text x="36" y="14" style="text-anchor:start;fill:#222">'
            f"{escape(legend_label(kind))} ({counts[kind]})</text></g>"
        )
    return 280, len(frame.kinds) * 24, "".join(parts)


def step_caption(frame: Frame, total: int) -> str:
    """``Step 2/5: add default/db-1 — rejected: TopologyAffinityError: ...``."""
    text = f"Step {frame.index}/{total - 1}: {frame.title}"
    if frame.op is not None:
        text += f" — {frame.status}"
    if frame.reason:
        text += f": {frame.reason}"
    if frame.message:
        text += f": {frame.message}"
    return text


def render_svg(
    doc: Mapping[str, Any], uncore: Mapping[int, int] | None = None, step: int | None = None
) -> str:
    """A standalone SVG of the node after ``step`` (default: the last step) of result ``doc``."""
    timeline = build_timeline(doc)
    frame = timeline.frame(len(timeline) - 1 if step is None else step)
    labels = timeline.labels
    rows = topology_rows(doc, uncore)
    mw, mh, map_frag = node_map_svg(rows, frame.owners, labels, frame.pods)
    lw, lh, legend = legend_svg(frame)
    memw, memh, mem = memory_svg(frame.memory)
    node = doc.get("node", {})
    title = f"{doc.get('scenario', '')} · node {node.get('name', '')}".strip(" ·")
    caption = step_caption(frame, len(timeline))
    y = 56
    body = [f'<g transform="translate(16,{y})">{map_frag}</g>']
    y += mh + 20
    body.append(f'<g transform="translate(16,{y})">{legend}</g>')
    for i, pod in enumerate(frame.pods):
        body.append(
            f'<g class="pod-key" data-pod="{escape(pod.name)}" transform="translate(320,{y + i * 18})">'
            f'<rect width="12" height="12" y="2" rx="2" fill="{pod_colour(pod.colour)}"/>'
            f'<text class="mem-label" x="18" y="13">{escape(pod.label)} = {escape(pod.name)}</text></g>'
        )
    y += max(lh, 18 * len(frame.pods)) + 16
    if mem:
        body.append(f'<g transform="translate(16,{y})">{mem}</g>')
        y += memh + 16
    width = max(mw, lw + 320, memw, 600) + 32
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="podfit-svg" width="{width}" height="{y}" '
        f'viewBox="0 0 {width} {y}" role="img" aria-label="{escape(caption)}">'
        f"<style>{SVG_STYLE}</style>"
        f'<rect width="{width}" height="{y}" fill="#ffffff"/>'
        f'<text x="16" y="22" style="font-size:16px;font-weight:700">{escape(title)}</text>'
        f'<text class="step-caption" x="16" y="42" style="font-size:13px">{escape(caption)}</text>'
        f"{''.join(body)}</svg>"
    )
