"""The CPU Manager's ``cpu_manager_state`` checkpoint: bytes <-> :class:`CPUState`, byte for byte as
each kubelet release writes and reads it (which release does what: :mod:`podfit.release.checkpoint_formats`).

Versions (JSON keys in the order ``json.Marshal`` writes them):

* V1: ``policyName``, ``defaultCpuSet``, ``entries`` keyed by container ID, ``checksum`` (read only;
  migrated with the runtime's container map);
* V2: ``entries`` = pod UID -> container name -> cpuset; its checksum is the hash of the struct
  under the name ``CPUManagerCheckpoint`` (what 1.33–1.35 call it, and what 1.36 writes when the
  ``PodLevelResourceManagers`` gate is off, kubernetes PR #137751);
* V3 (1.36, gate on): V2 + ``podEntries`` = pod UID -> ``{"cpuSet": ...}``; the Go struct carries the
  ``PodEntries`` field, so its checksum differs from V2's even for the same JSON;
* V4 (1.37, kubernetes PR #139102): the V2 fields with their V2 checksum, then ``data`` (the JSON of
  ``CPUManagerCheckpointData``: policy, default set, entries, pod entries) and ``dataChecksum``
  (FNV-1a of the go-spew text of that string). An older kubelet reads the V2 part and loses the pod
  entries.

Checksums are FNV-1a 32 of ``dump.ForHash`` (go-spew) of the decoded Go value with its checksum
zeroed (:mod:`podfit.checkpoint.gospew`). Errors come back as :class:`CheckpointError` with the
kubelet's full start-up text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from podfit.checkpoint.gojson import (
    CustomT,
    Field,
    IntT,
    MapT,
    PtrT,
    StrT,
    StructT,
    decode_partial,
    decode_value,
    encode,
    go_quote,
    to_spew,
)
from podfit.checkpoint.gospew import GoInt, GoMap, GoString, GoStruct, GoValue, fnv1a_32, for_hash, go_q
from podfit.cpu.state import CPUState
from podfit.errors import CheckpointError, GoJSONError
from podfit.model.cpuset import CPUSetParseError, cpus, format_cpuset, parse_cpuset
from podfit.release.checkpoint_formats import (
    CPU_V1,
    CPU_V2,
    CPU_V3,
    CPU_V4,
    CheckpointFormats,
    checkpoint_formats,
)
from podfit.release.profile import DEFAULT_RELEASE

__all__ = [
    "CHECKPOINT_DATA",
    "CHECKPOINT_V1",
    "CHECKPOINT_V2",
    "CHECKPOINT_V3",
    "CHECKPOINT_V4",
    "CPU_CHECKPOINT_FILE",
    "CPURestore",
    "CheckpointError",
    "checkpoint_checksum",
    "cpu_format_written",
    "data_checksum",
    "decode_cpu_checkpoint",
    "encode_cpu_checkpoint",
    "encode_cpu_format",
    "new_checkpoint",
    "restore_cpu_checkpoint",
]

CPU_CHECKPOINT_FILE: Final = "cpu_manager_state"
"""File name in the kubelet root dir (cm/container_manager_linux.go cpuManagerStateFileName)."""
DEFAULT_PATH: Final = "/var/lib/kubelet/" + CPU_CHECKPOINT_FILE

_CORRUPTED: Final = "checkpoint is corrupted"
_LEGACY_NAME: Final = "CPUManagerCheckpoint"


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


def _pod_entry_marshal(m: int) -> str:
    return "{" + (f'"cpuSet":{go_quote(format_cpuset(m))}' if m else "") + "}"


def _pod_entry_spew(m: int) -> GoValue:
    return GoStruct("state.PodEntry", (("CPUSet", _cpuset_spew(m)),))


def _zero_cpuset() -> int:
    return 0


_POD_ENTRY = CustomT(
    name="state.PodEntry",
    unmarshal=_pod_entry_unmarshal,
    marshal=_pod_entry_marshal,
    spew=_pod_entry_spew,
    zero=_zero_cpuset,
)
_POD_ENTRIES = MapT("state.PodCPUAssignments", StrT(), _POD_ENTRY)

_POLICY = Field("PolicyName", "policyName", StrT())
_DEFAULT = Field("DefaultCPUSet", "defaultCpuSet", StrT())
_ENTRIES = Field("Entries", "entries", _ENTRIES_V2, omitempty=True)
_PODS = Field("PodEntries", "podEntries", _POD_ENTRIES, omitempty=True)
_SUM = Field("Checksum", "checksum", _CHECKSUM)

CHECKPOINT_V1 = StructT(
    "state.CPUManagerCheckpointV1",
    (_POLICY, _DEFAULT, Field("Entries", "entries", _ENTRIES_V1, omitempty=True), _SUM),
)
CHECKPOINT_V2 = StructT("state.CPUManagerCheckpointV2", (_POLICY, _DEFAULT, _ENTRIES, _SUM))
CHECKPOINT_V3 = StructT("state.CPUManagerCheckpoint", (_POLICY, _DEFAULT, _ENTRIES, _PODS, _SUM))
"""V3 under its v1.36 name (1.37 renames it ``CPUManagerCheckpointV3`` and verifies either hash)."""
CHECKPOINT_DATA = StructT("state.CPUManagerCheckpointData", (_POLICY, _DEFAULT, _ENTRIES, _PODS))
CHECKPOINT_V4 = StructT(
    "state.CPUManagerCheckpoint",
    (
        _POLICY,
        _DEFAULT,
        _ENTRIES,
        _SUM,
        Field("Data", "data", StrT()),
        Field("DataChecksum", "dataChecksum", _CHECKSUM),
    ),
)
_TYPES: Final = {CPU_V1: CHECKPOINT_V1, CPU_V2: CHECKPOINT_V2, CPU_V3: CHECKPOINT_V3, CPU_V4: CHECKPOINT_V4}


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


def data_checksum(data: str) -> int:
    """The checksum of a serialized ``data`` string (V4 / memory V3): ``checksum.New(data)``."""
    return fnv1a_32(for_hash(GoString("string", data)))


def _verified(fmt: str, value: Mapping[str, Any], formats: CheckpointFormats, gate: bool) -> bool:
    """Mirrors: cpumanager/state/checkpoint.go VerifyChecksum of V1, V2, V3 (V4: see _attempt)"""
    ck = value["Checksum"]
    t = _TYPES[fmt]
    if fmt == CPU_V3:  # only the hash of the v1.36 struct (no zero, no legacy name)
        return bool(ck == checkpoint_checksum(t, value))
    if ck == 0:  # "accept empty checksum for compatibility with old file backend"
        return True
    own = fmt == CPU_V2 and formats.cpu_v2_own_name_when_gate_off and not gate
    if own and checkpoint_checksum(t, value) == ck:
        return True
    return bool(checkpoint_checksum(t, value, legacy_name=_LEGACY_NAME) == ck)


def new_checkpoint(t: StructT) -> dict[str, Any]:
    """A fresh checkpoint value of version ``t``: its maps start non-nil and empty.

    Mirrors: cpumanager/state/checkpoint.go newCPUManagerCheckpointV1/V2/V3
    """
    value: dict[str, Any] = {f.go_name: ({} if isinstance(f.type, MapT) else "") for f in t.fields}
    for f in t.fields:
        if isinstance(f.type, IntT):
            value[f.go_name] = 0
    return value


# ----- reading -------------------------------------------------------------------------------------
def _go_named(t: StructT, fmt: str, formats: CheckpointFormats) -> StructT:
    """``t`` under the Go type name the release decodes version ``fmt`` into (a type error names it)."""
    if fmt == CPU_V2 and t.short != formats.cpu_v2_go_name:
        return StructT("state." + formats.cpu_v2_go_name, t.fields)
    return t


@dataclass(frozen=True, slots=True)
class _Attempt:
    value: dict[str, Any] | None  # what the decode left (None: a syntax error, nothing decoded)
    error: str | None  # None: decoded and verified


def _attempt(fmt: str, data: bytes | str, formats: CheckpointFormats, gate: bool) -> _Attempt:
    """``GetCheckpoint`` of one version: unmarshal, then verify the checksum.

    Mirrors: checkpointmanager/checkpoint_manager.go GetCheckpoint
    """
    t = _TYPES[fmt]
    keys = formats.json_map_keys_in_path
    value, err = decode_partial(_go_named(t, fmt, formats), data, new_checkpoint(t), map_keys_in_path=keys)
    if value is None or err is not None:
        return _Attempt(value, err)
    if fmt == CPU_V4:
        inner, err = decode_partial(
            CHECKPOINT_DATA, value["Data"], new_checkpoint(CHECKPOINT_DATA), map_keys_in_path=keys
        )
        if inner is None or err is not None:
            return _Attempt(None, f"failed to deserialize cpu manager checkpoint data: {err}")
        if data_checksum(value["Data"]) != value["DataChecksum"]:
            return _Attempt(inner, _CORRUPTED)
        return _Attempt(inner, None)
    if not _verified(fmt, value, formats, gate):
        return _Attempt(value, _CORRUPTED)
    return _Attempt(value, None)


def _migrate_v1(v1: Mapping[str, Any], ids: Mapping[str, tuple[str, str]], text: str) -> dict[str, Any]:
    """Mirrors: cpumanager/state/state_checkpoint.go migrateV1CheckpointToV2Checkpoint"""
    entries: dict[str, dict[str, str]] = {}
    # Go walks the map in random order; podfit reports the first unknown container in sorted order.
    for container_id, cset in sorted((v1["Entries"] or {}).items()):
        ref = ids.get(container_id)
        if ref is None:
            raise GoJSONError(f"{text}containerID '{container_id}' not found in initial containers list")
        entries.setdefault(ref[0], {})[ref[1]] = cset
    return {"PolicyName": v1["PolicyName"], "DefaultCPUSet": v1["DefaultCPUSet"], "Entries": entries}


def _migrate_into(base: dict[str, Any], got: Mapping[str, Any]) -> dict[str, Any]:
    """A newer version's value filled from an older one: set fields override, the rest (pod
    entries) stay as the failed first attempt decoded them.

    Mirrors: cpumanager/state/state_checkpoint.go migrateV2CheckpointToV3Checkpoint
    """
    out = dict(base)
    for key in ("PolicyName", "DefaultCPUSet"):
        if got.get(key):
            out[key] = got[key]
    for key in ("Entries", "PodEntries"):
        if got.get(key):
            out[key] = dict(got[key])
    out.setdefault("PodEntries", {})
    return out


def _load(
    data: bytes | str, formats: CheckpointFormats, gate: bool, ids: Mapping[str, tuple[str, str]]
) -> tuple[dict[str, Any], str]:
    """The chain of attempts of ``formats`` (first success wins, an old version migrated); the last
    error when every attempt fails. Returns (value, the version read).

    Mirrors: cpumanager/state/state_checkpoint.go restoreState, loadAndMigrateCheckpointV3 / V2
    """
    chain = formats.cpu_read_plrm if gate else formats.cpu_read
    into_first = formats.cpu_migrate_into_first_attempt and chain[0] in (CPU_V3, CPU_V4)
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
        if fmt == CPU_V1:
            value = _migrate_v1(value, ids, formats.cpu_migration_text)
        if i > 0 and into_first and first is not None and first.value is not None:
            value = _migrate_into(first.value, value)
        return value, fmt
    raise GoJSONError(error)


def _state(cp: Mapping[str, Any], policy_name: str, with_pod_entries: bool) -> CPUState:
    """Mirrors: cpumanager/state/state_checkpoint.go restoreState (after the load)"""
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
    pods = dict(cp.get("PodEntries") or {}) if with_pod_entries else {}
    return CPUState(default, assignments, pods)


@dataclass(frozen=True, slots=True)
class CPURestore:
    """A ``cpu_manager_state`` file as a kubelet read it: the state and the version it read."""

    state: CPUState
    read_as: str  # V1 .. V4 (older versions were migrated to the release's newest in memory)


def restore_cpu_checkpoint(
    data: bytes | str,
    *,
    policy_name: str,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
    container_ids: Mapping[str, tuple[str, str]] | None = None,
    path: str = DEFAULT_PATH,
) -> CPURestore:
    """The CPU state a kubelet of release ``version`` (with ``PodLevelResourceManagers`` =
    ``pod_level_gate``) restores from a file's bytes, or :class:`CheckpointError` with its text.

    ``container_ids`` maps a container ID to ``(pod UID, container name)`` (the kubelet's
    ``initialContainers``; V1 files only). ``path`` appears in the message.

    Mirrors: cpumanager/state/state_checkpoint.go NewCheckpointState
    """
    formats = checkpoint_formats(version)
    gate = pod_level_gate and formats.plrm_gate
    try:
        value, fmt = _load(data, formats, gate, container_ids or {})
        # the value is of the chain's newest version: pod entries only when that one has them
        chain = formats.cpu_read_plrm if gate else formats.cpu_read
        return CPURestore(_state(value, policy_name, chain[0] in (CPU_V3, CPU_V4)), fmt)
    except GoJSONError as exc:
        raise CheckpointError(
            f"could not restore state from checkpoint: {exc}, please drain this node and delete "
            f"the CPU manager checkpoint file {go_q(path)} before restarting Kubelet",
            str(exc),
        ) from None


def decode_cpu_checkpoint(
    data: bytes | str,
    *,
    policy_name: str,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
    container_ids: Mapping[str, tuple[str, str]] | None = None,
    path: str = DEFAULT_PATH,
) -> CPUState:
    """:func:`restore_cpu_checkpoint`'s state."""
    return restore_cpu_checkpoint(
        data,
        policy_name=policy_name,
        pod_level_gate=pod_level_gate,
        version=version,
        container_ids=container_ids,
        path=path,
    ).state


