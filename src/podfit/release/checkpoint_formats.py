"""What each kubelet release writes to and reads from its resource-manager checkpoint files
(``cpu_manager_state``, ``memory_manager_state``, the device manager's
``kubelet_internal_checkpoint``), and how it re-admits the pods of those files
after a restart. Pure data, keyed by minor release; the codec (:mod:`podfit.checkpoint`) and the
restart (:mod:`podfit.kubelet.restart`) read it. The evidence for every cell is in
``docs/versions.md`` (section "Checkpoints and restarts").

Format names are the kubelet's own struct versions:

* ``cpu_manager_state`` — ``V1`` entries keyed by container ID (read only); ``V2`` entries by pod
  UID and container name; ``V3`` = V2 + ``podEntries`` (1.36, ``PodLevelResourceManagers`` on);
  ``V4`` = the V2 fields with their own checksum + ``data`` (the serialized
  ``CPUManagerCheckpointData``, pod entries included) + ``dataChecksum`` (1.37, kubernetes#139102).
* ``memory_manager_state`` — ``V1`` policy, machine state, entries; ``V2`` = V1 + ``podEntries``
  (1.36, gate on); ``V3`` = the V1 fields with their own checksum + ``data`` + ``dataChecksum``
  (1.37, kubernetes#139626).
* ``kubelet_internal_checkpoint`` — one format in every modelled release (``V2``: devicemanager
  checkpoint.go ``New`` is ``newV2``, entries with ``DeviceIDs`` per NUMA node); what differs is the
  decoder of each entry's ``AllocResp`` (a serialized ``ContainerAllocateResponse``): the
  gogo-generated ``Unmarshal`` in 1.33, protobuf-go ``proto.Unmarshal`` from 1.34.

A read is a chain of attempts in order; the first that decodes and verifies wins (an older version
is migrated to the newest in memory), and when all fail the error of the last one is the kubelet's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from podfit.errors import InputError

__all__ = [
    "CHECKPOINT_FORMATS",
    "CPU_V1",
    "CPU_V2",
    "CPU_V3",
    "CPU_V4",
    "DEVICE_ALLOC_GOGO",
    "DEVICE_ALLOC_PROTOBUF_GO",
    "DEVICE_V2",
    "MEMORY_V1",
    "MEMORY_V2",
    "MEMORY_V3",
    "MIGRATION_TEXT_1_33",
    "MIGRATION_TEXT_1_36",
    "CheckpointFormats",
    "checkpoint_formats",
]

CPU_V1: Final = "V1"
CPU_V2: Final = "V2"
CPU_V3: Final = "V3"
CPU_V4: Final = "V4"
MEMORY_V1: Final = "V1"
MEMORY_V2: Final = "V2"
MEMORY_V3: Final = "V3"
DEVICE_V2: Final = "V2"
DEVICE_ALLOC_GOGO: Final = "gogo"  # 1.33 pod_devices.go: allocResp.Unmarshal / .Marshal
DEVICE_ALLOC_PROTOBUF_GO: Final = "protobuf-go"  # 1.34+: proto.Unmarshal / proto.Marshal

# cpumanager/state/state_checkpoint.go: how a failed V1 -> V2 migration is worded
MIGRATION_TEXT_1_33: Final = "error migrating v1 checkpoint state to v2 checkpoint state: "  # restoreState
MIGRATION_TEXT_1_36: Final = "failed to migrate checkpoint from v1 to v2: "  # loadAndMigrateCheckpointV2


@dataclass(frozen=True, slots=True)
class CheckpointFormats:
    """One release's checkpoint files and restart behaviour."""

    version: str
    # the release knows the PodLevelResourceManagers gate (kubernetes PR #134768, 1.36)
    plrm_gate: bool
    # ----- cpu_manager_state ---------------------------------------------------------------------
    cpu_write: str  # written with the gate off (or by a release without the gate)
    cpu_write_plrm: str  # written with the gate on
    cpu_read: tuple[str, ...]  # read attempts, gate off
    cpu_read_plrm: tuple[str, ...]  # read attempts, gate on
    # V2 verifies against a hash under its own struct name CPUManagerCheckpointV2 when the gate is
    # off (1.36's VerifyChecksum); before 1.36 the V2 struct *was* CPUManagerCheckpoint
    cpu_v2_own_name_when_gate_off: bool
    # the Go type V2 is decoded into, as a JSON type error names it (before 1.36 V2 is an alias of
    # CPUManagerCheckpoint; 1.36 gives it its own struct)
    cpu_v2_go_name: str
    # a later attempt migrates into the value the first (failed) attempt decoded: fields it does
    # not set (pod entries) survive from that attempt (1.36 loadAndMigrateCheckpointV3)
    cpu_migrate_into_first_attempt: bool
    cpu_migration_text: str
    # ----- memory_manager_state ------------------------------------------------------------------
    memory_write: str
    memory_write_plrm: str
    memory_read: tuple[str, ...]
    memory_read_plrm: tuple[str, ...]
    memory_v1_accepts_zero: bool  # checksum 0 accepted ("old file backend"), 1.36+
    memory_v1_own_name_when_gate_off: bool  # hash under MemoryManagerCheckpointV1 accepted, 1.36+
    memory_v1_go_name: str  # the struct V1 is decoded into (MemoryManagerCheckpoint before 1.36)
    memory_v2_accepts_zero: bool  # 1.37 (kubernetes#139626)
    memory_migrate_into_first_attempt: bool  # 1.36 loadAndMigrateCheckpointV2
    # ----- every file ----------------------------------------------------------------------------
    # the Go toolchain's encoding/json names map keys in a type error's field path (Go 1.27, json/v2
    # underneath: ``entries.pod-a``); the v1 decoder of Go 1.24 - 1.26 leaves them out (``entries``)
    json_map_keys_in_path: bool
    # ----- device-plugins/kubelet_internal_checkpoint --------------------------------------------
    device_write: str
    device_alloc_resp_decoder: str
    # ----- restart -------------------------------------------------------------------------------
    # kubernetes PRs #141041 (CPU AllocatePod restores a checkpointed pod-level allocation and
    # GetPodTopologyHints regenerates the hint from it), #141077 (memory AllocatePod keeps a restored
    # pod allocation), #141070 (memory pod hints from the pod-level blocks); 1.36 re-allocates
    # (issues #140989, #140906, #141069)
    restart_readmission_fixes: bool
    source: str


