"""``podfit explain`` for people: the decision trace of one pod as rich tables."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from podfit.cpu.accumulator import TakeStep
from podfit.explain.merge_trace import RULES
from podfit.explain.shortfall import amount, mask_text
from podfit.explain.values import CPUTake, Explanation, MemoryChoice, MergeTrace, ResourceHints
from podfit.model.cpuset import format_cpuset
from podfit.topology.hint import TopologyHint

__all__ = ["render_explanation"]

_PHASES = {
    "numa": "a whole free NUMA node",
    "socket": "a whole free socket",
    "uncore": "a whole free L3 (uncore) cache group",
    "partial-uncore": "whole cores inside one L3 group",
    "core": "a whole free core (all its threads)",
    "cpu": "a single thread (no whole core left to fit)",
    "distribute": "this NUMA node's even share (distribute-cpus-across-numa)",
    "distribute-remainder": "a remainder group (distribute-cpus-across-numa)",
}
_MEMORY_SOURCE = {
    "hint": "the Topology Manager's hint",
    "default": "the memory manager's default hint (the Topology Manager gave no NUMA affinity)",
    "extended": "the hint extended to more NUMA nodes (the given one had too little free memory)",
    "error": "no placement",
}
_MAX_CANDIDATES = 8


def _who(container: str | None) -> str:
    return "the pod" if container is None else f"container {container}"


def _hints(hints: tuple[TopologyHint, ...] | None, total: int | None = None) -> Text:
    if hints is None:
        return Text("no preference", style="dim")
    if not hints:
        return Text("none possible", style="red")
    out = Text()
    for i, h in enumerate(hints):
        if i:
            out.append(" ")
        out.append(mask_text(h.numa_affinity), style="bold green" if h.preferred else "")
        if h.preferred:
            out.append("*", style="green")
    if total is not None and total > len(hints):
        out.append(f" ... {total - len(hints):,} more", style="dim")
    return out


def _demand_cells(r: ResourceHints) -> tuple[str, str]:
    d = r.demand
    if d is None:
        return "-", "-"
    free = ", ".join(
        f"node{n} {amount(d.unit, v) if d.unit == 'bytes' else v}" for n, v in sorted(d.free.items())
    )
    return amount(d.unit, d.requested), free


def _merge_panel(m: MergeTrace) -> Panel:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("provider", "resource", "request", "free per NUMA node", "hints (* = preferred)"):
        table.add_column(col)
    for r in m.resources:
        request, free = _demand_cells(r)
        table.add_row(r.provider, r.resource, request, free, _hints(r.hints, r.total))
    verdict = Text("admit", style="green") if m.admit else Text("reject", style="bold red")
    best = Text.assemble(
        "merged hint: ",
        (mask_text(m.best_hint.numa_affinity), "bold"),
        " preferred" if m.best_hint.preferred else " not preferred",
        f" ({m.policy}: ",
        verdict,
        ")",
    )
    rule = Text(f"won by: {RULES.get(m.winning_rule, m.winning_rule)}", style="cyan")
    info = Text(
        f"B (narrowest any resource can get) = {m.best_non_preferred_affinity_count}; masks compared "
        f"by {m.compare_by}; {m.candidates_total} distinct merged candidate(s)",
        style="dim",
    )
    parts: list[RenderableType] = [table, best, rule, info]
    if m.candidates:
        cands = Table(box=None, pad_edge=False, header_style="bold dim")
        for col in ("candidate", "preferred", "compare rule", "became best"):
            cands.add_column(col)
        for c in m.candidates[:_MAX_CANDIDATES]:
            cands.add_row(
                mask_text(c.hint.numa_affinity),
                "yes" if c.hint.preferred else "no",
                c.rule,
                "yes" if c.became_best else "",
            )
        if len(m.candidates) > _MAX_CANDIDATES:
            cands.add_row(f"... {m.candidates_total - _MAX_CANDIDATES} more", "", "", "")
        parts.append(cands)
    return Panel(Group(*parts), title=f"Topology Manager merge for {_who(m.container)}", title_align="left")


def _steps(table: Table, steps: Sequence[TakeStep], where: str, start: int) -> int:
    for i, s in enumerate(steps, start=start):
        label = "CPU" if s.phase == "cpu" else s.phase.replace("-", " ")
        table.add_row(
            str(i),
            where,
            f"{label} {s.entity}",
            str(s.free),
            format_cpuset(s.cpus),
            _PHASES.get(s.phase, s.phase),
        )
    return start + len(steps)


def _take_panel(t: CPUTake) -> Panel:
    order = ["whole NUMA nodes", "whole sockets"] if t.numa_first else ["whole sockets", "whole NUMA nodes"]
    if t.uncore:
        order.append("L3 (uncore) groups")
    if t.cpu_sorting != "spread":
        order.append("whole cores")
    order.append("single threads")
    lines: list[RenderableType] = [
        Text(
            f"{t.requested} CPUs; hint NUMA {mask_text(t.numa_affinity)}; "
            f"free pool {format_cpuset(t.pool) or '(empty)'}"
            + (
                f"; inside the hint {format_cpuset(t.aligned_pool) or '(empty)'}"
                if t.aligned_pool is not None
                else ""
            )
        ),
        Text(
            (
                "distributed algorithm: an even share on each of the fewest NUMA nodes (best "
                "balance), each share taken as: "
                if t.algorithm == "distributed"
                else "packed algorithm: "
            )
            + ", then ".join(order)
            + f" ({t.cpu_sorting} CPU order)"
            + "; tie-break: fewest free CPUs first, then the lowest id",
            style="dim",
        ),
    ]
    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("#", "from", "took", "free before", "CPUs", "why"):
        table.add_column(col)
    n = _steps(table, t.aligned_steps, "hint NUMA", 1)
    _steps(table, t.rest_steps, "anywhere", n)
    lines.append(table)
    if t.error:
        lines.append(Text(f"failed: {t.error}", style="red"))
    else:
        lines.append(Text.assemble("result: ", (format_cpuset(t.result) or "(none)", "bold")))
    for name, cpus in t.slices.items():
        lines.append(Text(f"  {name}: {format_cpuset(cpus) or '(none)'}"))
    title = (
        "CPU Manager: the pod's CPU budget" if t.container is None else f"CPU Manager: {_who(t.container)}"
    )
    return Panel(Group(*lines), title=title, title_align="left")


def _memory_line(c: MemoryChoice) -> Text:
    wants = ", ".join(f"{r} {amount('bytes', v)}" for r, v in c.requested.items())
    if c.error:
        return Text.assemble(f"{_who(c.container)}: {wants}: ", ("not placed", "bold red"), f" ({c.error})")
    numa = ",".join(map(str, c.numa_affinity)) or "-"
    return Text(f"{_who(c.container)}: {wants} -> NUMA {numa}, from {_MEMORY_SOURCE.get(c.source, c.source)}")


def render_explanation(e: Explanation, console: Console) -> None:
    """Print ``e`` on ``console``."""
    r = e.result
    console.print(
        Text.assemble(
            ("explain ", "bold"), (e.pod, "bold"), f"  (scenario {e.scenario}, event #{e.event_index})"
        )
    )
    console.print(
        Text(
            f"Topology Manager {e.topology_policy}, scope {e.topology_scope}; CPU Manager {e.cpu_policy}; "
            f"Memory Manager {e.memory_policy}",
            style="dim",
        )
    )
    if r.admitted:
        console.print(Text("admitted", style="bold green"))
        for c in r.containers:
            cpus = "node shared pool" if c.cpus is None else format_cpuset(c.cpus)
            why = f" — {c.why.message}" if c.why is not None else ""
            console.print(Text(f"  {c.name}: {c.assignment}, CPUs {cpus}{why}"))
    else:
        console.print(Text.assemble(("rejected ", "bold red"), (f"{r.reason}: ", "red"), r.message or ""))
    if r.known_issue is not None:
        i = r.known_issue
        console.print(
            Text.assemble(
                ("known kubelet defect ", "bold yellow"),
                f"{i.id}, fixed in {i.fixed_in}: {i.summary}. The rejection is the kubelet's bug, not "
                f"a mistake in the pod.",
            )
        )
    for m in e.merges:
        console.print(_merge_panel(m))
    for t in e.cpu_takes:
        console.print(_take_panel(t))
    if e.memory_choices:
        console.print(
            Panel(
                Group(*[_memory_line(c) for c in e.memory_choices]),
                title="Memory Manager",
                title_align="left",
            )
        )
    if e.shortfall:
        console.print(Text("Shortfall", style="bold red"))
        for line in e.shortfall:
            console.print(Text(f"  - {line}"))
    if e.suggestions_tried:
        if e.suggestions:
            console.print(
                Text("What would admit it (each verified by re-running the engine)", style="bold green")
            )
            for s in e.suggestions:
                console.print(Text(f"  + {s.summary}"))
        else:
            console.print(
                Text(
                    "No single change tried (policy, scope, CPU count, pod budget, hugepages on the "
                    "node, machine preset) admits it.",
                    style="yellow",
                )
            )
    for note in e.notes:
        console.print(Text(f"note: {note}", style="yellow"))
