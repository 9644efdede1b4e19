"""The container manager's resource managers, composed as the kubelet does, behind one typed facade.

The device, CPU and memory managers are the Topology Manager's hint providers, in that order. The
kubelet (:class:`podfit.kubelet.node.Node`), the assignment views, checkpoints and explain reach
the managers' states only through :class:`ResourceManagers`: a pod-scoped ``snapshot(uid)`` /
``restore(snapshot)`` for rollback, a whole-state ``snapshot_all`` / ``restore_all`` for replays,
and read-only views (shared pool, exclusive CPUs, pod budgets, memory blocks, devices). Which
metrics recorder a manager uses is chosen once, when it is built.

Mirrors: cm/container_manager_linux.go (NewContainerManager: AddHintProvider order), cpumanager
``manager`` and memorymanager ``manager`` wrappers around their policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from podfit.cpu.policy_none import NonePolicy as CPUNonePolicy
from podfit.cpu.policy_static import StaticPolicy as CPUStaticPolicy
from podfit.cpu.state import CPUPodSnapshot, CPUState, CPUStateSnapshot
from podfit.devices.manager import DeviceManager, DevicePodSnapshot, DeviceStateSnapshot
from podfit.devices.state import RestoredDevices
from podfit.kubelet import metrics_record as record
from podfit.kubelet.metrics import NodeMetrics
from podfit.memory.policy_none import NonePolicy as MemoryNonePolicy
from podfit.memory.policy_static import StaticPolicy as MemoryStaticPolicy
from podfit.memory.state import Block, MemoryPodSnapshot, MemorySnapshot, MemoryState, NUMANodeMap
from podfit.model.admission import Rejection
from podfit.model.pod import Container, Pod
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.policy import Policy
from podfit.topology.scope import HintProvider

__all__ = [
    "CPUManager",
    "MemoryManager",
    "PodSnapshot",
    "ResourceManagers",
    "RestoredState",
    "StateSnapshot",
    "new_cpu_manager",
    "new_memory_manager",
]


S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


class _Policy(Protocol[S_contra]):
    """What the Topology Manager's calls reach in a CPU or memory policy (on its state ``S``)."""

    def get_topology_hints(self, s: S_contra, pod: Pod, container: Container) -> ProviderHints: ...

    def get_pod_topology_hints(self, s: S_contra, pod: Pod) -> ProviderHints: ...

    def allocate(
        self, s: S_contra, pod: Pod, container: Container, hint: TopologyHint | None = None
    ) -> Rejection | None: ...

    def allocate_pod(self, s: S_contra, pod: Pod, hint: TopologyHint | None = None) -> Rejection | None: ...

    def remove_container(self, s: S_contra, pod_uid: str, container_name: str) -> None: ...


class _Manager(Generic[S]):
    """A resource manager around its policy and state: the hint-provider calls pass the state."""

    __slots__ = ("metrics", "policy", "state")

    def __init__(self, policy: _Policy[S], state: S, metrics: NodeMetrics) -> None:
        self.policy = policy
        self.state = state
        self.metrics = metrics

    def get_topology_hints(self, pod: Pod, container: Container) -> ProviderHints:
        return self.policy.get_topology_hints(self.state, pod, container)

    def get_pod_topology_hints(self, pod: Pod) -> ProviderHints:
        return self.policy.get_pod_topology_hints(self.state, pod)

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Rejection | None:
        return self.policy.allocate(self.state, pod, container, hint)

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> Rejection | None:
        return self.policy.allocate_pod(self.state, pod, hint)

    def remove_pod(self, pod: Pod) -> None:
        for c in pod.all_containers():
            self.policy.remove_container(self.state, pod.uid, c.name)


class CPUManager(_Manager[CPUState]):
    """The CPU Manager around its policy (the parts admission uses).

    Mirrors: cpumanager/cpu_manager.go manager
    """

    __slots__ = ("cpu_policy",)

    def __init__(
        self, policy: CPUStaticPolicy | CPUNonePolicy, state: CPUState, metrics: NodeMetrics
    ) -> None:
        super().__init__(policy, state, metrics)
        self.cpu_policy = policy

    @property
    def reserved_cpus(self) -> int:
        return 0


