"""The kubelet's checkpoint files around a simulation: restart from ``cpu_manager_state`` /
``memory_manager_state``, and write them as the kubelet would after the last event.

Mirrors: cpumanager/memorymanager ``NewCheckpointState`` at kubelet start (a missing file is a fresh
start; a file the kubelet cannot restore stops it) and the managers' checkpoint writes.
"""

from __future__ import annotations

from pathlib import Path

from podfit.io.checkpoint_cpu import CheckpointError, read_cpu_checkpoint, write_cpu_checkpoint
from podfit.io.checkpoint_memory import read_memory_checkpoint, write_memory_checkpoint
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node
from podfit.model.admission import ConfigRefusal
from podfit.model.kubelet_config import KubeletConfig

__all__ = ["restore_from", "write_checkpoints"]

PLRM = "PodLevelResourceManagers"


def restore_from(directory: Path, config: KubeletConfig) -> RestoredState | ConfigRefusal:
    """The managers' state in ``directory`` as a kubelet with ``config`` reads it, or its refusal."""
    gate = config.feature_gates.enabled(PLRM)
    try:
        cpu = read_cpu_checkpoint(directory, policy_name=config.cpu_manager_policy, pod_level_gate=gate)
    except CheckpointError as exc:
        return ConfigRefusal("CPUManagerError", exc.message)
    try:
        memory = read_memory_checkpoint(
            directory, policy_name=config.memory_manager_policy, pod_level_gate=gate
        )
    except CheckpointError as exc:
        return ConfigRefusal("MemoryManagerError", exc.message)
    return RestoredState(cpu=cpu, memory=memory)


def write_checkpoints(directory: Path, node: Node) -> tuple[Path, Path]:
    """Write both checkpoint files of ``node``'s current state into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    gate = node.config.feature_gates.enabled(PLRM)
    cpu, memory = node.managers.cpu, node.managers.memory
    return (
        write_cpu_checkpoint(directory, cpu.state, cpu.cpu_policy.name(), pod_level_gate=gate),
        write_memory_checkpoint(directory, memory.state, memory.memory_policy.name(), pod_level_gate=gate),
    )
