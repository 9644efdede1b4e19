"""The real cause of an "empty pod shared pool" rejection, in numbers.

With the pod-level resource managers (KEP-5526, pod scope), a pod whose exclusive containers take
its whole budget of a resource while another container needs the pod's shared pool is refused by
``validatePodScopeResources``: the CPU Manager returns no pod hint (so the Topology Manager rejects
the pod with ``TopologyAffinityError`` under ``restricted``/``single-numa-node``) or refuses the
allocation (``EmptyPodSharedPoolError``), and the Memory Manager likewise per memory type. The
kubelet's message names neither the containers nor the amounts; this module does, so that
``explain`` says what budget or request change admits the pod instead of a false "no NUMA node has
that much free".

Mirrors the sums of: cpumanager/policy_static.go ``validatePodScopeResources`` and
memorymanager/policy_static.go ``validatePodScopeResources``.
"""

from __future__ import annotations

from dataclasses import dataclass

from podfit.cpu.guaranteed import guaranteed_cpus, pod_guaranteed_cpus, validate_pod_scope_resources
from podfit.memory.requests import (
    get_container_requested_resources,
    get_pod_requested_resources,
)
from podfit.memory.requests import validate_pod_scope_resources as validate_memory
from podfit.model.features import FeatureGates
from podfit.model.pod import RESOURCE_CPU, Pod
from podfit.model.qos import is_pod_level_resources_set
from podfit.model.units import format_bytes

__all__ = ["EmptyPool", "empty_pools"]


@dataclass(frozen=True, slots=True)
class EmptyPool:
    """``resource`` of the pod's budget (``budget``, in CPUs or bytes) is all taken by the
    ``exclusive`` containers (name, amount) while the ``shared`` containers need the pod's pool."""

    resource: str
    budget: int
    exclusive: tuple[tuple[str, int], ...]
    shared: tuple[str, ...]
    kubelet_text: str

    @property
    def taken(self) -> int:
        return sum(n for _, n in self.exclusive)

    def amount(self, n: int) -> str:
        if self.resource == RESOURCE_CPU:
            return f"{n} CPU" if n == 1 else f"{n} CPUs"
        return format_bytes(n)

    def line(self) -> str:
        """One sentence: who takes what, and who is left without."""
        who = ", ".join(f"{name} {self.amount(n)}" for name, n in self.exclusive) or "none"
        shared = ", ".join(self.shared) or "its shared init containers"
        hint = " and gives the pod no topology hint" if self.resource == RESOURCE_CPU else ""
        return (
            f"{self.resource}: the exclusive containers ({who}) take {self.amount(self.taken)} of the "
            f"pod's budget of {self.amount(self.budget)}, leaving nothing for the pod's shared pool, "
            f"which {shared} need{'s' if len(self.shared) == 1 else ''}: the kubelet's check "
            f'"{self.kubelet_text}" fails{hint}. Raise the pod-level {self.resource} above '
            f"{self.amount(self.taken)}, or lower an exclusive container's request"
        )


def _cpu(pod: Pod, gates: FeatureGates) -> EmptyPool | None:
    text = validate_pod_scope_resources(pod, gates)
    if text is None:
        return None
    exclusive, shared = [], []
    for c in pod.all_containers():
        n = guaranteed_cpus(pod, c, gates)
        if n:
            exclusive.append((c.name, n))
        else:
            shared.append(c.name)
    return EmptyPool(RESOURCE_CPU, pod_guaranteed_cpus(pod, gates), tuple(exclusive), tuple(shared), text)


def _memory(pod: Pod) -> list[EmptyPool]:
    text = validate_memory(pod, True)
    if text is None:
        return []
    budget = get_pod_requested_resources(pod, True)
    per = [(c.name, get_container_requested_resources(pod, c, True)) for c in pod.all_containers()]
    shared = tuple(name for name, reqs in per if not reqs)
    out = []
    for resource, total in budget.items():
        exclusive = tuple((name, reqs[resource]) for name, reqs in per if reqs.get(resource))
        if sum(n for _, n in exclusive) >= total:
            out.append(EmptyPool(resource, total, exclusive, shared, text))
    return out


def empty_pools(pod: Pod, gates: FeatureGates, *, cpu: bool = True, memory: bool = True) -> list[EmptyPool]:
    """Every resource of ``pod``'s budget its exclusive containers use up (pod-level resource
    managers on; the pod sets pod-level resources). ``cpu`` / ``memory``: the static CPU / Memory
    Manager runs."""
    if not (
        gates.enabled("PodLevelResources")
        and gates.enabled("PodLevelResourceManagers")
        and is_pod_level_resources_set(pod)
    ):
        return []
    out: list[EmptyPool] = []
    if cpu:
        found = _cpu(pod, gates)
        if found is not None:
            out.append(found)
    if memory:
        out.extend(_memory(pod))
    return out
