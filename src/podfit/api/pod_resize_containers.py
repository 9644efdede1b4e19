"""The container part of the API server's ``ValidatePodResize``, per release: the container lists
may not change, requests and limits may not be removed (1.33: nor a memory limit lowered or added
without ``RestartContainer``), and nothing but cpu and memory may change — not another resource, not
a resize policy (``resizePolicy`` is kept by the resize strategy, then refused here), not a
non-sidecar init container (1.36: resizable with ``InPlacePodVerticalScalingInitContainers``).

Errors are the API server's field errors as printed (``<path>: <type>: <detail>``).

Mirrors: pkg/apis/core/validation/validation.go validatePodResizeContainerOrdering,
validateContainerResize, resourcesRemoved, dropCPUMemoryResourcesFromContainer / dropCPUMemoryUpdates
and the container loops of ValidatePodResize (read in v1.33.5, v1.34.2, v1.35.3, v1.36.2)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from podfit.model.pod import RESOURCE_CPU, RESOURCE_MEMORY, Container, Pod, ResourceRequirements
from podfit.release.node_features import NodeFeatures

__all__ = ["container_ordering_errors", "container_resize_errors", "non_cpu_memory_changed"]

_CPU_MEMORY: Final = (RESOURCE_CPU, RESOURCE_MEMORY)
MUTABLE: Final = "spec: Forbidden: only cpu and memory resources are mutable"


def container_ordering_errors(old: Pod, new: Pod) -> list[str]:
    """Containers and init containers may not be added, removed, renamed or reordered.

    Mirrors: validation.go validatePodResizeContainerOrdering
    """
    errors: list[str] = []
    for section, what, olds, news in (
        ("containers", "containers", old.containers, new.containers),
        ("initContainers", "initContainers", old.init_containers, new.init_containers),
    ):
        if len(olds) != len(news):
            errors.append(f"spec.{section}: Forbidden: {what} may not be added or removed on resize")
            continue
        for i, (o, n) in enumerate(zip(olds, news, strict=True)):
            if o.name != n.name:
                errors.append(
                    f"spec.{section}[{i}].name: Forbidden: {what} may not be renamed or reordered on resize"
                )
    return errors


def _removed(new: Mapping[str, int], old: Mapping[str, int]) -> bool:
    """Mirrors: validation.go resourcesRemoved"""
    return any(name not in new for name in old)


def _others(values: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in values.items() if k not in _CPU_MEMORY}


def _list_changed(new: Mapping[str, int], old: Mapping[str, int], unset_unchecked: bool) -> bool:
    """Whether a list differs in anything but cpu and memory. ``unset_unchecked`` (1.33, 1.34): a
    list the old container did not set is not compared at all, so any resource may be added to it
    (fixed in 1.35 by PR #135084).

    Mirrors: validation.go dropCPUMemoryUpdates (v1.34.2: an unset old list yields an unset list;
    v1.35.3+: only when the new one is unset too) followed by the Semantic.DeepEqual of the caller
    (an empty list equals an unset one)
    """
    if unset_unchecked and not old:
        return False
    return _others(new) != _others(old)


def non_cpu_memory_changed(
    new: ResourceRequirements, old: ResourceRequirements, unset_unchecked: bool
) -> bool:
    """Whether requests or limits differ in anything but cpu and memory."""
    return _list_changed(new.requests, old.requests, unset_unchecked) or _list_changed(
        new.limits, old.limits, unset_unchecked
    )


def _container_changed(features: NodeFeatures, o: Container, n: Container) -> bool:
    """The new container, its cpu and memory put back to the old values, differs from the old one
    (here: another resource, the resize policy, the restart policy)."""
    return (
        non_cpu_memory_changed(n.resources, o.resources, features.api_resize_unset_list_unchecked)
        or n.resize_policy != o.resize_policy
        or n.restart_policy != o.restart_policy
    )


def _resize_errors(features: NodeFeatures, o: Container, n: Container, path: str) -> list[str]:
    """Mirrors: validation.go validateContainerResize"""
    errors: list[str] = []
    if _removed(n.resources.requests, o.resources.requests):
        errors.append(f"{path}.requests: Forbidden: resource requests cannot be removed")
    if _removed(n.resources.limits, o.resources.limits):
        errors.append(f"{path}.limits: Forbidden: resource limits cannot be removed")
    if (
        features.api_memory_limit_decrease_needs_restart
        and n.resize_restart_policy("memory") != "RestartContainer"
    ):
        new_lim, old_lim = n.resources.limits.get("memory"), o.resources.limits.get("memory")
        if new_lim is not None and old_lim is not None and new_lim < old_lim:
            errors.append(
                f"{path}.limits[memory]: Forbidden: memory limits cannot be decreased unless "
                "resizePolicy is RestartContainer"
            )
        elif new_lim is not None and old_lim is None:
            errors.append(
                f"{path}.limits[memory]: Forbidden: memory limits cannot be added unless resizePolicy is "
                "RestartContainer"
            )
    return errors


def _init_errors(
    features: NodeFeatures, init_resizable: bool, i: int, o: Container, n: Container
) -> list[str]:
    """One init container of the new spec against the old one (after the removal checks)."""
    sidecar = n.kind == "sidecar"
    modified = n != o
    if not features.api_init_container_resize:  # 1.33-1.35
        if sidecar:
            if _container_changed(features, o, n):
                return ["spec: Forbidden: only cpu and memory resources for sidecar containers are mutable"]
            return []
        return (
            ["spec: Forbidden: resources for non-sidecar init containers are immutable"] if modified else []
        )
    if not (sidecar or init_resizable):
        return (
            ["spec: Forbidden: resources for non-sidecar init containers are immutable"] if modified else []
        )
    errors: list[str] = []
    if _container_changed(features, o, n):
        errors.append(
            f"spec.initContainers[{i}]: Forbidden: only cpu and memory resources for init or sidecar "
            "containers are mutable"
        )
    if modified and not sidecar:
        errors.extend(
            f"spec.initContainers[{i}]: Forbidden: non-sidecar init containers with a resize policy of "
            "RestartContainer cannot be resized"
            for _, policy in n.resize_policy
            if policy == "RestartContainer"
        )
    return errors


def container_resize_errors(features: NodeFeatures, init_resizable: bool, old: Pod, new: Pod) -> list[str]:
    """The container checks of ``ValidatePodResize`` (the container lists are the same).
    ``init_resizable``: 1.36 with ``InPlacePodVerticalScalingInitContainers`` on.

    Mirrors: validation.go ValidatePodResize (the part after validatePodResizeContainerOrdering)
    """
    errors: list[str] = []
    for i, (o, n) in enumerate(zip(old.init_containers, new.init_containers, strict=True)):
        if o.kind == "sidecar" or init_resizable:
            errors.extend(_resize_errors(features, o, n, f"spec.initContainers[{i}].resources"))
    for i, (o, n) in enumerate(zip(old.containers, new.containers, strict=True)):
        errors.extend(_resize_errors(features, o, n, f"spec.containers[{i}].resources"))
    for o, n in zip(old.containers, new.containers, strict=True):
        if _container_changed(features, o, n):
            errors.append(MUTABLE)
    for i, (o, n) in enumerate(zip(old.init_containers, new.init_containers, strict=True)):
        errors.extend(_init_errors(features, init_resizable, i, o, n))
    return errors
