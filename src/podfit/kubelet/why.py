"""Why a container got the CPUs it got: one reason per container, in the kubelet's terms.

:func:`container_why` reads what the kubelet decided (the container's assignment type) and the
inputs of that decision (the configuration, its gates, the pod, the container) and names the rule
of the static CPU manager that led there: exclusive because the pod is Guaranteed with an integer
CPU request; in the pod shared pool because the container is not Guaranteed on its own; in the
node shared pool because the pod is not Guaranteed, its CPU request is not an integer, the
``PodLevelResourceManagers`` gate is off, the policy is ``none``, no pod budget outside the pod
scope, ... It is a pure function of its arguments (the webhook reuses it). Every reason is listed
in docs/scenario-format.md.

Mirrors the conditions of: cpumanager/policy_static.go ``guaranteedCPUs``, ``podGuaranteedCPUs``,
``isIntegralCPUAmount``, the pod-level skip of ``Allocate``; cm/qos/helpers.go
``IsContainerEquivalentQOSGuaranteed``; topologymanager ``NewManager`` (policy ``none`` runs no
scope).
"""

from __future__ import annotations

from typing import Final

from podfit.kubelet.result import NODE_EXCLUSIVE, POD_EXCLUSIVE, POD_SHARED, Why
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import RESOURCE_CPU, RESOURCE_MEMORY, Container, Pod
from podfit.model.qos import (
    get_pod_qos,
    is_container_equivalent_qos_guaranteed,
    is_pod_level_resources_set,
    qos_gates,
)
from podfit.model.units import format_bytes

__all__ = [
    "CONTAINER_NOT_GUARANTEED",
    "CPU_MANAGER_POLICY_NONE",
    "CPU_REQUEST_NOT_INTEGER",
    "EXCLUSIVE_CPUS",
    "NOT_GUARANTEED",
    "NOT_POD_SCOPE",
    "NO_EXCLUSIVE_CPUS",
    "POD_BUDGET_NOT_INTEGER",
    "POD_EXCLUSIVE_CPUS",
    "POD_LEVEL_RESOURCE_MANAGERS_OFF",
    "REASONS",
    "Why",
    "container_why",
]

EXCLUSIVE_CPUS: Final = "ExclusiveCPUs"
POD_EXCLUSIVE_CPUS: Final = "PodExclusiveCPUs"
CONTAINER_NOT_GUARANTEED: Final = "ContainerNotGuaranteed"
CPU_REQUEST_NOT_INTEGER: Final = "CPURequestNotInteger"
NOT_GUARANTEED: Final = "NotGuaranteed"
POD_BUDGET_NOT_INTEGER: Final = "PodBudgetNotInteger"
POD_LEVEL_RESOURCE_MANAGERS_OFF: Final = "PodLevelResourceManagersOff"
NOT_POD_SCOPE: Final = "NotPodScope"
CPU_MANAGER_POLICY_NONE: Final = "CPUManagerPolicyNone"
NO_EXCLUSIVE_CPUS: Final = "NoExclusiveCPUs"

REASONS: Final = (
    EXCLUSIVE_CPUS,
    POD_EXCLUSIVE_CPUS,
    CONTAINER_NOT_GUARANTEED,
    CPU_REQUEST_NOT_INTEGER,
    NOT_GUARANTEED,
    POD_BUDGET_NOT_INTEGER,
    POD_LEVEL_RESOURCE_MANAGERS_OFF,
    NOT_POD_SCOPE,
    CPU_MANAGER_POLICY_NONE,
    NO_EXCLUSIVE_CPUS,
)

PLR: Final = "PodLevelResources"
PLRM: Final = "PodLevelResourceManagers"
_KIND_WORDS: Final = {"app": "container", "init": "init container", "sidecar": "sidecar"}


def _cpus(milli: int) -> str:
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def _own_resources(c: Container) -> str:
    """Why a container is not Guaranteed on its own (IsContainerEquivalentQOSGuaranteed)."""
    res = c.resources
    missing = [n for n in (RESOURCE_CPU, RESOURCE_MEMORY) if res.request(n) == 0]
    if len(missing) == 2:
        return "sets no CPU or memory requests of its own"
    if missing:
        return f"sets no {missing[0]} request of its own"
    for name in (RESOURCE_CPU, RESOURCE_MEMORY):
        req, lim = res.request(name), res.limit(name)
        if req != lim:
            fmt = _cpus if name == RESOURCE_CPU else format_bytes
            limit = fmt(lim) if lim else "none"
            return f"{name} request {fmt(req)} differs from its limit ({limit})"
    return "is not Guaranteed on its own"


def _scope_words(config: KubeletConfig) -> str:
    if config.topology_manager_policy == "none":
        return 'topologyManagerPolicy is "none", which runs no scope'
    return f'topologyManagerScope is "{config.topology_manager_scope}"'


