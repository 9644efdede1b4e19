"""The device manager's ``kubelet_internal_checkpoint`` (in ``<root>/device-plugins/``): bytes <->
:class:`DeviceCheckpoint`, as each kubelet release writes and reads it (which release does what:
:mod:`podfit.release.checkpoint_formats`).

Layout (the Go struct ``checkpoint.Data``; no JSON tags, so the keys are the Go field names)::

    {"Data": {"PodDeviceEntries": [{"PodUID": ..., "ContainerName": ..., "ResourceName": ...,
                                    "DeviceIDs": {"<NUMA id>": ["<device id>", ...]},
                                    "AllocResp": "<base64 of a ContainerAllocateResponse>"}],
              "RegisteredDevices": {"<resource>": ["<device id>", ...]}},
     "Checksum": <uint64>}

NUMA id ``-1`` holds the devices without topology; a device on several NUMA nodes is listed under
each. ``PodDeviceEntries`` is ``null`` when no container holds a device. The checksum is FNV-1a 32
of the go-spew text of the ``Data`` *value* (``checksum.New(cp.Data)``: the type printed is
``checkpoint.checkpointData``, not a pointer), so a zero checksum never verifies. One format in
v1.33 – v1.37.

Unlike the CPU and memory managers, the device manager never refuses to start: a file it cannot read
is logged (:data:`READ_FAILED`) and it starts with no allocations; an entry whose ``AllocResp`` does
not decode is skipped (:data:`SKIPPED_LOG`). :func:`read_device_checkpoint` returns that outcome as
a value (:class:`DeviceRestore`), never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from podfit.checkpoint.devices_alloc import alloc_resp_error
from podfit.checkpoint.gojson import (
    BytesT,
    Field,
    IntT,
    MapT,
    SliceT,
    StrT,
    StructT,
    decode_partial,
    encode,
    to_spew,
)
from podfit.checkpoint.gospew import fnv1a_32, for_hash, go_q
from podfit.devices.manager import DeviceManager
from podfit.devices.state import RestoredDevices, resource_of
from podfit.release.checkpoint_formats import DEVICE_V2, checkpoint_formats
from podfit.release.profile import DEFAULT_RELEASE

__all__ = [
    "CHECKPOINT",
    "CHECKPOINT_DATA",
    "DEFAULT_PATH",
    "DEVICE_CHECKPOINT_FILE",
    "NO_TOPOLOGY",
    "READ_FAILED",
    "DeviceCheckpoint",
    "DeviceRestore",
    "PodDevicesEntry",
    "data_checksum",
    "device_checkpoint_of",
    "encode_device_checkpoint",
    "read_device_checkpoint",
    "restored_devices",
]

DEVICE_CHECKPOINT_FILE: Final = "kubelet_internal_checkpoint"
"""devicemanager/types.go kubeletDeviceManagerCheckpoint, in the device plugins directory."""
DEFAULT_PATH: Final = "/var/lib/kubelet/device-plugins/" + DEVICE_CHECKPOINT_FILE
NO_TOPOLOGY: Final = -1
"""The NUMA id of devices without topology (devicemanager/manager.go nodeWithoutTopology)."""

READ_FAILED: Final = (
    "Continue after failing to read checkpoint file. Device allocation info may NOT be up-to-date"
)
"""What ``ManagerImpl.Start`` logs (error level) when ``readCheckpoint`` fails, then goes on."""
NOT_FOUND_LOG: Final = "Failed to read data from checkpoint"
"""What ``readCheckpoint`` logs when the file does not exist (the read then succeeds, empty)."""
SKIPPED_LOG: Final = "Can't unmarshal allocResp"
"""What ``fromCheckpointData`` logs for an entry it skips."""
_CORRUPTED: Final = "checkpoint is corrupted"
_NOT_FOUND: Final = "checkpoint is not found"

_IDS: Final = SliceT("[]string", StrT())
_ENTRY: Final = StructT(
    "checkpoint.PodDevicesEntry",
    (
        Field("PodUID", "PodUID", StrT()),
        Field("ContainerName", "ContainerName", StrT()),
        Field("ResourceName", "ResourceName", StrT()),
        Field("DeviceIDs", "DeviceIDs", MapT("checkpoint.DevicesPerNUMA", IntT("int64"), _IDS)),
        Field("AllocResp", "AllocResp", BytesT()),
    ),
)
CHECKPOINT_DATA: Final = StructT(
    "checkpoint.checkpointData",
    (
        Field("PodDeviceEntries", "PodDeviceEntries", SliceT("[]checkpoint.PodDevicesEntry", _ENTRY)),
        Field("RegisteredDevices", "RegisteredDevices", MapT("map[string][]string", StrT(), _IDS)),
    ),
)
CHECKPOINT: Final = StructT(
    "checkpoint.Data",
    (
        Field("Data", "Data", CHECKPOINT_DATA),
        Field("Checksum", "Checksum", IntT("checksum.Checksum", unsigned=True)),
    ),
)


@dataclass(frozen=True, slots=True)
class PodDevicesEntry:
    """One ``PodDevicesEntry``: the devices of a container for one resource, by NUMA id (``-1``:
    no topology), in the file's order; ``alloc_resp`` the plugin's serialized
    ``ContainerAllocateResponse`` (``None``: JSON null)."""

    pod_uid: str
    container_name: str
    resource_name: str
    device_ids: dict[int, tuple[str, ...]]
    alloc_resp: bytes | None = b""

    def devices(self) -> frozenset[str]:
        """Every device id of the entry (``DevicesPerNUMA.Devices``)."""
        return frozenset(d for ids in self.device_ids.values() for d in ids)


@dataclass(frozen=True, slots=True)
class DeviceCheckpoint:
    """The file's data: the entries in order and the registered devices per resource."""

    entries: tuple[PodDevicesEntry, ...] = ()
    registered: dict[str, tuple[str, ...]] = field(default_factory=dict)


