"""The Memory Manager's ``memory_manager_state`` checkpoint: bytes <-> :class:`MemoryState`, as each
kubelet release writes and reads it (which release does what: :mod:`podfit.release.checkpoint_formats`).

Versions:

* V1: ``policyName``, ``machineState`` (NUMA id -> ``{numberOfAssignments, memoryMap, cells}``),
  ``entries`` (pod UID -> container -> blocks), ``checksum``; the checksum is the hash of the struct
  under the name ``MemoryManagerCheckpoint`` (1.33–1.35's name; 1.36 with the
  ``PodLevelResourceManagers`` gate off writes it so, kubernetes PR #137751);
* V2 (1.36, gate on): V1 + ``podEntries`` (pod UID -> ``{"memoryBlocks": [blocks]}``), hashed as the
  struct ``MemoryManagerCheckpoint`` with its ``PodEntries`` field;
* V3 (1.37, kubernetes PR #139626): the V1 fields with their V1 checksum, then ``data`` (the JSON of
  ``MemoryManagerCheckpointData``, pod entries included) and ``dataChecksum``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from podfit.checkpoint.cpu import checkpoint_checksum, data_checksum
from podfit.checkpoint.gojson import Field, IntT, MapT, PtrT, SliceT, StrT, StructT, decode_partial, encode
from podfit.checkpoint.gospew import go_q
from podfit.errors import CheckpointError, GoJSONError
from podfit.memory.state import Block, MemoryState, MemoryTable, NUMANodeState
from podfit.release.checkpoint_formats import (
    MEMORY_V1,
    MEMORY_V2,
    MEMORY_V3,
    CheckpointFormats,
    checkpoint_formats,
)
from podfit.release.profile import DEFAULT_RELEASE

__all__ = [
    "CHECKPOINT_DATA",
    "CHECKPOINT_V1",
    "CHECKPOINT_V2",
    "CHECKPOINT_V3",
    "MEMORY_CHECKPOINT_FILE",
    "MemoryRestore",
    "decode_memory_checkpoint",
    "encode_memory_checkpoint",
    "encode_memory_format",
    "memory_format_written",
    "new_checkpoint",
    "restore_memory_checkpoint",
]

MEMORY_CHECKPOINT_FILE: Final = "memory_manager_state"
"""File name in the kubelet root dir (cm/container_manager_linux.go memoryManagerStateFileName)."""
DEFAULT_PATH: Final = "/var/lib/kubelet/" + MEMORY_CHECKPOINT_FILE

_CORRUPTED: Final = "checkpoint is corrupted"
_LEGACY_NAME: Final = "MemoryManagerCheckpoint"

_U64 = IntT("uint64", unsigned=True)
_INT = IntT("int")
_RESOURCE = StrT("v1.ResourceName")
_MEMORY_TABLE = StructT(
    "state.MemoryTable",
    (
        Field("TotalMemSize", "total", _U64),
        Field("SystemReserved", "systemReserved", _U64),
        Field("Allocatable", "allocatable", _U64),
        Field("Reserved", "reserved", _U64),
        Field("Free", "free", _U64),
    ),
)
_NODE_STATE = StructT(
    "state.NUMANodeState",
    (
        Field("NumberOfAssignments", "numberOfAssignments", _INT),
        Field(
            "MemoryMap",
            "memoryMap",
            MapT("map[v1.ResourceName]*state.MemoryTable", _RESOURCE, PtrT(_MEMORY_TABLE)),
        ),
        Field("Cells", "cells", SliceT("[]int", _INT)),
    ),
)
_BLOCK = StructT(
    "state.Block",
    (
        Field("NUMAAffinity", "numaAffinity", SliceT("[]int", _INT)),
        Field("Type", "type", _RESOURCE),
        Field("Size", "size", _U64),
    ),
)
_BLOCKS = SliceT("[]state.Block", _BLOCK)
_MACHINE = MapT("state.NUMANodeMap", _INT, PtrT(_NODE_STATE))
_ENTRIES = MapT("state.ContainerMemoryAssignments", StrT(), MapT("map[string][]state.Block", StrT(), _BLOCKS))
_POD_ENTRY = StructT("state.PodEntry", (Field("MemoryBlocks", "memoryBlocks", _BLOCKS, omitempty=True),))

_POLICY = Field("PolicyName", "policyName", StrT())
_MACHINE_F = Field("MachineState", "machineState", _MACHINE)
_ENTRIES_F = Field("Entries", "entries", _ENTRIES, omitempty=True)
_PODS_F = Field(
    "PodEntries", "podEntries", MapT("state.PodMemoryAssignments", StrT(), _POD_ENTRY), omitempty=True
)
_SUM = Field("Checksum", "checksum", IntT("checksum.Checksum", unsigned=True))

CHECKPOINT_V1 = StructT("state.MemoryManagerCheckpointV1", (_POLICY, _MACHINE_F, _ENTRIES_F, _SUM))
CHECKPOINT_V2 = StructT("state.MemoryManagerCheckpoint", (_POLICY, _MACHINE_F, _ENTRIES_F, _PODS_F, _SUM))
"""V2 under its v1.36 name."""
CHECKPOINT_DATA = StructT("state.MemoryManagerCheckpointData", (_POLICY, _MACHINE_F, _ENTRIES_F, _PODS_F))
CHECKPOINT_V3 = StructT(
    "state.MemoryManagerCheckpoint",
    (
        _POLICY,
        _MACHINE_F,
        _ENTRIES_F,
        _SUM,
        Field("Data", "data", StrT()),
        Field("DataChecksum", "dataChecksum", IntT("checksum.Checksum", unsigned=True)),
    ),
)
_TYPES: Final = {MEMORY_V1: CHECKPOINT_V1, MEMORY_V2: CHECKPOINT_V2, MEMORY_V3: CHECKPOINT_V3}


def new_checkpoint(t: StructT) -> dict[str, Any]:
    """A fresh checkpoint value of version ``t`` (maps non-nil and empty).

    Mirrors: memorymanager/state/checkpoint.go newMemoryManagerCheckpointV1/V2
    """
    value: dict[str, Any] = {}
    for f in t.fields:
        value[f.go_name] = {} if isinstance(f.type, MapT) else 0 if isinstance(f.type, IntT) else ""
    return value


def _verified(fmt: str, value: Mapping[str, Any], formats: CheckpointFormats, gate: bool) -> bool:
    """Mirrors: memorymanager/state/checkpoint.go VerifyChecksum of V1 and V2"""
    ck = value["Checksum"]
    t = _TYPES[fmt]
    if fmt == MEMORY_V2:
        return (formats.memory_v2_accepts_zero and ck == 0) or checkpoint_checksum(t, value) == ck
    if formats.memory_v1_accepts_zero and ck == 0:
        return True
    if formats.memory_v1_own_name_when_gate_off and not gate and checkpoint_checksum(t, value) == ck:
        return True
    return checkpoint_checksum(t, value, legacy_name=_LEGACY_NAME) == ck


@dataclass(frozen=True, slots=True)
class _Attempt:
    value: dict[str, Any] | None
    error: str | None


def _attempt(fmt: str, data: bytes | str, formats: CheckpointFormats, gate: bool) -> _Attempt:
    """Mirrors: checkpointmanager/checkpoint_manager.go GetCheckpoint (unmarshal, verify)"""
    t = _TYPES[fmt]
    keys = formats.json_map_keys_in_path
    named = t
    if fmt == MEMORY_V1 and t.short != formats.memory_v1_go_name:  # the type a type error names
        named = StructT("state." + formats.memory_v1_go_name, t.fields)
    value, err = decode_partial(named, data, new_checkpoint(t), map_keys_in_path=keys)
    if value is None or err is not None:
        return _Attempt(value, err)
    if fmt == MEMORY_V3:
        inner, err = decode_partial(
            CHECKPOINT_DATA, value["Data"], new_checkpoint(CHECKPOINT_DATA), map_keys_in_path=keys
        )
        if inner is None or err is not None:
            return _Attempt(None, f"failed to deserialize memory manager checkpoint data: {err}")
        if data_checksum(value["Data"]) != value["DataChecksum"]:
            return _Attempt(inner, _CORRUPTED)
        return _Attempt(inner, None)
    if not _verified(fmt, value, formats, gate):
        return _Attempt(value, _CORRUPTED)
    return _Attempt(value, None)


def _load(data: bytes | str, formats: CheckpointFormats, gate: bool) -> tuple[dict[str, Any], str]:
    """Mirrors: memorymanager/state/state_checkpoint.go restoreState, loadAndMigrateCheckpointV2
    (a V1 migrated into the value the failed V2 attempt decoded: its pod entries stay)"""
    chain = formats.memory_read_plrm if gate else formats.memory_read
    into_first = formats.memory_migrate_into_first_attempt and chain[0] in (MEMORY_V2, MEMORY_V3)
    first: _Attempt | None = None
    error = _CORRUPTED
    for i, fmt in enumerate(chain):
        got = _attempt(fmt, data, formats, gate)
        if i == 0:
            first = got
        if got.error is not None:
            error = got.error
            continue
        assert got.value is not None
        value = got.value
        if i > 0 and into_first and first is not None and first.value is not None:
            merged = dict(first.value)
            if value.get("PolicyName"):
                merged["PolicyName"] = value["PolicyName"]
            if value.get("MachineState") is not None:
                merged["MachineState"] = value["MachineState"]
            for key in ("Entries", "PodEntries"):
                if value.get(key):
                    merged[key] = value[key]
            value = merged
        return value, fmt
    raise GoJSONError(error)


# ----- podfit state <-> Go values ------------------------------------------------------------------
def _block_value(b: Block) -> dict[str, Any]:
    return {"NUMAAffinity": list(b.numa_affinity), "Type": b.type, "Size": b.size}


def _block(v: Mapping[str, Any]) -> Block:
    return Block(numa_affinity=tuple(v["NUMAAffinity"] or ()), type=v["Type"], size=v["Size"])


def _node_value(n: NUMANodeState) -> dict[str, Any]:
    tables = {
        name: {
            "TotalMemSize": t.total_mem_size,
            "SystemReserved": t.system_reserved,
            "Allocatable": t.allocatable,
            "Reserved": t.reserved,
            "Free": t.free,
        }
        for name, t in n.memory_map.items()
    }
    return {"NumberOfAssignments": n.number_of_assignments, "MemoryMap": tables, "Cells": list(n.cells)}


def _node(v: Mapping[str, Any] | None) -> NUMANodeState:
    if v is None:  # a JSON null node: Go keeps a nil pointer; podfit an empty node
        return NUMANodeState(0, {}, ())
    tables = {
        name: MemoryTable(t["TotalMemSize"], t["SystemReserved"], t["Allocatable"], t["Reserved"], t["Free"])
        for name, t in (v["MemoryMap"] or {}).items()
        if t is not None
    }
    return NUMANodeState(v["NumberOfAssignments"], tables, tuple(v["Cells"] or ()))


def _pod_entries(state: MemoryState) -> dict[str, Any]:
    # An empty pod block list is held as a nil slice: "memoryBlocks" is omitempty, so a non-nil
    # empty slice would be hashed as "[]" but read back as nil (unverifiable).
    return {
        pod: {"MemoryBlocks": [_block_value(b) for b in blocks] or None}
        for pod, blocks in state.get_pod_memory_assignments().items()
    }


def encode_memory_format(state: MemoryState, policy_name: str, fmt: str) -> bytes:
    """The file of version ``fmt`` (V1, V2 or V3) for ``state``.

    Mirrors: memorymanager/state/state_checkpoint.go storeState and checkpoint.go MarshalCheckpoint
    (V1 hashed under its 1.35 name, kubernetes PR #137751; V3 kubernetes PR #139626)
    """
    value: dict[str, Any] = {
        "PolicyName": policy_name,
        "MachineState": {numa: _node_value(n) for numa, n in state.get_machine_state().items()},
        "Entries": {
            pod: {name: [_block_value(b) for b in blocks] for name, blocks in containers.items()}
            for pod, containers in state.get_memory_assignments().items()
        },
        "Checksum": 0,
    }
    if fmt == MEMORY_V2:
        value["PodEntries"] = _pod_entries(state)
        value["Checksum"] = checkpoint_checksum(CHECKPOINT_V2, value)
        return encode(CHECKPOINT_V2, value).encode("utf-8")
    if fmt not in (MEMORY_V1, MEMORY_V3):
        raise ValueError(f"a kubelet does not write memory_manager_state {fmt}")
    value["Checksum"] = checkpoint_checksum(CHECKPOINT_V1, value, legacy_name=_LEGACY_NAME)
    if fmt == MEMORY_V1:
        return encode(CHECKPOINT_V1, value).encode("utf-8")
    data = encode(
        CHECKPOINT_DATA,
        {
            "PolicyName": policy_name,
            "MachineState": value["MachineState"],
            "Entries": value["Entries"],
            "PodEntries": _pod_entries(state),
        },
    )
    value["Data"] = data
    value["DataChecksum"] = data_checksum(data)
    return encode(CHECKPOINT_V3, value).encode("utf-8")


def memory_format_written(version: str, pod_level_gate: bool) -> str:
    """The ``memory_manager_state`` version a release writes."""
    formats = checkpoint_formats(version)
    return formats.memory_write_plrm if pod_level_gate and formats.plrm_gate else formats.memory_write


def encode_memory_checkpoint(
    state: MemoryState, policy_name: str, *, pod_level_gate: bool, version: str = DEFAULT_RELEASE
) -> bytes:
    """The file a kubelet of release ``version`` writes for ``state`` (its format by the gate)."""
    return encode_memory_format(state, policy_name, memory_format_written(version, pod_level_gate))


def _state(cp: Mapping[str, Any], policy_name: str, with_pod_entries: bool) -> MemoryState:
    """Mirrors: memorymanager/state/state_checkpoint.go restoreState (after the load)"""
    if policy_name != cp["PolicyName"]:
        raise GoJSONError(
            f"[memorymanager] configured policy {go_q(policy_name)} differs from state checkpoint "
            f"policy {go_q(cp['PolicyName'])}"
        )
    state = MemoryState()
    state.set_machine_state({numa: _node(n) for numa, n in (cp["MachineState"] or {}).items()})
    state.set_memory_assignments(
        {
            pod: {name: tuple(_block(b) for b in blocks or ()) for name, blocks in (containers or {}).items()}
            for pod, containers in (cp["Entries"] or {}).items()
        }
    )
    if with_pod_entries:
        for pod, entry in (cp.get("PodEntries") or {}).items():
            state.set_pod_memory_blocks(pod, tuple(_block(b) for b in entry["MemoryBlocks"] or ()))
    return state


@dataclass(frozen=True, slots=True)
class MemoryRestore:
    """A ``memory_manager_state`` file as a kubelet read it: the state and the version it read."""

    state: MemoryState
    read_as: str


def restore_memory_checkpoint(
    data: bytes | str,
    *,
    policy_name: str,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
    path: str = DEFAULT_PATH,
) -> MemoryRestore:
    """The memory state a kubelet of release ``version`` restores from a file's bytes, or
    :class:`CheckpointError` with its text.

    Mirrors: memorymanager/state/state_checkpoint.go NewCheckpointState
    """
    formats = checkpoint_formats(version)
    gate = pod_level_gate and formats.plrm_gate
    try:
        value, fmt = _load(data, formats, gate)
        chain = formats.memory_read_plrm if gate else formats.memory_read
        return MemoryRestore(_state(value, policy_name, chain[0] in (MEMORY_V2, MEMORY_V3)), fmt)
    except GoJSONError as exc:
        raise CheckpointError(
            f"could not restore state from checkpoint: {exc}, please drain this node and delete "
            f"the memory manager checkpoint file {go_q(path)} before restarting Kubelet",
            str(exc),
        ) from None


def decode_memory_checkpoint(
    data: bytes | str,
    *,
    policy_name: str,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
    path: str = DEFAULT_PATH,
) -> MemoryState:
    """:func:`restore_memory_checkpoint`'s state."""
    return restore_memory_checkpoint(
        data, policy_name=policy_name, pod_level_gate=pod_level_gate, version=version, path=path
    ).state
