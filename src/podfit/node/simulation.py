"""Running a scenario through a node: the kubelet's start-up checks, then every event in order."""

from __future__ import annotations

from dataclasses import dataclass

from podfit.model.kubelet_config_validation import ConfigRefusal
from podfit.model.machine import Machine
from podfit.model.scenario import AddPod, Scenario
from podfit.model.startup import kubelet_refusal
from podfit.node.metrics import MetricsSnapshot
from podfit.node.node import Node
from podfit.node.result import AdmitResult, RemoveResult

__all__ = ["SimulationResult", "simulate"]

Step = AdmitResult | RemoveResult


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


def simulate(scenario: Scenario) -> SimulationResult:
    """The kubelet's decisions for every event of ``scenario`` (or its refusal to start)."""
    machine, config = scenario.machine, scenario.kubelet_config
    refusal = kubelet_refusal(config, machine)
    if refusal is not None:
        return SimulationResult(scenario.name, scenario.node_name, machine, 0, 0, refusal, ())
    node = Node(machine, config)
    initial = node.default_cpuset
    steps: list[Step] = []
    for event in scenario.events:
        if isinstance(event, AddPod):
            steps.append(node.admit(event.pod))
        else:
            steps.append(node.remove(key=event.key, uid=event.uid))
    return SimulationResult(
        scenario.name,
        scenario.node_name,
        machine,
        node.reserved_cpus,
        initial,
        None,
        tuple(steps),
        node.metrics.snapshot(),
    )
