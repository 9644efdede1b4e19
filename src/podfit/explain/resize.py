"""``explain_resize(scenario, pod)``: why the kubelet (or the API server) answered a pod's resize
the way it did — every check in order with its inputs, the decisive one — and the changes that
would change the answer, each verified by re-running the scenario with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from podfit.errors import InputError
from podfit.kubelet.node import Node
from podfit.kubelet.result import ResizeDecision
from podfit.kubelet.startup import kubelet_refusal
from podfit.model.features import FeatureGates
from podfit.model.pod import Container
from podfit.model.scenario import AddPod, RemovePod, ResizePod, Scenario

__all__ = ["ResizeExplanation", "ResizeSuggestion", "explain_resize", "find_resize_event"]


@dataclass(frozen=True, slots=True)
class ResizeSuggestion:
    """A change and the outcome it gives (verified: the scenario re-run with it)."""

    change: str
    outcome: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ResizeExplanation:
    scenario: str
    release: str
    event_index: int
    decision: ResizeDecision
    decisive: str  # the check that decided (its name), or "" when admitted
    suggestions: tuple[ResizeSuggestion, ...]


def find_resize_event(scenario: Scenario, pod: str, step: int | None = None) -> int:
    """The index of the pod's resize event: the one at ``step`` (1-based event number) or the
    last one of the pod."""
    hits = [
        i
        for i, e in enumerate(scenario.events)
        if isinstance(e, ResizePod) and (e.key == pod or e.uid == pod or (e.key or "").endswith("/" + pod))
    ]
    if step is not None:
        if step - 1 not in hits:
            raise InputError("--step", f"event {step} is not a resize of {pod}")
        return step - 1
    if not hits:
        raise InputError("--pod", f'no resize event for "{pod}" in scenario {scenario.name}')
    return hits[-1]


def _node(scenario: Scenario) -> Node:
    refusal = kubelet_refusal(scenario.kubelet_config, scenario.machine)
    if refusal is not None:
        raise InputError(
            "kubeletConfig",
            f"the kubelet refuses to start ({refusal.reason}): {refusal.message}",
            scenario.name,
        )
    return Node(scenario.machine, scenario.kubelet_config, node_os=scenario.node_os)


def _decide(scenario: Scenario, index: int) -> ResizeDecision:
    node = _node(scenario)
    for event in scenario.events[:index]:
        node.apply(event)
    event = scenario.events[index]
    assert isinstance(event, ResizePod)
    result = node.resize(event)
    if result.decision is None:
        raise InputError("--pod", f"{event.key or event.uid} is not on the node when it is resized")
    return result.decision


def _with_gate(scenario: Scenario, name: str, value: bool) -> Scenario:
    """The scenario with ``featureGates: {name: value}`` on its own kubelet release."""
    gates = scenario.kubelet_config.feature_gates
    overrides = dict(gates.overrides)
    overrides[name] = value
    changed = FeatureGates(MappingProxyType(overrides), gates.release)
    config = replace(scenario.kubelet_config, feature_gates=changed)
    return replace(scenario, kubelet_config=config)


_EXCLUSIVE_CPUS = "InPlacePodVerticalScalingExclusiveCPUs"
_EXCLUSIVE_MEMORY = "InPlacePodVerticalScalingExclusiveMemory"
_GATE_FOR_CHECK = {
    "Guaranteed pod, CPU Manager static": (
        _EXCLUSIVE_CPUS,
        "the exclusive cpuset is kept (no release resizes it); under restricted/single-numa-node the "
        "Topology Manager may then defer the resize",
    ),
    "Guaranteed pod, Memory Manager Static": (
        _EXCLUSIVE_MEMORY,
        "the Memory Manager keeps the container's blocks and NUMA nodes; only memory.max changes",
    ),
    "InPlacePodLevelResourcesVerticalScaling": ("InPlacePodLevelResourcesVerticalScaling", ""),
}


def _with_restart_policy(scenario: Scenario, index: int, event: ResizePod) -> Scenario | None:
    """The scenario with the resized containers created with a memory RestartContainer policy
    (the last ``add`` of the pod before the resize), or ``None`` when the pod was not added there."""
    names = {name for name, _ in event.containers}
    for i in range(index - 1, -1, -1):
        added = scenario.events[i]
        if not isinstance(added, AddPod):
            continue
        pod = added.pod
        if pod.key != event.key and pod.uid != event.uid:
            continue

        def with_policy(c: Container) -> Container:
            if c.name not in names:
                return c
            kept = tuple(p for p in c.resize_policy if p[0] != "memory")
            return replace(c, resize_policy=(*kept, ("memory", "RestartContainer")))

        pod = replace(
            pod,
            init_containers=tuple(with_policy(c) for c in pod.init_containers),
            containers=tuple(with_policy(c) for c in pod.containers),
        )
        events = list(scenario.events)
        events[i] = replace(added, pod=pod)
        return replace(scenario, events=tuple(events))
    return None


def _gate_suggestion(scenario: Scenario, index: int, name: str, note: str) -> ResizeSuggestion:
    """Turning gate ``name`` on, verified on the scenario's own kubelet release. 1.33 has no
    ExclusiveMemory gate: its Memory Manager check sits behind ExclusiveCPUs; a gate the release
    does not have at all is not tried (the kubelet would refuse to start)."""
    release = scenario.kubelet_config.release
    if (
        name == _EXCLUSIVE_MEMORY
        and release.gates.spec(name) is None
        and release.node_features.resize_guaranteed_rule == "any"
    ):
        name, note = (
            _EXCLUSIVE_CPUS,
            f"kubelet {release.version}: this gate also lifts the Memory Manager check",
        )
    if release.gates.spec(name) is None:
        why = f"kubelet {release.version} does not have this gate (it refuses to start with it)"
        return ResizeSuggestion(f"featureGates: {{{name}: true}}", "not verified", why)
    tried = _decide(_with_gate(scenario, name, True), index)
    return ResizeSuggestion(f"featureGates: {{{name}: true}}", tried.outcome, note)


def _suggestions(
    scenario: Scenario, index: int, decision: ResizeDecision, decisive: str
) -> list[ResizeSuggestion]:
    out: list[ResizeSuggestion] = []
    if decision.outcome in ("InProgress", "NoChange"):
        return out
    gate = _GATE_FOR_CHECK.get(decisive)
    if gate is None and "feature gate is disabled" in (decision.message or ""):
        gate = ("InPlacePodLevelResourcesVerticalScaling", "")
    if gate is not None:
        out.append(_gate_suggestion(scenario, index, *gate))
    if decision.outcome == "Deferred":
        event = scenario.events[index]
        assert isinstance(event, ResizePod)
        node = _node(scenario)
        for e in scenario.events[:index]:
            node.apply(e)
        for other in node.pods:
            if other.key == event.key or len(out) >= 4:
                continue
            events = list(scenario.events)
            events.insert(index, RemovePod(key=other.key))
            tried = _decide(replace(scenario, events=tuple(events)), index + 1)
            if tried.outcome == "InProgress":
                out.append(ResizeSuggestion(f"remove {other.key} first", tried.outcome))
    if decision.stage == "api-validation" and "RestartContainer" in (decision.message or ""):
        # a resize may not change resizePolicy (the API refuses it): the pod must be created with it
        event = scenario.events[index]
        assert isinstance(event, ResizePod)
        recreated = _with_restart_policy(scenario, index, event)
        if recreated is not None:
            tried = _decide(recreated, index)
            out.append(
                ResizeSuggestion(
                    "create the pod with resizePolicy: {memory: RestartContainer}",
                    tried.outcome,
                    "a resize cannot change resizePolicy",
                )
            )
    if decision.stage in ("api-validation", "PodResizeValidator") and not out:
        out.append(
            ResizeSuggestion(
                "recreate the pod with the new resources (the API server refuses this resize)",
                "not verified",
            )
        )
    return out


def explain_resize(
    scenario: Scenario, pod: str, *, step: int | None = None, suggestions: bool = True
) -> ResizeExplanation:
    """The decision on ``pod``'s resize (its last resize event, or the one at ``step``)."""
    index = find_resize_event(scenario, pod, step)
    decision = _decide(scenario, index)
    failed = [c.name for c in decision.checks if not c.passed]
    decisive = failed[0] if failed else (decision.stage if decision.outcome == "Rejected" else "")
    found = _suggestions(scenario, index, decision, decisive) if suggestions else []
    return ResizeExplanation(scenario.name, scenario.kubelet_version, index, decision, decisive, tuple(found))
