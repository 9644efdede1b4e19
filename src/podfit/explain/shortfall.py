"""The concrete shortfall behind a rejection, worded from the traced numbers.

"cpu: needs 10 CPUs within one NUMA node; free: node0 5, node1 6" — computed from what each
provider had free when it was asked, not from the kubelet's (terse) message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from podfit.explain.empty_pool import EmptyPool
from podfit.explain.tracing import TraceLog
from podfit.explain.values import CPUTake, Demand, MemoryChoice, MergeTrace, ResourceHints
from podfit.kubelet.result import AdmitResult
from podfit.model.machine import Machine
from podfit.model.units import format_bytes
from podfit.topology.policy import POLICY_RESTRICTED, POLICY_SINGLE_NUMA_NODE

__all__ = ["amount", "format_bytes", "free_line", "mask_text", "min_numa_nodes", "shortfall"]

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}


def amount(unit: str, n: int) -> str:
    """``10 CPUs``, ``12Gi``, ``2 devices``."""
    if unit == "cpus":
        return f"{n} CPU" if n == 1 else f"{n} CPUs"
    if unit == "bytes":
        return format_bytes(n)
    return f"{n} device" if n == 1 else f"{n} devices"


def free_line(d: Demand) -> str:
    """``free: node0 5, node1 6`` (amounts in the demand's unit)."""
    parts = [f"node{numa} {_bare(d.unit, v)}" for numa, v in sorted(d.free.items())]
    return "free: " + ", ".join(parts)


def _bare(unit: str, n: int) -> str:
    return format_bytes(n) if unit == "bytes" else str(n)


def mask_text(mask: int | None) -> str:
    """``{0,1}`` for a NUMA mask, ``any`` for none."""
    if mask is None:
        return "any"
    return "{" + ",".join(str(i) for i in range(mask.bit_length()) if mask >> i & 1) + "}"


def min_numa_nodes(d: Demand) -> int:
    """The fewest NUMA nodes whose capacity could hold the request (on an empty machine)."""
    total = 0
    for k, cap in enumerate(sorted(d.capacity.values(), reverse=True), start=1):
        total += cap
        if total >= d.requested:
            return k
    return len(d.capacity) + 1


def _within(k: int) -> str:
    return "one NUMA node" if k == 1 else f"{_WORDS.get(k, str(k))} NUMA nodes"


def _who(container: str | None) -> str:
    return "the pod" if container is None else f"container {container}"


def _resource_shortfall(policy: str, rh: ResourceHints) -> str | None:
    d = rh.demand
    if d is None or rh.hints is None:
        return None
    need = amount(d.unit, d.requested)
    k = min_numa_nodes(d)
    hints = rh.hints
    preferred = [h for h in hints if h.preferred]
    if policy == POLICY_SINGLE_NUMA_NODE:
        preferred = [h for h in preferred if h.numa_affinity is None or h.numa_affinity.bit_count() == 1]
        if k > 1:
            biggest = max(d.capacity.items(), key=lambda kv: (kv[1], -kv[0]))
            return (
                f"{d.resource}: needs {need}, more than one NUMA node holds "
                f"(largest: node{biggest[0]} {_bare(d.unit, biggest[1])}); {free_line(d)}"
            )
    if not hints:
        return f"{d.resource}: needs {need}; no NUMA node combination has that much free; {free_line(d)}"
    if policy in (POLICY_SINGLE_NUMA_NODE, POLICY_RESTRICTED) and not preferred:
        return f"{d.resource}: needs {need} within {_within(k)}; {free_line(d)}"
    return None


def _preferred_sets(merge: MergeTrace) -> list[str]:
    out: list[str] = []
    for rh, considered in zip(merge.resources, merge.considered, strict=False):
        if rh.hints is None:
            continue
        masks = [mask_text(h.numa_affinity) for h in considered if h.preferred]
        out.append(f"{rh.resource} → {' or '.join(masks) if masks else 'none'}")
    return out


def _affinity(merge: MergeTrace) -> list[str]:
    lines = [s for rh in merge.resources if (s := _resource_shortfall(merge.policy, rh)) is not None]
    if lines:
        return lines
    sets = _preferred_sets(merge)
    return [f"no NUMA node set is preferred by every resource at once ({merge.policy}): " + "; ".join(sets)]


def _cpu_free(machine: Machine, take: CPUTake) -> str:
    parts = [f"node{n} {(take.pool & m).bit_count()}" for n, m in sorted(machine.numa_cpus.items())]
    return f"free: {', '.join(parts)} (total {take.pool.bit_count()})"


def _memory(choice: MemoryChoice, demands: Mapping[str, Demand]) -> str:
    wants = ", ".join(f"{r} {format_bytes(v)}" for r, v in choice.requested.items())
    free = "".join(f"; {r} {free_line(d)}" for r, d in demands.items())
    return f"memory of {_who(choice.container)}: needs {wants}{free} ({choice.error})"


def _last_memory_demands(log: TraceLog, container: str | None) -> dict[str, Demand]:
    for call in reversed(log.hint_calls):
        if call.provider == "memory" and call.container == container and call.demands:
            return {d.resource: d for d in call.demands}
    return {}


def shortfall(
    result: AdmitResult,
    merges: Sequence[MergeTrace],
    log: TraceLog,
    machine: Machine,
    pools: Sequence[EmptyPool] = (),
) -> tuple[str, ...]:
    """What the pod lacked (empty for an admitted pod). ``pools``: resources whose pod budget the
    exclusive containers use up — then that is the cause, whatever the merge shows (the CPU
    Manager gives such a pod no hint)."""
    if result.admitted:
        return ()
    if pools:
        return tuple(p.line() for p in pools)
    failed = next((m for m in merges if not m.admit), None)
    if failed is not None:
        return tuple(_affinity(failed))
    lines: list[str] = []
    for container, smt in log.smt:
        if smt.caused_by_physical_cpus:
            lines.append(
                f"full-pcpus-only: {_who(container)} requested {smt.requested_cpus} CPUs, but only "
                f"{smt.available_physical_cpus} free CPUs are on cores not shared with reserved CPUs"
            )
        else:
            lines.append(
                f"full-pcpus-only: requested {amount('cpus', smt.requested_cpus)}, not a multiple of "
                f"{smt.cpus_per_core} threads per core"
            )
    for take in log.cpu_takes:
        if take.error is not None:
            lines.append(
                f"cpu: {_who(take.container)} needs {take.requested} CPUs; {_cpu_free(machine, take)}"
            )
    for choice in log.memory_choices:
        if choice.error is not None:
            lines.append(_memory(choice, _last_memory_demands(log, choice.container)))
    if not lines:
        lines.append(f"{result.reason}: {result.message}")
    return tuple(lines)
