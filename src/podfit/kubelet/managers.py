"""The container manager's resource managers, composed as the kubelet does: the device, CPU and
memory managers are the Topology Manager's hint providers, in that order.

Mirrors: cm/container_manager_linux.go (NewContainerManager: AddHintProvider order), cpumanager
``manager`` and memorymanager ``manager`` wrappers around their policies (v1.36).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from podfit.cpu.policy_none import NonePolicy as CPUNonePolicy
from podfit.cpu.policy_static import StaticPolicy as CPUStaticPolicy
from podfit.cpu.policy_static import new_static_policy
from podfit.cpu.results import AllocationError, PolicyError
from podfit.cpu.state import CPUState
from podfit.devices.manager import DeviceManager
from podfit.kubelet import metrics_record as record
from podfit.kubelet.metrics import NodeMetrics, new_node_metrics
from podfit.memory.errors import admission_error as memory_admission_error
from podfit.memory.policy_none import NonePolicy as MemoryNonePolicy
from podfit.memory.policy_static import StaticPolicy as MemoryStaticPolicy
from podfit.memory.policy_static import new_policy_static
from podfit.memory.reserved import get_system_reserved_memory
from podfit.memory.state import MemoryState
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.policy_options import parse_cpu_manager_options, parse_topology_manager_options
from podfit.model.startup import node_allocatable_reservation, num_reserved_cpus
from podfit.topology.errors import AdmissionError
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.numa_info import numa_info_from_machine
from podfit.topology.policy import Policy, new_policy
from podfit.topology.scope import HintProvider

__all__ = [
    "CPUManager",
    "ManagerStartupError",
    "MemoryManager",
    "ResourceManagers",
    "RestoredState",
    "build_managers",
]


class ManagerStartupError(Exception):
    """A manager refused to start (the kubelet would not run): carries reason and message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _cpu_error(err: AllocationError | None) -> AdmissionError | None:
    if err is None:
        return None
    if err.smt is not None:
        return AdmissionError(err.message, err.reason)
    if err.reason == "UnexpectedAdmissionError":
        return AdmissionError(err.error)
    return AdmissionError(err.message, err.reason)


@dataclass
class CPUManager:
    """Mirrors: cpumanager/cpu_manager.go manager (the parts admission uses)."""

    policy: CPUStaticPolicy | CPUNonePolicy
    state: CPUState
    metrics: NodeMetrics = field(default_factory=lambda: new_node_metrics(False))

    def get_topology_hints(self, pod: Pod, container: Container) -> ProviderHints:
        return self.policy.get_topology_hints(self.state, pod, container)

    def get_pod_topology_hints(self, pod: Pod) -> ProviderHints:
        return self.policy.get_pod_topology_hints(self.state, pod)

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> AdmissionError | None:
        if isinstance(self.policy, CPUStaticPolicy):
            err = record.cpu_allocate(self.metrics, self.policy, self.state, pod, container, hint)
            return _cpu_error(err)
        return _cpu_error(self.policy.allocate(self.state, pod, container, hint))

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> AdmissionError | None:
        if isinstance(self.policy, CPUStaticPolicy):
            return _cpu_error(record.cpu_allocate_pod(self.metrics, self.policy, self.state, pod, hint))
        return _cpu_error(self.policy.allocate_pod(self.state, pod, hint))

    def remove_pod(self, pod: Pod) -> None:
        for c in pod.all_containers():
            if isinstance(self.policy, CPUStaticPolicy):
                record.cpu_remove_container(self.metrics, self.policy, self.state, pod.uid, c.name)
            else:
                self.policy.remove_container(self.state, pod.uid, c.name)

    @property
    def reserved_cpus(self) -> int:
        return self.policy.reserved_cpus if isinstance(self.policy, CPUStaticPolicy) else 0


@dataclass
class MemoryManager:
    """Mirrors: memorymanager/memory_manager.go manager (the parts admission uses)."""

    policy: MemoryStaticPolicy | MemoryNonePolicy
    state: MemoryState
    metrics: NodeMetrics = field(default_factory=lambda: new_node_metrics(False))

    def get_topology_hints(self, pod: Pod, container: Container) -> ProviderHints:
        return self.policy.get_topology_hints(self.state, pod, container)

    def get_pod_topology_hints(self, pod: Pod) -> ProviderHints:
        return self.policy.get_pod_topology_hints(self.state, pod)

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> AdmissionError | None:
        if isinstance(self.policy, MemoryStaticPolicy):
            err = record.memory_allocate(self.metrics, self.policy, self.state, pod, container, hint)
        else:
            err = self.policy.allocate(self.state, pod, container, hint)
        return None if err is None else memory_admission_error(err)

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> AdmissionError | None:
        if isinstance(self.policy, MemoryStaticPolicy):
            err = record.memory_allocate_pod(self.metrics, self.policy, self.state, pod, hint)
        else:
            err = self.policy.allocate_pod(self.state, pod, hint)
        return None if err is None else memory_admission_error(err)

    def remove_pod(self, pod: Pod) -> None:
        for c in pod.all_containers():
            self.policy.remove_container(self.state, pod.uid, c.name)


