"""Running a scenario through a node: the kubelet's start-up checks, then every event in order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from podfit.model.kubelet_config_validation import ConfigRefusal
from podfit.model.machine import Machine
from podfit.model.scenario import Scenario
from podfit.model.startup import kubelet_refusal
from podfit.node.managers import ManagerStartupError, RestoredState
from podfit.node.metrics import MetricsSnapshot
from podfit.node.node import Node
from podfit.node.result import AdmitResult, NodeMemory, RemoveResult, StartResult

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
    initial_node_memory: NodeMemory | None = None  # the memory manager's tables before any event
    node: Node | None = field(default=None, compare=False, repr=False)  # the node after the last event


def simulate(scenario: Scenario, *, restored: RestoredState | None = None) -> SimulationResult:
    """The kubelet's decisions for every event of ``scenario`` (or its refusal to start).

    ``restored``: the kubelet restarts from these checkpointed manager states (their validation
    can refuse the start, as the kubelet's does).
    """
    machine, config = scenario.machine, scenario.kubelet_config
    refusal = kubelet_refusal(config, machine)
    if refusal is not None:
        return SimulationResult(scenario.name, scenario.node_name, machine, 0, 0, refusal, ())
    try:
        node = Node(machine, config, restored)
    except ManagerStartupError as exc:
        failed = ConfigRefusal(exc.reason, exc.message)
        return SimulationResult(scenario.name, scenario.node_name, machine, 0, 0, failed, ())
    initial, initial_memory = node.default_cpuset, node.memory_tables()
    steps: list[Step] = []
    for event in scenario.events:
        steps.append(replace(node.apply(event), node_memory=node.memory_tables()))
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
    )
