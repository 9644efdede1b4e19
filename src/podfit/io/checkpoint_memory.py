"""The Memory Manager's ``memory_manager_state`` checkpoint file, byte-for-byte as the v1.36 kubelet.

Versions (pkg/kubelet/cm/memorymanager/state/checkpoint.go, code-index file id 3953149252, with the
rollback fix that hashes V1 under the 1.35 struct name, file id 55754831369 / PR #137751):

* V1: ``policyName``, ``machineState`` (NUMA id -> ``{numberOfAssignments, memoryMap, cells}``),
  ``entries`` (pod UID -> container -> blocks), ``checksum``; written when the
  ``PodLevelResourceManagers`` gate is off, checksummed as the 1.35 struct
  ``MemoryManagerCheckpoint``;
* V2: V1 plus ``podEntries`` (pod UID -> ``{"memoryBlocks": [blocks]}``); written when the gate is
  on; the Go struct is named ``MemoryManagerCheckpoint`` and has the ``PodEntries`` field.

Reading (state_checkpoint.go file id 3758207879): gate on tries V2 then V1, gate off reads V1 only.
V1 accepts checksum 0, (gate off) its own-name hash, or the legacy-name hash; V2 only its own hash.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from podfit.io.checkpoint_cpu import CheckpointError, checkpoint_checksum
from podfit.io.files import write_atomic
from podfit.io.gojson import Field, GoJSONError, IntT, MapT, PtrT, SliceT, StrT, StructT, decode, encode
from podfit.io.gospew import go_q
from podfit.memory.state import Block, MemoryState, MemoryTable, NUMANodeState

__all__ = [
    "MEMORY_CHECKPOINT_FILE",
    "decode_memory_checkpoint",
    "encode_memory_checkpoint",
    "new_checkpoint",
    "read_memory_checkpoint",
    "write_memory_checkpoint",
]

MEMORY_CHECKPOINT_FILE = "memory_manager_state"
"""File name in the kubelet root dir (cm/container_manager_linux.go memoryManagerStateFileName)."""

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

CHECKPOINT_V1 = StructT(
    "state.MemoryManagerCheckpointV1",
    (
        Field("PolicyName", "policyName", StrT()),
        Field("MachineState", "machineState", _MACHINE),
        Field("Entries", "entries", _ENTRIES, omitempty=True),
        Field("Checksum", "checksum", IntT("checksum.Checksum", unsigned=True)),
    ),
)
CHECKPOINT_V2 = StructT(
    "state.MemoryManagerCheckpoint",
    (
        Field("PolicyName", "policyName", StrT()),
        Field("MachineState", "machineState", _MACHINE),
        Field("Entries", "entries", _ENTRIES, omitempty=True),
        Field(
            "PodEntries", "podEntries", MapT("state.PodMemoryAssignments", StrT(), _POD_ENTRY), omitempty=True
        ),
        Field("Checksum", "checksum", IntT("checksum.Checksum", unsigned=True)),
    ),
)
_LEGACY_NAME = "MemoryManagerCheckpoint"


def new_checkpoint(t: StructT) -> dict[str, Any]:
    """A fresh checkpoint value of version ``t`` (maps non-nil and empty).

    Mirrors: memorymanager/state/checkpoint.go newMemoryManagerCheckpointV1/V2 (v1.36)
    """
    value: dict[str, Any] = {"PolicyName": "", "MachineState": {}, "Entries": {}, "Checksum": 0}
    if t is CHECKPOINT_V2:
        value["PodEntries"] = {}
    return value


def _get(t: StructT, data: bytes | str, gate: bool) -> dict[str, Any]:
    """GetCheckpoint = UnmarshalCheckpoint + VerifyChecksum.

    Mirrors: memorymanager/state/checkpoint.go VerifyChecksum (v1.36)
    """
    value = decode(t, data, new_checkpoint(t))
    ck = value["Checksum"]
    if t is CHECKPOINT_V2:
        if checkpoint_checksum(t, value) == ck:
            return value
    elif (
        ck == 0
        or (not gate and checkpoint_checksum(t, value) == ck)
        or checkpoint_checksum(t, value, legacy_name=_LEGACY_NAME) == ck
    ):
        return value
    raise GoJSONError("checkpoint is corrupted")


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


def encode_memory_checkpoint(state: MemoryState, policy_name: str, *, pod_level_gate: bool) -> bytes:
    """The file the kubelet writes for ``state``: V2 when the gate is on, else V1.

    Mirrors: memorymanager/state/state_checkpoint.go storeStateV1 / storeStateV2 and
    checkpoint.go MarshalCheckpoint (v1.36)
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
    if pod_level_gate:
        # An empty pod block list is held as a nil slice: "memoryBlocks" is omitempty, so a
        # non-nil empty slice would be hashed as "[]" but read back as nil (unverifiable).
        value["PodEntries"] = {
            pod: {"MemoryBlocks": [_block_value(b) for b in blocks] or None}
            for pod, blocks in state.get_pod_memory_assignments().items()
        }
        value["Checksum"] = checkpoint_checksum(CHECKPOINT_V2, value)
        return encode(CHECKPOINT_V2, value).encode("utf-8")
    value["Checksum"] = checkpoint_checksum(CHECKPOINT_V1, value, legacy_name=_LEGACY_NAME)
    return encode(CHECKPOINT_V1, value).encode("utf-8")


