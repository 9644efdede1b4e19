"""What the API server accepts in a container's ``resizePolicy`` when a pod is created, per release.

Each error is ``(field path, detail)`` as the API server prints it (``<path>: <detail>``).

Mirrors: pkg/apis/core/validation/validation.go validateResizePolicy (its wording of the
``restartPolicy: Never`` rule changed in 1.36) and validateInitContainers (1.36: a non-sidecar init
container may not ask for ``RestartContainer``) — read in v1.33.5, v1.34.2, v1.35.3, v1.36.2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from podfit.api.pod_decode import RawPod
from podfit.errors import InputError
from podfit.model.pod import CONTAINER_RESTART_POLICY_ALWAYS, RESOURCE_CPU, RESOURCE_MEMORY
from podfit.release.node_features import NodeFeatures

__all__ = ["RESIZE_POLICIES", "init_resize_policy_errors", "resize_policy_errors", "validate_resize_policies"]

RESIZE_POLICIES: Final = ("NotRequired", "RestartContainer")


def resize_policy_errors(
    features: NodeFeatures, policies: Sequence[tuple[str, str]], path: str, pod_restart_policy: str
) -> list[tuple[str, str]]:
    """One container's list: no resource twice, cpu or memory only, a known policy, and only
    ``NotRequired`` in a pod whose ``restartPolicy`` is ``Never``.

    Mirrors: validation.go validateResizePolicy
    """
    errs: list[tuple[str, str]] = []
    seen: set[str] = set()
    never = "pod `restartPolicy`" if features.api_resize_policy_never_says_pod else "`restartPolicy`"
    for i, (name, policy) in enumerate(policies):
        if name in seen:
            errs.append((f"{path}[{i}]", f'Duplicate value: "{name}"'))
        seen.add(name)
        if name == "":
            errs.append((path, "Required value"))
        elif name not in (RESOURCE_CPU, RESOURCE_MEMORY):
            errs.append((path, f'Unsupported value: "{name}": supported values: "cpu", "memory"'))
        if policy == "":
            errs.append((path, "Required value"))
        elif policy not in RESIZE_POLICIES:
            errs.append(
                (path, f'Unsupported value: "{policy}": supported values: "NotRequired", "RestartContainer"')
            )
        if pod_restart_policy == "Never" and policy != "NotRequired":
            errs.append((path, f"Invalid value: \"{policy}\": must be 'NotRequired' when {never} is 'Never'"))
    return errs


def init_resize_policy_errors(
    features: NodeFeatures, policies: Sequence[tuple[str, str]], path: str, sidecar: bool
) -> list[tuple[str, str]]:
    """1.36: a non-sidecar init container may not set ``RestartContainer`` (on create).

    Mirrors: validation.go validateInitContainers (v1.36.2)
    """
    if sidecar or not features.api_init_restart_container_forbidden:
        return []
    return [
        (
            f"{path}[{j}].restartPolicy",
            "Invalid value: \"RestartContainer\": must not be set to 'RestartContainer' for non-sidecar "
            "initContainers",
        )
        for j, (_, policy) in enumerate(policies)
        if policy == "RestartContainer"
    ]


def validate_resize_policies(pod: RawPod, features: NodeFeatures) -> None:
    """The pod's resize policies (init containers first, as the API server validates them); the
    first error raises ``InputError``."""
    restart = pod.restart_policy or "Always"
    for c in pod.init_containers + pod.containers:
        path = f"{c.path}.resizePolicy"
        errs = resize_policy_errors(features, c.resize_policy, path, restart)
        if c.section == "initContainers":
            sidecar = c.restart_policy == CONTAINER_RESTART_POLICY_ALWAYS
            errs += init_resize_policy_errors(features, c.resize_policy, path, sidecar)
        if errs:
            raise InputError(*errs[0])
