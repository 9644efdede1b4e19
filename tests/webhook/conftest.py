"""A real webhook server for the tests: ``podfit webhook serve`` started as a process on a free
loopback port, with TLS certificates made by trustme, and an httpx client (HTTP/1.1 or HTTP/2)
that trusts them."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("starlette")
pytest.importorskip("granian")
httpx = pytest.importorskip("httpx")
trustme = pytest.importorskip("trustme")
pytest.importorskip("h2")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_POLICY = ROOT / "examples" / "webhook" / "policy.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Certs:
    """A CA and a serving certificate for 127.0.0.1 / localhost, written to ``directory``."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.ca = trustme.CA()
        self.directory = directory
        self.cert = directory / "tls.crt"
        self.key = directory / "tls.key"
        self.ca_file = directory / "ca.crt"
        self.issue(self.ca, self.cert, self.key)
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    @staticmethod
    def issue(ca: Any, cert: Path, key: Path) -> None:
        """Write a serving certificate signed by ``ca`` (each file replaced atomically)."""
        issued = ca.issue_cert("127.0.0.1", "localhost")
        for path, blob in ((key, issued.private_key_pem), (cert, issued.cert_chain_pems[0])):
            tmp = path.with_suffix(".tmp")
            blob.write_to_path(str(tmp))
            os.replace(tmp, path)


class Server:
    """``podfit webhook serve`` on a free loopback port (stopped by :meth:`stop`)."""

    def __init__(self, policy: Path, certs: Certs, *extra: str) -> None:
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.certs = certs
        cmd = [sys.executable, "-m", "podfit.cli.main", "webhook", "serve", "--policy", str(policy)]
        cmd += [
            "--cert",
            str(certs.cert),
            "--key",
            str(certs.key),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.log = certs.directory / f"server-{self.port}.log"
        self.proc = subprocess.Popen(
            [*cmd, *extra], stdout=subprocess.DEVNULL, stderr=self.log.open("wb"), start_new_session=True
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the webhook exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                with self.client() as c:
                    if c.get("/readyz", timeout=2).status_code == 200:
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the webhook did not become ready: {self.log.read_text()}")

    def client(self, http2: bool = True, ca: Path | None = None) -> Any:
        verify = ssl.create_default_context(cafile=str(ca or self.certs.ca_file))
        return httpx.Client(http2=http2, verify=verify, base_url=self.url, timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def start(policy: Path, certs: Certs, *extra: str) -> Iterator[Server]:
    server = Server(policy, certs, *extra)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="package")
def server(certs: Certs) -> Iterator[Server]:
    """The example policy (onError: Allow, two node shapes, both mutations)."""
    yield from start(EXAMPLE_POLICY, certs)


def write_policy(directory: Path, name: str, **spec: Any) -> Path:
    """The example policy with ``spec`` fields replaced, written to ``directory``."""
    doc = yaml.safe_load(EXAMPLE_POLICY.read_text())
    for shape in doc["spec"]["nodeShapes"]:
        if isinstance(shape.get("kubeletConfig"), str):
            shape["kubeletConfig"] = yaml.safe_load(
                (EXAMPLE_POLICY.parent / shape["kubeletConfig"]).read_text()
            )
    doc["metadata"]["name"] = name
    doc["spec"].update(spec)
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def review(
    pod: dict[str, Any] | None, *, operation: str = "CREATE", uid: str = "uid-1", **request: Any
) -> dict[str, Any]:
    """An admission.k8s.io/v1 AdmissionReview of ``pod``."""
    req: dict[str, Any] = {
        "uid": uid,
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "operation": operation,
        "namespace": (pod or {}).get("metadata", {}).get("namespace", "default"),
        "object": pod,
    }
    req.update(request)
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req}


def pod(
    name: str = "p",
    *,
    pod_resources: dict[str, str] | None = None,
    containers: list[tuple[str, dict[str, str] | None]] = (("app", None),),  # type: ignore[assignment]
    sidecars: list[tuple[str, dict[str, str] | None]] = (),  # type: ignore[assignment]
    inits: list[tuple[str, dict[str, str] | None]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """A Pod manifest; a resources dict ``{cpu, memory}`` means requests = limits."""

    def container(n: str, res: dict[str, str] | None, restart: bool = False) -> dict[str, Any]:
        c: dict[str, Any] = {"name": n, "image": "registry.example.com/x:1"}
        if res is not None:
            c["resources"] = {"requests": dict(res), "limits": dict(res)}
        if restart:
            c["restartPolicy"] = "Always"
        return c

    spec: dict[str, Any] = {"containers": [container(n, r) for n, r in containers]}
    init = [container(n, r) for n, r in inits] + [container(n, r, True) for n, r in sidecars]
    if init:
        spec["initContainers"] = init
    if pod_resources is not None:
        spec["resources"] = {"requests": dict(pod_resources), "limits": dict(pod_resources)}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def answer(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    doc = json.loads(response.content)
    assert doc["apiVersion"] == "admission.k8s.io/v1" and doc["kind"] == "AdmissionReview"
    return dict(doc["response"])
