"""Running a scenario through a node: the kubelet's start-up checks, then every event in order.

Beside the kubelet's decisions the result carries the warnings of the run
(:mod:`podfit.kubelet.run_warnings`) after those of the scenario's decoding, and labels an outcome that
is a known kubelet defect of the scenario's release (:mod:`podfit.kubelet.known_issues`). A second
``add`` of a namespace/name the API server still holds is not shown to the kubelet: the API server
refuses it (``AlreadyExists``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.kubelet import run_warnings as warn
from podfit.kubelet.known_issues import exclusive_memory_fits, known_issue_for, may_hit_zero_exclusive_memory
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.metrics import MetricsSnapshot
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.result import AdmitResult, NUMAMemory, RemoveResult, StartResult
from podfit.model.admission import ConfigRefusal
from podfit.model.diagnostics import ALREADY_EXISTS, Diagnostic
from podfit.model.machine import Machine
from podfit.model.pod import Pod
from podfit.model.qos import compute_pod_qos
from podfit.model.scenario import AddPod, RemovePod, Scenario

__all__ = ["SimulationResult", "simulate"]

Step = AdmitResult | RemoveResult | StartResult


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
    warnings: tuple[Diagnostic, ...] = ()  # the scenario's (decoding) and the run's warnings


def simulate(scenario: Scenario, *, restored: RestoredState | None = None) -> SimulationResult:
    """The kubelet's decisions for every event of ``scenario`` (or its refusal to start).

    ``restored``: the kubelet restarts from these checkpointed manager states (their validation
    can refuse the start, as the kubelet's does).
    """
    machine, config = scenario.machine, scenario.kubelet_config
    refusal = validate_kubelet_config(config)
    if refusal is None:
        node_or_refusal = start_node(machine, config, restored)
        if isinstance(node_or_refusal, ConfigRefusal):
            refusal = node_or_refusal
    if refusal is not None:
        return SimulationResult(
            scenario.name, scenario.node_name, machine, 0, 0, refusal, (), warnings=scenario.warnings
        )
    node = node_or_refusal
    assert isinstance(node, Node)
    run = _Run(scenario, node, restored is not None)
    initial, initial_memory = node.default_cpuset, node.memory_tables()
    steps: list[Step] = []
    for i, event in enumerate(scenario.events):
        steps.append(run.step(i, event))
    return SimulationResult(
        scenario.name,
        scenario.node_name,
        machine,
        node.reserved_cpus,
        initial,
        None,
        tuple(steps),
        node.metrics.snapshot(),
        initial_memory,
        node,
        (*scenario.warnings, *run.warnings()),
    )


class _Run:
    """The event loop's bookkeeping beside the node: which names the API server holds, and what
    to warn about."""

    def __init__(self, scenario: Scenario, node: Node, restarted: bool) -> None:
        self.scenario = scenario
        self.node = node
        self.restarted = restarted
        self.present: dict[str, int] = {}  # namespace/name -> the step that added it
        self.keys: dict[str, str] = {}  # uid -> namespace/name
        self.found: list[Diagnostic] = []  # in step order
        self.missing: dict[str, list[str]] = {}  # extended resource -> pods asking for it
        self.skipped: list[str] = []  # pod-level pods the managers skip (gate off)

    def warnings(self) -> list[Diagnostic]:
        out = list(self.found)
        out.extend(warn.resource_not_on_node(r, pods) for r, pods in self.missing.items())
        if self.skipped:
            out.append(warn.pod_level_resource_managers_off(self.skipped))
        return out

    def step(self, i: int, event: object) -> Step:
        node = self.node
        if isinstance(event, AddPod):
            result = self._add(i, event.pod)
        else:
            if isinstance(event, RemovePod):
                key = event.key if event.key is not None else self.keys.get(event.uid or "")
                if key is not None:
                    self.present.pop(key, None)
            return replace(node.apply(event), numa_memory=node.memory_tables())  # type: ignore[arg-type]
        return replace(result, numa_memory=node.memory_tables())

    def _add(self, i: int, pod: Pod) -> AdmitResult:
        node, config = self.node, self.scenario.kubelet_config
        first = self.present.get(pod.key)
        if first is not None:
            self.found.append(warn.duplicate_pod(pod, i, first))
            qos = compute_pod_qos(pod, pod_level_resources=config.feature_gates.enabled("PodLevelResources"))
            return AdmitResult(
                pod.key,
                pod.uid,
                False,
                reason=ALREADY_EXISTS,
                message=warn.already_exists_message(pod),
                qos_class=qos,
                default_cpuset=node.default_cpuset,
            )
        self.present[pod.key] = i
        self.keys[pod.uid] = pod.key
        for resource in warn.missing_resources(pod, node.allocatable):
            self.missing.setdefault(resource, []).append(pod.key)
        if warn.skipped_by_managers(config, pod):
            self.skipped.append(pod.key)
        managers = node.managers
        readmission = self.restarted and (
            managers.pod_cpus(pod.uid) is not None
            or managers.pod_memory(pod.uid) is not None
            or any(managers.container_cpus(pod.uid, c.name) is not None for c in pod.all_containers())
        )
        before = managers.pod_cpus(pod.uid) if readmission else None
        fits = True
        if may_hit_zero_exclusive_memory(config, pod):
            tables = node.memory_tables() or {}
            free = {numa: {kind: t.free for kind, t in by.items()} for numa, by in tables.items()}
            fits = exclusive_memory_fits(pod, free)
        result = node.admit(pod)
        moved = readmission and result.admitted and before is not None and result.pod_cpus != before
        release = self.scenario.kubelet_version
        issue = known_issue_for(
            release,
            config,
            pod,
            None if result.admitted else result.reason,
            result.message,
            readmission=readmission,
            moved=moved,
            exclusive_fits=fits,
        )
        if issue is None:
            return result
        self.found.append(warn.known_issue(issue, pod, release))
        return replace(result, known_issue=issue)
