"""The kubelet's checkpoint files on disk around a simulation: restart from ``cpu_manager_state`` /
``memory_manager_state`` as a given release reads them, and write them (and, on a node with
devices, ``device-plugins/kubelet_internal_checkpoint``) as a release writes them after the last
event. The encoding is :mod:`podfit.checkpoint` (pure); this module only reads and
writes files (atomically).

Mirrors: cpumanager/memorymanager ``NewCheckpointState`` at kubelet start (a missing file is a fresh
start; a file the kubelet cannot restore stops it) and the managers' checkpoint writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from podfit.checkpoint.cpu import (
    CPU_CHECKPOINT_FILE,
    CheckpointError,
    decode_cpu_checkpoint,
    encode_cpu_checkpoint,
)
from podfit.checkpoint.devices import (
    DEVICE_CHECKPOINT_FILE,
    DeviceCheckpoint,
    device_checkpoint_of,
    encode_device_checkpoint,
)
from podfit.checkpoint.memory import (
    MEMORY_CHECKPOINT_FILE,
    decode_memory_checkpoint,
    encode_memory_checkpoint,
)
from podfit.cpu.state import CPUState
from podfit.io.files import write_atomic
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node
from podfit.kubelet.restart import PLRM, FileRead, restored_from_files
from podfit.memory.state import MemoryState
from podfit.model.admission import ConfigRefusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.release.profile import DEFAULT_RELEASE

__all__ = [
    "DEVICE_PLUGINS_DIR",
    "read_cpu_checkpoint",
    "read_memory_checkpoint",
    "restore_from",
    "write_checkpoints",
    "write_cpu_checkpoint",
    "write_device_checkpoint",
    "write_memory_checkpoint",
]

DEVICE_PLUGINS_DIR = "device-plugins"
"""Where the device manager keeps its checkpoint, below the kubelet's root directory."""


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def restore_from(
    directory: Path, config: KubeletConfig, version: str | None = None, *, devices_listed: bool = False
) -> tuple[RestoredState | ConfigRefusal, tuple[FileRead, ...]]:
    """The managers' state in ``directory`` (a kubelet root directory) as a kubelet of release
    ``version`` (default: the configuration's) with ``config`` reads it (or its refusal), and how
    each file was read. The device manager's ``device-plugins/kubelet_internal_checkpoint`` is
    listed when it exists or when ``devices_listed`` (a machine with device plugins)."""
    return restored_from_files(
        _read(directory / CPU_CHECKPOINT_FILE),
        _read(directory / MEMORY_CHECKPOINT_FILE),
        config,
        version or config.release.version,
        directory=str(directory),
        devices=_read(directory / DEVICE_PLUGINS_DIR / DEVICE_CHECKPOINT_FILE),
        devices_listed=devices_listed,
    )


def write_checkpoints(directory: Path, node: Node, version: str | None = None) -> tuple[Path, ...]:
    """Write the checkpoint files of ``node``'s current state into ``directory`` (a kubelet root
    directory), as a kubelet of release ``version`` (default: the node's) writes them:
    ``cpu_manager_state``, ``memory_manager_state`` and, when the machine has devices, the device
    manager's ``device-plugins/kubelet_internal_checkpoint``."""
    version = version or node.release
    directory.mkdir(parents=True, exist_ok=True)
    gate = node.config.feature_gates.enabled(PLRM)
    cpu, memory, devices = node.managers.cpu, node.managers.memory, node.managers.devices
    written = (
        write_cpu_checkpoint(
            directory, cpu.state, cpu.cpu_policy.name(), pod_level_gate=gate, version=version
        ),
        write_memory_checkpoint(
            directory, memory.state, memory.memory_policy.name(), pod_level_gate=gate, version=version
        ),
    )
    if devices.devices:
        written += (write_device_checkpoint(directory, device_checkpoint_of(devices), version=version),)
    return written


def write_device_checkpoint(
    directory: str | os.PathLike[str], checkpoint: DeviceCheckpoint, *, version: str = DEFAULT_RELEASE
) -> Path:
    """Write ``<directory>/device-plugins/kubelet_internal_checkpoint`` atomically; return its path."""
    target = Path(directory) / DEVICE_PLUGINS_DIR / DEVICE_CHECKPOINT_FILE
    return write_atomic(target, encode_device_checkpoint(checkpoint, version=version))


def write_cpu_checkpoint(
    directory: str | os.PathLike[str],
    state: CPUState,
    policy_name: str,
    *,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
) -> Path:
    """Write ``<directory>/cpu_manager_state`` atomically (temp file + rename); return its path."""
    data = encode_cpu_checkpoint(state, policy_name, pod_level_gate=pod_level_gate, version=version)
    return write_atomic(Path(directory) / CPU_CHECKPOINT_FILE, data)


def write_memory_checkpoint(
    directory: str | os.PathLike[str],
    state: MemoryState,
    policy_name: str,
    *,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
) -> Path:
    """Write ``<directory>/memory_manager_state`` atomically (temp file + rename); return its path."""
    data = encode_memory_checkpoint(state, policy_name, pod_level_gate=pod_level_gate, version=version)
    return write_atomic(Path(directory) / MEMORY_CHECKPOINT_FILE, data)


def read_cpu_checkpoint(
    directory: str | os.PathLike[str],
    *,
    policy_name: str,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
    container_ids: Mapping[str, tuple[str, str]] | None = None,
) -> CPUState | None:
    """Read ``<directory>/cpu_manager_state``; ``None`` when the file does not exist (the kubelet
    then starts from an empty state and writes a fresh file). :class:`CheckpointError` when the
    release refuses it."""
    target = Path(directory) / CPU_CHECKPOINT_FILE
    data = _read(target)
    if data is None:
        return None
    return decode_cpu_checkpoint(
        data,
        policy_name=policy_name,
        pod_level_gate=pod_level_gate,
        version=version,
        container_ids=container_ids,
        path=str(target),
    )


def read_memory_checkpoint(
    directory: str | os.PathLike[str],
    *,
    policy_name: str,
    pod_level_gate: bool,
    version: str = DEFAULT_RELEASE,
) -> MemoryState | None:
    """Read ``<directory>/memory_manager_state``; ``None`` when the file does not exist."""
    target = Path(directory) / MEMORY_CHECKPOINT_FILE
    data = _read(target)
    if data is None:
        return None
    return decode_memory_checkpoint(
        data, policy_name=policy_name, pod_level_gate=pod_level_gate, version=version, path=str(target)
    )


__all__ += ["CheckpointError"]
