"""Generated manifests: the webhook's deploy manifests, the ValidatingAdmissionPolicies and the
manifest-based static admission files validate against the strict admissionregistration.k8s.io/v1
schema (tests/data/schemas, from the v1.36.2 OpenAPI document: tools/gen_admissionregistration_schema.py),
and the static form keeps the manifest-based admission rules."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.admission_policy.decode import policy_from_dict
from podfit.admission_policy.manifests import (
    DeployOptions,
    deploy_manifests,
    merge_selectors,
    webhook_configurations,
)
from podfit.admission_policy.vap import (
    admission_configuration,
    static_manifests,
    validating_admission_policies,
)
from podfit.cli.main import main
from podfit.io.policy import resolved_policy_document

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "webhook" / "policy.yaml"
SCHEMA = json.loads(
    (ROOT / "tests" / "data" / "schemas" / "admissionregistration.k8s.io-v1.strict.json").read_text()
)
ADMISSION_KINDS = {
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
}


def validate(obj: dict[str, Any]) -> None:
    schema = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{obj['kind']}"}
    jsonschema.Draft202012Validator(schema).validate(obj)


@pytest.fixture(scope="module")
def policy() -> Any:
    return policy_from_dict(resolved_policy_document(EXAMPLE))


def test_the_schema_is_strict() -> None:
    vap = validating_admission_policies(policy_from_dict(resolved_policy_document(EXAMPLE)))[0]
    validate(vap)
    bad = copy.deepcopy(vap)
    bad["spec"]["validations"][0]["expresion"] = "true"  # a typo
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        validate(bad)
    bad = copy.deepcopy(vap)
    bad["spec"]["failurePolicy"] = "Sometimes"
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)


@pytest.mark.parametrize(
    "opts",
    [
        DeployOptions(cert_manager_issuer=""),
        DeployOptions(cert_manager_issuer="ClusterIssuer/corp-ca", namespace="infra", name="fit"),
        DeployOptions(ca_bundle=b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
    ],
    ids=["cert-manager self-signed", "cert-manager issuer", "ca bundle"],
)
def test_deploy_manifests(policy: Any, opts: DeployOptions) -> None:
    objects = deploy_manifests(policy, "{}", opts)
    kinds = [o["kind"] for o in objects]
    assert {"ConfigMap", "Deployment", "PodDisruptionBudget", "Service"} <= set(kinds)
    assert kinds[-2:] == ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"]
    for obj in objects:
        if obj["kind"] in ADMISSION_KINDS:
            validate(obj)
    validating, mutating = objects[-2:]
    hook = validating["webhooks"][0]
    assert hook["clientConfig"]["service"] == {
        "namespace": opts.namespace,
        "name": opts.name,
        "path": "/validate",
        "port": 443,
    }
    assert (hook["timeoutSeconds"], hook["failurePolicy"], hook["sideEffects"]) == (5, "Fail", "None")
    own = {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": [opts.namespace]}
    assert own in hook["namespaceSelector"]["matchExpressions"]  # never its own namespace
    assert [h["clientConfig"]["service"]["path"] for h in mutating["webhooks"]] == [
        "/mutate/sidecarRestartPolicy",
        "/mutate/podLevelResources",
    ]
    plr = mutating["webhooks"][1]["namespaceSelector"]
    assert plr["matchLabels"] == {"podfit.io/pod-level-resources": "true"}
    if opts.ca_bundle is not None:
        assert base64.b64decode(hook["clientConfig"]["caBundle"]) == opts.ca_bundle
        assert "Certificate" not in kinds
    else:
        assert (
            validating["metadata"]["annotations"]["cert-manager.io/inject-ca-from"]
            == f"{opts.namespace}/{opts.name}"
        )
        cert = next(o for o in objects if o["kind"] == "Certificate")
        assert cert["spec"]["dnsNames"][0] == f"{opts.name}.{opts.namespace}.svc"


def test_vap_and_bindings(policy: Any) -> None:
    objects = validating_admission_policies(policy)
    assert [o["kind"] for o in objects] == [
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ] * 2
    for obj in objects:
        validate(obj)
    names = [o["metadata"]["name"] for o in objects]
    assert names == [
        "podfit-production-pod-cpu-budget-integer",
        "podfit-production-pod-cpu-budget-integer-binding",
        "podfit-production-empty-pod-shared-pool",
        "podfit-production-empty-pod-shared-pool-binding",
    ]
    assert objects[1]["spec"] == {"policyName": names[0], "validationActions": ["Deny"]}


def test_warn_rules_bind_with_warn(policy: Any) -> None:
    doc = resolved_policy_document(EXAMPLE)
    doc["spec"]["rules"]["podCPUBudgetInteger"] = "Warn"
    doc["spec"]["rules"]["emptyPodSharedPool"] = "Ignore"
    objects = validating_admission_policies(policy_from_dict(doc))
    assert len(objects) == 2 and objects[1]["spec"]["validationActions"] == ["Warn"]


def test_static_manifests(policy: Any) -> None:
    per_plugin = static_manifests(policy, "https://podfit.example.com:8443")
    assert set(per_plugin) == {
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionWebhook",
        "MutatingAdmissionWebhook",
    }
    for plugin, objects in per_plugin.items():
        for obj in objects:
            validate(obj)
            assert obj["metadata"]["name"].endswith(".static.k8s.io"), obj["metadata"]
            assert "paramKind" not in obj.get("spec", {}) and "paramRef" not in obj.get("spec", {})
            if obj["kind"] == "ValidatingAdmissionPolicyBinding":
                assert obj["spec"]["policyName"].endswith(".static.k8s.io")
                assert obj["spec"]["policyName"] in {o["metadata"]["name"] for o in per_plugin[plugin]}
            for hook in obj.get("webhooks", []):
                assert set(hook["clientConfig"]) == {"url"} and hook["clientConfig"]["url"].startswith(
                    "https://"
                )
    config = admission_configuration("/etc/kubernetes/admission", list(per_plugin))
    assert config["kind"] == "AdmissionConfiguration"
    assert [p["configuration"]["staticManifestsDir"] for p in config["plugins"]] == [
        "/etc/kubernetes/admission/validating-policies/",
        "/etc/kubernetes/admission/validating-webhooks/",
        "/etc/kubernetes/admission/mutating-webhooks/",
    ]


def test_merge_selectors() -> None:
    a = {"matchLabels": {"x": "1"}, "matchExpressions": [{"key": "k", "operator": "Exists"}]}
    b = {"matchLabels": {"y": "2"}}
    assert merge_selectors(a, None, b) == {
        "matchLabels": {"x": "1", "y": "2"},
        "matchExpressions": [{"key": "k", "operator": "Exists"}],
    }
    assert merge_selectors(None, {}) == {}


def test_webhook_configurations_without_mutations(policy: Any) -> None:
    doc = resolved_policy_document(EXAMPLE)
    del doc["spec"]["mutations"]
    assert [o["kind"] for o in webhook_configurations(policy_from_dict(doc), DeployOptions())] == [
        "ValidatingWebhookConfiguration"
    ]


def test_cli_policy_and_manifests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", str(EXAMPLE)]) == 0
    out, err = capsys.readouterr()
    docs = list(yaml.safe_load_all(out))
    assert [d["kind"] for d in docs] == ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"] * 2
    assert "only the webhook checks nodeShapeAlignment, sidecarPodSharedPool, unpinnedContainers" in err
    target = tmp_path / "static"
    assert (
        main(
            ["policy", str(EXAMPLE), "--static", "-o", str(target), "--webhook-url", "https://10.0.0.5:8443"]
        )
        == 0
    )
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.yaml"))
    assert files == [
        "admission-configuration.yaml",
        "mutating-webhooks/podfit-production.yaml",
        "validating-policies/podfit-production.yaml",
        "validating-webhooks/podfit-production.yaml",
    ]
    for path in target.rglob("*/*.yaml"):
        for obj in yaml.safe_load_all(path.read_text()):
            validate(obj)
    capsys.readouterr()
    assert main(["webhook", "manifests", "--policy", str(EXAMPLE), "--cert-manager"]) == 0
    objects = list(yaml.safe_load_all(capsys.readouterr().out))
    config = next(o for o in objects if o["kind"] == "ConfigMap")
    inlined = json.loads(config["data"]["policy.yaml"])
    assert isinstance(inlined["spec"]["nodeShapes"][0]["kubeletConfig"], dict)  # the file reference inlined


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["webhook", "manifests", "--policy", str(EXAMPLE)], "give exactly one of --ca-bundle"),
        (["webhook", "manifests", "--policy", str(EXAMPLE), "--cert-manager-issuer", "Foo/x"], "Issuer/NAME"),
        (["policy", str(EXAMPLE), "--static"], "--static writes a directory"),
        (["policy", str(EXAMPLE), "--webhook-url", "https://x"], "only with --static"),
        (["webhook", "serve", "--policy", str(EXAMPLE)], "give --cert and --key"),
        (
            ["webhook", "serve", "--policy", str(EXAMPLE), "--cert", "/nope.crt", "--key", "/nope.key"],
            "no such file",
        ),
        (["webhook", "serve", "--policy", "/nope.yaml"], "/nope.yaml"),
    ],
)
def test_cli_errors_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
