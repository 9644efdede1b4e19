"""The device manager checkpoint's drift checks (pure), as a table; and ``inspect`` on a simulated
node's directory with drift injected into its ``kubelet_internal_checkpoint`` or its PodResources
answer; ``capture-node`` copies the file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.live.conftest import DEVICES, scenario
from tests.live.test_inspect import node_dir

from podfit.checkpoint.devices import (
    DeviceCheckpoint,
    PodDevicesEntry,
    encode_device_checkpoint,
    read_device_checkpoint,
)
from podfit.cli.main import main
from podfit.live.capture import CaptureOptions, capture_node
from podfit.live.drift import PodInfo
from podfit.live.drift_devices import device_findings
from podfit.live.inspect import inspect_bundle
from podfit.live.inspect_report import inspection_to_json
from podfit.live.simulated import simulated_node
from podfit.live.values import ContainerResources, DeviceEntry, PodResources

G = "example.com/gpu"


def e(uid: str, name: str, *ids: str, numa: int = 0) -> PodDevicesEntry:
    return PodDevicesEntry(uid, name, G, {numa: ids})


def info(uid: str, *names: str, init: tuple[str, ...] = (), active: bool = True) -> PodInfo:
    return PodInfo(uid, f"ns/{uid}", (*init, *names), names, frozenset(), active, frozenset(init))


def listed(*pods: tuple[str, str, tuple[str, ...]]) -> list[PodResources]:
    return [
        PodResources(p, "ns", (ContainerResources(c, devices=(DeviceEntry(G, ids, (0,)),)),))
        for p, c, ids in pods
    ]


CASES = [
    ("consistent", [e("a", "c", "g0")], {"a": info("a", "c")}, listed(("a", "c", ("g0",))), []),
    ("deleted pod", [e("a", "c", "g0")], {}, listed(), ["deleted-pod"]),
    ("terminated pod", [e("a", "c", "g0")], {"a": info("a", "c", active=False)}, None, ["deleted-pod"]),
    ("unknown container", [e("a", "x", "g0")], {"a": info("a", "c")}, None, ["unknown-container"]),
    (
        "two pods",
        [e("a", "c", "g0"), e("b", "c", "g0")],
        {"a": info("a", "c"), "b": info("b", "c")},
        None,
        ["device-owned-twice"],
    ),
    ("two pods, no pod list", [e("a", "c", "g0"), e("b", "c", "g0")], None, None, ["device-owned-twice"]),
    (
        "two app containers of one pod",
        [e("a", "c", "g0"), e("a", "d", "g0")],
        {"a": info("a", "c", "d")},
        None,
        ["device-owned-twice"],
    ),
    (
        "init container reuse",
        [e("a", "init", "g0", "g1"), e("a", "c", "g0")],
        {"a": info("a", "c", init=("init",))},
        listed(("a", "c", ("g0",))),
        [],
    ),
    (
        "not in PodResources",
        [e("a", "c", "g0", "g1")],
        {"a": info("a", "c")},
        listed(("a", "c", ("g0",))),
        ["device-not-in-podresources"],
    ),
    (
        "reported for another container",
        [e("a", "c", "g0")],
        {"a": info("a", "c", "d")},
        listed(("a", "d", ("g0",))),
        ["device-not-in-podresources", "device-not-in-checkpoint"],
    ),
    (
        "not in the checkpoint",
        [],
        {"a": info("a", "c")},
        listed(("a", "c", ("g0",))),
        ["device-not-in-checkpoint"],
    ),
    (
        "not in either, no pod list",
        [e("u", "c", "g1")],
        None,
        listed(("a", "c", ("g0",))),
        ["device-not-in-podresources", "device-not-in-checkpoint"],
    ),
    ("pod PodResources misses", [e("a", "c", "g0")], {"a": info("a", "c")}, listed(), []),
]


@pytest.mark.parametrize(("name", "entries", "pods", "answer", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_device_findings(
    name: str,
    entries: list[PodDevicesEntry],
    pods: dict[str, PodInfo] | None,
    answer: list[PodResources] | None,
    kinds: list[str],
) -> None:
    found = device_findings(entries, pods, answer)
    assert [f.kind for f in found] == kinds
    assert all(f.devices and "\n" not in f.message for f in found)


# ----- inspect on a simulated node ------------------------------------------------------------------
DEVICE_FILE = "device-plugins/kubelet_internal_checkpoint"


def _edit(directory: Path, edit: Callable[[list[PodDevicesEntry]], list[PodDevicesEntry]]) -> None:
    target = directory / DEVICE_FILE
    cp = read_device_checkpoint(target.read_bytes()).checkpoint
    assert cp is not None
    target.write_bytes(
        encode_device_checkpoint(DeviceCheckpoint(tuple(edit(list(cp.entries))), cp.registered))
    )


def _kinds(directory: Path) -> list[str]:
    return [f.kind for f in inspect_bundle(directory).findings]


def test_inspect_verifies_and_shows_the_file(tmp_path: Path, capsys: Any) -> None:
    directory, sim = node_dir(tmp_path, DEVICES)
    ins = inspect_bundle(directory)
    assert ins.findings == []
    check = next(c for c in ins.loaded.checks if c.name.endswith("kubelet_internal_checkpoint"))
    assert (check.status, check.detail) == ("ok", "checksum verified; 4 entries, 3 registered resource(s)")
    restored = ins.loaded.devices
    assert restored is not None and restored.checkpoint is not None
    assert encode_device_checkpoint(restored.checkpoint) == (directory / DEVICE_FILE).read_bytes()
    rows = inspection_to_json(ins)["devices"]
    held = sim.node.managers.devices.state.assigned
    assert {(r["podUID"], r["container"], d) for r in rows for ids in r["numa"].values() for d in ids} == {
        (uid, c, d) for uid, cs in held.items() for c, ids in cs.items() for d in ids
    }
    assert {r["pod"] for r in rows} == {p.key for p in sim.node.pods if p.uid in held}
    assert main(["inspect", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "devices per container and NUMA node (kubelet_internal_checkpoint)" in out
    assert "no drift found" in out


def _device_pod(sim: Any, index: int = 0) -> Any:
    held = sim.node.managers.devices.state.assigned
    return [p for p in sim.node.pods if p.uid in held][index]


def test_device_entries_of_a_deleted_pod(tmp_path: Path) -> None:
    sim = simulated_node(scenario(DEVICES))
    gone = _device_pod(sim)
    directory, _ = node_dir(tmp_path, DEVICES, drop_pods=(gone.name,))
    found = [f for f in inspect_bundle(directory).findings if f.kind == "deleted-pod" and f.devices]
    assert [f.pod for f in found] == [gone.uid]
    assert "kubelet_internal_checkpoint but is not on the node (deleted)" in found[0].message


def test_device_owned_twice_and_not_in_podresources(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, DEVICES)
    a, b = _device_pod(sim, 0), _device_pod(sim, 1)
    stolen = next(
        iter(
            next(
                x
                for x in read_device_checkpoint((directory / DEVICE_FILE).read_bytes()).checkpoint.entries
                if x.pod_uid == b.uid
            ).devices()
        )
    )  # type: ignore[union-attr]

    def edit(entries: list[PodDevicesEntry]) -> list[PodDevicesEntry]:
        first = next(x for x in entries if x.pod_uid == a.uid)
        return [
            *entries,
            PodDevicesEntry(a.uid, first.container_name, stolen.split("#")[0], {0: (stolen,)}, b""),
        ]

    _edit(directory, edit)
    ins = inspect_bundle(directory)
    twice = [f for f in ins.findings if f.kind == "device-owned-twice"]
    assert len(twice) == 1 and twice[0].devices == (stolen,)
    assert a.key in twice[0].message and b.key in twice[0].message
    assert [f.pod for f in ins.findings if f.kind == "device-not-in-podresources"] == [a.uid]


def test_device_not_in_checkpoint(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, DEVICES)
    a = _device_pod(sim)
    _edit(directory, lambda entries: [x for x in entries if x.pod_uid != a.uid])
    ins = inspect_bundle(directory)
    assert {f.kind for f in ins.findings} == {"device-not-in-checkpoint"}
    assert {f.pod for f in ins.findings} == {a.key}


def test_devices_podresources_does_not_report(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, DEVICES)
    a = _device_pod(sim)
    answer = json.loads((directory / "podresources" / "list.json").read_text())
    for pod in answer["podResources"]:
        if pod["name"] == a.name:
            for c in pod["containers"]:
                c.pop("devices", None)
    (directory / "podresources" / "list.json").write_text(json.dumps(answer))
    found = [f for f in inspect_bundle(directory).findings]
    assert (
        found
        and {f.kind for f in found} == {"device-not-in-podresources"}
        and {f.pod for f in found} == {a.uid}
    )


def test_unknown_container(tmp_path: Path) -> None:
    directory, sim = node_dir(tmp_path, DEVICES)
    a = _device_pod(sim)
    _edit(
        directory,
        lambda entries: [
            PodDevicesEntry(x.pod_uid, "ghost", x.resource_name, x.device_ids, x.alloc_resp)
            if x.pod_uid == a.uid
            else x
            for x in entries
        ],
    )
    assert "unknown-container" in _kinds(directory)


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda d: d[: len(d) // 2], "unexpected end of JSON input"),
        (lambda d: d.replace(b'"Checksum":', b'"Checksum":1', 1), "checkpoint is corrupted (the file says 1"),
        (lambda d: b"", "unexpected end of JSON input"),
        (lambda d: bytes(range(256)), "invalid character '\\x00' looking for beginning of value"),
    ],
    ids=["truncated", "wrong-checksum", "empty", "binary"],
)
def test_damaged_device_file_is_one_line_and_does_not_stop_the_kubelet(
    tmp_path: Path, damage: Callable[[bytes], bytes], why: str, capsys: Any
) -> None:
    directory, _ = node_dir(tmp_path, DEVICES)
    target = directory / DEVICE_FILE
    target.write_bytes(damage(target.read_bytes()))
    assert main(["inspect", str(directory)]) == 0
    out = capsys.readouterr().out
    (line,) = [
        x for x in out.splitlines() if x.startswith("kubelet/device-plugins/kubelet_internal_checkpoint:")
    ]
    assert line.startswith("kubelet/device-plugins/kubelet_internal_checkpoint: unreadable") and why in line
    assert "the kubelet would restart on this state" in out


def test_capture_node_copies_the_device_checkpoint(tmp_path: Path) -> None:
    from tests.live.test_capture_node import make_root

    sim = simulated_node(scenario(DEVICES))
    root = make_root(tmp_path, sim)
    files, manifest = capture_node(CaptureOptions(root=root, podresources=False))
    name = "kubelet/device-plugins/kubelet_internal_checkpoint"
    item = next(i for i in manifest["items"] if i["name"] == name)
    source = root / "var/lib/kubelet" / DEVICE_FILE
    assert item["status"] == "found" and item["source"] == str(source)
    assert files[name] == source.read_bytes()