@dataclass
class ResourceManagers:
    topology_policy: Policy
    scope: str
    devices: DeviceManager
    cpu: CPUManager
    memory: MemoryManager
    metrics: NodeMetrics = field(default_factory=lambda: new_node_metrics(False))
    # what the Topology Manager calls instead of the three managers (``None``: the managers):
    # wrappers that observe the calls and pass them on (podfit.explain.tracing)
    observed: tuple[HintProvider, HintProvider, HintProvider] | None = None

    @property
    def providers(self) -> tuple[HintProvider, HintProvider, HintProvider]:
        """The hint providers in the kubelet's order: devices, CPU, memory."""
        if self.observed is not None:
            return self.observed
        return (self.devices, self.cpu, self.memory)


@dataclass(frozen=True)
class RestoredState:
    """The managers' state read back from the kubelet's checkpoint files (a kubelet restart)."""

    cpu: CPUState | None = None
    memory: MemoryState | None = None


def _cpu_manager(machine: Machine, config: KubeletConfig, state: CPUState | None = None) -> CPUManager:
    state = state if state is not None else CPUState()
    gates = config.feature_gates
    policy: CPUStaticPolicy | CPUNonePolicy | PolicyError
    if config.cpu_manager_policy == "static":
        options = parse_cpu_manager_options(config.cpu_manager_policy_options, gates)
        policy = new_static_policy(
            machine,
            num_reserved_cpus(config, machine) or 0,
            config.reserved_system_cpus or 0,
            options,
            gates,
            config.topology_manager_policy,
        )
    else:
        policy = CPUNonePolicy()
    if isinstance(policy, PolicyError):
        raise ManagerStartupError("CPUManagerError", policy.message)
    err = policy.start(state)
    if err is not None:
        raise ManagerStartupError("CPUManagerError", err.message)
    return CPUManager(policy, state)


def _memory_manager(
    machine: Machine, config: KubeletConfig, state: MemoryState | None = None
) -> MemoryManager:
    state = state if state is not None else MemoryState()
    if config.memory_manager_policy != "Static":
        return MemoryManager(MemoryNonePolicy(), state)
    reservation, formats = node_allocatable_reservation(config, machine)
    reserved, err = get_system_reserved_memory(machine, reservation, config.reserved_memory, formats)
    if err is not None or reserved is None:
        raise ManagerStartupError("MemoryManagerError", err or "no reserved memory")
    policy, err = new_policy_static(machine, reserved, config.feature_gates)
    if err is not None or policy is None:
        raise ManagerStartupError("MemoryManagerError", err or "memory manager refused to start")
    err = policy.start(state)
    if err is not None:
        raise ManagerStartupError("MemoryManagerError", err)
    return MemoryManager(policy, state)


def build_managers(
    machine: Machine,
    config: KubeletConfig,
    metrics: NodeMetrics | None = None,
    restored: RestoredState | None = None,
) -> ResourceManagers:
    """The managers of a kubelet that passed its start-up checks on ``machine``; their metrics go
    to ``metrics`` (a fresh registry when not given), initialised as at the kubelet's start.
    ``restored``: start from checkpointed state, which the policies validate as the kubelet's
    ``Start`` does (``ManagerStartupError`` when it refuses it)."""
    restored = restored or RestoredState()
    if metrics is None:
        metrics = new_node_metrics(config.feature_gates.enabled("PodLevelResourceManagers"))
    opts = parse_topology_manager_options(config.topology_manager_policy_options, config.feature_gates)
    policy = new_policy(config.topology_manager_policy, numa_info_from_machine(machine, opts), opts)
    record.initialize_topology_metrics(metrics, policy)
    cpu = _cpu_manager(machine, config, restored.cpu)
    cpu.metrics = metrics
    if isinstance(cpu.policy, CPUStaticPolicy):
        record.initialize_cpu_metrics(metrics, cpu.policy, cpu.state)
    memory = _memory_manager(machine, config, restored.memory)
    memory.metrics = metrics
    return ResourceManagers(
        topology_policy=policy,
        scope=config.topology_manager_scope,
        devices=DeviceManager(machine),
        cpu=cpu,
        memory=memory,
        metrics=metrics,
    )
