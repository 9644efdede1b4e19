"""Human-readable report of a simulation (rich tables)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from podfit.kubelet.result import AdmitResult, ContainerAssignment, RemoveResult, StartResult
from podfit.kubelet.simulation import SimulationResult
from podfit.model.cpuset import format_cpuset
from podfit.model.units import format_bytes

__all__ = ["format_bytes", "render_table"]


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


def _remove_panel(step: RemoveResult) -> Text:
    if not step.removed:
        return Text(f"remove {step.pod or step.uid}: not on the node (nothing to do)", style="yellow")
    return Text.assemble(
        ("removed ", "bold"), step.pod, f"; node shared pool: {format_cpuset(step.default_cpuset)}"
    )


def _start_panel(step: StartResult) -> Text:
    if not step.started:
        return Text(f"start {step.pod or step.uid}: not on the node (nothing to do)", style="yellow")
    done = " (finished init containers release their memory)"
    return Text.assemble(("containers started ", "bold"), step.pod, done)


def render_table(result: SimulationResult, console: Console) -> None:
    """Print the report of ``result`` on ``console``."""
    console.print(Text.assemble(("scenario ", "bold"), result.scenario, "  node ", result.node_name))
    console.print(Text(_machine_line(result), style="dim"))
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
            f"reserved CPUs: {format_cpuset(result.reserved_cpus) or '(none)'}; "
            f"initial shared pool: {format_cpuset(result.initial_default_cpuset)}",
            style="dim",
        )
    )
    for step in result.steps:
        if isinstance(step, AdmitResult):
            console.print(_add_panel(step))
        elif isinstance(step, StartResult):
            console.print(_start_panel(step))
        else:
            console.print(_remove_panel(step))