PodDevices = dict[str, dict[str, dict[str, dict[int, tuple[str, ...]]]]]
"""pod UID -> container -> resource -> NUMA id -> device ids."""


@dataclass(frozen=True, slots=True)
class DeviceRestore:
    """What the device manager's start-up restores from the file.

    ``error``: the error ``readCheckpoint`` returned (the kubelet logs :data:`READ_FAILED` with it
    and starts with nothing restored); ``found`` False: no file (logged, not an error); ``skipped``:
    entries ``fromCheckpointData`` leaves out, with podfit's reason; ``pods``: the allocations
    restored (a later entry for the same container and resource replaces an earlier one);
    ``registered``: the resources it re-creates as registered with no healthy device yet.
    """

    checkpoint: DeviceCheckpoint | None
    error: str | None = None
    found: bool = True
    skipped: tuple[tuple[PodDevicesEntry, str], ...] = ()
    pods: PodDevices = field(default_factory=dict)
    registered: tuple[str, ...] = ()
    # on a checksum failure: the file's checksum and the one computed over its data
    checksums: tuple[int, int] | None = None

    @property
    def log(self) -> str | None:
        """The kubelet's log line (message and ``err``) when the read failed, else None."""
        if self.error is None:
            return None
        return f"{go_q(READ_FAILED)} err={go_q(self.error)}"

    def diagnosis(self) -> str:
        """One line: what the device manager makes of the file."""
        if not self.found:
            return f"no file: {go_q(NOT_FOUND_LOG)} err={go_q(_NOT_FOUND)}; the device manager starts empty"
        if self.error is not None:
            why = self.error
            if self.checksums is not None:
                why += f" (the file says {self.checksums[0]}, its data hashes to {self.checksums[1]})"
            return (
                f"unreadable: {why}; the device manager logs {go_q(READ_FAILED)} "
                "and starts with no device allocations"
            )
        cp = self.checkpoint
        line = f"checksum verified; {_entries(len(cp.entries) if cp else 0)}, "
        line += f"{len(self.registered)} registered resource(s)"
        if self.skipped:
            line += f"; {_entries(len(self.skipped))} skipped ({go_q(SKIPPED_LOG)})"
        return line


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"


# ----- Go values <-> podfit values -----------------------------------------------------------------
def _entry(v: Mapping[str, Any]) -> PodDevicesEntry:
    ids = {numa: tuple(d or ()) for numa, d in (v["DeviceIDs"] or {}).items()}
    return PodDevicesEntry(v["PodUID"], v["ContainerName"], v["ResourceName"], ids, v["AllocResp"])


def _checkpoint(data: Mapping[str, Any]) -> DeviceCheckpoint:
    entries = tuple(_entry(e) for e in data["PodDeviceEntries"] or ())
    registered = {r: tuple(ids or ()) for r, ids in (data["RegisteredDevices"] or {}).items()}
    return DeviceCheckpoint(entries, registered)


def _data_value(cp: DeviceCheckpoint) -> dict[str, Any]:
    """The ``checkpointData`` the kubelet marshals for ``cp``: no entries is a nil slice
    (``toCheckpointData`` appends to one), the registered map is never nil."""
    entries = [
        {
            "PodUID": e.pod_uid,
            "ContainerName": e.container_name,
            "ResourceName": e.resource_name,
            "DeviceIDs": {numa: list(ids) for numa, ids in e.device_ids.items()},
            "AllocResp": e.alloc_resp,
        }
        for e in cp.entries
    ]
    return {
        "PodDeviceEntries": entries or None,
        "RegisteredDevices": {r: list(ids) for r, ids in cp.registered.items()},
    }


def data_checksum(data: Mapping[str, Any]) -> int:
    """The checksum of a ``checkpointData`` Go value.

    Mirrors: checkpointmanager/checksum/checksum.go New (called with ``cp.Data``, a struct value)
    """
    return fnv1a_32(for_hash(to_spew(CHECKPOINT_DATA, data)))


