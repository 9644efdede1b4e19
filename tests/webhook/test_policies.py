"""Policies other than the example: onError Deny, an evaluation cut at its deadline, gates no node
shape serves; and the certificate reloaded when its files change."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.webhook.conftest import EXAMPLE_POLICY, Certs, Server, answer, pod, review, start, write_policy

DB = {"cpu": "6", "memory": "12Gi"}


@pytest.fixture(scope="module")
def strict(certs: Certs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """onError: Deny; node shapes: the 1.35 one (no pod-level resource managers) and a 1.36 one
    with PodLevelResources off."""
    doc = yaml.safe_load(EXAMPLE_POLICY.read_text())
    general = doc["spec"]["nodeShapes"][1]
    off = {
        "name": "plr-off",
        "kubeletVersion": "1.36",
        "machine": general["machine"],
        "kubeletConfig": {
            **general["kubeletConfig"],
            # 1.36 refuses PodLevelResources off while InPlacePodLevelResourcesVerticalScaling is on
            "featureGates": {"PodLevelResources": False, "InPlacePodLevelResourcesVerticalScaling": False},
        },
    }
    path = write_policy(
        tmp_path_factory.mktemp("strict"), "strict", onError="Deny", nodeShapes=[general, off]
    )
    yield from start(path, certs)


@pytest.fixture(scope="module")
def slow(certs: Certs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """300 node shapes and a 10 ms deadline: every evaluation is cut (onError: Deny)."""
    doc = yaml.safe_load(EXAMPLE_POLICY.read_text())
    db = doc["spec"]["nodeShapes"][0]
    db["kubeletConfig"] = yaml.safe_load((EXAMPLE_POLICY.parent / db["kubeletConfig"]).read_text())
    shapes = [{**db, "name": f"db-{i}"} for i in range(300)]
    path = write_policy(
        tmp_path_factory.mktemp("slow"), "slow", onError="Deny", deadlineSeconds=0.01, nodeShapes=shapes
    )
    yield from start(path, certs, "--cache-size", "0")


def test_invalid_pod_is_denied_per_on_error_deny(strict: Server) -> None:
    with strict.client() as c:
        resp = answer(
            c.post("/validate", json=review(pod(containers=[("a", {"cpu": "x", "memory": "1Gi"})])))
        )
    assert resp["allowed"] is False
    assert "podfit could not evaluate this pod: invalid pod" in resp["status"]["message"]


def test_no_shape_serves_pod_level_resources(strict: Server) -> None:
    manifest = pod(pod_resources={"cpu": "8", "memory": "16Gi"}, containers=[("db", DB)])
    with strict.client() as c:
        resp = answer(c.post("/validate", json=review(manifest)))
    assert resp["allowed"] is False
    message = resp["status"]["message"]
    assert "featureGates: no node shape serves this pod's pod-level resources" in message
    assert "general-1s: kubelet 1.35 pins no container" in message
    assert "plr-off: kubelet 1.36 rejects pod-level resources (PodLevelResourcesNotSupported" in message
    # the 1.36 kubelet's admit handler rejects it; the 1.35 one admits it, unpinned
    assert "nodeShapeAlignment" not in message
    assert any("rejected on plr-off: PodLevelResourcesNotSupported" in w for w in resp["warnings"])


def test_container_level_pod_fits(strict: Server) -> None:
    with strict.client() as c:
        resp = answer(c.post("/validate", json=review(pod(containers=[("db", DB)]))))
    assert resp["allowed"] is True


@pytest.mark.parametrize("http2", [True, False], ids=["HTTP/2", "HTTP/1.1"])
def test_slow_evaluation_is_cut_at_the_deadline(slow: Server, http2: bool) -> None:
    with slow.client(http2=http2) as c:
        resp = answer(c.post("/validate", json=review(pod(containers=[("db", DB)]))))
        metrics = c.get("/metrics").text
    assert resp["allowed"] is False
    assert "evaluation passed its deadline of 0.01s" in resp["status"]["message"]
    assert 'podfit_webhook_evaluation_errors_total{kind="deadline"}' in metrics


def _handshake(server: Server, ca: Path) -> bool:
    """Whether a new TLS connection trusting only ``ca`` reaches the server."""
    try:
        with server.client(http2=False, ca=ca) as c:
            return bool(c.get("/healthz").status_code == 200)
    except Exception as exc:  # the handshake's verification error, wrapped by httpx
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(exc.__context__, ssl.SSLError):
            return False
        raise


def _eventually(check: Any, seconds: float = 60) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_certificate_is_reloaded_when_its_files_change(tmp_path: Path) -> None:
    import trustme

    certs = Certs(tmp_path / "tls")
    for server in start(EXAMPLE_POLICY, certs, "--cert-check-interval", "0.1"):
        first_ca = certs.ca_file
        assert _handshake(server, first_ca)
        second = trustme.CA()
        second_ca = tmp_path / "second-ca.crt"
        second.cert_pem.write_to_path(str(second_ca))
        assert not _handshake(server, second_ca)
        Certs.issue(second, certs.cert, certs.key)

        # the workers are respawned one by one, the old one stops a moment after the new one
        # starts: wait until every new connection gets the new certificate
        def only_the_new_one(server: Server = server, new: Path = second_ca, old: Path = first_ca) -> bool:
            return all(_handshake(server, new) for _ in range(5)) and not any(
                _handshake(server, old) for _ in range(5)
            )

        assert _eventually(only_the_new_one), server.log.read_text()
        with server.client(ca=second_ca) as c:  # and it still answers reviews
            assert answer(c.post("/validate", json=review(pod())))["allowed"] is True