class StaticCPUManager(CPUManager):
    """The CPU Manager with the ``static`` policy: every step recorded in the node's metrics."""

    __slots__ = ("static",)

    def __init__(self, policy: CPUStaticPolicy, state: CPUState, metrics: NodeMetrics) -> None:
        super().__init__(policy, state, metrics)
        self.static = policy

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Rejection | None:
        return record.cpu_allocate(self.metrics, self.static, self.state, pod, container, hint)

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> Rejection | None:
        return record.cpu_allocate_pod(self.metrics, self.static, self.state, pod, hint)

    def remove_pod(self, pod: Pod) -> None:
        for c in pod.all_containers():
            record.cpu_remove_container(self.metrics, self.static, self.state, pod.uid, c.name)

    @property
    def reserved_cpus(self) -> int:
        return self.static.reserved_cpus


def new_cpu_manager(
    policy: CPUStaticPolicy | CPUNonePolicy, state: CPUState, metrics: NodeMetrics
) -> CPUManager:
    """The manager for ``policy``, its metrics recorder chosen once."""
    if isinstance(policy, CPUStaticPolicy):
        record.initialize_cpu_metrics(metrics, policy, state)
        return StaticCPUManager(policy, state, metrics)
    return CPUManager(policy, state, metrics)


class MemoryManager(_Manager[MemoryState]):
    """The Memory Manager around its policy (the parts admission uses).

    Mirrors: memorymanager/memory_manager.go manager
    """

    __slots__ = ("memory_policy",)

    def __init__(
        self, policy: MemoryStaticPolicy | MemoryNonePolicy, state: MemoryState, metrics: NodeMetrics
    ) -> None:
        super().__init__(policy, state, metrics)
        self.memory_policy = policy


class StaticMemoryManager(MemoryManager):
    """The Memory Manager with the ``Static`` policy: allocations recorded in the node's metrics."""

    __slots__ = ("static",)

    def __init__(self, policy: MemoryStaticPolicy, state: MemoryState, metrics: NodeMetrics) -> None:
        super().__init__(policy, state, metrics)
        self.static = policy

    def allocate(self, pod: Pod, container: Container, hint: TopologyHint) -> Rejection | None:
        return record.memory_allocate(self.metrics, self.static, self.state, pod, container, hint)

    def allocate_pod(self, pod: Pod, hint: TopologyHint) -> Rejection | None:
        return record.memory_allocate_pod(self.metrics, self.static, self.state, pod, hint)


def new_memory_manager(
    policy: MemoryStaticPolicy | MemoryNonePolicy, state: MemoryState, metrics: NodeMetrics
) -> MemoryManager:
    """The manager for ``policy``, its metrics recorder chosen once."""
    if isinstance(policy, MemoryStaticPolicy):
        return StaticMemoryManager(policy, state, metrics)
    return MemoryManager(policy, state, metrics)


@dataclass(frozen=True, slots=True)
class PodSnapshot:
    """What admitting one pod can change in the three managers' states (O(1) in the pods)."""

    uid: str
    cpu: CPUPodSnapshot
    memory: MemoryPodSnapshot
    devices: DevicePodSnapshot


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    """The three managers' whole states."""

    cpu: CPUStateSnapshot
    memory: MemorySnapshot
    devices: DeviceStateSnapshot


@dataclass(frozen=True)
class RestoredState:
    """The managers' state read back from the kubelet's checkpoint files (a kubelet restart), and
    what the container runtime reports at the kubelet's start: the containers running then
    ((pod UID, container name): ``buildContainerMapAndRunningSetFromRuntime``). ``devices``
    ``None``: the device manager starts empty (no file, or one it could not read)."""

    cpu: CPUState | None = None
    memory: MemoryState | None = None
    devices: RestoredDevices | None = None
    running: frozenset[tuple[str, str]] = frozenset()


