"""``serve-podresources``: a real gRPC server on a unix socket, filled as the kubelet fills it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.live.conftest import DEVICES, KEP5526, MEMORY, scenario, small_node, write_scenario

from podfit.live.simulated import SimulatedNode, simulated_node
from podfit.live.values import PodResources

grpc = pytest.importorskip("grpc", reason="the 'live' extra is not installed")

from podfit.live.messages import allocatable_from_message, pod_from_message  # noqa: E402
from podfit.live.podresources import load  # noqa: E402
from podfit.live.server import serve  # noqa: E402

pb, pb_grpc = load()


class Served:
    def __init__(self, node: SimulatedNode, sock: Path, version: str) -> None:
        self.server, self.servicer = serve(node.source(version), sock)
        self.channel = grpc.insecure_channel(f"unix:{sock}")
        self.stub = pb_grpc.PodResourcesListerStub(self.channel)

    def list(self) -> tuple[PodResources, ...]:
        reply = self.stub.List(pb.ListPodResourcesRequest(), timeout=5)
        return tuple(pod_from_message(p) for p in reply.pod_resources)

    def get(self, namespace: str, name: str) -> Any:
        req = pb.GetPodResourcesRequest(pod_name=name, pod_namespace=namespace)
        return pod_from_message(self.stub.Get(req, timeout=5).pod_resources)

    def close(self) -> None:
        self.channel.close()
        self.server.stop(0).wait()


@pytest.fixture
def served(sock_dir: Path) -> Iterator[Any]:
    opened: list[Served] = []

    def start(path: Path, version: str = "1.36", step: int | None = None) -> Served:
        s = Served(simulated_node(scenario(path), step), sock_dir / f"{len(opened)}.sock", version)
        opened.append(s)
        return s

    yield start
    for s in opened:
        s.close()


def _containers(p: PodResources) -> dict[str, tuple[int, ...]]:
    return {c.name: c.cpu_ids for c in p.containers}


def test_list_v136_reports_the_state_of_each_container(served: Any) -> None:
    """v1.36: GetCPUs reads the CPU manager's state, so the pod-shared sidecars report the pod shared
    pool (the gap PR #138738 closes); no pod-level fields."""
    (pod,) = served(KEP5526, "1.36", step=1).list()
    assert pod.key == "default/orders-db-0"
    assert [c.name for c in pod.containers] == ["metrics-exporter", "backup-agent", "database"]
    assert _containers(pod) == {
        "metrics-exporter": (4, 20),
        "backup-agent": (4, 20),
        "database": (1, 2, 3, 17, 18, 19),
    }
    assert pod.cpu_ids == () and pod.memory == ()
    assert [(m.memory_type, m.size, m.numa) for m in pod.containers[2].memory] == [("memory", 12 << 30, (0,))]


def test_list_v137_reports_the_pod_budget_and_only_isolated_containers(served: Any) -> None:
    (pod,) = served(KEP5526, "1.37", step=1).list()
    assert _containers(pod) == {"metrics-exporter": (), "backup-agent": (), "database": (1, 2, 3, 17, 18, 19)}
    assert pod.cpu_ids == (1, 2, 3, 4, 17, 18, 19, 20)
    assert [(m.memory_type, m.size, m.numa) for m in pod.memory] == [("memory", 16 << 30, (0,))]
    assert pod.containers[0].memory == ()
    # consumers compute the pod shared pool as pod cpu_ids minus the containers' union
    exclusive = {c for ctr in pod.containers for c in ctr.cpu_ids}
    assert sorted(set(pod.cpu_ids) - exclusive) == [4, 20]


def test_list_equals_the_source_and_follows_the_steps(served: Any) -> None:
    node = simulated_node(scenario(KEP5526))
    got = served(KEP5526).list()
    assert got == node.source("1.36").pods
    assert len(got) == len(node.node.pods)
    assert [p.key for p in served(KEP5526, step=0).list()] == []


def test_allocatable_is_every_cpu_but_reserved_and_memory_per_numa(served: Any) -> None:
    s = served(KEP5526)
    reply = allocatable_from_message(
        s.stub.GetAllocatableResources(pb.AllocatableResourcesRequest(), timeout=5)
    )
    assert reply.cpu_ids == tuple(range(1, 32))  # reservedSystemCPUs: "0"
    assert [(m.memory_type, m.numa) for m in reply.memory] == [("memory", (0,)), ("memory", (1,))]
    assert reply.memory[1].size == 64 << 30
    assert reply.memory[0].size == (64 << 30) - (1124 << 20)


def test_devices_per_device_and_numa(served: Any) -> None:
    s = served(DEVICES)
    pods = {p.name: p for p in s.list()}
    (ctr,) = pods["guaranteed-integer-cpu"].containers
    assert ctr.cpu_ids == (1, 9)
    assert [(d.resource_name, d.device_ids, d.numa) for d in ctr.devices] == [
        ("example.com/device", ("example.com/device#000#00000",), (0,))
    ]
    (both,) = pods["besteffort-devices"].containers
    assert sorted((d.resource_name, d.numa) for d in both.devices) == [
        ("example.com/deviceA", (0,)),
        ("example.com/deviceB", (1,)),
    ]
    assert pods["guaranteed-shared-cpu"].containers[0].cpu_ids == ()  # a 300m container: node shared pool
    reply = allocatable_from_message(
        s.stub.GetAllocatableResources(pb.AllocatableResourcesRequest(), timeout=5)
    )
    assert len(reply.devices) == 4 and all(len(d.device_ids) == 1 for d in reply.devices)
    assert reply.memory == ()  # memory manager policy None


def test_get_known_pod_and_errors_as_the_kubelet(served: Any) -> None:
    s = served(MEMORY)
    listed = s.list()
    first = listed[0]
    assert s.get(first.namespace, first.name) == first
    with pytest.raises(grpc.RpcError) as info:
        s.get("default", "no-such-pod")
    assert info.value.code() == grpc.StatusCode.UNKNOWN
    assert info.value.details() == "pod no-such-pod in namespace default not found"


def test_get_of_a_rejected_pod_lists_it_with_nothing_assigned(tmp_path: Path, sock_dir: Path) -> None:
    text = (
        small_node("reject", 2)
        + """pods:
  - {metadata: {name: fits}, spec: {containers: [{name: c, resources: {limits: {cpu: "1", memory: 1Gi}}}]}}
  - {metadata: {name: too-big}, spec: {containers: [{name: c, resources: {limits: {cpu: "1", memory: 1Gi}}}]}}
"""
    )
    node = simulated_node(write_scenario(tmp_path, text))
    assert [p.name for p in node.source().pods] == ["fits"]
    s = Served(node, sock_dir / "r.sock", "1.36")
    try:
        got = s.get("default", "too-big")
        assert [(c.name, c.cpu_ids) for c in got.containers] == [("c", ())]
        assert s.get("default", "fits").containers[0].cpu_ids == (1,)
    finally:
        s.close()


def test_get_disabled_in_v133_unless_the_gate_is_set(served: Any) -> None:
    s = served(MEMORY, "1.33")
    with pytest.raises(grpc.RpcError) as info:
        s.get("default", "anything")
    assert (info.value.code(), info.value.details()) == (
        grpc.StatusCode.UNKNOWN,
        "PodResources API Get method disabled",
    )


def test_init_containers_are_not_listed_sidecars_first(tmp_path: Path) -> None:
    text = (
        small_node("init", 4)
        + """pods:
  - metadata: {name: p}
    spec:
      initContainers:
        - {name: setup, resources: {limits: {cpu: "1", memory: 100Mi}}}
        - {name: side, restartPolicy: Always, resources: {limits: {cpu: "1", memory: 100Mi}}}
      containers: [{name: app, resources: {limits: {cpu: "1", memory: 100Mi}}}]
"""
    )
    (pod,) = simulated_node(write_scenario(tmp_path, text)).source().pods
    assert [c.name for c in pod.containers] == ["side", "app"]


def test_a_regular_file_at_the_socket_path_is_refused(sock_dir: Path) -> None:
    from podfit.errors import InputError

    path = sock_dir / "file.sock"
    path.write_text("not a socket")
    with pytest.raises(InputError, match="not a socket"):
        serve(simulated_node(scenario(MEMORY)).source(), path)
    assert path.read_text() == "not a socket"


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    for _ in range(300):
        if path.exists() or proc.poll() is not None:
            return
        time.sleep(0.05)


def test_cli_serves_until_sigterm_and_removes_its_socket(sock_dir: Path, tmp_path: Path) -> None:
    sock = sock_dir / "cli.sock"
    cmd = [sys.executable, "-m", "podfit.cli.main", "serve-podresources", str(KEP5526), "--socket", str(sock)]
    cmd += ["--pods-json", str(tmp_path / "pods.json"), "--checkpoint-dir", str(tmp_path / "state")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(sock, proc)
        channel = grpc.insecure_channel(f"unix:{sock}")
        stub = pb_grpc.PodResourcesListerStub(channel)
        reply = stub.List(pb.ListPodResourcesRequest(), timeout=10)
        channel.close()
        assert {p.name for p in reply.pod_resources} >= {"orders-db-0"}
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "serving PodResources v1 (1.36)" in err
    assert not sock.exists()
    assert (tmp_path / "state" / "cpu_manager_state").exists()
    assert (tmp_path / "pods.json").exists()


def test_cli_without_the_live_extra_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from podfit.cli.main import main

    for name in ("grpc", "google.protobuf"):
        monkeypatch.setitem(sys.modules, name, None)
    code = main(["serve-podresources", str(KEP5526), "--socket", "/tmp/unused.sock"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "pip install 'podfit[live]'" in err


def test_step_out_of_range_is_an_input_error(capsys: Any) -> None:
    from podfit.cli.main import main

    code = main(["serve-podresources", str(KEP5526), "--socket", "/tmp/unused.sock", "--step", "99"])
    assert code == 2
    assert "--step: 99 is out of range" in capsys.readouterr().err


def test_socket_path_too_long_is_an_input_error(tmp_path: Path) -> None:
    from podfit.errors import InputError

    long = tmp_path / ("x" * 120) / "s.sock"
    with pytest.raises(InputError, match="at most 107 bytes"):
        serve(simulated_node(scenario(MEMORY)).source(), long)
