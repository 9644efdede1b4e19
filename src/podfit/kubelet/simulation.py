"""Running a scenario through a node: the kubelet's start-up checks, then every event in order.

Beside the kubelet's decisions the result carries the warnings of the run
(:mod:`podfit.kubelet.run_warnings`, kept by :class:`~podfit.kubelet.run_events.EventRun`) after
those of the scenario's decoding, and labels an outcome that is a known kubelet defect of the
running release (:mod:`podfit.kubelet.known_issues`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.memory_qos import memory_qos_warnings
from podfit.kubelet.metrics import MetricsSnapshot
from podfit.kubelet.metrics_memory_qos import with_memory_qos_gauges
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.restart import (
    FileRead,
    PodHeld,
    PodRestart,
    RestartResult,
    held_by,
    holds_state,
    pod_restart,
    readmission_phase,
    restart_node,
    running_containers,
)
from podfit.kubelet.result import (
    AdmitResult,
    NUMAMemory,
    RemoveResult,
    ResizeResult,
    RetryResult,
    StartResult,
)
from podfit.kubelet.run_events import EventRun
from podfit.kubelet.run_warnings import device_checkpoint_unreadable
from podfit.model.admission import ConfigRefusal
from podfit.model.diagnostics import MEMORY_QOS_START_UP, Diagnostic
from podfit.model.machine import Machine
from podfit.model.pod import Pod
from podfit.model.scenario import AddPod, RestartKubelet, Scenario
from podfit.release.profile import DEFAULT_RELEASE

__all__ = ["MemoryProtectionView", "SimulationResult", "Step", "simulate"]

Step = AdmitResult | RemoveResult | StartResult | ResizeResult | RetryResult | RestartResult


@dataclass(frozen=True, slots=True)
class MemoryProtectionView:
    """Memory QoS on the node after a step: what ``kubepods`` (memory.min, hard) and
    ``kubepods/burstable`` (memory.low, or memory.min before 1.36) protect, the gauges, and what
    the Memory Manager pinned (reserved bytes per NUMA node; None without the Static policy)."""

    kubepods_min: int
    burstable_low: int
    burstable_min: int
    guaranteed_requests: int
    burstable_requests: int
    gauge_min_bytes: int | None
    gauge_low_bytes: int | None
    pinned: tuple[tuple[int, int], ...] | None


@dataclass(frozen=True)
class SimulationResult:
    scenario: str
    node_name: str
    machine: Machine
    reserved_cpus: int
    initial_default_cpuset: int
    error: ConfigRefusal | None
    steps: tuple[Step, ...]
    metrics: MetricsSnapshot | None = None  # the node's metrics after the last event (None: refused)
    initial_numa_memory: NUMAMemory | None = None  # the memory manager's tables before any event
    node: Node | None = field(default=None, compare=False, repr=False)  # the node after the last event
    kubelet_version: str = DEFAULT_RELEASE  # the kubelet release the scenario started as
    restored_files: tuple[FileRead, ...] = ()  # --restore-from: how the release read each file
    restored_pods: tuple[PodRestart, ...] = ()  # --restore-from: pods the files held, re-admitted
    # Memory QoS per step (parallel to steps: None where the MemoryQoS gate is off; empty when it
    # is off throughout)
    memory_protection: tuple[MemoryProtectionView | None, ...] = ()
    # the scenario's (decoding) warnings, what the kubelet logs at start-up (Memory QoS on cgroup
    # v1, old kernels), then the run's
    warnings: tuple[Diagnostic, ...] = ()


def simulate(
    scenario: Scenario, *, restored: RestoredState | None = None, files: tuple[FileRead, ...] = ()
) -> SimulationResult:
    """The kubelet's decisions for every event of ``scenario`` (or its refusal to start).

    ``restored``: the kubelet restarts from these checkpointed manager states (their validation
    can refuse the start, as the kubelet's does); ``files``: how they were read (reported). A
    ``restart`` event whose new kubelet refuses to start ends the scenario there (``node`` and
    ``metrics`` are then ``None``: no kubelet runs).
    """
    machine, config = scenario.machine, scenario.kubelet_config
    version = config.release.version
    refusal = validate_kubelet_config(config)
    if refusal is not None:
        return SimulationResult(
            scenario.name,
            scenario.node_name,
            machine,
            0,
            0,
            refusal,
            (),
            kubelet_version=version,
            restored_files=files,
            warnings=scenario.warnings,
        )
    node = start_node(machine, config, restored, node_os=scenario.node_os)
    if isinstance(node, ConfigRefusal):
        return SimulationResult(
            scenario.name,
            scenario.node_name,
            machine,
            0,
            0,
            node,
            (),
            kubelet_version=version,
            restored_files=files,
            warnings=scenario.warnings,
        )
    initial, initial_memory, reserved = node.default_cpuset, node.memory_tables(), node.reserved_cpus
    start_up = [Diagnostic(MEMORY_QOS_START_UP, w) for w in memory_qos_warnings(node.mqos, node.node_os)]
    run = EventRun(node, version, restored is not None)
    steps: list[Step] = []
    protection: list[MemoryProtectionView | None] = []
    running: Node | None = node
    waiting: dict[str, PodHeld] | None = {} if restored is not None else None
    readmitted: list[PodRestart] = []
    readmitted_pods: list[Pod] = []
    for i, event in enumerate(scenario.events):
        if waiting is not None and isinstance(event, AddPod) and event.pod.uid not in waiting:
            pod = event.pod  # the first add of a pod the files hold: its re-admission
            waiting[pod.uid] = held_by(node, pod)
            if holds_state(node, pod.uid):
                # a pod of the files was running: re-admitted before the pod sources are ready
                node.managers.devices.running |= running_containers(pod)
                readmission_phase(node, True)
                step = run.step(i, event)
                readmission_phase(node, False)
                assert isinstance(step, AdmitResult)
                if step.admitted:
                    node.started.add(pod.uid)
                readmitted.append(pod_restart(pod, waiting[pod.uid], step, node))
                readmitted_pods.append(pod)
                steps.append(step)
                protection.append(memory_protection(node) if node.mqos.gate else None)
                continue
        if isinstance(event, RestartKubelet):
            by_uid = {p.uid: p for p in node.pods}
            ran = set(node.started)
            result, running = restart_node(node, version, event.kubelet_config, event.kubelet_version)
            steps.append(result)
            lost = device_checkpoint_unreadable(
                result.files, ((by_uid[p.uid], p) for p in result.pods if p.uid in ran), f"steps[{i}]"
            )
            if lost is not None:
                run.found.append(lost)
            if running is None:
                break
            node, version = running, result.to_version
            run.restarted_as(node, version, ((by_uid[p.uid], p.step) for p in result.pods if p.uid in by_uid))
            protection.append(memory_protection(node) if node.mqos.gate else None)
            continue
        steps.append(run.step(i, event))
        protection.append(memory_protection(node) if node.mqos.gate else None)
    lost = device_checkpoint_unreadable(
        files, zip(readmitted_pods, readmitted, strict=True), "--restore-from"
    )
    return SimulationResult(
        scenario.name,
        scenario.node_name,
        machine,
        reserved,
        initial,
        None,
        tuple(steps),
        None
        if running is None
        else with_memory_qos_gauges(node.metrics.snapshot(), node.mqos, node.qos_memory()[2]),
        initial_memory,
        running,
        config.release.version,
        files,
        tuple(readmitted),
        tuple(protection) if any(p is not None for p in protection) else (),
        (*scenario.warnings, *start_up, *([lost] if lost is not None else []), *run.warnings()),
    )


def memory_protection(node: Node) -> MemoryProtectionView:
    """The node summary's Memory QoS line: protected memory next to what the Memory Manager pinned."""
    kubepods, burstable, last = node.qos_memory()
    tables = node.memory_tables()
    pinned = (
        tuple((numa, by_kind["memory"].reserved) for numa, by_kind in tables.items() if "memory" in by_kind)
        if tables is not None
        else None
    )

    def value(entries: dict[str, str], key: str) -> int:
        text = entries.get(key, "0")
        return int(text) if text.isdigit() else 0

    return MemoryProtectionView(
        value(kubepods, "memory.min"),
        value(burstable, "memory.low"),
        value(burstable, "memory.min"),
        last.guaranteed_requests if last is not None else 0,
        last.burstable_requests if last is not None else 0,
        last.gauge_min_bytes if last is not None else None,
        last.gauge_low_bytes if last is not None else None,
        pinned,
    )
