"""Real AdmissionReview documents posted over TLS (HTTP/2 and HTTP/1.1) to a running webhook:
allowed / denied, warnings, patches, status codes, and every malformed case (HTTP 400)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from tests.webhook.conftest import Server, answer, pod, review

DB = {"cpu": "6", "memory": "12Gi"}
SIDE = {"cpu": "1", "memory": "1Gi"}

# (case, pod, allowed, rules whose findings must appear, rules that must not)
VALIDATE_CASES: list[tuple[str, dict[str, Any], bool, set[str], set[str]]] = [
    (
        "KEP-5526 database: sidecars in the pod shared pool",
        pod(
            pod_resources={"cpu": "8", "memory": "16Gi"},
            containers=[("db", DB)],
            sidecars=[("exporter", None)],
        ),
        True,
        {"sidecarPodSharedPool", "featureGates"},
        {"nodeShapeAlignment", "podCPUBudgetInteger", "emptyPodSharedPool"},
    ),
    (
        "pod CPU budget not a whole number of CPUs",
        pod(
            pod_resources={"cpu": "7500m", "memory": "16Gi"},
            containers=[("db", DB)],
            sidecars=[("exporter", None)],
        ),
        False,
        {"podCPUBudgetInteger"},
        set(),
    ),
    (
        "exclusive containers take the whole budget: empty pod shared pool",
        pod(
            pod_resources={"cpu": "6", "memory": "16Gi"},
            containers=[("db", DB)],
            sidecars=[("exporter", None)],
        ),
        False,
        {"emptyPodSharedPool"},
        {"podCPUBudgetInteger"},
    ),
    (
        "too big for every node shape",
        pod(containers=[("huge", {"cpu": "40", "memory": "8Gi"})]),
        False,
        {"nodeShapeAlignment"},
        set(),
    ),
    (
        "a plain Burstable pod: nothing to say",
        {
            **pod(),
            "spec": {
                "containers": [{"name": "web", "image": "x", "resources": {"requests": {"cpu": "100m"}}}]
            },
        },
        True,
        set(),
        {"unpinnedContainers", "sidecarPodSharedPool", "nodeShapeAlignment"},
    ),
    (
        "a Guaranteed pod with a fractional container: it is not pinned, and why",
        pod(containers=[("app", {"cpu": "2", "memory": "1Gi"}), ("log", {"cpu": "500m", "memory": "256Mi"})]),
        True,
        {"unpinnedContainers"},
        {"nodeShapeAlignment"},
    ),
]


@pytest.mark.parametrize("http2", [True, False], ids=["HTTP/2", "HTTP/1.1"])
@pytest.mark.parametrize(
    ("case", "manifest", "allowed", "present", "absent"), VALIDATE_CASES, ids=[c[0] for c in VALIDATE_CASES]
)
def test_validate(
    server: Server,
    http2: bool,
    case: str,
    manifest: dict[str, Any],
    allowed: bool,
    present: set[str],
    absent: set[str],
) -> None:
    with server.client(http2=http2) as c:
        r = c.post("/validate", json=review(manifest, uid=f"uid-{case}"))
    assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
    resp = answer(r)
    assert resp["uid"] == f"uid-{case}"
    assert resp["allowed"] is allowed
    if not allowed:
        assert resp["status"]["code"] == 403 and resp["status"]["message"].startswith("podfit: ")
    warned = {w.split(":")[0].removeprefix("podfit ") for w in resp.get("warnings", [])}
    assert present <= warned, resp
    assert not (absent & warned), resp
    assert all(len(w) <= 256 for w in resp.get("warnings", []))


def test_why_words_the_fractional_request(server: Server) -> None:
    manifest = pod(
        containers=[("app", {"cpu": "2", "memory": "1Gi"}), ("log", {"cpu": "500m", "memory": "256Mi"})]
    )
    with server.client() as c:
        resp = answer(c.post("/validate", json=review(manifest)))
    assert any(
        "container log not pinned: CPU request 500m not an integer (CPURequestNotInteger)" in w
        for w in resp["warnings"]
    )
    assert not any("container app " in w for w in resp["warnings"])


def test_uid_is_echoed_from_the_cache(server: Server) -> None:
    manifest = pod("cached", containers=[("app", {"cpu": "1", "memory": "1Gi"})])
    with server.client() as c:
        first = answer(c.post("/validate", json=review(manifest, uid="a")))
        second = answer(c.post("/validate", json=review(manifest, uid="b")))
    assert (first["uid"], second["uid"]) == ("a", "b")
    assert {k: v for k, v in first.items() if k != "uid"} == {k: v for k, v in second.items() if k != "uid"}


@pytest.mark.parametrize(
    ("operation", "obj", "extra"),
    [
        ("UPDATE", pod(pod_resources={"cpu": "7500m", "memory": "1Gi"}, containers=[("a", DB)]), {}),
        ("DELETE", None, {}),
        (
            "CREATE",
            pod(pod_resources={"cpu": "7500m", "memory": "1Gi"}, containers=[("a", DB)]),
            {"subResource": "status"},
        ),
    ],
    ids=["update", "delete", "subresource"],
)
def test_only_pod_creation_is_evaluated(
    server: Server, operation: str, obj: Any, extra: dict[str, Any]
) -> None:
    with server.client() as c:
        resp = answer(c.post("/validate", json=review(obj, operation=operation, **extra)))
    assert resp == {"uid": "uid-1", "allowed": True}


def _patch(resp: dict[str, Any]) -> list[dict[str, Any]]:
    assert resp["allowed"] is True
    if "patch" not in resp:
        return []
    assert resp["patchType"] == "JSONPatch"
    return list(json.loads(base64.b64decode(resp["patch"])))


MUTATE_CASES: list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "pod-level resources from the containers' sum",
        "/mutate/podLevelResources",
        pod(containers=[("db", DB), ("agent", SIDE)]),
        [
            {
                "op": "add",
                "path": "/spec/resources",
                "value": {
                    "requests": {"cpu": "7", "memory": "13Gi"},
                    "limits": {"cpu": "7", "memory": "13Gi"},
                },
            }
        ],
    ),
    (
        "a fractional sum is rounded up when containers want exclusive CPUs",
        "/mutate/podLevelResources",
        pod(containers=[("db", DB), ("log", {"cpu": "500m", "memory": "1Gi"})]),
        [
            {
                "op": "add",
                "path": "/spec/resources",
                "value": {
                    "requests": {"cpu": "7", "memory": "13Gi"},
                    "limits": {"cpu": "7", "memory": "13Gi"},
                },
            }
        ],
    ),
    (
        "a pod that already has pod-level resources is left alone",
        "/mutate/podLevelResources",
        pod(pod_resources={"cpu": "8", "memory": "16Gi"}, containers=[("db", DB)]),
        [],
    ),
    (
        "a listed sidecar becomes restartable",
        "/mutate/sidecarRestartPolicy",
        pod(inits=[("setup", None), ("istio-proxy", None)], containers=[("app", None)]),
        [{"op": "add", "path": "/spec/initContainers/1/restartPolicy", "value": "Always"}],
    ),
    (
        "both, sidecar first (its requests then count as a sidecar's)",
        "/mutate",
        pod(inits=[("istio-proxy", SIDE)], containers=[("db", DB)]),
        [
            {"op": "add", "path": "/spec/initContainers/0/restartPolicy", "value": "Always"},
            {
                "op": "add",
                "path": "/spec/resources",
                "value": {
                    "requests": {"cpu": "7", "memory": "13Gi"},
                    "limits": {"cpu": "7", "memory": "13Gi"},
                },
            },
        ],
    ),
]


@pytest.mark.parametrize(("case", "path", "manifest", "ops"), MUTATE_CASES, ids=[c[0] for c in MUTATE_CASES])
def test_mutate(
    server: Server, case: str, path: str, manifest: dict[str, Any], ops: list[dict[str, Any]]
) -> None:
    with server.client() as c:
        resp = answer(c.post(path, json=review(manifest)))
    assert _patch(resp) == ops


def test_mutate_rounding_is_said(server: Server) -> None:
    manifest = pod(containers=[("db", DB), ("log", {"cpu": "500m", "memory": "1Gi"})])
    with server.client() as c:
        resp = answer(c.post("/mutate/podLevelResources", json=review(manifest)))
    assert any("rounded up from 6500m to 7" in w for w in resp["warnings"])


def test_unknown_mutation_is_404(server: Server) -> None:
    with server.client() as c:
        r = c.post("/mutate/nope", json=review(pod()))
    assert r.status_code == 404 and "no mutation 'nope'" in r.json()["message"]


def _review_with(**changes: Any) -> bytes:
    doc = review(pod())
    for dotted, value in changes.items():
        target = doc
        *parents, last = dotted.split("__")
        for p in parents:
            target = target[p]
        if value is _DROP:
            del target[last]
        else:
            target[last] = value
    return json.dumps(doc).encode()


_DROP = object()
_GOOD = json.dumps(review(pod())).encode()

MALFORMED: list[tuple[str, bytes, str]] = [
    ("empty body", b"", "empty body"),
    ("not JSON", b"hello", "malformed or truncated JSON"),
    ("truncated JSON", _GOOD[: len(_GOOD) // 2], "malformed or truncated JSON"),
    ("not UTF-8", b"\xff\xfe{", "JSON"),
    ("a JSON list", b"[]", "expected an AdmissionReview object"),
    ("wrong kind", _review_with(kind="Pod"), 'kind: expected "AdmissionReview"'),
    ("wrong version", _review_with(apiVersion="admission.k8s.io/v1beta1"), "unsupported version"),
    ("no request", _review_with(request=_DROP), "request: Required value"),
    ("no uid", _review_with(request__uid=""), "request.uid: Required value"),
    (
        "not a pod",
        _review_with(request__kind={"group": "apps", "version": "v1", "kind": "Deployment"}),
        "podfit reviews core/v1 Pods",
    ),
    ("object not an object", _review_with(request__object=[1]), "request.object"),
    ("create without object", _review_with(request__object=None), "request.object: Required value"),
    ("unknown operation", _review_with(request__operation="PATCH"), "unknown operation"),
]


@pytest.mark.parametrize("path", ["/validate", "/mutate"])
@pytest.mark.parametrize(("case", "body", "reason"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_reviews_are_400(server: Server, path: str, case: str, body: bytes, reason: str) -> None:
    with server.client() as c:
        r = c.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    status = r.json()
    assert status["kind"] == "Status" and status["code"] == 400 and status["reason"] == "BadRequest"
    assert reason in status["message"]


OVER = 3 * 1024 * 1024 + 1


def _oversized() -> bytes:
    doc = review(pod())
    doc["request"]["object"]["metadata"]["annotations"] = {"filler": "x" * OVER}
    return json.dumps(doc).encode()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_review_is_400(server: Server, chunked: bool) -> None:
    body = _oversized()
    content: Any = body if not chunked else iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
    with server.client(http2=False) as c:
        r = c.post("/validate", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "over the limit of 3145728 bytes" in r.json()["message"]


def test_a_review_at_the_limit_is_answered(server: Server) -> None:
    doc = review(pod())
    base = len(json.dumps(doc).encode())
    doc["request"]["object"]["metadata"]["annotations"] = {"filler": ""}
    pad = 3 * 1024 * 1024 - len(json.dumps(doc).encode())
    doc["request"]["object"]["metadata"]["annotations"]["filler"] = "x" * pad
    body = json.dumps(doc).encode()
    assert len(body) == 3 * 1024 * 1024 > base
    with server.client() as c:
        resp = answer(c.post("/validate", content=body, headers={"content-type": "application/json"}))
    assert resp["allowed"] is True


def test_invalid_pod_is_answered_per_on_error_allow(server: Server) -> None:
    bad = pod(containers=[("app", {"cpu": "lots", "memory": "1Gi"})])
    with server.client() as c:
        resp = answer(c.post("/validate", json=review(bad)))
    assert resp["allowed"] is True
    assert any("could not evaluate this pod (onError: Allow): invalid pod" in w for w in resp["warnings"])


def test_health_and_readiness(server: Server) -> None:
    with server.client() as c:
        assert c.get("/healthz").text == "ok"
        assert c.get("/readyz").text == "ok"
        assert c.get("/validate").status_code == 405


def test_metrics_count_requests_decisions_and_rules(server: Server) -> None:
    denied = pod(
        pod_resources={"cpu": "7500m", "memory": "16Gi"}, containers=[("db", DB)], sidecars=[("e", None)]
    )
    with server.client() as c:
        answer(c.post("/validate", json=review(denied)))
        c.post("/validate", content=b"{")
        text = c.get("/metrics").text
    lines = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert lines['podfit_webhook_requests_total{code="400",path="/validate"}'] >= 1
    assert lines['podfit_webhook_requests_total{code="200",path="/validate"}'] >= 1
    assert lines['podfit_webhook_decisions_total{decision="denied",webhook="validate"}'] >= 1
    assert lines['podfit_webhook_rule_findings_total{action="Deny",rule="podCPUBudgetInteger"}'] >= 1
    assert lines['podfit_webhook_request_duration_seconds_count{path="/validate"}'] >= 2
    assert "process_resident_memory_bytes" in text
