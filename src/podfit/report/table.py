"""Human-readable report of a simulation (rich tables)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from podfit.kubelet.restart import KEPT, MOVED, FileRead, PodRestart, RestartResult
from podfit.kubelet.result import (
    AdmitResult,
    ContainerAssignment,
    RemoveResult,
    ResizeResult,
    RetryResult,
    StartResult,
)
from podfit.kubelet.simulation import SimulationResult
from podfit.model.cpuset import format_cpuset
from podfit.model.diagnostics import MEMORY_QOS_START_UP
from podfit.model.units import format_bytes
from podfit.report.render_html import reserved_text
from podfit.report.resize_text import decision_lines, protection_line, resize_panel, retry_panel

__all__ = ["format_bytes", "render_table", "restart_panel"]


def _machine_line(result: SimulationResult) -> str:
    m = result.machine
    threads = m.cpus_per_core
    mem = format_bytes(m.total_memory)
    return (
        f"{m.num_sockets} socket(s), {m.num_numa_nodes} NUMA node(s), {m.num_cores} cores, "
        f"{m.num_cpus} CPUs ({threads} per core), {mem} memory"
    )


def _container_rows(table: Table, containers: tuple[ContainerAssignment, ...]) -> None:
    for c in containers:
        mem = "-"
        numa = "-"
        if c.memory is not None:
            numa = ",".join(map(str, c.memory.numa_affinity)) or "any"
            mem = ", ".join(f"{k} {format_bytes(v)}" for k, v in c.memory.bytes.items()) or "-"
        quota = "-"
        if c.cpu_quota is not None:
            if c.cpu_quota.quota_us < 0:
                quota = "off (exclusive)"
            elif c.cpu_quota.quota_us == 0:
                quota = "no limit"
            else:
                quota = f"{c.cpu_quota.quota_us / c.cpu_quota.period_us:g} CPU"
        cpus = "node shared pool" if c.cpus is None else format_cpuset(c.cpus)
        why = c.why.short if c.why is not None else "-"
        table.add_row(c.name, c.kind, c.assignment, cpus, numa, mem, quota, why)


def _add_panel(step: AdmitResult) -> Panel:
    if step.admitted:
        title = Text.assemble(("admitted ", "bold green"), (step.pod, "bold"), f"  ({step.qos_class})")
    else:
        title = Text.assemble(("rejected ", "bold red"), (step.pod, "bold"), f"  ({step.qos_class})")
    lines: list[Text | Table] = []
    if not step.admitted:
        lines.append(Text.assemble((f"{step.reason}: ", "red"), step.message or ""))
    if step.known_issue is not None:
        issue = step.known_issue
        lines.append(
            Text.assemble(
                ("known kubelet defect ", "bold yellow"),
                f"{issue.id} (fixed in {issue.fixed_in}): {issue.summary}",
            )
        )
    if step.pod_hint is not None:
        affinity = ",".join(map(str, step.pod_hint.numa_affinity)) or "any"
        pref = "preferred" if step.pod_hint.preferred else "not preferred"
        lines.append(Text(f"pod hint: NUMA {affinity} ({pref})"))
    if step.container_hints:
        for name, h in step.container_hints.items():
            affinity = ",".join(map(str, h.numa_affinity)) or "any"
            lines.append(
                Text(f"hint {name}: NUMA {affinity} ({'preferred' if h.preferred else 'not preferred'})")
            )
    if step.pod_cpus is not None:
        lines.append(Text(f"pod CPUs (budget): {format_cpuset(step.pod_cpus)}"))
    if step.admitted and step.containers:
        table = Table(box=None, pad_edge=False, header_style="bold")
        for col in ("container", "kind", "assignment", "cpus", "NUMA", "memory", "CPU quota", "why"):
            table.add_column(col)
        _container_rows(table, step.containers)
        lines.append(table)
    lines.append(Text(f"node shared pool: {format_cpuset(step.default_cpuset) or '(empty)'}", style="dim"))
    return Panel(Group(*lines), title=title, title_align="left")


def _remove_panel(step: RemoveResult) -> Text | Panel:
    if not step.removed:
        return Text(f"remove {step.pod or step.uid}: not on the node (nothing to do)", style="yellow")
    line = Text.assemble(
        ("removed ", "bold"), step.pod, f"; node shared pool: {format_cpuset(step.default_cpuset)}"
    )
    if not step.resizes:
        return line
    lines: list[Text | Table] = [line, Text("pending resizes retried (pods_removed):", style="dim")]
    for d in step.resizes:
        lines.extend(decision_lines(d))
    return Panel(Group(*lines), title=Text("remove", style="bold"), title_align="left")


def _start_panel(step: StartResult) -> Text:
    if not step.started:
        return Text(f"start {step.pod or step.uid}: not on the node (nothing to do)", style="yellow")
    done = " (finished init containers release their memory)"
    return Text.assemble(("containers started ", "bold"), step.pod, done)


_OUTCOME_STYLE = {KEPT: "green", MOVED: "yellow"}


def _file_line(f: FileRead) -> Text:
    written = f"written {f.written_as}" if f.written_as else "on disk"
    if f.status == "absent":
        return Text(f"{f.file}: absent (fresh start)", style="dim")
    if f.status == "refused":
        return Text.assemble((f"{f.file}: ", "bold"), f"{written}, ", ("refused", "bold red"))
    if f.status == "unreadable":  # the device manager's file: logged, and it starts empty
        return Text.assemble(
            (f"{f.file}: ", "bold"),
            f"{written}, ",
            ("unreadable", "bold yellow"),
            f" (the device manager starts with no device allocations): {f.message}",
        )
    read = f"read as {f.read_as}" + ("" if f.read_as == f.written_as or not f.written_as else " (migrated)")
    return Text.assemble((f"{f.file}: ", "bold"), f"{written}, {read}")


def _pods_table(pods: tuple[PodRestart, ...]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("pod", "after the restart", "what changed"):
        table.add_column(col)
    for p in pods:
        if p.after is None:
            detail = f"{p.step.reason}: {p.step.message}"
        else:
            detail = "; ".join(p.changes) or "same CPUs, NUMA nodes and assignments"
            if p.after.devices:  # containers that hold or ask for devices
                without = [name for name, keys in p.after.devices if not keys]
                detail += f"; no device held by {', '.join(without)}" if without else "; same devices"
        table.add_row(
            Text(p.pod), Text(p.outcome, style=_OUTCOME_STYLE.get(p.outcome, "bold red")), Text(detail)
        )
    return table


def restart_panel(step: RestartResult) -> Panel:
    """A ``restart`` step: the files across it, the new kubelet's refusal or each running pod's fate."""
    versions = (
        step.from_version
        if step.from_version == step.to_version
        else (f"{step.from_version} -> {step.to_version}")
    )
    config = ", new configuration" if step.config_changed else ""
    title = Text.assemble(("kubelet restarted ", "bold cyan"), f"v{versions}{config}")
    lines: list[Text | Table] = [_file_line(f) for f in step.files]
    if step.refusal is not None:
        lines.append(
            Text.assemble((f"refuses to start: {step.refusal.reason}: ", "bold red"), step.refusal.message)
        )
        return Panel(Group(*lines), title=title, title_align="left")
    lines.extend(Text(f"released: {line}", style="dim") for line in step.released)
    if step.pods:
        lines.append(_pods_table(step.pods))
    lines.append(Text(f"node shared pool: {format_cpuset(step.default_cpuset) or '(empty)'}", style="dim"))
    return Panel(Group(*lines), title=title, title_align="left")


def _restored_panel(result: SimulationResult) -> Panel:
    title = Text.assemble(
        ("kubelet started from checkpoint files ", "bold cyan"), f"v{result.kubelet_version}"
    )
    lines: list[Text | Table] = [_file_line(f) for f in result.restored_files]
    if result.restored_pods:
        lines.append(_pods_table(result.restored_pods))
    return Panel(Group(*lines), title=title, title_align="left")


def render_table(result: SimulationResult, console: Console) -> None:
    """Print the report of ``result`` on ``console``."""
    console.print(Text.assemble(("scenario ", "bold"), result.scenario, "  node ", result.node_name))
    console.print(Text(_machine_line(result), style="dim"))
    if result.restored_files:
        console.print(_restored_panel(result))
    if result.error is not None:
        console.print(
            Panel(
                Text(result.error.message),
                title=Text.assemble(("kubelet refuses to start: ", "bold red"), result.error.reason),
                title_align="left",
            )
        )
        return
    console.print(
        Text(
            f"{reserved_text(result.reserved_cpus)}; "
            f"initial shared pool: {format_cpuset(result.initial_default_cpuset)}",
            style="dim",
        )
    )
    for warning in result.warnings:  # the others are stderr lines (podfit: warning: ...)
        if warning.code == MEMORY_QOS_START_UP:
            console.print(Text(f"kubelet: {warning.message}", style="yellow"))
    protection = result.memory_protection
    for i, step in enumerate(result.steps):
        if isinstance(step, AdmitResult):
            console.print(_add_panel(step))
        elif isinstance(step, StartResult):
            console.print(_start_panel(step))
        elif isinstance(step, ResizeResult):
            console.print(resize_panel(step))
        elif isinstance(step, RetryResult):
            console.print(retry_panel(step))
        elif isinstance(step, RestartResult):
            console.print(restart_panel(step))
        else:
            console.print(_remove_panel(step))
        if i < len(protection) and (line := protection[i]) is not None:
            console.print(protection_line(line))
