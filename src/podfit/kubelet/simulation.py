"""Running a scenario through a node: the kubelet's start-up checks, then every event in order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.metrics import MetricsSnapshot
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.result import AdmitResult, NUMAMemory, RemoveResult, StartResult
from podfit.model.admission import ConfigRefusal
from podfit.model.machine import Machine
from podfit.model.scenario import Scenario
from podfit.release.profile import DEFAULT_RELEASE

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
    kubelet_version: str = DEFAULT_RELEASE  # the kubelet release the scenario ran as


def simulate(scenario: Scenario, *, restored: RestoredState | None = None) -> SimulationResult:
    """The kubelet's decisions for every event of ``scenario`` (or its refusal to start).

    ``restored``: the kubelet restarts from these checkpointed manager states (their validation
    can refuse the start, as the kubelet's does).
    """
    machine, config = scenario.machine, scenario.kubelet_config
    version = config.release.version
    refusal = validate_kubelet_config(config)
    if refusal is not None:
        return SimulationResult(
            scenario.name, scenario.node_name, machine, 0, 0, refusal, (), kubelet_version=version
        )
    node = start_node(machine, config, restored)
    if isinstance(node, ConfigRefusal):
        return SimulationResult(
            scenario.name, scenario.node_name, machine, 0, 0, node, (), kubelet_version=version
        )
    initial, initial_memory = node.default_cpuset, node.memory_tables()
    steps: list[Step] = []
    for event in scenario.events:
        steps.append(replace(node.apply(event), numa_memory=node.memory_tables()))
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
        version,
    )
