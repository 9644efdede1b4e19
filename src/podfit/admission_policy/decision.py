"""From an AdmissionReview request to the webhook's answer: decode the pod, evaluate or mutate it,
and word the response (a denial's message, warnings, the patch, ``onError``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from podfit.admission_policy.evaluate import evaluate_pod
from podfit.admission_policy.mutate import (
    MutationResult,
    apply_patch,
    pod_level_resources_patch,
    sidecar_restart_policy_patch,
)
from podfit.admission_policy.review import ReviewRequest, pod_manifest, review_response
from podfit.admission_policy.shapes import ShapeSet
from podfit.admission_policy.values import DENY, AdmissionPolicy, Evaluation, PatchOp
from podfit.api.pods import pod_from_dict
from podfit.errors import EvaluationCut, InputError

__all__ = [
    "MUTATIONS",
    "evaluate_request",
    "mutate_request",
    "mutation_response",
    "validation_response",
]

MUTATIONS: Final = ("sidecarRestartPolicy", "podLevelResources")  # in the order they are applied
_NEVER: Final = lambda: False  # noqa: E731


def evaluate_request(
    policy: AdmissionPolicy, shapes: ShapeSet, request: ReviewRequest, expired: Callable[[], bool] = _NEVER
) -> Evaluation:
    """The policy's findings on the request's pod; a pod the policy cannot decode, or an evaluation
    cut at its deadline, is an :class:`Evaluation` with ``error`` set."""
    try:
        pod = pod_from_dict(pod_manifest(request))
    except InputError as exc:
        return Evaluation(error=f"invalid pod: {exc}")
    try:
        return evaluate_pod(policy, shapes, pod, expired)
    except EvaluationCut:
        return Evaluation(error=f"evaluation passed its deadline of {policy.deadline_seconds:g}s")


def validation_response(policy: AdmissionPolicy, uid: str, evaluation: Evaluation) -> dict[str, Any]:
    """The AdmissionReview answering a validation: denied when a Deny rule holds (every finding is
    also a warning), or per ``onError`` when the pod could not be evaluated."""
    if evaluation.error is not None:
        if policy.on_error == DENY:
            return review_response(
                uid, False, message=f"podfit could not evaluate this pod: {evaluation.error}"
            )
        return review_response(
            uid, True, warnings=[f"podfit could not evaluate this pod (onError: Allow): {evaluation.error}"]
        )
    warnings = [f"podfit {f.rule}: {f.message}" for f in evaluation.findings]
    denials = evaluation.denials
    if denials:
        message = "podfit: " + "; ".join(f"{f.rule}: {f.message}" for f in denials)
        return review_response(uid, False, message=message, warnings=warnings)
    return review_response(uid, True, warnings=warnings)


def mutate_request(policy: AdmissionPolicy, request: ReviewRequest, names: Sequence[str]) -> MutationResult:
    """The JSON patch of the configured mutations in ``names`` (applied in :data:`MUTATIONS` order)."""
    m = policy.mutations
    obj: dict[str, Any] = dict(request.obj or {})
    ops: list[PatchOp] = []
    notes: list[str] = []
    if "sidecarRestartPolicy" in names and m.sidecar_restart_policy is not None:
        got = sidecar_restart_policy_patch(obj, m.sidecar_restart_policy.containers)
        ops.extend(got.ops)
        obj = apply_patch(obj, got.ops) if got.ops else obj
    if "podLevelResources" in names and m.pod_level_resources is not None:
        manifest = pod_manifest(
            ReviewRequest(request.uid, request.operation, request.namespace, request.name, "", obj)
        )
        try:
            pod = pod_from_dict(manifest)
        except InputError as exc:
            notes.append(f"podLevelResources: not added, invalid pod: {exc}")
        else:
            got = pod_level_resources_patch(obj, pod)
            ops.extend(got.ops)
            notes.extend(got.notes)
    return MutationResult(ops, notes)


def mutation_response(uid: str, result: MutationResult) -> dict[str, Any]:
    """The AdmissionReview answering a mutation (always allowed)."""
    return review_response(uid, True, warnings=[f"podfit {n}" for n in result.notes], patch=result.ops)
