"""AdmissionReview documents (admission.k8s.io/v1): the request the API server posts, and the
response the webhook returns (allowed or denied with a status, warnings, a JSON patch).

A document that is not a v1 AdmissionReview of a core/v1 Pod is an :class:`~podfit.errors.InputError`
naming the field (the server answers it with HTTP 400).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from podfit.admission_policy.values import PatchOp
from podfit.errors import InputError

__all__ = [
    "ADMISSION_API_VERSION",
    "MAX_REVIEW_BYTES",
    "MAX_WARNING_CHARS",
    "ReviewRequest",
    "decode_review",
    "pod_manifest",
    "review_response",
]

ADMISSION_API_VERSION: Final = "admission.k8s.io/v1"
MAX_REVIEW_BYTES: Final = 3 * 1024 * 1024  # the API server's request body limit
MAX_WARNING_CHARS: Final = 256  # longer warnings may be truncated by the API server
_OPERATIONS: Final = ("CREATE", "UPDATE", "DELETE", "CONNECT")


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """The parts of an AdmissionRequest the webhook reads."""

    uid: str
    operation: str
    namespace: str
    name: str
    sub_resource: str
    obj: Mapping[str, Any] | None

    @property
    def evaluated(self) -> bool:
        """A pod being created (updates, deletes and subresources are let through)."""
        return self.operation == "CREATE" and not self.sub_resource and self.obj is not None


def _str(obj: Mapping[str, Any], key: str, field: str, required: bool = False) -> str:
    value = obj.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(field, f"expected a string, got {type(value).__name__}")
    if required and not value:
        raise InputError(field, "Required value")
    return value


def decode_review(doc: Any) -> ReviewRequest:
    """The request of an admission.k8s.io/v1 AdmissionReview of a core/v1 Pod."""
    if not isinstance(doc, Mapping):
        raise InputError("", f"expected an AdmissionReview object, got {type(doc).__name__}")
    kind = doc.get("kind")
    if kind != "AdmissionReview":
        raise InputError("kind", f'expected "AdmissionReview", got {kind!r}')
    version = doc.get("apiVersion")
    if version != ADMISSION_API_VERSION:
        raise InputError(
            "apiVersion",
            f"unsupported version {version!r}: podfit speaks {ADMISSION_API_VERSION} "
            '(admissionReviewVersions: ["v1"])',
        )
    request = doc.get("request")
    if not isinstance(request, Mapping):
        raise InputError("request", "Required value" if request is None else "expected an object")
    uid = _str(request, "uid", "request.uid", required=True)
    gvk = request.get("kind")
    if not isinstance(gvk, Mapping):
        raise InputError("request.kind", "Required value")
    group, ver, k = gvk.get("group", ""), gvk.get("version"), gvk.get("kind")
    if (group, ver, k) != ("", "v1", "Pod"):
        what = "/".join(str(p) for p in (group, ver) if p) + f" {k}"
        raise InputError("request.kind", f"podfit reviews core/v1 Pods, got {what}")
    operation = _str(request, "operation", "request.operation", required=True)
    if operation not in _OPERATIONS:
        raise InputError("request.operation", f"unknown operation {operation!r}")
    obj = request.get("object")
    if obj is not None and not isinstance(obj, Mapping):
        raise InputError("request.object", f"expected a Pod object, got {type(obj).__name__}")
    if operation in ("CREATE", "UPDATE") and obj is None:
        raise InputError("request.object", f"Required value for {operation}")
    if obj is not None and obj.get("kind", "Pod") != "Pod":
        raise InputError("request.object.kind", f'expected "Pod", got {obj.get("kind")!r}')
    return ReviewRequest(
        uid=uid,
        operation=operation,
        namespace=_str(request, "namespace", "request.namespace"),
        name=_str(request, "name", "request.name"),
        sub_resource=_str(request, "subResource", "request.subResource"),
        obj=obj,
    )


def pod_manifest(request: ReviewRequest) -> dict[str, Any]:
    """The pod of a CREATE review with what the API server fills in later (at mutating admission a
    pod may still have only a ``generateName``, and no namespace or UID)."""
    obj = dict(request.obj or {})
    meta = dict(obj.get("metadata") or {})
    if not meta.get("namespace"):
        meta["namespace"] = request.namespace or "default"
    if not meta.get("name"):
        meta["name"] = request.name or f"{meta.get('generateName') or 'pod-'}review"
    if not meta.get("uid"):
        meta["uid"] = request.uid
    obj["metadata"] = meta
    return obj


def _warning(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_WARNING_CHARS else text[: MAX_WARNING_CHARS - 1] + "…"


def review_response(
    uid: str,
    allowed: bool,
    *,
    message: str | None = None,
    code: int = 403,
    warnings: Sequence[str] = (),
    patch: Sequence[PatchOp] = (),
) -> dict[str, Any]:
    """An AdmissionReview carrying the response to request ``uid``."""
    response: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if not allowed:
        response["status"] = {"code": code, "message": message or "denied", "reason": "Forbidden"}
    elif message:
        response["status"] = {"code": 200, "message": message}
    if warnings:
        response["warnings"] = [_warning(w) for w in warnings]
    if patch:
        body = json.dumps([op.to_dict() for op in patch], separators=(",", ":")).encode()
        response["patchType"] = "JSONPatch"
        response["patch"] = base64.b64encode(body).decode("ascii")
    return {"apiVersion": ADMISSION_API_VERSION, "kind": "AdmissionReview", "response": response}
