"""``explain(scenario, pod)``: the decision trace of one pod of a scenario, its shortfall when
rejected, and the verified changes that would admit it."""

from __future__ import annotations

from dataclasses import replace

from podfit.errors import InputError
from podfit.explain.empty_pool import EmptyPool, empty_pools
from podfit.explain.merge_trace import trace_merge
from podfit.explain.shortfall import shortfall
from podfit.explain.suggest import suggest
from podfit.explain.tracing import HintCall, TraceLog, trace_admission
from podfit.explain.values import Demand, Explanation, MergeTrace
from podfit.kubelet.known_issues import known_issue_for
from podfit.kubelet.node import Node
from podfit.kubelet.restart import RestartResult
from podfit.kubelet.simulation import simulate
from podfit.kubelet.startup import kubelet_refusal
from podfit.model.scenario import AddPod, RestartKubelet, Scenario
from podfit.topology.scope import POD_SCOPE, scope_for

__all__ = ["explain", "find_pod_event", "node_before", "traced_merges"]


def find_pod_event(scenario: Scenario, pod: str) -> int:
    """The index of the first ``add`` event of ``pod`` (``namespace/name``, a unique name, or a uid)."""
    adds = [(i, e.pod) for i, e in enumerate(scenario.events) if isinstance(e, AddPod)]
    for by in (lambda p: p.key, lambda p: p.uid):
        hits = [i for i, p in adds if by(p) == pod]
        if hits:
            return hits[0]
    named = sorted({i for i, p in adds if p.name == pod})
    keys = {p.key for i, p in adds if i in named}
    if len(keys) == 1:
        return named[0]
    known = ", ".join(dict.fromkeys(p.key for _, p in adds)) or "(none)"
    if len(keys) > 1:
        raise InputError(
            "--pod", f'"{pod}" names several pods ({", ".join(sorted(keys))}); use namespace/name'
        )
    raise InputError("--pod", f'no pod "{pod}" in scenario {scenario.name}; its pods: {known}')


def node_before(scenario: Scenario, index: int) -> Node:
    """A node that has run the scenario's events before ``index``."""
    refusal = kubelet_refusal(scenario.kubelet_config, scenario.machine)
    if refusal is not None:
        raise InputError(
            "kubeletConfig",
            f"the kubelet refuses to start ({refusal.reason}): {refusal.message}",
            scenario.name,
        )
    prefix = scenario.events[:index]
    if not any(isinstance(e, RestartKubelet) for e in prefix):
        node = Node(scenario.machine, scenario.kubelet_config, node_os=scenario.node_os)
        for event in prefix:
            node.apply(event)
        return node
    result = simulate(replace(scenario, events=prefix))  # the kubelet restarts on the way
    if result.node is None:
        last = result.steps[-1] if result.steps else None
        refused = last.refusal if isinstance(last, RestartResult) else result.error
        reason, message = (refused.reason, refused.message) if refused is not None else ("", "")
        raise InputError(
            "events", f"the restarted kubelet refuses to start ({reason}): {message}", scenario.name
        )
    return result.node


def _groups(calls: list[HintCall]) -> list[list[HintCall]]:
    """One group per merge: the device manager is asked first each time."""
    groups: list[list[HintCall]] = []
    for call in calls:
        if call.provider == "devices" or not groups:
            groups.append([])
        groups[-1].append(call)
    return groups


def traced_merges(node: Node, log: TraceLog) -> tuple[tuple[MergeTrace, ...], list[str]]:
    """Every merge of the traced admission, with its rules; notes when a replay disagrees."""
    policy = node.managers.topology_policy
    merges: list[MergeTrace] = []
    notes: list[str] = []
    for group in _groups(log.hint_calls):
        hints = [c.hints for c in group]
        demands: dict[tuple[str, str], Demand] = {
            (d.provider, d.resource): d for c in group for d in c.demands
        }
        trace = trace_merge(policy, group[0].container, [c.provider for c in group], hints, demands)
        kubelet_best, _ = policy.merge(hints)
        if kubelet_best != trace.best_hint:
            notes.append(f"merge trace for {trace.container or 'the pod'} disagrees with the engine")
        merges.append(trace)
    return tuple(merges), notes


def _policy_name(policy: object) -> str:
    name = getattr(policy, "name", None)
    return name() if callable(name) else "none"


def explain(scenario: Scenario, pod: str, *, suggestions: bool = True) -> Explanation:
    """Why the pod ``pod`` of ``scenario`` was admitted where it was, or rejected (first ``add``)."""
    index = find_pod_event(scenario, pod)
    event = scenario.events[index]
    assert isinstance(event, AddPod)
    node = node_before(scenario, index)
    result, log = trace_admission(node, event.pod)
    merges, notes = traced_merges(node, log)
    config = scenario.kubelet_config
    issue = known_issue_for(
        scenario.kubelet_version,
        config,
        event.pod,
        None if result.admitted else result.reason,
        result.message,
    )
    if issue is not None:
        result = replace(result, known_issue=issue)
    scope = scope_for(config.topology_manager_scope, node.managers.topology_policy)
    pools: list[EmptyPool] = []
    if not result.admitted and scope == POD_SCOPE:
        pools = empty_pools(
            event.pod,
            config.feature_gates,
            cpu=config.cpu_manager_policy == "static",
            memory=config.memory_manager_policy == "Static",
        )
    short = shortfall(result, merges, log, scenario.machine, pools)
    tried = suggestions and not result.admitted
    found = suggest(scenario, index, event.pod, merges, log, pools) if tried else ()
    return Explanation(
        scenario=scenario.name,
        pod=event.pod.key,
        event_index=index,
        topology_policy=config.topology_manager_policy,
        topology_scope=scope,
        cpu_policy=_policy_name(node.managers.cpu_policy),
        memory_policy=_policy_name(node.managers.memory_policy),
        result=result,
        merges=merges,
        cpu_takes=tuple(log.cpu_takes),
        memory_choices=tuple(log.memory_choices),
        shortfall=short,
        suggestions=found,
        notes=(*log.notes, *notes),
        suggestions_tried=tried,
    )
