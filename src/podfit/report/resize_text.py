"""Text report of in-place resizes and of Memory QoS protection (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from podfit.explain.resize import ResizeExplanation
from podfit.kubelet.result import ResizeDecision, ResizeResult, RetryResult
from podfit.kubelet.simulation import MemoryProtectionView
from podfit.model.cpuset import format_cpuset
from podfit.model.units import format_bytes

__all__ = [
    "decision_lines",
    "protection_line",
    "render_resize_explanation",
    "resize_explanation_json",
    "resize_panel",
    "retry_panel",
]

_STYLE = {
    "InProgress": "bold green",
    "NoChange": "bold",
    "Deferred": "bold yellow",
    "Infeasible": "bold red",
    "Rejected": "bold red",
}


def _resources(values: object) -> str:
    if not isinstance(values, dict) or not values:
        return "-"
    parts = []
    for kind in ("requests", "limits"):
        if kind in values:
            inner = ", ".join(f"{k} {v}" for k, v in values[kind].items())
            parts.append(f"{kind} {{{inner}}}")
    return "; ".join(parts) or "-"


def decision_lines(d: ResizeDecision, *, checks: bool = False) -> list[Text | Table]:
    """One decision: outcome, message, allocation, actuation, cpusets, warnings."""
    head = Text.assemble((d.outcome, _STYLE.get(d.outcome, "bold")), f"  {d.pod} (generation {d.generation})")
    if d.trigger:
        head.append(f"  trigger {d.trigger}", style="dim")
    lines: list[Text | Table] = [head]
    if d.message:
        where = f"[{d.stage}] " if d.stage != "kubelet" else ""
        handler = f" ({d.handler_reason})" if d.handler_reason and d.handler_reason != d.reason else ""
        lines.append(Text(f"{where}{d.message}{handler}", style="red" if d.outcome != "InProgress" else ""))
    if checks:
        for c in d.checks:
            mark = ("ok   ", "green") if c.passed else ("FAIL ", "red")
            lines.append(Text.assemble(mark, f"{c.name}: {c.detail}"))
    allocated = d.allocated
    if allocated.get("pod"):
        lines.append(Text(f"allocated pod-level: {_resources(allocated['pod'])}", style="dim"))
    for name, res in allocated.get("containers", {}).items():
        if res:
            lines.append(Text(f"allocated {name}: {_resources(res)}", style="dim"))
    if d.actuation:
        table = Table(box=None, pad_edge=False, header_style="bold", title_justify="left")
        for col in ("#", "cgroup", "file", "old", "new"):
            table.add_column(col)
        for i, w in enumerate(d.actuation, 1):
            table.add_row(str(i), w.target, w.file, w.old or "-", w.new or "-")
        lines.append(table)
    if d.exclusive and d.exclusive.get("containerCPUs"):
        held = ", ".join(f"{n} {format_cpuset(v)}" for n, v in d.exclusive["containerCPUs"].items())
        kept = "changed: " + ", ".join(d.exclusive["changed"]) if d.exclusive.get("changed") else "kept"
        lines.append(Text(f"CPU sets ({kept}): {held}", style="dim"))
    for warning in d.warnings:
        lines.append(Text(f"note: {warning}", style="yellow"))
    return lines


def resize_panel(step: ResizeResult) -> Panel | Text:
    if not step.found or step.decision is None:
        return Text(f"resize {step.pod or step.uid}: not on the node (nothing to do)", style="yellow")
    lines: list[Text | Table] = decision_lines(step.decision)
    for other in step.retried:
        lines.append(Text("retried with it:", style="dim"))
        lines.extend(decision_lines(other))
    if step.pending:
        lines.append(Text("pending resizes: " + ", ".join(step.pending), style="dim"))
    title = Text.assemble(("resize ", "bold"), (step.pod, "bold"))
    return Panel(Group(*lines), title=title, title_align="left")


def retry_panel(step: RetryResult) -> Panel | Text:
    if not step.retried:
        return Text("retry pending resizes: none pending", style="dim")
    lines: list[Text | Table] = []
    for d in step.retried:
        lines.extend(decision_lines(d))
    if step.pending:
        lines.append(Text("pending resizes: " + ", ".join(step.pending), style="dim"))
    return Panel(
        Group(*lines), title=Text(f"retry pending resizes ({step.trigger})", style="bold"), title_align="left"
    )


def protection_line(p: MemoryProtectionView) -> Text:
    """``memory pinned 28Gi (NUMA0 16Gi, NUMA1 12Gi) · protected min 18Gi · low 2Gi``"""
    parts = []
    if p.pinned is not None:
        total = sum(b for _, b in p.pinned)
        per = ", ".join(f"NUMA{n} {format_bytes(b)}" for n, b in p.pinned)
        parts.append(f"memory pinned {format_bytes(total)} ({per})")
    parts.append(f"protected min {format_bytes(p.kubepods_min)}")
    if p.burstable_min:
        parts.append(f"burstable min {format_bytes(p.burstable_min)}")
    parts.append(f"low {format_bytes(p.burstable_low)}")
    return Text(" · ".join(parts), style="dim")


def render_resize_explanation(e: ResizeExplanation, console: Console) -> None:
    """``podfit explain --resize``: the checks in order, the decisive one, the verified changes."""
    console.print(
        Text.assemble(
            ("resize of ", "bold"), e.decision.pod, f"  (event {e.event_index + 1}, kubelet {e.release})"
        )
    )
    lines = decision_lines(e.decision, checks=True)
    if e.decisive:
        lines.append(Text(f"decided by: {e.decisive}", style="bold"))
    console.print(Panel(Group(*lines), title=Text(e.scenario, style="bold"), title_align="left"))
    for s in e.suggestions:
        note = f" — {s.note}" if s.note else ""
        console.print(Text(f"would give {s.outcome}: {s.change}{note}"))


def resize_explanation_json(e: ResizeExplanation) -> dict[str, Any]:
    from podfit.report.json_result import resize_decision_json

    return {
        "scenario": e.scenario,
        "kubeletVersion": e.release,
        "event": e.event_index + 1,
        "decision": resize_decision_json(e.decision),
        "decisive": e.decisive or None,
        "suggestions": [
            {"change": s.change, "outcome": s.outcome, "note": s.note or None} for s in e.suggestions
        ],
    }
