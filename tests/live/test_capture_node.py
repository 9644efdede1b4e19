"""``capture-node``: a fake node root (sysfs, kubelet dir, /proc, a served PodResources socket)
captured into a bundle; missing pieces are manifest notes; writes are atomic under kill -9."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.io.test_sysfs import linux_rows, write_tree
from tests.live.conftest import KEP5526, scenario

from podfit.cli.main import main
from podfit.io.checkpoints import write_checkpoints
from podfit.live.bundle import read_bundle, write_bundle
from podfit.live.capture import CaptureOptions, capture_node, kubelet_config_flag
from podfit.live.simulated import SimulatedNode, simulated_node
from podfit.live.values import pods_from_json

GI_KB = 1 << 20


def make_root(root: Path, node: SimulatedNode, *, config: bool = True) -> Path:
    """A node's filesystem: sysfs of the scenario's 2x8x2 machine, the kubelet dir with the
    node's checkpoint files, a kubelet process whose --config points at its config file."""
    pages = {2048: 0, 1048576: 0}
    write_tree(
        root / "sys",
        linux_rows(2, 1, 8, 2),
        memory_kb={0: 64 * GI_KB, 1: 64 * GI_KB},
        hugepages={0: pages, 1: pages},
    )
    write_checkpoints(root / "var/lib/kubelet", node.node)
    (root / "var/lib/kubelet/pod-resources").mkdir(parents=True)
    if config:
        (root / "etc/kubernetes").mkdir(parents=True)
        (root / "etc/kubernetes/kubelet.yaml").write_text("kind: KubeletConfiguration\n")
        (root / "proc/4242").mkdir(parents=True)
        (root / "proc/4242/cmdline").write_bytes(
            b"/usr/bin/kubelet\0--config=/etc/kubernetes/kubelet.yaml\0--v=2\0"
        )
    (root / "etc/hostname").parent.mkdir(parents=True, exist_ok=True)
    (root / "etc/hostname").write_text("worker-1\n")
    return root


@pytest.fixture
def kep_node() -> SimulatedNode:
    return simulated_node(scenario(KEP5526), 1)


@pytest.fixture
def served_root(sock_dir: Path, kep_node: SimulatedNode) -> Iterator[Path]:
    pytest.importorskip("grpc", reason="the 'live' extra is not installed")
    from podfit.live.server import serve

    root = make_root(sock_dir, kep_node)
    server, _ = serve(kep_node.source("1.36"), root / "var/lib/kubelet/pod-resources/kubelet.sock")
    yield root
    server.stop(0).wait()


def _items(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in manifest["items"]}


def test_capture_against_a_served_node(served_root: Path, tmp_path: Path, kep_node: SimulatedNode) -> None:
    pods = tmp_path / "pods.json"
    pods.write_text(json.dumps(kep_node.pods_document()))
    out = tmp_path / "b.tar.gz"
    code = main(["capture-node", "--root", str(served_root), "--pods", str(pods), "-o", str(out)])
    assert code == 0
    bundle = read_bundle(out)
    items = _items(bundle.manifest)
    assert {n for n, i in items.items() if i["status"] == "found"} >= {
        "sysfs",
        "machine.yaml",
        "kubelet/cpu_manager_state",
        "kubelet/memory_manager_state",
        "kubelet/cmdline",
        "kubelet/config.yaml",
        "podresources/list.json",
        "podresources/allocatable.json",
        "podresources/get/default/orders-db-0.json",
        "pods.json",
    }
    assert items["kubelet/config.yaml"]["source"].endswith("/etc/kubernetes/kubelet.yaml")
    assert items["kubelet/device-plugins/kubelet_internal_checkpoint"]["reason"] == "no such file"
    assert bundle.manifest["node"] == "worker-1"
    # the checkpoint files are copied byte for byte, the PodResources answers read back exactly
    assert (
        bundle.files["kubelet/cpu_manager_state"]
        == (served_root / "var/lib/kubelet/cpu_manager_state").read_bytes()
    )
    listed = pods_from_json(json.loads(bundle.files["podresources/list.json"]))
    assert listed == kep_node.source("1.36").pods
    from podfit.live.podresources import load

    pb, _ = load()
    raw = pb.ListPodResourcesResponse.FromString(bundle.files["podresources/list.pb"])
    assert len(raw.pod_resources) == len(listed)


