"""``podfit upgrade`` reports: the per-pod comparison across releases and the rolling upgrade, as a
table (rich), a JSON document and a self-contained HTML page."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from podfit.compare.upgrade import PodOutcome, UpgradeChain, UpgradeComparison, VariantRun
from podfit.kubelet.restart import KEPT, MOVED, RestartResult
from podfit.report.json_result import step_to_json
from podfit.report.table import restart_panel

__all__ = ["render_upgrade", "upgrade_html", "upgrade_to_json"]


# ----- JSON ----------------------------------------------------------------------------------------------
def _outcome(o: PodOutcome | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {
        "admitted": o.admitted,
        "reason": o.reason,
        "message": o.message,
        "podCPUs": o.pod_cpus,
        "containers": [
            {"name": c.name, "cpus": c.cpus, "numaAffinity": list(c.numa), "assignment": c.assignment}
            for c in o.containers
        ],
    }


def _run(r: VariantRun) -> dict[str, Any]:
    error = r.result.error
    return {
        "label": r.variant.label,
        "kubeletVersion": r.variant.version,
        "podLevelResourceManagers": r.variant.plrm,
        "error": None if error is None else {"reason": error.reason, "message": error.message},
        "admitted": r.admitted,
        "rejected": r.rejected,
    }


def _chain(c: UpgradeChain) -> dict[str, Any]:
    return {
        "label": c.label,
        "path": [v.label for v in c.variants],
        "restarts": [step_to_json(r) for r in c.restarts],
    }


def upgrade_to_json(u: UpgradeComparison) -> dict[str, Any]:
    """The ``podfit upgrade -o json`` document."""
    return {
        "scenario": u.scenario,
        "variants": [_run(r) for r in u.runs],
        "pods": [
            {
                "pod": p.pod,
                "differs": p.differs,
                "outcomes": [_outcome(o) for o in p.outcomes],
                "changes": list(p.changes),
            }
            for p in u.pods
        ],
        "rollingUpgrades": [_chain(c) for c in u.chains],
    }


# ----- table ---------------------------------------------------------------------------------------------
def _cell(o: PodOutcome | None) -> Text:
    if o is None:
        return Text("kubelet refuses to start", style="bold red")
    if not o.admitted:
        return Text.assemble(("rejected ", "bold red"), o.reason or "")
    lines = [Text("admitted", style="green")]
    if o.pod_cpus is not None:
        lines.append(Text(f"pod CPUs {o.pod_cpus}"))
    for c in o.containers:
        numa = ",".join(map(str, c.numa)) or "-"
        lines.append(Text(f"{c.name}: {c.assignment} {c.cpus or 'shared pool'} NUMA {numa}"))
    return Text("\n").join(lines)


def render_upgrade(u: UpgradeComparison, console: Console) -> None:
    """Print the comparison and the rolling upgrade on ``console``."""
    console.print(
        Text.assemble(("scenario ", "bold"), u.scenario, "  on ", ", ".join(r.variant.label for r in u.runs))
    )
    table = Table(header_style="bold", show_lines=True)
    table.add_column("pod")
    for r in u.runs:
        table.add_column(r.variant.label)
    for p in u.pods:
        name = Text(p.pod, style="bold yellow" if p.differs else "")
        table.add_row(name, *[_cell(o) for o in p.outcomes])
    console.print(table)
    for r in u.runs:
        if r.result.error is not None:
            console.print(
                Text(
                    f"{r.variant.label}: the kubelet refuses to start: {r.result.error.message}", style="red"
                )
            )
    changed = [p for p in u.pods if p.differs]
    if changed:
        lines = [Text(line) for p in changed for line in (f"{p.pod}:", *(f"  {c}" for c in p.changes))]
        console.print(
            Panel(Group(*lines), title=f"what differs from {u.runs[0].variant.label}", title_align="left")
        )
    else:
        console.print(Text("every pod gets the same on every release", style="green"))
    for chain in u.chains:
        console.print(Text.assemble(("rolling upgrade ", "bold cyan"), chain.label))
        for step in chain.restarts:
            console.print(restart_panel(step))


# ----- HTML ----------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;font-size:.9rem}
th{background:#f3f3f3}
tr.differs td:first-child{background:#fff4d6;font-weight:600}
.rejected,.refused{color:#b00020;font-weight:600}.admitted,.kept{color:#186a3b;font-weight:600}
.moved{color:#9a6700;font-weight:600}code{font-size:.85rem}
"""


