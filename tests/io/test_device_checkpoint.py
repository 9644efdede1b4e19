"""The device manager's ``kubelet_internal_checkpoint``: a file written by hand from the format's
definition, damaged files (each a one-line diagnosis, never an exception: the device manager starts
anyway), round trips for every release, and the file ``simulate --checkpoint-dir`` writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.live.conftest import DEVICES, EXAMPLES, scenario

from podfit.checkpoint.devices import (
    READ_FAILED,
    DeviceCheckpoint,
    PodDevicesEntry,
    device_checkpoint_of,
    encode_device_checkpoint,
    read_device_checkpoint,
)
from podfit.checkpoint.gospew import fnv1a_32
from podfit.io.checkpoints import write_checkpoints
from podfit.kubelet.simulation import simulate
from podfit.release.profile import SUPPORTED_RELEASES


@pytest.mark.parametrize(("text", "value"), [("", 0x811C9DC5), ("a", 0xE40C292C), ("foobar", 0xBF9CF968)])
def test_fnv1a_32_published_vectors(text: str, value: int) -> None:
    assert fnv1a_32(text) == value


# Written by hand from devicemanager/checkpoint/checkpoint.go (Data{Data checkpointData; Checksum},
# no JSON tags) and the checksum recipe (FNV-1a 32 over the go-spew "%#v" text of the checkpointData
# value). AllocResp: a ContainerAllocateResponse with envs {NVIDIA_VISIBLE_DEVICES: "GPU-a,GPU-b"}.
ALLOC = b"\x0a\x25\x0a\x16NVIDIA_VISIBLE_DEVICES\x12\x0bGPU-a,GPU-b"
SPEW = (
    "(checkpoint.checkpointData){PodDeviceEntries:([]checkpoint.PodDevicesEntry)[{PodUID:(string)"
    "5f1c7a8e-0000-4000-8000-000000000001 ContainerName:(string)cuda ResourceName:(string)nvidia.com/gpu "
    "DeviceIDs:(checkpoint.DevicesPerNUMA)map[0:[GPU-a] 1:[GPU-b]] AllocResp:([]uint8)["
    + " ".join(str(b) for b in ALLOC)
    + "]}] RegisteredDevices:(map[string][]string)map[nvidia.com/gpu:[GPU-a GPU-b GPU-c]]}"
)
HAND = (
    b'{"Data":{"PodDeviceEntries":[{"PodUID":"5f1c7a8e-0000-4000-8000-000000000001",'
    b'"ContainerName":"cuda","ResourceName":"nvidia.com/gpu","DeviceIDs":{"0":["GPU-a"],"1":["GPU-b"]},'
    b'"AllocResp":"CiUKFk5WSURJQV9WSVNJQkxFX0RFVklDRVMSC0dQVS1hLEdQVS1i"}],'
    b'"RegisteredDevices":{"nvidia.com/gpu":["GPU-a","GPU-b","GPU-c"]}},"Checksum":4105409974}'
)
HAND_CHECKPOINT = DeviceCheckpoint(
    (
        PodDevicesEntry(
            "5f1c7a8e-0000-4000-8000-000000000001",
            "cuda",
            "nvidia.com/gpu",
            {0: ("GPU-a",), 1: ("GPU-b",)},
            ALLOC,
        ),
    ),
    {"nvidia.com/gpu": ("GPU-a", "GPU-b", "GPU-c")},
)


def test_hand_written_file_checksum_is_fnv1a_of_the_spew_text() -> None:
    assert fnv1a_32(SPEW) == 4105409974  # the checksum written into HAND by hand
    # (the real v1.33 - v1.36 GetCheckpoint accepts it: case hand-written of the oracle golden)


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_hand_written_file_reads_and_is_written_back_byte_for_byte(version: str) -> None:
    got = read_device_checkpoint(HAND, version=version)
    assert got.error is None and got.checkpoint == HAND_CHECKPOINT
    assert got.pods == {
        "5f1c7a8e-0000-4000-8000-000000000001": {"cuda": {"nvidia.com/gpu": {0: ("GPU-a",), 1: ("GPU-b",)}}}
    }
    assert got.registered == ("nvidia.com/gpu",)
    assert encode_device_checkpoint(HAND_CHECKPOINT, version=version) == HAND
    assert got.diagnosis() == "checksum verified; 1 entry, 1 registered resource(s)"


DAMAGE = {
    "truncated": (HAND[: len(HAND) // 2], "unexpected end of JSON input"),
    "wrong checksum": (
        HAND.replace(b"4105409974", b"4105409975"),
        "checkpoint is corrupted (the file says 4105409975, its data hashes to 4105409974)",
    ),
    "zero checksum": (
        HAND.replace(b"4105409974", b"0"),
        "checkpoint is corrupted (the file says 0, its data hashes to 4105409974)",
    ),
    "no checksum": (HAND.replace(b',"Checksum":4105409974', b""), "checkpoint is corrupted (the file says 0"),
    "edited data": (HAND.replace(b'["GPU-b"]', b'["GPU-c"]'), "checkpoint is corrupted"),
    "not JSON": (b"GPU-a is on NUMA 0", "invalid character 'G' looking for beginning of value"),
    "misspelt literal": (b"nul", "unexpected end of JSON input"),
    "binary": (bytes(range(128, 256)), "invalid character '\\u0080' looking for beginning of value"),
    "empty": (b"", "unexpected end of JSON input"),
    "pre-1.20 list of ids": (
        HAND.replace(b'{"0":["GPU-a"],"1":["GPU-b"]}', b'["GPU-a","GPU-b"]'),
        "json: cannot unmarshal array into Go struct field PodDevicesEntry.Data.PodDeviceEntries.DeviceIDs "
        "of type checkpoint.DevicesPerNUMA",
    ),
    "bad base64": (HAND.replace(b'"CiUK', b'"C!UK'), "illegal base64 data at input byte 1"),
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damaged_file_is_a_one_line_diagnosis_and_an_empty_start(name: str) -> None:
    data, why = DAMAGE[name]
    got = read_device_checkpoint(data)
    assert got.checkpoint is None and got.pods == {} and got.error is not None
    line = got.diagnosis()
    assert "\n" not in line and why in line
    assert line.endswith(f'logs "{READ_FAILED}" and starts with no device allocations')
    assert got.log is not None and got.log.startswith(f'"{READ_FAILED}" err=')


def test_missing_file_is_an_empty_start_not_an_error() -> None:
    got = read_device_checkpoint(None)
    assert got.error is None and not got.found and got.pods == {}
    assert got.diagnosis().startswith(
        'no file: "Failed to read data from checkpoint" err="checkpoint is not found"'
    )


@pytest.mark.parametrize(("version", "skipped"), [("1.33", True), ("1.34", False), ("1.36", False)])
def test_an_entry_whose_alloc_resp_does_not_decode_is_skipped(version: str, skipped: bool) -> None:
    """Field 1 (envs) as a varint: gogo's generated Unmarshal refuses the wire type, protobuf-go
    keeps it as an unknown field."""
    cp = DeviceCheckpoint((PodDevicesEntry("u", "c", "r", {0: ("d",)}, b"\x08\x01"),), {"r": ("d",)})
    got = read_device_checkpoint(encode_device_checkpoint(cp, version=version), version=version)
    assert got.error is None and got.checkpoint == cp
    assert bool(got.skipped) == skipped and (got.pods == {}) == skipped
    if skipped:
        assert got.diagnosis().endswith('1 entry skipped ("Can\'t unmarshal allocResp")')


_ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
entries = st.builds(
    PodDevicesEntry,
    _ids,
    _ids,
    _ids,
    st.dictionaries(st.integers(-1, 12), st.lists(_ids, max_size=3).map(tuple), max_size=3),
    st.one_of(st.none(), st.binary(max_size=8)),
)
checkpoints = st.builds(
    DeviceCheckpoint,
    st.lists(entries, max_size=4).map(tuple),
    st.dictionaries(_ids, st.lists(_ids, max_size=3).map(tuple), max_size=3),
)


@given(checkpoints, st.sampled_from(SUPPORTED_RELEASES))
def test_every_checkpoint_round_trips(cp: DeviceCheckpoint, version: str) -> None:
    data = encode_device_checkpoint(cp, version=version)
    got = read_device_checkpoint(data, version=version)
    assert got.error is None and got.checkpoint is not None
    assert encode_device_checkpoint(got.checkpoint, version=version) == data
    assert [e.devices() for e in got.checkpoint.entries] == [e.devices() for e in cp.entries]


def test_simulated_node_writes_its_devices(tmp_path: Path) -> None:
    node = simulate(scenario(DEVICES)).node
    assert node is not None
    paths = write_checkpoints(tmp_path, node)
    target = tmp_path / "device-plugins" / "kubelet_internal_checkpoint"
    assert target in paths
    got = read_device_checkpoint(target.read_bytes())
    assert got.error is None and got.checkpoint == device_checkpoint_of(node.managers.devices)
    held = {
        (uid, name, d)
        for uid, containers in node.managers.devices.state.assigned.items()
        for name, ids in containers.items()
        for d in ids
    }
    assert (
        held
        and {
            (uid, name, d)
            for uid, containers in got.pods.items()
            for name, resources in containers.items()
            for numa in resources.values()
            for ids in numa.values()
            for d in ids
        }
        == held
    )
    assert set(got.registered) == set(node.managers.devices.devices)


def test_node_without_devices_writes_no_device_file(tmp_path: Path) -> None:
    node = simulate(scenario(EXAMPLES / "cpu-static-qos-classes.yaml")).node
    assert node is not None and len(write_checkpoints(tmp_path, node)) == 2
    assert not (tmp_path / "device-plugins").exists()