def _before_1_36(version: str, source: str, alloc_decoder: str) -> CheckpointFormats:
    """1.33, 1.34, 1.35: no pod-level gate; CPU V1 tried before V2; memory V1 verified strictly."""
    return CheckpointFormats(
        version=version,
        plrm_gate=False,
        cpu_write=CPU_V2,
        cpu_write_plrm=CPU_V2,
        cpu_read=(CPU_V1, CPU_V2),
        cpu_read_plrm=(CPU_V1, CPU_V2),
        cpu_v2_own_name_when_gate_off=False,
        cpu_v2_go_name="CPUManagerCheckpoint",
        cpu_migrate_into_first_attempt=False,
        cpu_migration_text=MIGRATION_TEXT_1_33,
        memory_write=MEMORY_V1,
        memory_write_plrm=MEMORY_V1,
        memory_read=(MEMORY_V1,),
        memory_read_plrm=(MEMORY_V1,),
        memory_v1_accepts_zero=False,
        memory_v1_own_name_when_gate_off=False,
        memory_v1_go_name="MemoryManagerCheckpoint",
        memory_v2_accepts_zero=False,
        memory_migrate_into_first_attempt=False,
        json_map_keys_in_path=False,  # .go-version: 1.24.6 (1.33), 1.24.9 (1.34), 1.25.7 (1.35)
        device_write=DEVICE_V2,
        device_alloc_resp_decoder=alloc_decoder,
        restart_readmission_fixes=False,
        source=source,
    )


