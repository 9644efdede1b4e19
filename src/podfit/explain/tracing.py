"""Replaying one admission with tracing: the node's real ``admit`` runs with its hint providers
wrapped, so every hint, every CPU take and every memory choice is recorded as a value, and the
verdict is exactly the node's. The node's state is snapshotted before and restored after.

The wrappers only read the state before handing each call to the real manager; the CPU taking
order is recomputed with the (optional) trace of ``podfit.cpu.assignment`` and checked against
the CPUs the real allocation took.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from podfit.cpu.accumulator import CPUSorting, TakeStep, TopologyIndex
from podfit.cpu.assignment import (
    CPUAssignmentError,
    take_by_topology_numa_distributed,
    take_by_topology_numa_packed,
)
from podfit.cpu.guaranteed import pod_level_resource_managers_off_for, validate_pod_scope_resources
from podfit.cpu.policy_static import StaticPolicy as CPUStaticPolicy
from podfit.explain.values import CPUTake, Demand, MemoryChoice
from podfit.kubelet.node import Node
from podfit.kubelet.result import AdmitResult
from podfit.memory.hints import get_default_hint, is_affinity_satisfy_request, select_hint
from podfit.memory.policy_static import StaticPolicy as MemoryStaticPolicy
from podfit.memory.requests import get_container_requested_resources, get_pod_requested_resources
from podfit.memory.reusable import reusable_for_pod
from podfit.memory.state import NUMANodeMap
from podfit.model.admission import SMTAlignmentRejection
from podfit.model.pod import RESOURCE_CPU, Container, Pod
from podfit.topology.hint import ProviderHints, TopologyHint

__all__ = ["HintCall", "TraceLog", "memory_hint_source", "trace_admission", "trace_take"]

PLRM = "PodLevelResourceManagers"


@dataclass(frozen=True, slots=True)
class HintCall:
    """One provider's answer to ``get_topology_hints`` / ``get_pod_topology_hints``."""

    provider: str
    container: str | None
    hints: ProviderHints
    demands: tuple[Demand, ...]


