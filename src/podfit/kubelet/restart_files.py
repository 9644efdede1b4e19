"""The checkpoint files across a kubelet restart: what the old kubelet wrote (``cpu_manager_state``,
``memory_manager_state`` and, with device plugins, ``device-plugins/kubelet_internal_checkpoint``)
and what the new one reads back, in the order its container manager's ``Start`` reads them (CPU,
memory, then the device manager).

The CPU and memory managers refuse to start on a file they cannot restore; the device manager never
does: it logs ``Continue after failing to read checkpoint file...`` and starts with no device
allocations (status ``unreadable``, the log line as the message).

Mirrors: cm/container_manager_linux.go Start (cpuManager.Start, memoryManager.Start, then
deviceManager.Start), devicemanager/manager.go Start / readCheckpoint (v1.33.5 - v1.36.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from podfit.checkpoint.cpu import CPU_CHECKPOINT_FILE, encode_cpu_format, restore_cpu_checkpoint
from podfit.checkpoint.devices import (
    DEVICE_CHECKPOINT_FILE,
    SKIPPED_LOG,
    device_checkpoint_of,
    encode_device_checkpoint,
    read_device_checkpoint,
    restored_devices,
)
from podfit.checkpoint.gospew import go_q
from podfit.checkpoint.memory import MEMORY_CHECKPOINT_FILE, encode_memory_format, restore_memory_checkpoint
from podfit.cpu.state import CPUState
from podfit.devices.state import RestoredDevices
from podfit.errors import CheckpointError
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node
from podfit.memory.state import MemoryState
from podfit.model.admission import REFUSAL_CPU_MANAGER, REFUSAL_MEMORY_MANAGER, ConfigRefusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.release.checkpoint_formats import checkpoint_formats

__all__ = [
    "DEVICE_FILE",
    "UNREADABLE",
    "FileRead",
    "restored_from_files",
    "written_device_file",
    "written_files",
]

PLRM: Final = "PodLevelResourceManagers"
STATE_DIR: Final = "/var/lib/kubelet"
DEVICE_FILE: Final = "device-plugins/" + DEVICE_CHECKPOINT_FILE
"""The device manager's file, below the kubelet's root directory (as ``FileRead.file`` names it)."""
UNREADABLE: Final = "unreadable"

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class FileRead:
    """One checkpoint file across the restart: the version the old kubelet wrote (``None``: a real
    file), the version the new one read (``None``: refused, unreadable or absent) and the
    kubelet's refusal text (``unreadable``: the device manager's log line; ``ok``: a note)."""

    file: str  # cpu_manager_state | memory_manager_state | device-plugins/kubelet_internal_checkpoint
    written_as: str | None
    read_as: str | None
    status: str  # ok | refused | absent | unreadable (the device manager's file only)
    message: str = ""


def _device_read(
    data: bytes | None, version: str, written: str | None
) -> tuple[FileRead, RestoredDevices | None]:
    """The device manager's file as its ``Start`` reads it (never a refusal)."""
    got = read_device_checkpoint(data, version=version)
    restored = restored_devices(got)
    if not got.found:
        return FileRead(DEVICE_FILE, written, None, "absent"), None
    if got.log is not None:
        return FileRead(DEVICE_FILE, written, None, UNREADABLE, got.log), None
    note = ""
    if got.skipped:
        n = len(got.skipped)
        note = f"{n} entr{'y' if n == 1 else 'ies'} skipped: {go_q(SKIPPED_LOG)}"
    return FileRead(DEVICE_FILE, written, checkpoint_formats(version).device_write, "ok", note), restored


def _manager_file(
    name: str,
    data: bytes | None,
    written: str | None,
    directory: str,
    restore: Callable[[bytes, str], tuple[S, str]],
    refusal: str,
    reads: list[FileRead],
) -> S | ConfigRefusal | None:
    """One manager's file as its ``Start`` reads it, recorded in ``reads``: the restored state,
    ``None`` when absent (a fresh start), or the manager's refusal (reason ``refusal``)."""
    if data is None:
        reads.append(FileRead(name, written, None, "absent"))
        return None
    try:
        state, read_as = restore(data, f"{directory}/{name}")
    except CheckpointError as exc:
        reads.append(FileRead(name, written, None, "refused", exc.message))
        return ConfigRefusal(refusal, exc.message)
    reads.append(FileRead(name, written, read_as, "ok"))
    return state


