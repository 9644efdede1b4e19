"""The rules that read only the pod (and the declared shapes' releases and gates): no admission.

Each returns a message (the rule found something) or ``None``. These are the rules CEL can express
too (:mod:`podfit.admission_policy.cel`), and the tests check both agree on the same pods.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Final

from podfit.admission_policy.gates import PLR, PLRM, gate_known, rejects_pod_level_when_off
from podfit.admission_policy.values import NodeShape
from podfit.cpu.guaranteed import is_integral_cpu_amount, pod_guaranteed_cpus, validate_pod_scope_resources
from podfit.model.features import FeatureGates
from podfit.model.pod import RESOURCE_CPU, Container, Pod
from podfit.model.qos import is_container_equivalent_qos_guaranteed, is_pod_level_resources_set

__all__ = [
    "ShapeGateMismatch",
    "empty_pod_shared_pool",
    "exclusive_wanted",
    "gate_mismatches",
    "pod_cpu_budget_not_integer",
]


# the gates of a (default-release) kubelet whose pod-level resource managers are on
_POD_LEVEL_ON: Final = FeatureGates(MappingProxyType({PLR: True, PLRM: True}))


def _cpu(millicores: int) -> str:
    return f"{millicores // 1000}" if millicores % 1000 == 0 else f"{millicores}m"


def _wants_exclusive(c: Container) -> bool:
    return is_container_equivalent_qos_guaranteed(c) and is_integral_cpu_amount(
        c.resources.request(RESOURCE_CPU)
    )


def exclusive_wanted(pod: Pod) -> list[str]:
    """The containers that ask for exclusive CPUs: equal CPU and memory requests and limits, a whole
    number of CPUs (what the static policy pins, in a Guaranteed pod)."""
    return [c.name for c in pod.all_containers() if _wants_exclusive(c)]


def pod_cpu_budget_not_integer(pod: Pod) -> str | None:
    """A pod-level CPU budget that is not a whole number of CPUs while containers want exclusive
    slices: the static policy takes no budget (``podGuaranteedCPUs`` is 0), so no container of the
    pod is pinned, on any node."""
    res = pod.resources
    if res is None or RESOURCE_CPU not in res.requests:
        return None
    milli = res.requests[RESOURCE_CPU]
    if is_integral_cpu_amount(milli):
        return None
    wanting = exclusive_wanted(pod)
    if not wanting:
        return None
    lower = milli // 1000
    use = f"{lower} or {lower + 1}" if lower else "1"
    return (
        f"pod CPU budget spec.resources.requests.cpu={_cpu(milli)} is not a whole number of CPUs: "
        f"the kubelet gives no exclusive CPUs to {', '.join(wanting)} (use {use})"
    )


def empty_pod_shared_pool(pod: Pod) -> str | None:
    """Exclusive containers that take the whole pod budget while other containers need the pod
    shared pool: the kubelet rejects the pod on every node whose pod-level resource managers
    allocate it, with EmptyPodSharedPoolError (``AllocatePod``), or with TopologyAffinityError under
    a restricted or single-numa-node policy (the CPU manager gives the pod no hints then:
    ``GetPodTopologyHints``)."""
    if not is_pod_level_resources_set(pod) or pod_guaranteed_cpus(pod, _POD_LEVEL_ON) == 0:
        return None
    refusal = validate_pod_scope_resources(pod, _POD_LEVEL_ON)
    if refusal is None:
        return None
    return f"rejected on every node with pod-level resource managers (EmptyPodSharedPoolError): {refusal}"


class ShapeGateMismatch:
    """What one node shape's kubelet does with a pod-level pod it cannot serve as asked."""

    __slots__ = ("shape", "what")

    def __init__(self, shape: str, what: str) -> None:
        self.shape = shape
        self.what = what


def gate_mismatches(pod: Pod, shapes: Sequence[NodeShape]) -> list[ShapeGateMismatch]:
    """The shapes whose release or gates do not serve the pod's pod-level resources: the kubelet
    rejects them (``PodLevelResourcesNotSupported``, 1.34 on) or ignores them (1.33), or its
    pod-level resource managers are off while containers want exclusive CPUs."""
    if not is_pod_level_resources_set(pod):
        return []
    wanting = bool(exclusive_wanted(pod))
    out = []
    for shape in shapes:
        if not shape.gates.get(PLR, False):
            if rejects_pod_level_when_off(shape.release):
                what = "rejects pod-level resources (PodLevelResourcesNotSupported: PodLevelResources is off)"
            else:
                what = "ignores pod-level resources (PodLevelResources is off)"
            out.append(ShapeGateMismatch(shape.name, f"kubelet {shape.release} {what}"))
        elif wanting and not shape.gates.get(PLRM, False):
            state = "off" if gate_known(shape.release, PLRM) else "not in this release"
            out.append(
                ShapeGateMismatch(
                    shape.name,
                    f"kubelet {shape.release} pins no container of a pod-level pod "
                    f"(PodLevelResourceManagers is {state})",
                )
            )
    return out