def _restore(data: bytes | str, policy_name: str, gate: bool) -> MemoryState:
    """Mirrors: memorymanager/state/state_checkpoint.go restoreState (v1.36)"""
    cp: dict[str, Any] | None = None
    if gate:
        try:
            cp = _get(CHECKPOINT_V2, data, gate)
        except GoJSONError:
            cp = None
    if cp is None:
        cp = _get(CHECKPOINT_V1, data, gate)
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
    for pod, entry in (cp.get("PodEntries") or {}).items():
        state.set_pod_memory_blocks(pod, tuple(_block(b) for b in entry["MemoryBlocks"] or ()))
    return state


def decode_memory_checkpoint(
    data: bytes | str,
    *,
    policy_name: str,
    pod_level_gate: bool,
    path: str = "/var/lib/kubelet/" + MEMORY_CHECKPOINT_FILE,
) -> MemoryState:
    """Restore the memory state from a checkpoint file's bytes, or raise :class:`CheckpointError`.

    Mirrors: memorymanager/state/state_checkpoint.go NewCheckpointState (v1.36)
    """
    try:
        return _restore(data, policy_name, pod_level_gate)
    except GoJSONError as exc:
        raise CheckpointError(
            f"could not restore state from checkpoint: {exc}, please drain this node and delete "
            f"the memory manager checkpoint file {go_q(path)} before restarting Kubelet",
            str(exc),
        ) from None


def write_memory_checkpoint(
    directory: str | os.PathLike[str], state: MemoryState, policy_name: str, *, pod_level_gate: bool
) -> Path:
    """Write ``<directory>/memory_manager_state`` atomically (temp file + rename); return its path."""
    data = encode_memory_checkpoint(state, policy_name, pod_level_gate=pod_level_gate)
    return write_atomic(Path(directory) / MEMORY_CHECKPOINT_FILE, data)


def read_memory_checkpoint(
    directory: str | os.PathLike[str], *, policy_name: str, pod_level_gate: bool
) -> MemoryState | None:
    """Read ``<directory>/memory_manager_state``; ``None`` when the file does not exist."""
    target = Path(directory) / MEMORY_CHECKPOINT_FILE
    if not target.exists():
        return None
    return decode_memory_checkpoint(
        target.read_bytes(), policy_name=policy_name, pod_level_gate=pod_level_gate, path=str(target)
    )