def restored_from_files(
    cpu: bytes | None,
    memory: bytes | None,
    config: KubeletConfig,
    version: str,
    *,
    directory: str = STATE_DIR,
    written: tuple[str | None, str | None] = (None, None),
    devices: bytes | None = None,
    devices_written: str | None = None,
    devices_listed: bool = False,
) -> tuple[RestoredState | ConfigRefusal, tuple[FileRead, ...]]:
    """The files (``None``: absent, a fresh start) as a kubelet of ``version`` with ``config``
    reads them in ``Start`` (CPU manager first): the restored state or the first refusal. The
    device manager's file is read (and listed) when given or when ``devices_listed``.

    Mirrors: cm/container_manager_linux.go Start (cpuManager.Start, then memoryManager.Start, then
    deviceManager.Start)
    """
    gate = config.feature_gates.enabled(PLRM)
    reads: list[FileRead] = []

    def cpu_restore(data: bytes, path: str) -> tuple[CPUState, str]:
        got = restore_cpu_checkpoint(
            data, policy_name=config.cpu_manager_policy, pod_level_gate=gate, version=version, path=path
        )
        return got.state, got.read_as

    def memory_restore(data: bytes, path: str) -> tuple[MemoryState, str]:
        got = restore_memory_checkpoint(
            data, policy_name=config.memory_manager_policy, pod_level_gate=gate, version=version, path=path
        )
        return got.state, got.read_as

    cpu_state = _manager_file(
        CPU_CHECKPOINT_FILE, cpu, written[0], directory, cpu_restore, REFUSAL_CPU_MANAGER, reads
    )
    if isinstance(cpu_state, ConfigRefusal):
        return cpu_state, tuple(reads)
    memory_state = _manager_file(
        MEMORY_CHECKPOINT_FILE, memory, written[1], directory, memory_restore, REFUSAL_MEMORY_MANAGER, reads
    )
    if isinstance(memory_state, ConfigRefusal):
        return memory_state, tuple(reads)
    device_state = None
    if devices is not None or devices_listed:
        read, device_state = _device_read(devices, version, devices_written)
        reads.append(read)
    return RestoredState(cpu=cpu_state, memory=memory_state, devices=device_state), tuple(reads)


def written_files(node: Node, version: str) -> tuple[bytes, bytes, str, str]:
    """The two files the kubelet of ``node`` (release ``version``) has written for its state, and
    their versions.

    Mirrors: cpumanager/memorymanager state_checkpoint.go storeState
    """
    formats = checkpoint_formats(version)
    gate = node.config.feature_gates.enabled(PLRM) and formats.plrm_gate
    cpu_fmt = formats.cpu_write_plrm if gate else formats.cpu_write
    memory_fmt = formats.memory_write_plrm if gate else formats.memory_write
    cpu, memory = node.managers.cpu, node.managers.memory
    return (
        encode_cpu_format(cpu.state, cpu.cpu_policy.name(), cpu_fmt),
        encode_memory_format(memory.state, memory.memory_policy.name(), memory_fmt),
        cpu_fmt,
        memory_fmt,
    )


def written_device_file(node: Node, version: str) -> tuple[bytes, str] | None:
    """The device manager's file the kubelet of ``node`` has written, and its version (``None``:
    never written — no device plugin registered and no device held).

    Mirrors: devicemanager/manager.go writeCheckpoint (called when a plugin reports its devices
    and after each allocation)
    """
    dm = node.managers.devices
    if not (dm.devices or dm.registered_empty or dm.state.in_use()):
        return None
    fmt = checkpoint_formats(version).device_write
    return encode_device_checkpoint(device_checkpoint_of(dm), version=version), fmt