@dataclass
class TraceLog:
    """Everything the wrapped providers saw during one admission (filled in call order)."""

    hint_calls: list[HintCall] = field(default_factory=list)
    cpu_takes: list[CPUTake] = field(default_factory=list)
    memory_choices: list[MemoryChoice] = field(default_factory=list)
    smt: list[tuple[str | None, SMTAlignmentRejection]] = field(default_factory=list)
    allocations: list[tuple[str, str | None, TopologyHint]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Proxy:
    name = ""

    def __init__(self, inner: Any, log: TraceLog) -> None:
        self._inner = inner
        self._log = log

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    def _demands(self, pod: Pod, container: Container | None, hints: ProviderHints) -> tuple[Demand, ...]:
        return ()

    def _record(self, pod: Pod, container: Container | None, hints: ProviderHints) -> ProviderHints:
        demands = self._demands(pod, container, hints) if hints is not None else ()
        name = container.name if container is not None else None
        self._log.hint_calls.append(HintCall(self.name, name, hints, demands))
        return hints

    def get_topology_hints(self, pod: Pod, container: Container) -> ProviderHints:
        return self._record(pod, container, self._inner.get_topology_hints(pod, container))

    def get_pod_topology_hints(self, pod: Pod) -> ProviderHints:
        return self._record(pod, None, self._inner.get_pod_topology_hints(pod))

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Any:
        self._log.allocations.append((self.name, container.name, hint))
        return self._inner.allocate(pod, container, hint)

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> Any:
        self._log.allocations.append((self.name, None, hint))
        return self._inner.allocate_pod(pod, hint)


class _DeviceProxy(_Proxy):
    name = "devices"

    def _demands(self, pod: Pod, container: Container | None, hints: ProviderHints) -> tuple[Demand, ...]:
        inner = self._inner
        wanted = inner.pod_requests(pod) if container is None else inner.container_requests(container)
        in_use = inner.state.in_use()
        out: list[Demand] = []
        for resource, n in sorted(wanted.items()):
            free: dict[int, int] = {}
            cap: dict[int, int] = {}
            for dev_id, dev in inner.devices.get(resource, {}).items():
                if dev.numa is None:
                    continue
                cap[dev.numa] = cap.get(dev.numa, 0) + 1
                free[dev.numa] = free.get(dev.numa, 0) + (dev_id not in in_use)
            out.append(Demand(self.name, resource, n, "devices", free, cap))
        return tuple(out)


class _CPUProxy(_Proxy):
    name = "cpu"

    def _demands(self, pod: Pod, container: Container | None, hints: ProviderHints) -> tuple[Demand, ...]:
        policy, state = self._inner.policy, self._inner.state
        if not isinstance(policy, CPUStaticPolicy) or hints is None or RESOURCE_CPU not in hints:
            return ()
        n = policy.pod_guaranteed_cpus(pod) if container is None else policy.guaranteed_cpus(pod, container)
        available = policy.get_available_cpus(state)
        by_numa = policy.machine.numa_cpus
        free = {numa: (available & m).bit_count() for numa, m in sorted(by_numa.items())}
        cap = {numa: m.bit_count() for numa, m in sorted(by_numa.items())}
        reuse = state.cpus_to_reuse(pod.uid).bit_count()
        return (Demand(self.name, RESOURCE_CPU, n, "cpus", free, cap, reuse),)

    def _smt(self, container: str | None, n: int) -> bool:
        err = self._inner.policy.enforce_smt_alignment(self._inner.state, n)
        if err is not None:
            self._log.smt.append((container, err))
        return err is None

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Any:
        policy, state = self._inner.policy, self._inner.state
        take: CPUTake | None = None
        if isinstance(policy, CPUStaticPolicy):
            n = policy.guaranteed_cpus(pod, container)
            fresh = state.get_cpu_set(pod.uid, container.name) is None
            gated = pod_level_resource_managers_off_for(pod, policy.gates)
            if n and fresh and not gated and self._smt(container.name, n):
                reuse = state.cpus_to_reuse(pod.uid)
                take = trace_take(policy, state.get_default_cpu_set(), container.name, n, hint, reuse)
        err = super().allocate(pod, container, hint)
        if take is not None:
            self._log.cpu_takes.append(take)
            got = state.get_cpu_set(pod.uid, container.name)
            if err is None and got != take.result:
                self._log.notes.append(f"CPU trace of {container.name} differs from the allocation")
        return err

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> Any:
        policy, state = self._inner.policy, self._inner.state
        take: CPUTake | None = None
        if isinstance(policy, CPUStaticPolicy):
            total = policy.pod_guaranteed_cpus(pod)
            if total and validate_pod_scope_resources(pod, policy.gates) is None and self._smt(None, total):
                take = trace_take(policy, state.get_default_cpu_set(), None, total, hint, 0)
        err = super().allocate_pod(pod, hint)
        if take is not None:
            got = state.get_pod_cpu_set(pod.uid)
            slices = {c.name: state.get_cpu_set(pod.uid, c.name) or 0 for c in pod.all_containers()}
            self._log.cpu_takes.append(replace(take, slices=slices))
            if got is not None and got != take.result:
                self._log.notes.append("CPU trace of the pod bubble differs from the allocation")
        return err


def _take(policy: CPUStaticPolicy, available: int, n: int, steps: list[TakeStep]) -> int:
    """``staticPolicy.takeByTopology`` with a trace (same dispatch as the policy).

    Mirrors: cpumanager/policy_static.go staticPolicy.takeByTopology
    """
    options = policy.options
    sorting: CPUSorting = "spread" if options.distribute_cpus_across_cores else "packed"
    if options.distribute_cpus_across_numa:
        size = policy.cpu_group_size if options.full_physical_cpus_only else 1
        return take_by_topology_numa_distributed(
            policy.machine, available, n, size, cpu_sorting=sorting, trace=steps
        )
    return take_by_topology_numa_packed(
        policy.machine,
        available,
        n,
        cpu_sorting=sorting,
        prefer_align_by_uncore_cache=options.prefer_align_by_uncore_cache,
        trace=steps,
        uncore_round_up=policy.gates.release.switches.uncore_partial_round_up,
    )


def trace_take(
    policy: CPUStaticPolicy,
    default_cpuset: int,
    container: str | None,
    n: int,
    hint: TopologyHint,
    reuse: int,
) -> CPUTake:
    """``staticPolicy.allocateCPUs`` (hint's NUMA nodes first, then anywhere), step by step.

    Mirrors: cpumanager/policy_static.go staticPolicy.allocateCPUs
    """
    pool = (default_cpuset & ~policy.reserved_cpus) | reuse
    aligned_steps: list[TakeStep] = []
    rest_steps: list[TakeStep] = []
    result = 0
    aligned: int | None = None
    error: str | None = None
    try:
        if hint.numa_affinity is not None:
            aligned = policy.get_aligned_cpus(hint.numa_affinity, pool)
            result |= _take(policy, aligned, min(n, aligned.bit_count()), aligned_steps)
        result |= _take(policy, pool & ~result, n - result.bit_count(), rest_steps)
    except CPUAssignmentError as exc:
        error = str(exc)
    options = policy.options
    return CPUTake(
        container=container,
        requested=n,
        numa_affinity=hint.numa_affinity,
        pool=pool,
        aligned_pool=aligned,
        algorithm="distributed" if options.distribute_cpus_across_numa else "packed",
        cpu_sorting="spread" if options.distribute_cpus_across_cores else "packed",
        numa_first=TopologyIndex.of(policy.machine).numa_first,
        uncore=options.prefer_align_by_uncore_cache and not options.distribute_cpus_across_numa,
        aligned_steps=tuple(aligned_steps),
        rest_steps=tuple(rest_steps),
        result=result,
        error=error,
    )


def memory_hint_source(
    machine_state: NUMANodeMap,
    requested: Mapping[str, int],
    reusable: Mapping[int, Mapping[str, int]],
    given: TopologyHint,
) -> str:
    """Which step of the memory manager's hint selection decided: the Topology Manager's hint,
    the default hint (no NUMA affinity given) or an extension of a too-small hint.

    Mirrors: memorymanager/policy_static.go Allocate, hint steps
    """
    source, best = "hint", given
    if best.numa_affinity is None:
        default, _ = get_default_hint(machine_state, requested, reusable)
        if default is None:
            return "error"
        source, best = "default", default
    if not is_affinity_satisfy_request(machine_state, best.numa_affinity or 0, requested):
        return "extended"
    return source


class _MemoryProxy(_Proxy):
    name = "memory"

    def _requested(self, pod: Pod, container: Container | None) -> dict[str, int]:
        plrm = self._inner.policy.gates.enabled(PLRM)
        if container is None:
            return get_pod_requested_resources(pod, plrm)
        return get_container_requested_resources(pod, container, plrm)

    def _demands(self, pod: Pod, container: Container | None, hints: ProviderHints) -> tuple[Demand, ...]:
        if not isinstance(self._inner.policy, MemoryStaticPolicy) or hints is None:
            return ()
        machine_state = self._inner.state.get_machine_state()
        out: list[Demand] = []
        for resource, size in self._requested(pod, container).items():
            free: dict[int, int] = {}
            cap: dict[int, int] = {}
            for numa, numa_state in sorted(machine_state.items()):
                table = numa_state.memory_map.get(resource)
                free[numa] = table.free if table else 0
                cap[numa] = table.allocatable if table else 0
            out.append(Demand(self.name, resource, size, "bytes", free, cap))
        return tuple(out)

    def _traced(self, pod: Pod, container: Container | None, hint: TopologyHint, run: Any) -> Any:
        policy, state = self._inner.policy, self._inner.state
        if not isinstance(policy, MemoryStaticPolicy):
            return run()
        name = container.name if container is not None else None
        before = state.get_memory_blocks(pod.uid, name) if name else state.get_pod_memory_blocks(pod.uid)
        requested = self._requested(pod, container)
        machine_state = state.get_machine_state()
        reusable = reusable_for_pod(state, pod.uid)
        err = run()
        after = state.get_memory_blocks(pod.uid, name) if name else state.get_pod_memory_blocks(pod.uid)
        if before is not None or not requested:
            return err
        if err is None and after is None:
            return err  # not a Guaranteed pod: the memory manager does nothing
        best, why = select_hint(machine_state, requested, reusable, hint)
        source = memory_hint_source(machine_state, requested, reusable, hint)
        numa: tuple[int, ...] = tuple(after[0].numa_affinity) if after else ()
        if not numa and best is not None and best.numa_affinity is not None:
            numa = tuple(i for i in range(best.numa_affinity.bit_length()) if best.numa_affinity >> i & 1)
        error = None if err is None else str(getattr(err, "message", err))
        if why is not None and error is None:
            error = why
        choice = MemoryChoice(name, dict(requested), hint, "error" if error else source, numa, error)
        self._log.memory_choices.append(choice)
        return err

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Any:
        self._log.allocations.append((self.name, container.name, hint))
        return self._traced(pod, container, hint, lambda: self._inner.allocate(pod, container, hint))

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> Any:
        self._log.allocations.append((self.name, None, hint))
        return self._traced(pod, None, hint, lambda: self._inner.allocate_pod(pod, hint))


def trace_admission(node: Node, pod: Pod) -> tuple[AdmitResult, TraceLog]:
    """The node's decision for ``pod`` and the trace of it. The node's managers and states are
    left as they were (snapshots restored, the pod removed again if admitted); only its metrics
    counters see the admission and the removal."""
    managers = node.managers
    snap = managers.snapshot_all()
    log = TraceLog()
    managers.observed = (
        _DeviceProxy(managers.devices, log),
        _CPUProxy(managers.cpu, log),
        _MemoryProxy(managers.memory, log),
    )
    try:
        result = node.admit(pod)
    finally:
        managers.observed = None
    if result.admitted:
        node.remove(uid=pod.uid)
    managers.restore_all(snap)
    return result, log