def encode_device_checkpoint(cp: DeviceCheckpoint, *, version: str = DEFAULT_RELEASE) -> bytes:
    """The file a kubelet of release ``version`` writes for ``cp``.

    Mirrors: devicemanager/checkpoint/checkpoint.go Data.MarshalCheckpoint (v1.33 - v1.36)
    """
    if checkpoint_formats(version).device_write != DEVICE_V2:  # pragma: no cover - one format today
        raise ValueError(f"no device checkpoint writer for {version}")
    data = _data_value(cp)
    return encode(CHECKPOINT, {"Data": data, "Checksum": data_checksum(data)}).encode("utf-8")


def device_checkpoint_of(manager: DeviceManager) -> DeviceCheckpoint:
    """What the device manager checkpoints for podfit's device state: one entry per container and
    resource (devices by NUMA node, ``-1`` without topology), every device registered (podfit's
    devices are all healthy), ``AllocResp`` an empty ``ContainerAllocateResponse`` (podfit does not
    model the plugins' answers). The kubelet walks Go maps (random order); podfit sorts.

    Mirrors: devicemanager/manager.go writeCheckpoint and allocateContainerResources (the
    ``DevicesPerNUMA`` of an allocation), pod_devices.go toCheckpointData (v1.33 - v1.36)
    """
    entries = []
    for uid in sorted(manager.state.assigned):
        containers = manager.state.assigned[uid]
        for name in sorted(containers):
            per_resource: dict[str, dict[int, list[str]]] = {}
            for key in sorted(containers[name]):
                resource = resource_of(key)
                for node in _numa_ids(manager, resource, key):
                    per_resource.setdefault(resource, {}).setdefault(node, []).append(manager.kubelet_id(key))
            for resource in sorted(per_resource):
                ids = {n: tuple(d) for n, d in sorted(per_resource[resource].items())}
                entries.append(PodDevicesEntry(uid, name, resource, ids, b""))
    registered = {
        r: tuple(sorted(manager.kubelet_id(k) for k in manager.devices.get(r, {})))
        for r in sorted({*manager.devices, *manager.registered_empty})
    }
    return DeviceCheckpoint(tuple(entries), registered)


def _numa_ids(manager: DeviceManager, resource: str, key: str) -> tuple[int, ...]:
    """The NUMA ids a device is listed under: its NUMA node (a device no plugin reports: those its
    restored entry gave), ``-1`` without topology."""
    dev = manager.devices.get(resource, {}).get(key)
    if dev is not None:
        return (NO_TOPOLOGY if dev.numa is None else dev.numa,)
    return manager.unreported.get(key) or (NO_TOPOLOGY,)


def restored_devices(restored: DeviceRestore) -> RestoredDevices | None:
    """What the device manager starts with after reading the file: its allocations and registered
    resources, or ``None`` (nothing: the read failed, or there was no file).

    Mirrors: devicemanager/manager.go Start (readCheckpoint; a failure is logged, not returned)
    """
    if restored.error is not None or not restored.found:
        return None
    return RestoredDevices(restored.pods, restored.registered)


# ----- reading --------------------------------------------------------------------------------------
def _new() -> dict[str, Any]:
    """Mirrors: devicemanager/manager.go getCheckpoint (an empty non-nil slice and map)"""
    return {"Data": {"PodDeviceEntries": [], "RegisteredDevices": {}}, "Checksum": 0}


def _get_checkpoint(
    data: bytes | str, map_keys_in_path: bool
) -> tuple[dict[str, Any] | None, str | None, tuple[int, int] | None]:
    """(the decoded value, the error, (file checksum, computed checksum) on a mismatch).

    Mirrors: checkpointmanager/checkpoint_manager.go GetCheckpoint (unmarshal, then verify);
    devicemanager/checkpoint/checkpoint.go Data.VerifyChecksum; checksum/checksum.go Verify
    """
    value, err = decode_partial(CHECKPOINT, data, _new(), map_keys_in_path=map_keys_in_path)
    if value is None or err is not None:
        return value, err, None
    computed = data_checksum(value["Data"])
    if computed != value["Checksum"]:
        return value, _CORRUPTED, (value["Checksum"], computed)
    return value, None, None


def read_device_checkpoint(data: bytes | str | None, *, version: str = DEFAULT_RELEASE) -> DeviceRestore:
    """What a kubelet of release ``version`` restores from the file's bytes (``None``: no file).

    Mirrors: devicemanager/manager.go readCheckpoint and pod_devices.go fromCheckpointData
    """
    formats = checkpoint_formats(version)
    if data is None:
        return DeviceRestore(DeviceCheckpoint(), None, found=False)
    value, err, checksums = _get_checkpoint(data, formats.json_map_keys_in_path)
    if value is None or err is not None:
        return DeviceRestore(None, err, checksums=checksums)
    cp = _checkpoint(value["Data"])
    pods: PodDevices = {}
    skipped = []
    for e in cp.entries:
        why = alloc_resp_error(e.alloc_resp or b"", formats.device_alloc_resp_decoder)
        if why is not None:
            skipped.append((e, why))
            continue
        pods.setdefault(e.pod_uid, {}).setdefault(e.container_name, {})[e.resource_name] = dict(e.device_ids)
    return DeviceRestore(cp, None, True, tuple(skipped), pods, tuple(cp.registered))
