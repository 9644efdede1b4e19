"""A simulated node as a live one: run a scenario (to its end or to step N) and give what a real
node would show — its PodResources answers, its checkpoint files, its pod list."""

from __future__ import annotations

from dataclasses import dataclass, replace

from podfit.errors import InputError
from podfit.kubelet.node import Node
from podfit.kubelet.simulation import SimulationResult, simulate
from podfit.live.from_node import source_of
from podfit.live.pods import pods_document
from podfit.live.values import PodResourcesSource

# podfit internals (kept together: podfit.kubelet is becoming podfit.kubelet)
from podfit.model.pod import Pod
from podfit.model.scenario import AddPod, RemovePod, Scenario

__all__ = ["SimulatedNode", "simulated_node"]


@dataclass(frozen=True)
class SimulatedNode:
    scenario: Scenario  # the scenario cut at the step
    result: SimulationResult
    node: Node
    known: tuple[tuple[Pod, str], ...]  # every pod the pod manager still knows, with its phase

    def source(self, version: str = "1.36") -> PodResourcesSource:
        return source_of(self.node, [p for p, _ in self.known], version)

    def pods_document(self) -> dict[str, object]:
        return pods_document(self.known, self.scenario.node_name)


def simulated_node(scenario: Scenario, step: int | None = None) -> SimulatedNode:
    """Run ``scenario`` through its first ``step`` events (all when ``None``). ``InputError`` when
    the step is out of range or the kubelet refuses to start (there is no node to show)."""
    events = scenario.events
    if step is not None:
        if not 0 <= step <= len(events):
            raise InputError("--step", f"{step} is out of range: the scenario has {len(events)} event(s)")
        scenario = replace(scenario, events=events[:step])
    result = simulate(scenario)
    if result.error is not None or result.node is None:
        reason = result.error.reason if result.error else "refused"
        message = result.error.message if result.error else ""
        raise InputError("", f"the kubelet refuses to start ({reason}): {message}", scenario.name)
    node = result.node
    admitted = {p.uid for p in node.pods}
    known: dict[str, Pod] = {}
    for event in scenario.events:
        if isinstance(event, AddPod):
            known[event.pod.key] = event.pod
        elif not isinstance(event, RemovePod):
            continue  # containers start, or the kubelet restarts: the pod list does not change
        elif event.key is not None:
            known.pop(event.key, None)
        else:
            for key, pod in list(known.items()):
                if pod.uid == event.uid:
                    del known[key]
    phases = tuple((p, "Running" if p.uid in admitted else "Failed") for p in known.values())
    return SimulatedNode(scenario, result, node, phases)
