"""Optional mutations, as RFC 6902 JSON patches over the pod manifest the API server sent.

* ``sidecarRestartPolicy``: the listed init containers get ``restartPolicy: Always`` (they become
  sidecars: restartable init containers that run beside the app containers).
* ``podLevelResources``: a pod without ``spec.resources`` gets the containers' aggregate (the
  KEP-753 formula the kubelet uses for pod requests) as its pod-level requests, and as limits where
  every container has a limit; a CPU budget that is not a whole number of CPUs while containers want
  exclusive CPUs is rounded up (otherwise the kubelet pins none of them).

A patch is produced only when the mutated pod still passes the API server's validation as podfit
models it; otherwise the mutation is skipped with a note.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from podfit.admission_policy.rules import exclusive_wanted
from podfit.admission_policy.values import PatchOp
from podfit.api.pod_validation import format_quantity
from podfit.api.pods import pod_from_dict
from podfit.errors import InputError
from podfit.model.pod import RESOURCE_CPU, RESOURCE_MEMORY, Pod
from podfit.model.qos import (
    aggregate_container_limits,
    aggregate_container_requests,
    all_containers_have_limit_for,
)

__all__ = ["MutationResult", "apply_patch", "pod_level_resources_patch", "sidecar_restart_policy_patch"]


class MutationResult:
    """The operations of one mutation, and the notes to return as warnings."""

    __slots__ = ("notes", "ops")

    def __init__(self, ops: Sequence[PatchOp] = (), notes: Sequence[str] = ()) -> None:
        self.ops = tuple(ops)
        self.notes = tuple(notes)


def _pointer(*parts: str | int) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def sidecar_restart_policy_patch(obj: Mapping[str, Any], containers: Sequence[str]) -> MutationResult:
    """``restartPolicy: Always`` for each listed init container that has no restart policy."""
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return MutationResult()
    inits = spec.get("initContainers")
    if not isinstance(inits, list):
        return MutationResult()
    wanted = set(containers)
    ops = [
        PatchOp("add", _pointer("spec", "initContainers", i, "restartPolicy"), "Always")
        for i, c in enumerate(inits)
        if isinstance(c, Mapping) and c.get("name") in wanted and "restartPolicy" not in c
    ]
    return MutationResult(ops)


def apply_patch(obj: Mapping[str, Any], ops: Sequence[PatchOp]) -> dict[str, Any]:
    """A deep copy of ``obj`` with ``ops`` applied (the ``add`` operations this module produces)."""
    out: dict[str, Any] = copy.deepcopy(dict(obj))
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op.path.split("/")[1:]]
        target: Any = out
        for p in parts[:-1]:
            target = target[int(p)] if isinstance(target, list) else target[p]
        last = parts[-1]
        if isinstance(target, list):
            target.insert(int(last), op.value) if last != "-" else target.append(op.value)
        else:
            target[last] = op.value
    return out


def _budget(pod: Pod) -> tuple[dict[str, str], dict[str, str], list[str]]:
    requests = aggregate_container_requests(pod)
    limits = aggregate_container_limits(pod)
    notes: list[str] = []
    req: dict[str, int] = {n: requests[n] for n in (RESOURCE_CPU, RESOURCE_MEMORY) if requests.get(n, 0) > 0}
    lim: dict[str, int] = {
        n: limits[n]
        for n in (RESOURCE_CPU, RESOURCE_MEMORY)
        if limits.get(n, 0) > 0 and all_containers_have_limit_for(pod, n)
    }
    cpu = req.get(RESOURCE_CPU)
    if cpu is not None and cpu % 1000 and exclusive_wanted(pod):
        whole = -(-cpu // 1000) * 1000
        notes.append(
            f"podLevelResources: CPU budget rounded up from {cpu}m to {whole // 1000} "
            "so the containers that want exclusive CPUs get them"
        )
        req[RESOURCE_CPU] = whole
        if RESOURCE_CPU in lim and lim[RESOURCE_CPU] < whole:
            lim[RESOURCE_CPU] = whole
    binary = lambda n, v: n != RESOURCE_CPU and v % 1024 == 0  # noqa: E731
    return (
        {n: format_quantity(n, v, binary(n, v)) for n, v in req.items()},
        {n: format_quantity(n, v, binary(n, v)) for n, v in lim.items()},
        notes,
    )


def pod_level_resources_patch(obj: Mapping[str, Any], pod: Pod) -> MutationResult:
    """``spec.resources`` from the containers' aggregate, for a pod that sets none."""
    spec = obj.get("spec")
    if not isinstance(spec, Mapping) or spec.get("resources"):
        return MutationResult()
    requests, limits, notes = _budget(pod)
    if not requests and not limits:
        return MutationResult()
    value: dict[str, Any] = {}
    if requests:
        value["requests"] = requests
    if limits:
        value["limits"] = limits
    op = PatchOp("add", "/spec/resources", value)
    try:
        pod_from_dict(apply_patch(obj, [op]))
    except InputError as exc:
        return MutationResult((), [f"podLevelResources: not added, the API server would refuse it: {exc}"])
    return MutationResult([op], notes)