def _html_cell(o: PodOutcome | None) -> str:
    if o is None:
        return '<span class="refused">kubelet refuses to start</span>'
    if not o.admitted:
        message = f"<small>{escape(o.message or '')}</small>"
        return f'<span class="rejected">rejected</span> {escape(o.reason or "")}<br>{message}'
    rows = ['<span class="admitted">admitted</span>']
    if o.pod_cpus is not None:
        rows.append(f"pod CPUs <code>{escape(o.pod_cpus)}</code>")
    for c in o.containers:
        numa = ",".join(map(str, c.numa)) or "-"
        cpus = f"<code>{escape(c.cpus or 'shared pool')}</code>"
        rows.append(f"{escape(c.name)}: {escape(c.assignment)} {cpus} NUMA {numa}")
    return "<br>".join(rows)


def _html_restart(r: RestartResult) -> str:
    title = f"kubelet {escape(r.from_version)} &rarr; {escape(r.to_version)}"
    files = "".join(
        f"<li>{escape(f.file)}: written {escape(f.written_as or '?')}, "
        + (
            f"read as {escape(f.read_as or '')}"
            if f.status == "ok"
            else f'<span class="refused">{escape(f.status)}</span>'
        )
        + "</li>"
        for f in r.files
    )
    if r.refusal is not None:
        refusal = f"{escape(r.refusal.reason)}: {escape(r.refusal.message)}"
        body = f'<p class="refused">refuses to start: {refusal}</p>'
    else:
        rows = []
        for p in r.pods:
            detail = (
                f"{escape(p.step.reason or '')}: {escape(p.step.message or '')}"
                if p.after is None
                else "<br>".join(escape(c) for c in p.changes) or "same CPUs, NUMA nodes and assignments"
            )
            cls = p.outcome if p.outcome in (KEPT, MOVED) else "rejected"
            outcome = f'<td class="{cls}">{escape(p.outcome)}</td>'
            rows.append(f"<tr><td>{escape(p.pod)}</td>{outcome}<td>{detail}</td></tr>")
        body = (
            "<table><tr><th>pod</th><th>after the restart</th><th>what changed</th></tr>"
            + "".join(rows)
            + "</table>"
        )
    return f"<h3>{title}</h3><ul>{files}</ul>{body}"


def upgrade_html(u: UpgradeComparison) -> str:
    """A self-contained page of the comparison and the rolling upgrade."""
    head = "".join(f"<th>{escape(r.variant.label)}</th>" for r in u.runs)
    rows = "".join(
        f'<tr class="{"differs" if p.differs else ""}"><td>{escape(p.pod)}</td>'
        + "".join(f"<td>{_html_cell(o)}</td>" for o in p.outcomes)
        + "</tr>"
        for p in u.pods
    )
    changes = "".join(
        f"<li><b>{escape(p.pod)}</b><ul>" + "".join(f"<li>{escape(c)}</li>" for c in p.changes) + "</ul></li>"
        for p in u.pods
        if p.differs
    )
    chains = "".join(
        f"<h2>Rolling upgrade {escape(c.label)}</h2>" + "".join(_html_restart(r) for r in c.restarts)
        for c in u.chains
    )
    data = escape(json.dumps(upgrade_to_json(u)))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>podfit upgrade: {escape(u.scenario)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{escape(u.scenario)} across kubelet releases</h1>"
        f"<table><tr><th>pod</th>{head}</tr>{rows}</table>"
        f"<h2>What differs from {escape(u.runs[0].variant.label if u.runs else '')}</h2>"
        f"<ul>{changes or '<li>nothing: every pod gets the same on every release</li>'}</ul>{chains}"
        f'<script type="application/json" id="podfit-upgrade">{data}</script></body></html>'
    )
