"""Manifests in the shapes real repositories and real tools hand over (each written for this test
after a file met in a public repository or a tool's output; the origin is named per case): every
one goes in with exit 0 and the pods it stands for, or exit 2 with one line naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podfit.cli.main import main

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  uid: 6b1d7c1e-0000-4000-8000-000000000001
  resourceVersion: "4711"
  managedFields:
  - manager: kubectl-client-side-apply
    operation: Update
spec:
  containers:
  - name: web
    image: nginx
    resources:
      limits: {cpu: "1", memory: 256Mi}
status:
  phase: Running
  qosClass: Guaranteed
"""

HELM_EMPTY_VALUE = """---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: shop
          image: "shop:1.0"
          resources:
            limits:
              cpu:
              memory: 256Mi
"""

KUSTOMIZE_PATCH = """# a strategic-merge patch of an overlay (kubeflow/trainer manifests/overlays/*/patches)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: controller-manager
spec:
  template:
    metadata:
      annotations:
        traffic.sidecar.istio.io/excludeInboundPorts: "9443"
"""

HELM_TEMPLATE = """{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
{{- end }}
"""

EMPTY_NAMESPACE = """apiVersion: v1
items: []
kind: List
metadata:
  resourceVersion: ""
"""

# what the API server itself returns (kubectl get --raw /apis/apps/v1/deployments): a typed list
# whose items carry no apiVersion or kind
DEPLOYMENT_LIST = """{"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {},
 "items": [{"metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}]}
"""

# id -> (file bytes, exit code, pods, a line stderr must hold, JSON warning codes)
CASES: dict[str, tuple[bytes, int, int, str, list[str]]] = {
    # kubectl get pod -o yaml > pod.yaml in Windows PowerShell 5 (kubernetes#39007)
    "utf16-le-bom": (POD.encode("utf-16"), 0, 1, "", []),
    "utf16-be-bom": (b"\xfe\xff" + POD.encode("utf-16-be"), 0, 1, "", []),
    "utf8-bom-crlf": (b"\xef\xbb\xbf" + POD.replace("\n", "\r\n").encode(), 0, 1, "", []),
    # a comment written in Latin-1 / GBK: kubectl's UTF-8 decoder makes the bytes U+FFFD
    "latin1-comment": (
        POD.replace("spec:", "# r\xe9serv\xe9\nspec:", 1).encode("latin-1"),
        0,
        1,
        "line 11: bytes that are not UTF-8 read as U+FFFD",
        ["InvalidUTF8"],
    ),
    "utf16-bom-then-odd-bytes": (b"\xff\xfe\x00kind", 2, 0, "not UTF-8 text, nor UTF-16", []),
    # helm template with `cpu: {{ .Values.cpu }}` and no value: null, which the API server reads as 0
    "helm-empty-quantity": (HELM_EMPTY_VALUE.encode(), 0, 2, "", []),
    "kustomize-patch": (
        KUSTOMIZE_PATCH.encode(),
        0,
        0,
        "skipped Deployment/controller-manager: its pod template has no containers",
        [],
    ),
    # kubectl get pods -o yaml in an empty namespace; a nil slice written by encoding/json
    "empty-list": (EMPTY_NAMESPACE.encode(), 0, 0, "an empty List (no items): nothing to add", []),
    "null-items": (b"apiVersion: v1\nkind: PodList\nitems: null\n", 0, 0, "an empty PodList", []),
    "typed-list-items-without-kind": (DEPLOYMENT_LIST.encode(), 0, 2, "", []),
    # a chart's templates/deployment.yaml given as it is
    "unrendered-helm-chart": (HELM_TEMPLATE.encode(), 2, 0, "render it first: helm template", []),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_shapes(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, code, pods, line, codes = CASES[case]
    path = tmp_path / "manifest.yaml"
    path.write_bytes(data)
    got = main(["simulate", "--preset", "xeon-gold-6230-2s", "-f", str(path), "-o", "json"])
    out = capsys.readouterr()
    assert got == code, out.err
    assert "Traceback" not in out.err and "internal error" not in out.err
    assert line in out.err
    if code == 0:
        doc = json.loads(out.out)
        assert [s["admitted"] for s in doc["steps"]] == [True] * pods
        assert [w["code"] for w in doc["warnings"]] == codes
    else:
        (err,) = out.err.splitlines()
        assert err.startswith(f"podfit: error: {path}: ")


def test_strict_refuses_bytes_that_are_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pod.yaml"
    path.write_bytes(CASES["latin1-comment"][0])
    assert main(["simulate", "--preset", "xeon-gold-6230-2s", "-f", str(path), "--strict"]) == 2
    assert "not UTF-8 text (byte " in capsys.readouterr().err


def test_a_node_object_is_no_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``kubectl get node -o yaml`` given as --machine: one line saying what to use instead."""
    node = tmp_path / "node.yaml"
    node.write_text(
        "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"
        "status:\n  capacity: {cpu: '16', memory: 64Gi, hugepages-1Gi: '0', pods: '110'}\n"
    )
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    assert main(["simulate", "--machine", str(node), "-f", str(pod)]) == 2
    (err,) = capsys.readouterr().err.splitlines()
    assert "holds no CPU/NUMA topology: run `podfit capture-machine`" in err
