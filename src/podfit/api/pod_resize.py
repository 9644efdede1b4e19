"""What the API server does with a ``pods/resize`` request, per release: the patch applied to the
pod's spec, ``ValidatePodResize`` and (1.36+) the ``PodResizeValidator`` admission plugin.

A refusal is a value (:class:`ResizeRefusal`) with the API server's error text: an invalid request
is ``Pod "<name>" is invalid: <field errors>`` (one error as is, several as ``[e1, e2]``), a
plugin refusal ``pods "<name>" is forbidden: <message>``. The API server's feature gates are taken
to be the node's (a scenario has one configuration).

Mirrors: pkg/apis/core/validation/validation.go ValidatePodResize, validateContainerResize,
validatePodLevelResourcesResize, validatePodResizeContainerOrdering; plugin/pkg/admission/podresize
admission.go (1.36) Validate / validateRequestsWithinAllocatable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from podfit.api.pod_resize_containers import (
    MUTABLE,
    container_ordering_errors,
    container_resize_errors,
    non_cpu_memory_changed,
)
from podfit.model.features import FeatureGates
from podfit.model.pod import RESOURCE_CPU, RESOURCE_MEMORY, Container, Pod, ResourceList, ResourceRequirements
from podfit.model.qos import (
    QOS_FIX_GATE,
    QOSGates,
    aggregate_container_requests,
    compute_pod_qos,
    pod_requests,
)
from podfit.model.quantity import BINARY_SI, DECIMAL_SI, Quantity
from podfit.model.release_gates import release_gate
from podfit.model.scenario import ResizePod, ResourcePatch
from podfit.release.node_features import NodeFeatures

__all__ = ["ResizeRefusal", "apply_resize_patch", "pod_resize_validator", "validate_pod_resize"]

_CPU_MEMORY: Final = (RESOURCE_CPU, RESOURCE_MEMORY)


@dataclass(frozen=True, slots=True)
class ResizeRefusal:
    """The API server refused the resize: ``stage`` is ``api-validation`` (HTTP 422) or
    ``PodResizeValidator`` (HTTP 403); ``errors`` the field errors (validation only)."""

    stage: str
    message: str
    errors: tuple[str, ...] = ()


def _patched(values: Mapping[str, int], patch: tuple[tuple[str, int | None], ...]) -> ResourceList:
    out = dict(values)
    for name, value in patch:
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return ResourceList(out)


def _apply(res: ResourceRequirements, patch: ResourcePatch) -> ResourceRequirements:
    return ResourceRequirements(_patched(res.requests, patch.requests), _patched(res.limits, patch.limits))


def apply_resize_patch(pod: Pod, event: ResizePod, *, pod_level: bool = True) -> Pod:
    """The pod's spec after the resize patch (strategic merge: named keys set, ``null`` deleted;
    ``resizePolicy`` is an atomic list: a container's list is replaced by the one given — the same
    entries in another order count as the old list, the event's form has no order) and the resize
    strategy, which keeps only the containers' resources and resize policies, and the pod-level
    stanza when ``pod_level`` (``InPlacePodLevelResourcesVerticalScaling`` on; 1.33/1.34: never):
    otherwise a pod-level patch is dropped without a word.

    Mirrors: pkg/registry/core/pod/strategy.go dropNonResizeUpdates (v1.33.5 - v1.36.2)
    """
    by_name = dict(event.containers)
    policies = dict(event.resize_policy)

    def patched(c: Container) -> Container:
        resources = _apply(c.resources, by_name[c.name]) if c.name in by_name else c.resources
        policy = c.resize_policy
        if c.name in policies and set(policies[c.name]) != set(policy):
            policy = policies[c.name]
        if resources is c.resources and policy is c.resize_policy:
            return c
        return replace(c, resources=resources, resize_policy=policy)

    pod_res = pod.resources
    if event.pod_resources is not None and pod_level:
        pod_res = _apply(pod_res or ResourceRequirements(), event.pod_resources)
    return replace(
        pod,
        init_containers=tuple(patched(c) for c in pod.init_containers),
        containers=tuple(patched(c) for c in pod.containers),
        resources=pod_res,
    )


def _shown(name: str, value: int) -> str:
    if name == RESOURCE_CPU:
        return str(Quantity(value, -3, DECIMAL_SI))
    return str(Quantity(value, 0, BINARY_SI if value % 1024 == 0 else DECIMAL_SI))


def _spec_errors(pod: Pod) -> list[str]:
    """The parts of the new spec's validation a resize can break (requests <= limits, pod-level
    requests >= aggregate container requests). Mirrors: validation.go
    validateResourceRequirements / validatePodResourceConsistency"""
    errors: list[str] = []
    sections = (("initContainers", pod.init_containers), ("containers", pod.containers))
    for section, containers in sections:
        for i, c in enumerate(containers):
            for name in sorted(c.resources.requests):
                req, lim = c.resources.requests[name], c.resources.limits.get(name)
                if lim is not None and req > lim:
                    errors.append(
                        f'spec.{section}[{i}].resources.requests: Invalid value: "{_shown(name, req)}": '
                        f"must be less than or equal to {name} limit of {_shown(name, lim)}"
                    )
    res = pod.resources
    if res is not None:
        for name in sorted(res.requests):
            req, lim = res.requests[name], res.limits.get(name)
            if lim is not None and req > lim:
                errors.append(
                    f'spec.resources.requests: Invalid value: "{_shown(name, req)}": '
                    f"must be less than or equal to {name} limit of {_shown(name, lim)}"
                )
        aggregate = aggregate_container_requests(pod)
        for name in sorted(aggregate):
            pod_req = res.requests.get(name)
            if name in _CPU_MEMORY and pod_req is not None and aggregate[name] > pod_req:
                errors.append(
                    f'spec.resources.requests[{name}]: Invalid value: "{_shown(name, pod_req)}": '
                    f"must be greater than or equal to aggregate container requests of "
                    f"{_shown(name, aggregate[name])}"
                )
    return errors


def _pod_level_set(pod: Pod) -> bool:
    return pod.resources is not None and bool(pod.resources.requests or pod.resources.limits)


def _invalid(pod: Pod, errors: list[str]) -> ResizeRefusal:
    """Mirrors: apimachinery errors.NewInvalid (field.ErrorList.ToAggregate drops repeats; an error
    on the root path prints as ``: <type>: <detail>``)"""
    errors = list(dict.fromkeys(errors))
    text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return ResizeRefusal("api-validation", f'Pod "{pod.name}" is invalid: {text}', tuple(errors))


def _pod_level_errors(old: Pod, new: Pod) -> list[str]:
    """What may change in the pod-level stanza (1.35+, the gate on): nothing removed, only cpu and
    memory changed. Mirrors: validation.go validatePodLevelResourcesResize (v1.35.3, v1.36.2)"""
    if old.resources is not None and new.resources is None:
        return ["spec.resources: Forbidden: pod-level resources cannot be removed"]
    errors: list[str] = []
    before = old.resources or ResourceRequirements()
    if old.resources is not None and new.resources is not None:
        if any(name not in new.resources.requests for name in before.requests):
            errors.append("spec.resources.requests: Forbidden: pod-level resource requests cannot be removed")
        if any(name not in new.resources.limits for name in before.limits):
            errors.append("spec.resources.limits: Forbidden: pod-level resource limits cannot be removed")
    if new.resources is not None and non_cpu_memory_changed(new.resources, before, False):
        errors.append("spec: Forbidden: only cpu and memory resources are mutable at pod-level")
    return errors


def validate_pod_resize(
    features: NodeFeatures, gates: FeatureGates, old: Pod, new: Pod, *, plr_gate: bool
) -> ResizeRefusal | None:
    """``ValidatePodResize`` of the release (``None``: valid). ``plr_gate``: PodLevelResources.
    Not modelled: a container status without ``resources`` (a kubelet without in-place resize: the
    simulated kubelet always reports them) and 1.36's node-allocatable resource claims (DRA).

    Mirrors: pkg/apis/core/validation/validation.go ValidatePodResize (v1.33.5, v1.34.2, v1.35.3,
    v1.36.2)
    """
    errors = _spec_errors(new)
    pod_level = _pod_level_set(old) or _pod_level_set(new)
    if features.api_pod_level_resize_forbidden and pod_level:
        return _invalid(new, [": Forbidden: pods with pod-level resources cannot be resized"])
    if old.static:
        return _invalid(new, [": Forbidden: static pods cannot be resized"])
    if old.os_name == "windows":
        return _invalid(new, [": Forbidden: windows pods cannot be resized"])
    # the API's own QoS helper: any pod-level stanza decides, unless the 1.37 fix gate is on
    qos = QOSGates(plr_gate, release_gate(gates, features, QOS_FIX_GATE))
    old_qos = old.qos_status or compute_pod_qos(old, qos)
    if old_qos != compute_pod_qos(new, qos):
        errors.append(
            f'spec: Invalid value: "{old_qos}": Pod QOS Class may not change as a result of resizing'
        )
    if pod_level and not features.api_pod_level_resize_forbidden:
        if not release_gate(gates, features, "InPlacePodLevelResourcesVerticalScaling"):
            errors.append(
                ": Forbidden: resize of pods with pod-level resources is forbidden when "
                "InPlacePodLevelResourcesVerticalScalingEnabled feature gate is disabled"
            )
            return _invalid(new, errors)
        errors.extend(_pod_level_errors(old, new))
    ordering = container_ordering_errors(old, new)
    if ordering:
        return _invalid(new, errors + ordering)
    init_resizable = features.api_init_container_resize and release_gate(
        gates, features, "InPlacePodVerticalScalingInitContainers"
    )
    errors.extend(container_resize_errors(features, init_resizable, old, new))
    if not errors and not pod_level and (old.resources is None) != (new.resources is None):
        # a pod-level stanza without entries added or dropped: the final whole-spec comparison
        errors.append(MUTABLE)
    return _invalid(new, errors) if errors else None


def pod_resize_validator(
    features: NodeFeatures, new: Pod, allocatable: Mapping[str, int], *, plr_gate: bool
) -> ResizeRefusal | None:
    """The 1.36+ admission plugin: the new pod's requests against the node's status allocatable
    (cpu and memory; only the failing parts, joined by ``; ``).

    Mirrors: plugin/pkg/admission/podresize/admission.go validateRequestsWithinAllocatable
    """
    if not features.api_resize_validator_plugin:
        return None
    requests = pod_requests(new, pod_level_resources=plr_gate)
    parts = []
    cpu, cpu_alloc = requests.get("cpu", 0), allocatable.get("cpu", 0)
    if cpu > cpu_alloc:
        parts.append(f"cpu, requested: {cpu}, allocatable: {cpu_alloc}")
    mem, mem_alloc = requests.get("memory", 0), allocatable.get("memory", 0)
    if mem > mem_alloc:
        parts.append(f"memory, requested: {mem}, allocatable: {mem_alloc}")
    if not parts:
        return None
    message = "node didn't have enough allocatable resources: " + "; ".join(parts)
    return ResizeRefusal("PodResizeValidator", f'pods "{new.name}" is forbidden: {message}')