def test_missing_everything_is_notes_not_a_failure(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    files, manifest = capture_node(CaptureOptions(root=root, timeout=0.5))
    items = _items(manifest)
    assert set(files) == set()
    assert items["sysfs"]["reason"] == "no devices/system/cpu files"
    assert "no such socket" in items["podresources"]["reason"]
    assert items["pods.json"]["status"] == "missing"
    out = tmp_path / "b.tar.gz"
    assert main(["capture-node", "--root", str(root), "--timeout", "0.5", "-o", str(out)]) == 0
    assert read_bundle(out).manifest["items"] == manifest["items"]


def test_a_socket_that_does_not_answer_times_out_and_is_named(sock_dir: Path) -> None:
    pytest.importorskip("grpc", reason="the 'live' extra is not installed")
    path = sock_dir / "var/lib/kubelet/pod-resources/kubelet.sock"
    path.parent.mkdir(parents=True)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(str(path))
    silent.listen(8)  # accepts connections into the backlog, never speaks HTTP/2
    try:
        _, manifest = capture_node(CaptureOptions(root=sock_dir, timeout=0.3))
    finally:
        silent.close()
    reason = _items(manifest)["podresources"]["reason"]
    assert reason == f"{path}: no answer within 0.3s (time-out connecting)"


def test_a_stale_file_at_the_socket_path(sock_dir: Path) -> None:
    pytest.importorskip("grpc", reason="the 'live' extra is not installed")
    path = sock_dir / "var/lib/kubelet/pod-resources/kubelet.sock"
    path.parent.mkdir(parents=True)
    path.write_text("")
    _, manifest = capture_node(CaptureOptions(root=sock_dir, timeout=0.3))
    assert _items(manifest)["podresources"]["reason"] == f"{path}: not a unix socket"


def test_a_huge_state_file_is_skipped_with_its_size(tmp_path: Path) -> None:
    state = tmp_path / "var/lib/kubelet"
    state.mkdir(parents=True)
    with (state / "cpu_manager_state").open("wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse 100 MB
    _, manifest = capture_node(CaptureOptions(root=tmp_path, podresources=False))
    assert (
        _items(manifest)["kubelet/cpu_manager_state"]["reason"]
        == "104857600 bytes, over the 67108864 byte limit"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["kubelet", "--config=/a.yaml"], "/a.yaml"),
        (["kubelet", "--v=2", "--config", "/b.yaml"], "/b.yaml"),
        (["kubelet", "--config"], None),
        (["kubelet"], None),
    ],
)
def test_kubelet_config_flag(argv: list[str], expected: str | None) -> None:
    assert kubelet_config_flag(argv) == expected


def test_bad_timeout_is_an_input_error(tmp_path: Path, capsys: Any) -> None:
    assert main(["capture-node", "--timeout", "0", "-o", str(tmp_path / "x.tar.gz")]) == 2
    assert "--timeout" in capsys.readouterr().err
    assert not (tmp_path / "x.tar.gz").exists()


# ----- atomic writes under kill -9 ---------------------------------------------------------------
_WRITER = """
import sys
from pathlib import Path
from podfit.live.bundle import write_bundle
from podfit.io.files import write_atomic
target, kind = Path(sys.argv[1]), sys.argv[2]
i = 0
while True:
    i += 1
    body = (str(i) * 200_000).encode()  # a few hundred kB: the write takes a while
    if kind == "bundle":
        write_bundle(target, {"data": body}, {"format": "podfit-node-bundle/v1", "n": i})
    else:
        write_atomic(target, body)
"""


def _check_bundle(path: Path) -> None:
    with tarfile.open(path) as tar:
        names = tar.getnames()
        data = tar.extractfile("data").read()  # type: ignore[union-attr]
        manifest = json.load(tar.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
    assert names == ["MANIFEST.json", "data"]
    assert data == str(manifest["n"]).encode() * 200_000


def _check_plain(path: Path) -> None:
    data = path.read_bytes()
    assert data and data == data[: len(data) // 200_000] * 200_000


@pytest.mark.parametrize(("kind", "check"), [("bundle", _check_bundle), ("checkpoint", _check_plain)])
def test_kill_9_leaves_the_old_file_or_the_new_one(tmp_path: Path, kind: str, check: Any) -> None:
    target = tmp_path / "out" / ("node.tar.gz" if kind == "bundle" else "cpu_manager_state")
    if kind == "bundle":
        write_bundle(target, {"data": b"0" * 200_000}, {"format": "podfit-node-bundle/v1", "n": 0})
    else:
        target.parent.mkdir()
        target.write_bytes(b"0" * 200_000)
    for delay in (0.0, 0.01, 0.03, 0.05, 0.08, 0.13, 0.2, 0.3):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target), kind])
        time.sleep(0.25 + delay)  # interpreter start-up, then somewhere inside a write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for path in target.parent.iterdir():
            if path.name.endswith(".podfit-tmp"):
                continue  # a killed writer's temporary file: never the target, removed next time
            check(path)
    # the next write removes the leftovers
    if kind == "bundle":
        write_bundle(target, {"data": b"1" * 200_000}, {"format": "podfit-node-bundle/v1", "n": 1})
    else:
        from podfit.io.files import write_atomic

        write_atomic(target, b"1" * 200_000)
    assert [p.name for p in target.parent.iterdir()] == [target.name]