CHECKPOINT_FORMATS: Final[dict[str, CheckpointFormats]] = {
    "1.33": _before_1_36("1.33", "v1.33.5 code (83d4040a)", DEVICE_ALLOC_GOGO),
    "1.34": _before_1_36("1.34", "v1.34.2 code (c9e94e18)", DEVICE_ALLOC_PROTOBUF_GO),
    "1.35": _before_1_36("1.35", "v1.35.3 code (d47c1ed9)", DEVICE_ALLOC_PROTOBUF_GO),
    "1.36": CheckpointFormats(
        version="1.36",
        plrm_gate=True,
        cpu_write=CPU_V2,
        cpu_write_plrm=CPU_V3,
        cpu_read=(CPU_V2, CPU_V1),
        cpu_read_plrm=(CPU_V3, CPU_V2, CPU_V1),
        cpu_v2_own_name_when_gate_off=True,
        cpu_v2_go_name="CPUManagerCheckpointV2",
        cpu_migrate_into_first_attempt=True,
        cpu_migration_text=MIGRATION_TEXT_1_36,
        memory_write=MEMORY_V1,
        memory_write_plrm=MEMORY_V2,
        memory_read=(MEMORY_V1,),
        memory_read_plrm=(MEMORY_V2, MEMORY_V1),
        memory_v1_accepts_zero=True,
        memory_v1_own_name_when_gate_off=True,
        memory_v1_go_name="MemoryManagerCheckpointV1",
        memory_v2_accepts_zero=False,
        memory_migrate_into_first_attempt=True,
        json_map_keys_in_path=False,  # .go-version 1.26.4
        device_write=DEVICE_V2,
        device_alloc_resp_decoder=DEVICE_ALLOC_PROTOBUF_GO,
        restart_readmission_fixes=False,
        source="v1.36.2 code (8e16b12f); v1.36.3 (ab25d114) has no cm/ change",
    ),
    "1.37": CheckpointFormats(
        version="1.37",
        plrm_gate=True,
        cpu_write=CPU_V4,
        cpu_write_plrm=CPU_V4,
        cpu_read=(CPU_V4, CPU_V3, CPU_V2, CPU_V1),
        cpu_read_plrm=(CPU_V4, CPU_V3, CPU_V2, CPU_V1),
        cpu_v2_own_name_when_gate_off=True,
        cpu_v2_go_name="CPUManagerCheckpointV2",
        cpu_migrate_into_first_attempt=True,
        cpu_migration_text=MIGRATION_TEXT_1_36,
        memory_write=MEMORY_V3,
        memory_write_plrm=MEMORY_V3,
        memory_read=(MEMORY_V3, MEMORY_V2, MEMORY_V1),
        memory_read_plrm=(MEMORY_V3, MEMORY_V2, MEMORY_V1),
        memory_v1_accepts_zero=True,
        memory_v1_own_name_when_gate_off=True,
        memory_v1_go_name="MemoryManagerCheckpointV1",
        memory_v2_accepts_zero=True,
        memory_migrate_into_first_attempt=True,
        # the 1.37 toolchain is not known (no 1.37 .go-version read): the v1 wording is kept
        json_map_keys_in_path=False,
        device_write=DEVICE_V2,
        device_alloc_resp_decoder=DEVICE_ALLOC_PROTOBUF_GO,
        restart_readmission_fixes=True,
        source="kubernetes PRs #139102, #139087, #139626, #141041, #141077, #141070, KEP-5526 "
        "(no 1.37 code read; no change to the device manager checkpoint found, so as 1.36)",
    ),
}


def checkpoint_formats(version: str) -> CheckpointFormats:
    """The checkpoint table of ``version`` (a minor release podfit models)."""
    found = CHECKPOINT_FORMATS.get(version)
    if found is None:
        raise InputError("kubeletVersion", f"no checkpoint formats for kubelet {version!r}")
    return found