def container_why(config: KubeletConfig, pod: Pod, container: Container, assignment: str) -> Why:
    """The reason ``container`` of ``pod`` got ``assignment`` (``node_exclusive``,
    ``pod_exclusive``, ``pod_shared`` or ``node_shared``) from a kubelet running ``config``."""
    gates = config.feature_gates
    plr_pod = gates.enabled(PLR) and is_pod_level_resources_set(pod)
    plrm = gates.enabled(PLRM)
    who = _KIND_WORDS.get(container.kind, "container")
    cpu = container.resources.request(RESOURCE_CPU)
    if assignment == NODE_EXCLUSIVE:
        where = (
            f" (a pod-level pod outside the pod scope: the {who} is Guaranteed on its own and "
            f"{_scope_words(config)})"
            if plr_pod
            else ""
        )
        return Why(
            EXCLUSIVE_CPUS,
            f"Guaranteed, {_cpus(cpu)} CPUs",
            f"Guaranteed pod, integer CPU request ({_cpus(cpu)}): the static CPU manager gives the "
            f"{who} exclusive CPUs from the node's shared pool{where}",
        )
    if assignment == POD_EXCLUSIVE:
        return Why(
            POD_EXCLUSIVE_CPUS,
            f"requests = limits, {_cpus(cpu)} CPUs",
            f"the {who}'s requests equal its limits with an integer CPU request ({_cpus(cpu)}): an "
            "exclusive slice of the pod's CPU budget",
        )
    if assignment == POD_SHARED:
        if not is_container_equivalent_qos_guaranteed(container):
            return Why(
                CONTAINER_NOT_GUARANTEED,
                "not Guaranteed on its own",
                f"the {who} {_own_resources(container)}: it runs in the pod's shared pool (the pod "
                "budget minus the exclusive slices)",
            )
        if cpu % 1000:
            return Why(
                CPU_REQUEST_NOT_INTEGER,
                f"CPU request {_cpus(cpu)} not an integer",
                f"the {who}'s CPU request ({_cpus(cpu)}) is not an integer: no exclusive slice; it "
                "runs in the pod's shared pool",
            )
        return Why(
            NO_EXCLUSIVE_CPUS,
            "pod shared pool",
            f"the {who} has no exclusive slice: it runs in the pod's shared pool",
        )
    return _node_shared(config, pod, container, who, plr_pod, plrm)


def _node_shared(
    config: KubeletConfig, pod: Pod, container: Container, who: str, plr_pod: bool, plrm: bool
) -> Why:
    if config.cpu_manager_policy != "static":
        return Why(
            CPU_MANAGER_POLICY_NONE,
            f'CPU manager policy "{config.cpu_manager_policy}"',
            f'cpuManagerPolicy is "{config.cpu_manager_policy}": every container runs in the node\'s '
            "shared pool (only the static policy gives exclusive CPUs)",
        )
    qos = get_pod_qos(pod, qos_gates(config.feature_gates))
    if qos != "Guaranteed":
        level = "pod-level " if plr_pod else ""
        return Why(
            NOT_GUARANTEED,
            f"not Guaranteed ({qos})",
            f"the pod's QoS class is {qos} (its {level}requests are not all equal to its limits): "
            "the static CPU manager gives exclusive CPUs only to Guaranteed pods",
        )
    if plr_pod and not plrm:
        return Why(
            POD_LEVEL_RESOURCE_MANAGERS_OFF,
            "gate PodLevelResourceManagers off",
            "the pod sets pod-level resources and the feature gate PodLevelResourceManagers is off: "
            "the CPU and Memory Managers skip the pod, it runs in the node's shared pool",
        )
    cpu = container.resources.request(RESOURCE_CPU)
    if plr_pod:
        pod_level_scope = config.topology_manager_policy != "none" and config.topology_manager_scope == "pod"
        if pod_level_scope:
            assert pod.resources is not None
            budget = pod.resources.requests.get(RESOURCE_CPU, 0)
            if budget % 1000 or budget == 0:
                return Why(
                    POD_BUDGET_NOT_INTEGER,
                    f"pod CPU budget {_cpus(budget)} not an integer",
                    f"the pod-level CPU request ({_cpus(budget)}) is not an integer: no pod budget "
                    "is allocated and every container runs in the node's shared pool",
                )
        elif not is_container_equivalent_qos_guaranteed(container):
            return Why(
                NOT_POD_SCOPE,
                "no pod budget outside the pod scope",
                f"a pod-level pod gets a CPU budget only in the Topology Manager's pod scope and "
                f"{_scope_words(config)}; the {who} {_own_resources(container)}, so it runs in the "
                "node's shared pool",
            )
    if cpu % 1000:
        return Why(
            CPU_REQUEST_NOT_INTEGER,
            f"CPU request {_cpus(cpu)} not an integer",
            f"the {who}'s CPU request ({_cpus(cpu)}) is not an integer: the static CPU manager gives "
            "it no exclusive CPUs; it runs in the node's shared pool",
        )
    return Why(
        NO_EXCLUSIVE_CPUS,
        "node shared pool",
        f"the {who} has no exclusive CPUs: it runs in the node's shared pool",
    )
