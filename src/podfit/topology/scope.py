"""Topology Manager scopes (container, pod, none) over abstract hint providers.

Mirrors: topologymanager/scope.go, scope_container.go, scope_pod.go, scope_none.go and
``NewManager`` in topology_manager.go.

Value-based: the pod and its containers are passed through opaquely; the hints the kubelet keeps
in its scope store are returned in the result (``container_hints``) for the caller to keep.
Providers are called in order, and a provider sees the hint chosen for the container (or pod)
as an argument instead of asking the manager for it.
The post-1.37 ``pod.Spec.NUMANode`` path of the newest upstream ``scope_pod.go`` is not in
v1.36 and not modelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from podfit.model.admission import Rejection, get_pod_admit_result
from podfit.release.messages import ReleaseMessages
from podfit.release.profile import default_profile
from podfit.topology.errors import pod_level_topology_affinity_rejection, topology_affinity_rejection
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.policy import POLICY_NONE, Policy

__all__ = [
    "CONTAINER_SCOPE",
    "NONE_SCOPE",
    "POD_SCOPE",
    "HintProvider",
    "MergeStep",
    "ScopeAdmitResult",
    "admit",
    "check_numa_node_count",
    "scope_for",
]

CONTAINER_SCOPE: Final = "container"
POD_SCOPE: Final = "pod"
NONE_SCOPE: Final = "none"
_DEFAULT_MESSAGES: Final = default_profile().messages


class HintProvider(Protocol):
    """What the Topology Manager needs from the CPU / memory / device managers (each takes the
    model's pod and container; the scope only passes them through)."""

    def get_topology_hints(self, pod: Any, container: Any) -> ProviderHints: ...

    def get_pod_topology_hints(self, pod: Any) -> ProviderHints: ...

    def allocate(self, pod: Any, container: Any, hint: TopologyHint) -> Rejection | None: ...

    def allocate_pod(self, pod: Any, hint: TopologyHint) -> Rejection | None: ...


@dataclass(frozen=True, slots=True)
class MergeStep:
    """One merge: for a container (``container`` = its name) or the pod (``container`` = None)."""

    container: str | None
    providers_hints: tuple[ProviderHints, ...]
    best_hint: TopologyHint
    admit: bool


@dataclass(frozen=True, slots=True)
class ScopeAdmitResult:
    """The scope's answer: ``rejection`` as the pod status reports it (reason always set), or
    ``None`` when the pod is admitted; the hints kept per container; the merges run."""

    rejection: Rejection | None
    container_hints: dict[str, TopologyHint] = field(default_factory=dict)
    merges: tuple[MergeStep, ...] = ()

    @property
    def admit(self) -> bool:
        return self.rejection is None


def scope_for(scope_name: str, policy: Policy) -> str:
    """The scope the kubelet runs: policy ``none`` always gets the none scope.

    Mirrors: topologymanager/topology_manager.go NewManager
    """
    if policy.name == POLICY_NONE:
        return NONE_SCOPE
    if scope_name not in (CONTAINER_SCOPE, POD_SCOPE):
        raise ValueError(f'unknown scope: "{scope_name}"')
    return scope_name


def check_numa_node_count(policy_name: str, numa_nodes: int, max_allowable_numa_nodes: int) -> str | None:
    """The kubelet's start-up refusal for too many NUMA nodes (``None`` when fine).

    Mirrors: topologymanager/topology_manager.go NewManager
    """
    if policy_name != POLICY_NONE and numa_nodes > max_allowable_numa_nodes:
        return f"unsupported on machines with more than {max_allowable_numa_nodes} NUMA Nodes"
    return None


def _allocate_aligned(
    providers: Sequence[HintProvider], pod: object, container: object, hint: TopologyHint
) -> Rejection | None:
    """Mirrors: topologymanager/scope.go allocateAlignedResources"""
    for provider in providers:
        err = provider.allocate(pod, container, hint)
        if err is not None:
            return err
    return None


def _admit_policy_none(
    providers: Sequence[HintProvider], pod: object, containers: Sequence[tuple[str, object]]
) -> ScopeAdmitResult:
    """Mirrors: topologymanager/scope.go admitPolicyNone"""
    no_hint = TopologyHint(None, False)
    for _, container in containers:
        err = _allocate_aligned(providers, pod, container, no_hint)
        if err is not None:
            return ScopeAdmitResult(get_pod_admit_result(err))
    return ScopeAdmitResult(None)


def _admit_container_scope(
    policy: Policy,
    providers: Sequence[HintProvider],
    pod: object,
    containers: Sequence[tuple[str, object]],
    pod_level: bool = False,
    messages: ReleaseMessages = _DEFAULT_MESSAGES,
) -> ScopeAdmitResult:
    """A failed merge rejects with ``TopologyAffinityError``; for a pod with pod-level resources
    (gate on) its message is the release's pod-level one
    (``pod_level_container_scope_admission_failure``).

    Mirrors: topologymanager/scope_container.go containerScope.Admit"""
    hints: dict[str, TopologyHint] = {}
    merges: list[MergeStep] = []
    for name, container in containers:
        collected: list[ProviderHints] = []
        for provider in providers:
            collected.append(provider.get_topology_hints(pod, container))
        providers_hints = tuple(collected)
        best, ok = policy.merge(providers_hints)
        merges.append(MergeStep(name, providers_hints, best, ok))
        if not ok:
            fail = (
                pod_level_topology_affinity_rejection(messages.pod_level_container_scope_admission_failure)
                if pod_level
                else topology_affinity_rejection()
            )
            return ScopeAdmitResult(get_pod_admit_result(fail), hints, tuple(merges))
        hints[name] = best
        err = _allocate_aligned(providers, pod, container, best)
        if err is not None:
            return ScopeAdmitResult(get_pod_admit_result(err), hints, tuple(merges))
    return ScopeAdmitResult(None, hints, tuple(merges))


def _pod_merge(policy: Policy, providers: Sequence[HintProvider], pod: object) -> MergeStep:
    """Mirrors: topologymanager/scope_pod.go podScope.calculateAffinity"""
    collected: list[ProviderHints] = []
    for provider in providers:
        collected.append(provider.get_pod_topology_hints(pod))
    providers_hints = tuple(collected)
    best, ok = policy.merge(providers_hints)
    return MergeStep(None, providers_hints, best, ok)


def _admit_pod_scope(
    policy: Policy,
    providers: Sequence[HintProvider],
    pod: object,
    containers: Sequence[tuple[str, object]],
    pod_level: bool,
    messages: ReleaseMessages = _DEFAULT_MESSAGES,
) -> ScopeAdmitResult:
    """Pod-level pods (gate on, pod-level resources set): one merge, then ``allocate_pod`` on
    each provider; other pods: one merge, then per-container ``allocate``.

    Mirrors: topologymanager/scope_pod.go podScope.Admit, admitUsingContainerResources,
    admitUsingPodResources
    """
    step = _pod_merge(policy, providers, pod)
    merges = (step,)
    if not step.admit:
        fail = (
            pod_level_topology_affinity_rejection(messages.pod_level_pod_scope_admission_failure)
            if pod_level
            else topology_affinity_rejection()
        )
        return ScopeAdmitResult(get_pod_admit_result(fail), {}, merges)
    best = step.best_hint
    hints: dict[str, TopologyHint] = {}
    if pod_level:
        for name, _ in containers:
            hints[name] = best
        for provider in providers:
            err = provider.allocate_pod(pod, best)
            if err is not None:
                return ScopeAdmitResult(get_pod_admit_result(err), hints, merges)
        return ScopeAdmitResult(None, hints, merges)
    for name, container in containers:
        hints[name] = best
        for provider in providers:  # allocateAlignedResources, inlined
            err = provider.allocate(pod, container, best)
            if err is not None:
                return ScopeAdmitResult(get_pod_admit_result(err), hints, merges)
    return ScopeAdmitResult(None, hints, merges)


def admit(
    scope_name: str,
    policy: Policy,
    providers: Sequence[HintProvider],
    pod: object,
    containers: Sequence[tuple[str, object]],
    *,
    pod_level: bool = False,
    messages: ReleaseMessages = _DEFAULT_MESSAGES,
) -> ScopeAdmitResult:
    """Admit a pod under a scope. ``containers`` = (name, container) of the init containers then
    the app containers, in spec order; ``pod_level`` = the ``PodLevelResourceManagers`` gate is on
    and the pod sets pod-level resources; ``messages``: the release's words.

    Mirrors: topologymanager/topology_manager.go manager.Admit -> Scope.Admit
    """
    if scope_name == POD_SCOPE and policy.name != POLICY_NONE:  # scope_for's answer, inlined
        return _admit_pod_scope(policy, providers, pod, containers, pod_level, messages)
    effective = scope_for(scope_name, policy)
    if effective == NONE_SCOPE:
        return _admit_policy_none(providers, pod, containers)
    if effective == CONTAINER_SCOPE:
        return _admit_container_scope(policy, providers, pod, containers, pod_level, messages)
    return _admit_pod_scope(policy, providers, pod, containers, pod_level, messages)
