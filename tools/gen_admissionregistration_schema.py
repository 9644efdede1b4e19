"""Write the strict JSON Schema of admissionregistration.k8s.io/v1 that the tests validate the
generated webhook configurations and ValidatingAdmissionPolicies against.

Input: the API server's published OpenAPI v3 document of the group
(``api/openapi-spec/v3/apis__admissionregistration.k8s.io__v1_openapi.json`` of a Kubernetes
release; v1.36.2 was used). Output: ``tests/data/schemas/admissionregistration.k8s.io-v1.strict.json``
(JSON Schema 2020-12): the component schemas without their descriptions, every object closed
(``additionalProperties: false``: the API server's strict field validation), int-or-string as
either, and the enumerations the API reference lists for the fields podfit writes (the OpenAPI
document states them in prose only).

    python tools/gen_admissionregistration_schema.py OPENAPI.json tests/data/schemas/admissionregistration.k8s.io-v1.strict.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PREFIX = "io.k8s.api.admissionregistration.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
KINDS = (
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
)
# field enumerations of the API reference (admissionregistration.k8s.io/v1 types)
ENUMS: dict[tuple[str, str], list[str]] = {
    ("ValidatingWebhook", "failurePolicy"): ["Ignore", "Fail"],
    ("MutatingWebhook", "failurePolicy"): ["Ignore", "Fail"],
    ("ValidatingWebhook", "sideEffects"): ["None", "NoneOnDryRun"],
    ("MutatingWebhook", "sideEffects"): ["None", "NoneOnDryRun"],
    ("ValidatingWebhook", "matchPolicy"): ["Exact", "Equivalent"],
    ("MutatingWebhook", "matchPolicy"): ["Exact", "Equivalent"],
    ("MutatingWebhook", "reinvocationPolicy"): ["Never", "IfNeeded"],
    ("ValidatingAdmissionPolicySpec", "failurePolicy"): ["Ignore", "Fail"],
    ("MatchResources", "matchPolicy"): ["Exact", "Equivalent"],
    ("RuleWithOperations", "scope"): ["Cluster", "Namespaced", "*"],
    ("NamedRuleWithOperations", "scope"): ["Cluster", "Namespaced", "*"],
}
ITEM_ENUMS: dict[tuple[str, str], list[str]] = {
    ("ValidatingAdmissionPolicyBindingSpec", "validationActions"): ["Deny", "Warn", "Audit"],
    ("RuleWithOperations", "operations"): ["CREATE", "UPDATE", "DELETE", "CONNECT", "*"],
    ("NamedRuleWithOperations", "operations"): ["CREATE", "UPDATE", "DELETE", "CONNECT", "*"],
    ("ValidatingWebhook", "admissionReviewVersions"): ["v1", "v1beta1"],
    ("MutatingWebhook", "admissionReviewVersions"): ["v1", "v1beta1"],
}
REQUIRED: dict[str, list[str]] = {
    # required by validation though optional in the Go types' JSON tags
    "ValidatingWebhook": ["name", "clientConfig", "sideEffects", "admissionReviewVersions"],
    "MutatingWebhook": ["name", "clientConfig", "sideEffects", "admissionReviewVersions"],
    "Validation": ["expression"],
    "Variable": ["name", "expression"],
}


def _short(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    for prefix in (PREFIX, META):
        if name.startswith(prefix):
            return name[len(prefix) :] if prefix == PREFIX else "meta." + name[len(prefix) :]
    return name


def _convert(schema: Any, owner: str, field: str = "") -> Any:
    if isinstance(schema, list):
        return [_convert(s, owner, field) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    if schema.get("x-kubernetes-int-or-string"):
        return {"type": ["integer", "string"]}
    for key, value in schema.items():
        if key in ("description", "default") or key.startswith("x-kubernetes"):
            continue
        if key == "$ref":
            out["$ref"] = "#/$defs/" + _short(value)
        elif key == "properties":
            out["properties"] = {k: _convert(v, owner, k) for k, v in value.items()}
        elif key == "format":
            continue
        else:
            out[key] = _convert(value, owner, field)
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if (owner, field) in ENUMS:
        out["enum"] = ENUMS[(owner, field)]
    if (owner, field) in ITEM_ENUMS and "items" in out:
        out["items"] = {**out["items"], "enum": ITEM_ENUMS[(owner, field)]}
    return out


def main(src: str, dst: str) -> None:
    doc = json.loads(Path(src).read_text())
    defs: dict[str, Any] = {}
    for name, schema in doc["components"]["schemas"].items():
        short = _short(name)
        converted = _convert(schema, short)
        if short in REQUIRED:
            converted["required"] = sorted(set(converted.get("required", [])) | set(REQUIRED[short]))
        if short in KINDS:
            props = converted["properties"]
            props["apiVersion"] = {"const": "admissionregistration.k8s.io/v1"}
            props["kind"] = {"const": short}
            converted["required"] = sorted(
                set(converted.get("required", [])) | {"apiVersion", "kind", "metadata"}
            )
        defs[short] = converted
    out = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "generated by tools/gen_admissionregistration_schema.py from the Kubernetes v1.36.2 OpenAPI v3 document",
        "$defs": dict(sorted(defs.items())),
    }
    Path(dst).write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
