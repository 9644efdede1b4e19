"""``inspect``'s report: text (the checks, the ``simulate`` table, pod budgets and shared pools,
memory and devices per NUMA node, the findings), JSON, and the CPU map page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from podfit.kubelet.result import POD_SHARED
from podfit.live.inspect import Inspection
from podfit.live.questions import Answer
from podfit.live.values import DeviceEntry
from podfit.model.cpuset import format_cpuset
from podfit.model.units import format_bytes
from podfit.report.json_result import dumps_result, result_to_json
from podfit.report.table import render_table

__all__ = [
    "answer_to_json",
    "dumps_inspection",
    "inspection_to_json",
    "render_answer",
    "render_inspection",
    "render_inspection_html",
]


def dumps_inspection(ins: Inspection) -> str:
    """The JSON report, arrays of scalars on one line (as ``simulate -o json``)."""
    return dumps_result(inspection_to_json(ins))


def _devices_per_numa(entries: Iterable[DeviceEntry]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for d in entries:
        numa = ",".join(map(str, d.numa)) or "-"
        out[(d.resource_name, numa)] = out.get((d.resource_name, numa), 0) + len(d.device_ids)
    return out


def _device_rows(ins: Inspection) -> list[tuple[str, str, int, int]]:
    loaded = ins.loaded
    if loaded.allocatable is None and not loaded.listed:
        return []
    total = _devices_per_numa(loaded.allocatable.devices if loaded.allocatable else ())
    used = _devices_per_numa(d for p in loaded.listed or () for c in p.containers for d in c.devices)
    return [(r, n, total.get((r, n), 0), used.get((r, n), 0)) for r, n in sorted(set(total) | set(used))]


def _device_entries(ins: Inspection) -> list[dict[str, Any]] | None:
    """The device manager checkpoint's entries, one per pod, container and resource, with their
    devices per NUMA node (``-1``: no topology) and, when the kubelet would skip it, why."""
    restored = ins.loaded.devices
    if restored is None or restored.checkpoint is None:
        return None
    names = {p.pod.uid: p.pod.key for p in ins.loaded.pods or []}
    skipped = {id(e): why for e, why in restored.skipped}
    rows = [
        {
            "pod": names.get(e.pod_uid, f"uid/{e.pod_uid}"),
            "podUID": e.pod_uid,
            "container": e.container_name,
            "resource": e.resource_name,
            "numa": {str(n): list(ids) for n, ids in sorted(e.device_ids.items())},
            "skipped": skipped.get(id(e)),
        }
        for e in restored.checkpoint.entries
    ]
    return sorted(rows, key=lambda r: (r["pod"], r["container"], r["resource"]))


def _device_entry_table(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(
        title="devices per container and NUMA node (kubelet_internal_checkpoint)",
        box=None,
        header_style="bold",
        title_justify="left",
    )
    for col in ("pod", "container", "resource", "NUMA", "devices"):
        table.add_column(col)
    for r in rows:
        for numa, ids in r["numa"].items() or [("-", [])]:
            note = f"  [skipped at restart: {r['skipped']}]" if r["skipped"] else ""
            where = "no topology" if numa == "-1" else numa
            table.add_row(r["pod"], r["container"], r["resource"], where, ", ".join(ids) + note)
    console.print(table)


def _pools(ins: Inspection) -> list[tuple[str, str, str, str]]:
    """Per pod with a budget: the budget, the pod shared pool, the exclusive slices."""
    rows = []
    for step in ins.steps:
        budget = step.pod_cpus
        if budget is None:
            continue
        containers = step.containers
        shared = {c.cpus for c in containers if c.assignment == POD_SHARED and c.cpus}
        exclusive = 0
        for c in containers:
            if c.assignment != POD_SHARED and c.cpus:
                exclusive |= c.cpus
        pool = format_cpuset(budget & ~exclusive) or "(empty)"
        rows.append((step.pod, format_cpuset(budget), pool, format_cpuset(exclusive) or "-"))
        if shared and shared != {budget & ~exclusive}:
            rows.append(
                (step.pod, "", "  containers hold " + ", ".join(format_cpuset(s) for s in shared), "")
            )
    return rows


def _raw_table(ins: Inspection, console: Console) -> None:
    """The pods without a machine (no CPU map): one row per container."""
    table = Table(
        title="pods (no machine topology: no CPU map)", box=None, header_style="bold", title_justify="left"
    )
    for col in ("pod", "budget", "container", "assignment", "cpus", "NUMA", "memory"):
        table.add_column(col)
    for step in ins.steps:
        budget = format_cpuset(step.pod_cpus) if step.pod_cpus is not None else "-"
        for c in step.containers:
            numa = ",".join(map(str, c.memory.numa_affinity)) if c.memory else "-"
            mem = ", ".join(f"{k} {format_bytes(v)}" for k, v in c.memory.bytes.items()) if c.memory else "-"
            cpus = "node shared pool" if c.cpus is None else format_cpuset(c.cpus)
            table.add_row(step.pod, budget, c.name, c.assignment, cpus, numa, mem)
    shared = format_cpuset(ins.steps[0].default_cpuset) or "(empty)"
    console.print(table)
    console.print(Text(f"node shared pool: {shared}", style="dim"))


def render_inspection(ins: Inspection, console: Console) -> None:
    loaded = ins.loaded
    console.print(
        Text.assemble(("inspect ", "bold"), loaded.bundle.source, "  node ", loaded.node_name or "?")
    )
    for check in loaded.checks:
        style = "green" if check.status == "ok" else "red"
        console.print(
            Text.assemble((f"{check.name}: {check.status}", style), f" — {check.detail}"), soft_wrap=True
        )
    if loaded.config is not None:
        console.print(Text(f"kubelet configuration: {loaded.config_source}", style="dim"))
    for note in loaded.notes:
        console.print(Text(f"note: {note}", style="yellow"), soft_wrap=True)
    if ins.refusal is not None:
        console.print(
            Text.assemble(
                ("the kubelet would not restart on this state: ", "bold red"),
                f"{ins.refusal.reason}: {ins.refusal.message}",
            ),
            soft_wrap=True,
        )
    elif ins.node is not None:
        console.print(
            Text(
                "the kubelet would restart on this state (checkpoints restored and validated)", style="green"
            )
        )
    if ins.result is not None:
        render_table(ins.result, console)
    elif ins.steps:
        _raw_table(ins, console)
    pools = _pools(ins)
    if pools:
        table = Table(title="pod budgets", box=None, header_style="bold", title_justify="left")
        for col in ("pod", "budget", "pod shared pool", "exclusive slices"):
            table.add_column(col)
        for row in pools:
            table.add_row(*row)
        console.print(table)
    memory = ins.node.memory_tables() if ins.node is not None else None
    if memory:
        table = Table(title="memory per NUMA node", box=None, header_style="bold", title_justify="left")
        for col in ("NUMA", "type", "allocatable", "reserved (pinned)", "free"):
            table.add_column(col)
        for numa, kinds in memory.items():
            for kind, t in kinds.items():
                table.add_row(
                    str(numa),
                    kind,
                    format_bytes(t.allocatable),
                    format_bytes(t.reserved),
                    format_bytes(t.free),
                )
        console.print(table)
    devices = _device_rows(ins)
    if devices:
        table = Table(
            title="devices per NUMA node (PodResources)", box=None, header_style="bold", title_justify="left"
        )
        for col in ("resource", "NUMA", "allocatable", "assigned"):
            table.add_column(col)
        for resource, where, total, used in devices:
            table.add_row(resource, where, str(total), str(used))
        console.print(table)
    entries = _device_entries(ins)
    if entries:
        _device_entry_table(entries, console)
    if not ins.findings:
        console.print(Text("no drift found", style="bold green"))
    for f in ins.findings:
        console.print(Text.assemble((f"{f.kind}: ", "bold red"), f.message), soft_wrap=True)


def inspection_to_json(ins: Inspection) -> dict[str, Any]:
    loaded = ins.loaded
    return {
        "source": loaded.bundle.source,
        "node": loaded.node_name,
        "files": [{"name": c.name, "status": c.status, "detail": c.detail} for c in loaded.checks],
        "kubeletConfig": loaded.config_source or None,
        "notes": list(loaded.notes),
        "restart": None
        if ins.refusal is None and ins.node is None
        else {
            "ok": ins.refusal is None,
            "reason": ins.refusal.reason if ins.refusal else None,
            "message": ins.refusal.message if ins.refusal else None,
        },
        "state": result_to_json(ins.result) if ins.result is not None else None,
        "devices": _device_entries(ins),
        "findings": [
            {
                "kind": f.kind,
                "message": f.message,
                "pod": f.pod,
                "cpus": format_cpuset(f.cpus) or None,
                "devices": list(f.devices) or None,
            }
            for f in ins.findings
        ],
    }


def render_inspection_html(ins: Inspection) -> str | None:
    if ins.result is None:
        return None
    from podfit.report.render_html import render_html

    return render_html(result_to_json(ins.result), ins.result.machine)


def render_answer(answer: Answer, console: Console) -> None:
    """``inspect --add`` / ``--restart``: the restart's verdict, the running pods, the new pods."""
    for note in answer.notes:
        console.print(Text(f"note: {note}", style="yellow"), soft_wrap=True)
    if answer.refusal is not None:
        console.print(
            Text.assemble(
                ("the kubelet would not come back: ", "bold red"),
                f"{answer.refusal.reason}: {answer.refusal.message}",
            ),
            soft_wrap=True,
        )
        return
    console.print(Text("the kubelet comes back on this state with this configuration", style="bold green"))
    for line in answer.released:
        console.print(Text(f"stale state released first: {line}", style="yellow"), soft_wrap=True)
    for pod, fate in answer.running:
        style = "red" if fate.startswith("rejected") else ("yellow" if "changed" in fate else "green")
        console.print(Text.assemble((f"{pod}: ", "bold"), (fate, style)), soft_wrap=True)
    for step in answer.added:
        if step.admitted:
            where = ", ".join(
                f"{c.name} {format_cpuset(c.cpus) if c.cpus is not None else 'node shared pool'}"
                for c in step.containers
            )
            console.print(Text.assemble(("would be admitted now: ", "bold green"), step.pod, f" ({where})"))
        else:
            console.print(
                Text.assemble(
                    ("would be rejected now: ", "bold red"), f"{step.pod}: {step.reason}: {step.message}"
                ),
                soft_wrap=True,
            )
    if answer.explanations:
        from podfit.report.explain_text import render_explanation

        for e in answer.explanations:
            render_explanation(e, console)
    elif answer.result is not None and answer.added:
        render_table(answer.result, console)


def answer_to_json(answer: Answer) -> dict[str, Any]:
    return {
        "comesBack": answer.refusal is None,
        "refusal": None
        if answer.refusal is None
        else {"reason": answer.refusal.reason, "message": answer.refusal.message},
        "notes": list(answer.notes),
        "released": list(answer.released),
        "running": [{"pod": pod, "fate": fate} for pod, fate in answer.running],
        "result": result_to_json(answer.result) if answer.result is not None else None,
    }
