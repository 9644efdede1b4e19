"""The kubelet's start: its configuration validated, then the resource managers built in the order
the container manager builds them — each refusal worded once, by the manager that owns it.

Mirrors: cmd/kubelet/app/server.go (``ValidateKubeletConfiguration``, ``getReservedCPUs``) and
pkg/kubelet/cm/container_manager_linux.go ``NewContainerManager`` (Topology, CPU, then Memory
Manager; each manager's ``Start`` validating restored checkpoint state).
"""

from __future__ import annotations

from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.cpu.manager import new_cpu_policy
from podfit.cpu.state import CPUState
from podfit.devices.manager import DeviceManager
from podfit.kubelet import metrics_record as record
from podfit.kubelet.allocatable import node_allocatable_reservation
from podfit.kubelet.managers import ResourceManagers, RestoredState, new_cpu_manager, new_memory_manager
from podfit.kubelet.metrics import NodeMetrics, new_node_metrics
from podfit.memory.manager import new_memory_policy
from podfit.memory.state import MemoryState
from podfit.model.admission import (
    CONFIG_INVALID,
    REFUSAL_CPU_MANAGER,
    REFUSAL_MEMORY_MANAGER,
    ConfigRefusal,
)
from podfit.model.cpuset import format_cpuset
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.release.checkpoint_formats import checkpoint_formats
from podfit.topology.manager import new_topology_manager

__all__ = ["kubelet_refusal", "start_managers", "startup_refusal"]

PLRM = "PodLevelResourceManagers"


def _reserved_cpus_refusal(cfg: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    """Mirrors: cmd/kubelet/app/server.go getReservedCPUs"""
    if cfg.reserved_system_cpus and cfg.reserved_system_cpus & ~machine.all_cpus:
        return ConfigRefusal(
            CONFIG_INVALID,
            f"reserved-cpus: {cfg.reserved_system_cpus_text} is not a subset of online-cpus: "
            f"{format_cpuset(machine.all_cpus)}",
        )
    return None


def _topology_options_gate_refusal(cfg: KubeletConfig) -> ConfigRefusal | None:
    """Topology Manager policy options with the ``TopologyManagerPolicyOptions`` gate off (it is
    GA but unlocked in 1.33-1.35; locked on from 1.36, so a gate error comes first there).

    Mirrors: cmd/kubelet/app/server.go run (v1.35.3)
    """
    options = cfg.fields.get("topologyManagerPolicyOptions")
    if options is None or cfg.feature_gates.enabled("TopologyManagerPolicyOptions"):
        return None
    shown = " ".join(f"{k}:{v}" for k, v in sorted(dict(options).items()))  # type: ignore[call-overload]
    return ConfigRefusal(
        CONFIG_INVALID,
        f'topology manager policy options map[{shown}] require feature gates "TopologyManagerPolicyOptions" '
        "enabled",
    )


def start_managers(
    machine: Machine,
    config: KubeletConfig,
    metrics: NodeMetrics | None = None,
    restored: RestoredState | None = None,
) -> ResourceManagers | ConfigRefusal:
    """The resource managers of a kubelet starting on ``machine`` with ``config`` (already
    validated), or its refusal. Their metrics go to ``metrics`` (a fresh registry when not given),
    initialised as at the kubelet's start. ``restored``: start from checkpointed state, which the
    policies validate as the kubelet's ``Start`` does. The kubelet's release is ``config.release``
    (what the managers do with a restored pod-level allocation: ``podfit.release.checkpoint_formats``).

    Mirrors: container_manager_linux.go NewContainerManager and the managers' Start
    """
    refusal = _reserved_cpus_refusal(config, machine) or _topology_options_gate_refusal(config)
    if refusal is not None:
        return refusal
    gates = config.feature_gates
    topology = new_topology_manager(
        machine,
        config.topology_manager_policy,
        config.topology_manager_scope,
        config.topology_manager_policy_options,
        gates,
    )
    if isinstance(topology, ConfigRefusal):
        return topology
    reservation, formats = node_allocatable_reservation(config, machine)
    fixes = checkpoint_formats(config.release.version).restart_readmission_fixes
    cpu_policy = new_cpu_policy(
        machine,
        config.cpu_manager_policy,
        config.cpu_manager_policy_options,
        gates,
        reservation.get("cpu"),
        config.reserved_system_cpus or 0,
        config.topology_manager_policy,
        fixes,
    )
    if isinstance(cpu_policy, ConfigRefusal):
        return cpu_policy
    memory_policy = new_memory_policy(
        machine, config.memory_manager_policy, reservation, formats, config.reserved_memory, gates, fixes
    )
    if isinstance(memory_policy, ConfigRefusal):
        return memory_policy
    restored = restored or RestoredState()
    cpu_state = restored.cpu if restored.cpu is not None else CPUState()
    err = cpu_policy.start(cpu_state)
    if err is not None:
        return ConfigRefusal(REFUSAL_CPU_MANAGER, err.message)
    memory_state = restored.memory if restored.memory is not None else MemoryState()
    memory_err = memory_policy.start(memory_state)
    if memory_err is not None:
        return ConfigRefusal(REFUSAL_MEMORY_MANAGER, memory_err)
    if metrics is None:
        metrics = new_node_metrics(gates.enabled(PLRM), config.release.metrics)
    record.initialize_topology_metrics(metrics, topology)
    restored_devices = restored.devices
    devices = DeviceManager(
        machine,
        device_numa_nodes_only=config.release.switches.device_hints_device_numa_nodes_only,
        reported=restored_devices.reported if restored_devices is not None else None,
    )
    if restored_devices is not None:  # the device manager's Start: readCheckpoint
        devices.restore_checkpoint(restored_devices)
    devices.running = set(restored.running)
    return ResourceManagers(
        topology_policy=topology,
        scope=config.topology_manager_scope,
        devices=devices,
        cpu=new_cpu_manager(cpu_policy, cpu_state, metrics),
        memory=new_memory_manager(memory_policy, memory_state, metrics),
        metrics=metrics,
    )


def startup_refusal(config: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    """What the kubelet refuses at start-up on ``machine`` (after configuration validation), or None."""
    started = start_managers(machine, config)
    return started if isinstance(started, ConfigRefusal) else None


def kubelet_refusal(config: KubeletConfig, machine: Machine) -> ConfigRefusal | None:
    """Configuration validation, then the start-up checks: the first refusal, or None."""
    return validate_kubelet_config(config) or startup_refusal(config, machine)
