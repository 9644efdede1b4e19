"""``podfit simulate -o wide``: one line per step, for scenarios with many pods.

Columns (kubectl's ``-o wide`` style, plain text): the step, the pod, its QoS class, the result
(``admitted``, or the rejection reason), the NUMA nodes the pod's CPUs and memory are on, its
exclusive CPUs (or its pod budget; ``shared`` when it has none) and its memory per NUMA node.
Removes and starts are one line each too.
"""

from __future__ import annotations

from collections.abc import Sequence

from podfit.kubelet.result import AdmitResult, ContainerAssignment, RemoveResult, StartResult
from podfit.kubelet.simulation import SimulationResult
from podfit.model.cpuset import format_cpuset
from podfit.model.machine import Machine
from podfit.model.units import format_bytes

__all__ = ["HEADER", "render_wide"]

HEADER = ("STEP", "POD", "QOS", "RESULT", "NUMA", "CPUS", "MEMORY")


def _numa_of_cpus(machine: Machine, cpus: int) -> set[int]:
    return {n for n, mask in machine.numa_cpus.items() if mask & cpus}


def _memory(containers: Sequence[ContainerAssignment]) -> tuple[str, set[int]]:
    by_numa: dict[tuple[int, ...], dict[str, int]] = {}
    for c in containers:
        if c.memory is None:
            continue
        key = tuple(c.memory.numa_affinity)
        slot = by_numa.setdefault(key, {})
        for kind, size in c.memory.bytes.items():
            slot[kind] = slot.get(kind, 0) + size
    parts = []
    for numa, sizes in sorted(by_numa.items()):
        where = ",".join(map(str, numa)) or "any"
        kinds = sorted(sizes, key=lambda k: (k != "memory", k))
        what = ", ".join(
            format_bytes(sizes[k]) if k == "memory" else f"{format_bytes(sizes[k])} {k}" for k in kinds
        )
        parts.append(f"{where}: {what}")
    return "; ".join(parts) or "-", {n for numa in by_numa for n in numa}


def _add_row(i: int, step: AdmitResult, machine: Machine) -> tuple[str, ...]:
    qos = step.qos_class or "-"
    if not step.admitted:
        result = step.reason or "rejected"
        if step.known_issue is not None:
            result += f" (known defect {step.known_issue.id})"
        return (str(i), step.pod, qos, result, "-", "-", "-")
    containers = step.containers
    cpus = step.pod_cpus
    if cpus is None:
        cpus = 0
        for c in containers:
            if c.cpus is not None and c.assignment in ("node_exclusive", "pod_exclusive"):
                cpus |= c.cpus
    memory, memory_numa = _memory(containers)
    numa = _numa_of_cpus(machine, cpus) | memory_numa
    return (
        str(i),
        step.pod,
        qos,
        "admitted",
        ",".join(map(str, sorted(numa))) or "-",
        format_cpuset(cpus) if cpus else "shared",
        memory,
    )


def _row(i: int, step: AdmitResult | RemoveResult | StartResult, machine: Machine) -> tuple[str, ...]:
    if isinstance(step, AdmitResult):
        return _add_row(i, step, machine)
    if isinstance(step, RemoveResult):
        return (
            str(i),
            step.pod or step.uid or "",
            "-",
            "removed" if step.removed else "not on node",
            "",
            "",
            "",
        )
    return (str(i), step.pod or step.uid or "", "-", "started" if step.started else "not on node", "", "", "")


def render_wide(result: SimulationResult) -> str:
    """The ``-o wide`` text of ``result`` (ends with a newline)."""
    if result.error is not None:
        return f"kubelet refuses to start: {result.error.reason}: {result.error.message}\n"
    rows = [HEADER, *(_row(i, s, result.machine) for i, s in enumerate(result.steps))]
    widths = [max(len(r[k]) for r in rows) for k in range(len(HEADER))]
    lines = ["   ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"