# ----- writing -------------------------------------------------------------------------------------
def encode_cpu_format(state: CPUState, policy_name: str, fmt: str) -> bytes:
    """The file of version ``fmt`` (V2, V3 or V4) for ``state``.

    Mirrors: cpumanager/state/state_checkpoint.go storeState and checkpoint.go MarshalCheckpoint
    (V2 hashed under its 1.35 name, kubernetes PR #137751; V4 kubernetes PR #139102)
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
    if fmt == CPU_V3:
        value["PodEntries"] = state.get_pod_cpu_assignments()
        value["Checksum"] = checkpoint_checksum(CHECKPOINT_V3, value)
        return encode(CHECKPOINT_V3, value).encode("utf-8")
    if fmt not in (CPU_V2, CPU_V4):
        raise ValueError(f"a kubelet does not write cpu_manager_state {fmt}")
    value["Checksum"] = checkpoint_checksum(CHECKPOINT_V2, value, legacy_name=_LEGACY_NAME)
    if fmt == CPU_V2:
        return encode(CHECKPOINT_V2, value).encode("utf-8")
    data = encode(
        CHECKPOINT_DATA,
        {
            "PolicyName": policy_name,
            "DefaultCPUSet": value["DefaultCPUSet"],
            "Entries": entries,
            "PodEntries": state.get_pod_cpu_assignments(),
        },
    )
    value["Data"] = data
    value["DataChecksum"] = data_checksum(data)
    return encode(CHECKPOINT_V4, value).encode("utf-8")


def encode_cpu_checkpoint(
    state: CPUState, policy_name: str, *, pod_level_gate: bool, version: str = DEFAULT_RELEASE
) -> bytes:
    """The file a kubelet of release ``version`` writes for ``state`` (its format by the gate)."""
    formats = checkpoint_formats(version)
    fmt = formats.cpu_write_plrm if pod_level_gate and formats.plrm_gate else formats.cpu_write
    return encode_cpu_format(state, policy_name, fmt)


def cpu_format_written(version: str, pod_level_gate: bool) -> str:
    """The ``cpu_manager_state`` version a release writes."""
    formats = checkpoint_formats(version)
    return formats.cpu_write_plrm if pod_level_gate and formats.plrm_gate else formats.cpu_write
