"""The CPU Manager's ``cpu_manager_state`` checkpoint file, byte-for-byte as the v1.36 kubelet.

Versions (pkg/kubelet/cm/cpumanager/state/checkpoint.go, code-index file id 3716964847, with the
rollback fix that hashes V2 under the 1.35 struct name, file id 55754831369 / PR #137751):

* V1: ``entries`` keyed by container ID (``{"<containerID>": "<cpuset>"}``), read only;
* V2: ``entries`` = pod UID -> container name -> cpuset; written when the
  ``PodLevelResourceManagers`` gate is off, checksummed as the 1.35 struct ``CPUManagerCheckpoint``;
* V3: V2 plus ``podEntries`` = pod UID -> ``{"cpuSet": "<cpuset>"}``; written when the gate is on;
  the Go struct is named ``CPUManagerCheckpoint`` and carries the ``PodEntries`` field, so its
  checksum differs from V2's even for identical JSON.

Reading (state_checkpoint.go file id 4181800816): gate on tries V3, then V2, then V1 (migrated with
the runtime's container map); gate off tries V2, then V1. Verification (``VerifyChecksum``): V1
accepts checksum 0 or the hash under the legacy name; V2 accepts 0, (gate off) its own-name hash,
or the legacy-name hash; V3 accepts only its own hash. Errors are raised as
:class:`CheckpointError` with the kubelet's full start-up message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from podfit.cpu.state import CPUState
from podfit.errors import CheckpointError
from podfit.io.files import write_atomic
from podfit.io.gojson import (
    CustomT,
    Field,
    GoJSONError,
    IntT,
    MapT,
    PtrT,
    StrT,
    StructT,
    decode,
    decode_value,
    encode,
    go_quote,
    to_spew,
)
from podfit.io.gospew import GoInt, GoMap, GoStruct, GoValue, fnv1a_32, for_hash, go_q
from podfit.model.cpuset import CPUSetParseError, cpus, format_cpuset, parse_cpuset

__all__ = [
    "CPU_CHECKPOINT_FILE",
    "CheckpointError",
    "checkpoint_checksum",
    "decode_cpu_checkpoint",
    "encode_cpu_checkpoint",
    "new_checkpoint",
    "read_cpu_checkpoint",
    "write_cpu_checkpoint",
]

CPU_CHECKPOINT_FILE = "cpu_manager_state"
"""File name in the kubelet root dir (cm/container_manager_linux.go cpuManagerStateFileName)."""

_CORRUPTED = "checkpoint is corrupted"


# ----- Go types -------------------------------------------------------------------------------
_CHECKSUM = IntT("checksum.Checksum", unsigned=True)
_ENTRIES_V2 = MapT("map[string]map[string]string", StrT(), MapT("map[string]string", StrT(), StrT()))
_ENTRIES_V1 = MapT("map[string]string", StrT(), StrT())
_PODENTRY_JSON = StructT("state.podEntryJSON", (Field("CPUSet", "cpuSet", StrT(), omitempty=True),))


def _pod_entry_unmarshal(jv: Any) -> int:
    # PodEntry.UnmarshalJSON: a fresh json.Unmarshal of the value into podEntryJSON, then Parse.
    raw = decode_value(_PODENTRY_JSON, jv, {"CPUSet": ""})
    try:
        return parse_cpuset(raw["CPUSet"])
    except CPUSetParseError as exc:
        raise GoJSONError(f"failed to parse cpuset: {exc}") from None


def _cpuset_spew(m: int) -> GoValue:
    elems = tuple((GoInt("int", c), GoStruct("struct {}", ())) for c in cpus(m))
    return GoStruct("cpuset.CPUSet", (("elems", GoMap("map[int]struct {}", elems)),))


_POD_ENTRY = CustomT(
    name="state.PodEntry",
    unmarshal=_pod_entry_unmarshal,
    marshal=lambda m: "{" + (f'"cpuSet":{go_quote(format_cpuset(m))}' if m else "") + "}",
    spew=lambda m: GoStruct("state.PodEntry", (("CPUSet", _cpuset_spew(m)),)),
    zero=lambda: 0,
)

CHECKPOINT_V1 = StructT(
    "state.CPUManagerCheckpointV1",
    (
        Field("PolicyName", "policyName", StrT()),
        Field("DefaultCPUSet", "defaultCpuSet", StrT()),
        Field("Entries", "entries", _ENTRIES_V1, omitempty=True),
        Field("Checksum", "checksum", _CHECKSUM),
    ),
)
CHECKPOINT_V2 = StructT(
    "state.CPUManagerCheckpointV2",
    (
        Field("PolicyName", "policyName", StrT()),
        Field("DefaultCPUSet", "defaultCpuSet", StrT()),
        Field("Entries", "entries", _ENTRIES_V2, omitempty=True),
        Field("Checksum", "checksum", _CHECKSUM),
    ),
)
CHECKPOINT_V3 = StructT(
    "state.CPUManagerCheckpoint",
    (
        Field("PolicyName", "policyName", StrT()),
        Field("DefaultCPUSet", "defaultCpuSet", StrT()),
        Field("Entries", "entries", _ENTRIES_V2, omitempty=True),
        Field(
            "PodEntries", "podEntries", MapT("state.PodCPUAssignments", StrT(), _POD_ENTRY), omitempty=True
        ),
        Field("Checksum", "checksum", _CHECKSUM),
    ),
)
_LEGACY_NAME = "CPUManagerCheckpoint"


# ----- checksums ------------------------------------------------------------------------------------
def checkpoint_checksum(t: StructT, value: Mapping[str, Any], *, legacy_name: str | None = None) -> int:
    """FNV-1a 32 of the go-spew dump of ``&value`` with its checksum zeroed; with ``legacy_name``
    the first occurrence of the struct's own name is replaced first (the "legacy" checksum).

    Mirrors: checkpointmanager/checksum/checksum.go New and the legacy branch of
    cpumanager/state/checkpoint.go VerifyChecksum
    """
    zeroed = dict(value)
    zeroed["Checksum"] = 0
    text = for_hash(to_spew(PtrT(t), zeroed))
    if legacy_name is not None:
        text = text.replace(t.short, legacy_name, 1)
    return fnv1a_32(text)


def _verify(t: StructT, value: Mapping[str, Any], *, accept_zero: bool, own: bool, legacy: bool) -> None:
    ck = value["Checksum"]
    if accept_zero and ck == 0:
        return
    if own and checkpoint_checksum(t, value) == ck:
        return
    if legacy and checkpoint_checksum(t, value, legacy_name=_LEGACY_NAME) == ck:
        return
    raise GoJSONError(_CORRUPTED)


def new_checkpoint(t: StructT) -> dict[str, Any]:
    """A fresh checkpoint value of version ``t``: its maps start non-nil and empty.

    Mirrors: cpumanager/state/checkpoint.go newCPUManagerCheckpointV1/V2/V3
    """
    value: dict[str, Any] = {"PolicyName": "", "DefaultCPUSet": "", "Entries": {}, "Checksum": 0}
    if t is CHECKPOINT_V3:
        value["PodEntries"] = {}
    return value


def _get(t: StructT, data: bytes | str, gate: bool) -> dict[str, Any]:
    """GetCheckpoint: unmarshal, then VerifyChecksum.

    Mirrors: checkpointmanager/checkpoint_manager.go GetCheckpoint
    """
    value = decode(t, data, new_checkpoint(t))
    if t is CHECKPOINT_V3:
        _verify(t, value, accept_zero=False, own=True, legacy=False)
    elif t is CHECKPOINT_V2:
        _verify(t, value, accept_zero=True, own=not gate, legacy=True)
    else:
        _verify(t, value, accept_zero=True, own=False, legacy=True)
    return value


def _load_v2(data: bytes | str, gate: bool, container_ids: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """Mirrors: cpumanager/state/state_checkpoint.go loadAndMigrateCheckpointV2"""
    try:
        return _get(CHECKPOINT_V2, data, gate)
    except GoJSONError:
        pass
    v1 = _get(CHECKPOINT_V1, data, gate)
    migrated: dict[str, Any] = {"PolicyName": v1["PolicyName"], "DefaultCPUSet": v1["DefaultCPUSet"]}
    entries: dict[str, dict[str, str]] = {}
    for container_id, cset in sorted((v1["Entries"] or {}).items()):
        ref = container_ids.get(container_id)
        if ref is None:
            raise GoJSONError(
                "failed to migrate checkpoint from v1 to v2: "
                f"containerID '{container_id}' not found in initial containers list"
            )
        entries.setdefault(ref[0], {})[ref[1]] = cset
    migrated["Entries"] = entries
    return migrated


def _restore(
    data: bytes | str, policy_name: str, gate: bool, container_ids: Mapping[str, tuple[str, str]]
) -> CPUState:
    """Mirrors: cpumanager/state/state_checkpoint.go restoreState"""
    cp: dict[str, Any] | None = None
    if gate:
        try:
            cp = _get(CHECKPOINT_V3, data, gate)
        except GoJSONError:
            cp = None
    if cp is None:
        cp = _load_v2(data, gate, container_ids)
    if policy_name != cp["PolicyName"]:
        raise GoJSONError(
            f"configured policy {go_q(policy_name)} differs from state checkpoint policy "
            f"{go_q(cp['PolicyName'])}"
        )
    try:
        default = parse_cpuset(cp["DefaultCPUSet"])
    except CPUSetParseError as exc:
        raise GoJSONError(f"could not parse default cpu set {go_q(cp['DefaultCPUSet'])}: {exc}") from None
    assignments: dict[str, dict[str, int]] = {}
    # Go iterates maps in random order; podfit reports the first bad entry in sorted order.
    for pod, containers in sorted((cp["Entries"] or {}).items()):
        assignments[pod] = {}
        for name, text in sorted((containers or {}).items()):
            try:
                assignments[pod][name] = parse_cpuset(text)
            except CPUSetParseError as exc:
                raise GoJSONError(
                    f"could not parse cpuset {go_q(text)} for container {go_q(name)} "
                    f"in pod {go_q(pod)}: {exc}"
                ) from None
    return CPUState(default, assignments, dict(cp.get("PodEntries") or {}))


# ----- public API -------------------------------------------------------------------------------------
def encode_cpu_checkpoint(state: CPUState, policy_name: str, *, pod_level_gate: bool) -> bytes:
    """The file the kubelet writes for ``state``: V3 when the gate is on, else V2.

    Mirrors: cpumanager/state/state_checkpoint.go storeState / storeStateV2 / storeStateV3 and
    checkpoint.go MarshalCheckpoint
    """
    entries = {
        pod: {name: format_cpuset(m) for name, m in containers.items()}
        for pod, containers in state.get_cpu_assignments().items()
    }
    value: dict[str, Any] = {
        "PolicyName": policy_name,
        "DefaultCPUSet": format_cpuset(state.get_default_cpu_set()),
        "Entries": entries,
        "Checksum": 0,
    }
    if pod_level_gate:
        value["PodEntries"] = state.get_pod_cpu_assignments()
        value["Checksum"] = checkpoint_checksum(CHECKPOINT_V3, value)
        return encode(CHECKPOINT_V3, value).encode("utf-8")
    value["Checksum"] = checkpoint_checksum(CHECKPOINT_V2, value, legacy_name=_LEGACY_NAME)
    return encode(CHECKPOINT_V2, value).encode("utf-8")


def decode_cpu_checkpoint(
    data: bytes | str,
    *,
    policy_name: str,
    pod_level_gate: bool,
    container_ids: Mapping[str, tuple[str, str]] | None = None,
    path: str = "/var/lib/kubelet/" + CPU_CHECKPOINT_FILE,
) -> CPUState:
    """Restore the CPU state from a checkpoint file's bytes, or raise :class:`CheckpointError`.

    ``container_ids`` maps a container ID to ``(pod UID, container name)`` (the kubelet's
    ``initialContainers``) and is only needed for V1 files. ``path`` appears in the message.

    Mirrors: cpumanager/state/state_checkpoint.go NewCheckpointState
    """
    try:
        return _restore(data, policy_name, pod_level_gate, container_ids or {})
    except GoJSONError as exc:
        raise CheckpointError(
            f"could not restore state from checkpoint: {exc}, please drain this node and delete "
            f"the CPU manager checkpoint file {go_q(path)} before restarting Kubelet",
            str(exc),
        ) from None


def write_cpu_checkpoint(
    directory: str | os.PathLike[str], state: CPUState, policy_name: str, *, pod_level_gate: bool
) -> Path:
    """Write ``<directory>/cpu_manager_state`` atomically (temp file + rename); return its path."""
    data = encode_cpu_checkpoint(state, policy_name, pod_level_gate=pod_level_gate)
    return write_atomic(Path(directory) / CPU_CHECKPOINT_FILE, data)


def read_cpu_checkpoint(
    directory: str | os.PathLike[str],
    *,
    policy_name: str,
    pod_level_gate: bool,
    container_ids: Mapping[str, tuple[str, str]] | None = None,
) -> CPUState | None:
    """Read ``<directory>/cpu_manager_state``; ``None`` when the file does not exist (the kubelet
    then starts from an empty state and writes a fresh file)."""
    target = Path(directory) / CPU_CHECKPOINT_FILE
    if not target.exists():
        return None
    return decode_cpu_checkpoint(
        target.read_bytes(),
        policy_name=policy_name,
        pod_level_gate=pod_level_gate,
        container_ids=container_ids,
        path=str(target),
    )