class ResourceManagers:
    """The Topology Manager's policy and scope, and its three hint providers, behind one facade."""

    __slots__ = ("cpu", "devices", "memory", "metrics", "observed", "scope", "topology_policy")

    def __init__(
        self,
        topology_policy: Policy,
        scope: str,
        devices: DeviceManager,
        cpu: CPUManager,
        memory: MemoryManager,
        metrics: NodeMetrics,
    ) -> None:
        self.topology_policy = topology_policy
        self.scope = scope
        self.devices = devices
        self.cpu = cpu
        self.memory = memory
        self.metrics = metrics
        # what the Topology Manager calls instead of the three managers (``None``: the managers):
        # wrappers that observe the calls and pass them on (podfit.explain.tracing)
        self.observed: tuple[HintProvider, HintProvider, HintProvider] | None = None

    @property
    def providers(self) -> tuple[HintProvider, HintProvider, HintProvider]:
        """The hint providers in the kubelet's order: devices, CPU, memory."""
        if self.observed is not None:
            return self.observed
        return (self.devices, self.cpu, self.memory)

    # ----- rollback and replay ---------------------------------------------------------------
    def snapshot(self, uid: str) -> PodSnapshot:
        """What admitting the pod ``uid`` can change (take it before the admission)."""
        return PodSnapshot(
            uid,
            self.cpu.state.pod_snapshot(uid),
            self.memory.state.pod_snapshot(uid),
            self.devices.pod_snapshot(uid),
        )

    def restore(self, snap: PodSnapshot, *, released: bool = False) -> None:
        """Undo what happened to the pod's entries since :meth:`snapshot`. ``released``: the pod's
        allocations were just released through the managers (the kubelet's stale-state cleanup),
        and the memory manager's machine state stays as that release left it."""
        self.cpu.state.restore_pod(snap.cpu)
        self.memory.state.restore_pod(snap.memory, keep_machine_state=released)
        self.devices.restore_pod(snap.devices)

    def snapshot_all(self) -> StateSnapshot:
        return StateSnapshot(
            self.cpu.state.snapshot(), self.memory.state.snapshot(), self.devices.state.snapshot()
        )

    def restore_all(self, snap: StateSnapshot) -> None:
        self.cpu.state.restore(snap.cpu)
        self.memory.state.restore(snap.memory)
        self.devices.restore(snap.devices)

    def remove_pod(self, pod: Pod) -> None:
        """Every container of ``pod`` gives its resources back."""
        self.cpu.remove_pod(pod)
        self.memory.remove_pod(pod)
        self.devices.remove_pod(pod.uid)

    # ----- views -----------------------------------------------------------------------------
    @property
    def cpu_policy(self) -> CPUStaticPolicy | CPUNonePolicy:
        return self.cpu.cpu_policy

    @property
    def memory_policy(self) -> MemoryStaticPolicy | MemoryNonePolicy:
        return self.memory.memory_policy

    @property
    def default_cpuset(self) -> int:
        """The CPU manager's shared (default) pool."""
        return self.cpu.state.get_default_cpu_set()

    @property
    def reserved_cpus(self) -> int:
        """CPUs reserved for system daemons (CPU manager ``static``; 0 otherwise)."""
        return self.cpu.reserved_cpus

    def container_cpus(self, uid: str, name: str) -> int | None:
        """The container's CPU set entry (exclusive CPUs, or its pod's shared pool), if any."""
        return self.cpu.state.get_cpu_set(uid, name)

    def pod_cpus(self, uid: str) -> int | None:
        """The pod-level CPU budget (KEP-5526), if the pod has one."""
        return self.cpu.state.get_pod_cpu_set(uid)

    def container_memory(self, uid: str, name: str) -> tuple[Block, ...] | None:
        return self.memory.state.get_memory_blocks(uid, name)

    def pod_memory(self, uid: str) -> tuple[Block, ...] | None:
        return self.memory.state.get_pod_memory_blocks(uid)

    def memory_machine_state(self) -> NUMANodeMap:
        """The memory manager's per-NUMA tables (empty without the Static policy)."""
        return self.memory.state.get_machine_state()

    def pod_devices(self, uid: str) -> dict[str, frozenset[str]] | None:
        """Container name -> the device ids it holds (``None``: the pod holds no device)."""
        return self.devices.state.assigned.get(uid)

    def device_numa(self, resource: str, device_id: str) -> int | None:
        """The NUMA node of a device (``None``: not NUMA-local)."""
        return self.devices.device_numa(resource, device_id)

    def container_devices(self, uid: str, name: str) -> dict[str, tuple[int | None, ...]]:
        """Resource -> NUMA node of each device the container holds."""
        return self.devices.container_devices(uid, name)
