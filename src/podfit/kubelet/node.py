"""The node: a kubelet admitting pods through its resource managers.

``Node(machine, config)`` builds the managers as the kubelet does at start-up; ``admit(pod)`` runs
the kubelet's admission chain in its order — the resource managers' handler (the Topology Manager
scope with its hint providers and their allocations), then the node-allocatable predicate — and
``remove`` releases a pod. A rejection leaves no trace in the state (but the
kubelet's own: see ``_restore``). Admission does not start the
pod's containers: ``start`` does (a scenario's ``start`` event), in order, which lets the memory
manager release the memory of finished init containers, as the kubelet's ``AddContainer`` does.
Until then the node is in the state the kubelet's admission leaves it in (several pods admitted
back to back, as ``HandlePodAdditions`` does, see the same state).

Mirrors: kubelet.go ``canAdmitPod`` handler order, topologymanager ``manager.Admit``, lifecycle
``predicateAdmitHandler``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from podfit.errors import KubeletStartupRefused
from podfit.kubelet import assignments as assignments_module
from podfit.kubelet.allocatable import (
    node_allocatable,
    node_allocatable_absolute,
    predicate_admit_used,
)
from podfit.kubelet.assignments import PodAssignments, pod_assignments
from podfit.kubelet.cgroup_view import CgroupFiles, pod_cgroup_files
from podfit.kubelet.managers import PodSnapshot, ResourceManagers, RestoredState
from podfit.kubelet.memory_qos import QoSCgroupState, QoSMemoryProtection, memory_qos_config, pod_memory_qos
from podfit.kubelet.metrics import NodeMetrics, new_node_metrics
from podfit.kubelet.metrics_record import record_topology_admission
from podfit.kubelet.node_resize import PODS_REMOVED, ResizeTracker, resize_step, retry_pending, retry_step
from podfit.kubelet.resize import HandlerOutcome
from podfit.kubelet.resize_handlers import resize_admit_handlers
from podfit.kubelet.result import (
    AdmitResult,
    ContainerAssignment,
    Hint,
    MemoryTableView,
    RemoveResult,
    ResizeResult,
    RetryResult,
    StartResult,
)
from podfit.kubelet.startup import start_managers
from podfit.memory.manager import add_container
from podfit.memory.state import NUMANodeState
from podfit.model.admission import ConfigRefusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.node_os import NodeOS
from podfit.model.pod import Container, Pod
from podfit.model.qos import QOSGates, compute_pod_qos, is_pod_level_resources_set, pod_requests, qos_gates
from podfit.model.scenario import AddPod, Event, RemovePod, ResizePod, RetryResizes, StartPod
from podfit.topology.bitmask import get_bits
from podfit.topology.hint import TopologyHint
from podfit.topology.scope import CONTAINER_SCOPE, POD_SCOPE, admit, scope_for

__all__ = ["Node", "start_node"]

PLR: Final = "PodLevelResources"
PLRM: Final = "PodLevelResourceManagers"


def _named_containers(pod: Pod) -> list[tuple[str, Container]]:
    return [(c.name, c) for c in pod.all_containers()]


def _hint(h: TopologyHint) -> Hint:
    return Hint(tuple(get_bits(h.numa_affinity)) if h.numa_affinity is not None else (), h.preferred)


class Node:
    """A kubelet's view of one node (build it only for a configuration the kubelet accepts)."""

    def __init__(
        self,
        machine: Machine,
        config: KubeletConfig,
        restored: RestoredState | None = None,
        *,
        managers: ResourceManagers | None = None,
        node_os: NodeOS | None = None,
    ) -> None:
        """The kubelet on ``machine`` with ``config`` (``KubeletStartupRefused`` when it would not
        start: ask :func:`start_node` for the refusal as a value); its release is ``config.release``.
        ``managers``: already started. ``node_os``: the node's cgroup version, kernel and page size."""
        self.machine = machine
        self.config = config
        self.release = config.release.version  # the kubelet's minor release
        self.features = config.release.node_features
        self.node_os = node_os if node_os is not None else NodeOS()
        self.mqos = memory_qos_config(self.features, config, machine, self.node_os)
        self.absolute_allocatable = node_allocatable_absolute(machine, config)
        self.resizes = ResizeTracker()
        self._pod_memory_qos: dict[str, tuple[tuple[str, str], ...]] = {}  # written at pod cgroup creation
        self._qos_cgroups = QoSCgroupState(self.mqos)
        if managers is None:
            started = start_managers(
                machine,
                config,
                new_node_metrics(config.feature_gates.enabled(PLRM), config.release.metrics),
                restored,
            )
            if isinstance(started, ConfigRefusal):
                raise KubeletStartupRefused(started.reason, started.message)
            managers = started
        self._metrics = managers.metrics
        self.managers: ResourceManagers = managers
        self.allocatable = node_allocatable(machine, config)
        self._pods: dict[str, Pod] = {}  # uid -> admitted pod, in admission order
        self.started: set[str] = set()  # uids of the pods whose containers have started
        self._used: dict[str, int] = {}  # the admitted pods' effective requests, summed
        self._memory_views: dict[int, tuple[NUMANodeState, dict[str, MemoryTableView]]] = {}
        # the gates never change while the kubelet runs: read them once
        self._plr = config.feature_gates.enabled(PLR)
        self._plrm = config.feature_gates.enabled(PLRM)
        self._qos_gates = qos_gates(config.feature_gates)
        self._release = config.release
        self._update_qos_cgroups()  # UpdateCgroups at the QoS container manager's Start

    @property
    def plr(self) -> bool:
        """The PodLevelResources gate."""
        return self._plr

    @property
    def qos_gates(self) -> QOSGates:
        """The gates the kubelet's QoS helper reads."""
        return self._qos_gates

    # ----- views -------------------------------------------------------------------------
    @property
    def default_cpuset(self) -> int:
        """The CPU manager's shared (default) pool."""
        return self.managers.default_cpuset

    @property
    def reserved_cpus(self) -> int:
        """CPUs reserved for system daemons (CPU manager ``static``)."""
        return self.managers.reserved_cpus

    @property
    def metrics(self) -> NodeMetrics:
        """The kubelet's resource-manager metrics of this node (see :mod:`podfit.kubelet.metrics`)."""
        return self._metrics

    def memory_tables(self) -> dict[int, dict[str, MemoryTableView]] | None:
        """The memory manager's per-NUMA tables (``None`` without the Static policy)."""
        machine_state = self.managers.memory_machine_state()
        if not machine_state:
            return None
        out: dict[int, dict[str, MemoryTableView]] = {}
        seen = self._memory_views  # a node's state is immutable: its views are reused while it lasts
        for numa, numa_state in sorted(machine_state.items()):
            last = seen.get(numa)
            if last is None or last[0] is not numa_state:
                views = {
                    k: MemoryTableView(t.allocatable, t.reserved, t.free)
                    for k, t in sorted(numa_state.memory_map.items())
                }
                last = seen[numa] = (numa_state, views)
            out[numa] = last[1]
        return out

    @property
    def pods(self) -> tuple[Pod, ...]:
        return tuple(self._pods.values())

    # ----- admission ---------------------------------------------------------------------
    def _restore(self, snap: PodSnapshot, pod: Pod) -> None:
        m = self.managers
        # The kubelet releases a rejected pod's allocations through the managers' stale-state
        # cleanup (RemoveContainer of every container entry, with its release metrics), at the
        # start of the next allocation; podfit runs that release at once. The memory manager's
        # release frees a block from the first NUMA node of its affinity on, which is not always
        # where the charge went (memorymanager/policy_static.go releaseMemory vs
        # updateMachineState): its machine state is the release's, not the snapshot's.
        fresh = pod.uid not in self._pods
        held = snap.cpu[2] is not None or snap.cpu[3] is not None or snap.memory[2] is not None
        if fresh and (held or snap.devices[1] is not None):
            # A pod the state held before this admission (restored from checkpoint files by a
            # restarted kubelet) is no longer active once rejected: the stale-state cleanup releases
            # everything the state holds for it (what it held, and what this admission took).
            m.remove_pod(pod)
            return
        if fresh:
            m.cpu.remove_pod(pod)
            m.memory.remove_pod(pod)
        m.restore(snap, released=fresh)

    def admit(self, pod: Pod) -> AdmitResult:
        """The kubelet's admission decision for ``pod`` (and its allocations when admitted)."""
        plr = self._plr
        qos = compute_pod_qos(pod, self._qos_gates)
        pod_level = plr and self._plrm and is_pod_level_resources_set(pod)
        snap = self.managers.snapshot(pod.uid)
        managers = self.managers
        policy = managers.topology_policy
        containers: list[tuple[str, Container]] = pod.memo("named-containers", _named_containers, pod)
        scoped = admit(
            self.config.topology_manager_scope,
            policy,
            managers.providers,
            pod,
            containers,
            pod_level=pod_level,
            messages=self._release.messages,
        )
        scope = scope_for(self.config.topology_manager_scope, policy)
        record_topology_admission(self._metrics, scope, policy, scoped)
        pod_hint = container_hints = None
        if scope == POD_SCOPE and scoped.merges:
            pod_hint = _hint(scoped.merges[0].best_hint)
        elif scope == CONTAINER_SCOPE:
            container_hints = {m.container or "": _hint(m.best_hint) for m in scoped.merges}
        rejection = scoped.rejection
        if rejection is not None:
            self._restore(snap, pod)
            return self._rejected(pod, rejection.reason, rejection.message, qos, pod_hint, container_hints)
        want = pod_requests(pod, pod_level_resources=plr)
        missing = predicate_admit_used(want, len(self._pods), self._used, self.allocatable)
        if missing is not None:
            self._restore(snap, pod)
            rejection = missing.rejection()
            return self._rejected(pod, rejection.reason, rejection.message, qos, pod_hint, container_hints)
        unsupported = self._pod_features_rejection(pod)
        if unsupported is not None:
            self._restore(snap, pod)
            return self._rejected(pod, unsupported[0], unsupported[1], qos, pod_hint, container_hints)
        bubble = pod_level and scope == POD_SCOPE  # pod-level budget allocated (AllocatePod)
        assigned = pod_assignments(managers, self.config, pod, bubble, memory_qos=self.mqos)
        pod_cpus = managers.pod_cpus(pod.uid) if bubble else None
        replaced = self._pods.get(pod.uid)
        if replaced is not None:  # the same UID admitted again: it is counted once
            self._count_requests(pod_requests(replaced, pod_level_resources=plr), -1)
        self._pods[pod.uid] = pod
        self._count_requests(want, 1)
        if self.mqos.enforce:  # UpdateQOSCgroups, then the pod cgroup is created (SyncPod)
            self._update_qos_cgroups()
            self._pod_memory_qos[pod.uid] = pod_memory_qos(self.mqos, pod)
        return AdmitResult(
            pod.key,
            pod.uid,
            True,
            qos_class=qos,
            pod_hint=pod_hint,
            container_hints=container_hints,
            pod_cpus=pod_cpus,
            assigned=assigned,
            default_cpuset=managers.default_cpuset,
        )

    def _pod_features_rejection(self, pod: Pod) -> tuple[str, str] | None:
        """(reason, message) when the pod-features admit handler (1.34+, after the predicate)
        rejects a pod with ``spec.resources`` on a kubelet whose ``PodLevelResources`` is off.

        Mirrors: pkg/kubelet/lifecycle/features_linux.go isPodLevelResourcesSupported (v1.34.2)
        """
        release = self._release
        if not release.switches.pod_features_admit_handler or self._plr:
            return None
        if not is_pod_level_resources_set(pod):
            return None
        words = release.messages
        return words.pod_level_resources_not_supported_reason, words.pod_level_resources_not_supported_message

    def _rejected(
        self,
        pod: Pod,
        reason: str | None,
        message: str | None,
        qos: str,
        pod_hint: Hint | None,
        container_hints: dict[str, Hint] | None,
    ) -> AdmitResult:
        return AdmitResult(
            pod.key,
            pod.uid,
            False,
            reason=reason,
            message=message,
            qos_class=qos,
            pod_hint=pod_hint,
            container_hints=container_hints,
            default_cpuset=self.managers.default_cpuset,
        )

    def _count_requests(self, requests: Mapping[str, int], sign: int) -> None:
        used = self._used
        for name, value in requests.items():
            used[name] = used.get(name, 0) + sign * value

    def start(self, key: str | None = None, uid: str | None = None) -> StartResult:
        """An admitted pod's containers start, in order: every regular init container has run to
        completion before the next container starts, so the memory manager drops its entry (and,
        outside pod-level allocations, gives its memory back).

        Mirrors: memorymanager/memory_manager.go AddContainer, called per container from
        cm/internal_container_lifecycle.go PreStartContainer
        """
        pod = self.find(key, uid)
        if pod is None:
            return StartResult(pod=key or "", uid=uid, started=False, default_cpuset=self.default_cpuset)
        self.started.add(pod.uid)
        if pod.init_containers:  # only finished init containers give memory back
            memory = self.managers.memory
            for c in pod.all_containers():
                add_container(memory.policy, memory.state, pod, c)
        return StartResult(pod.key, pod.uid, True, self.default_cpuset)

    def apply(self, event: Event) -> AdmitResult | RemoveResult | StartResult | ResizeResult | RetryResult:
        """One scenario event: a pod arrives (admission), its containers start, it is resized, the
        pending resizes are retried, or it leaves. (A kubelet restart replaces the node:
        :func:`podfit.kubelet.restart.restart_node`.)"""
        if isinstance(event, AddPod):
            return self.admit(event.pod)
        if isinstance(event, RemovePod):
            return self.remove(key=event.key, uid=event.uid)
        if isinstance(event, ResizePod):
            return self.resize(event)
        if isinstance(event, RetryResizes):
            return self.retry_resizes()
        if isinstance(event, StartPod):
            return self.start(key=event.key, uid=event.uid)
        raise ValueError("a kubelet restart is not an event of a running node")

    def held(self, pod: Pod) -> tuple[tuple[ContainerAssignment, ...], int | None]:
        """What the managers' state holds for ``pod`` now: every container's assignment, and the
        pod-level CPU set when the pod has one (pod scope, pod-level resource managers)."""
        pod_level = self._plr and self._plrm and is_pod_level_resources_set(pod)
        bubble = (
            pod_level
            and scope_for(self.config.topology_manager_scope, self.managers.topology_policy) == POD_SCOPE
        )
        views = pod_assignments(self.managers, self.config, pod, bubble)
        return views.containers, (self.managers.pod_cpus(pod.uid) if bubble else None)

    # ----- in-place resize ---------------------------------------------------------------
    def resize(self, event: ResizePod) -> ResizeResult:
        """A ``pods/resize`` request: the API server's answer, then the kubelet's."""
        result = resize_step(self, event)
        self._update_qos_cgroups()
        return result

    def retry_resizes(self) -> RetryResult:
        """The allocation manager's ticker: every pending resize retried (``periodic``)."""
        result = retry_step(self)
        self._update_qos_cgroups()
        return result

    def resize_admit_handlers(self, desired: Pod, allocated: Pod) -> HandlerOutcome:
        """The admit handlers of a resize (the Topology Manager, then the fit predicate)."""
        return resize_admit_handlers(
            self.features,
            self.config,
            self.managers,
            self._metrics,
            (self._plr, self._plrm),
            (self._used, len(self._pods), self.allocatable),
            desired,
            allocated,
        )

    def set_allocation(self, pod: Pod) -> None:
        """An admitted resize: the pod's allocation becomes ``pod`` (same UID)."""
        old = self._pods[pod.uid]
        self._count_requests(pod_requests(old, pod_level_resources=self._plr), -1)
        self._pods[pod.uid] = pod
        self._count_requests(pod_requests(pod, pod_level_resources=self._plr), 1)
        if self.mqos.enforce and self.features.resize_rewrites_pod_memory_protection:
            self._pod_memory_qos[pod.uid] = pod_memory_qos(self.mqos, pod, at_creation=False)

    def assignments(self, pod: Pod) -> PodAssignments:
        """The pod's assignments as the managers' state holds them now."""
        bubble = (
            self._plr
            and self._plrm
            and is_pod_level_resources_set(pod)
            and scope_for(self.config.topology_manager_scope, self.managers.topology_policy) == POD_SCOPE
        )
        # (a read of the current state, not an admission's capture: the module's function)
        return assignments_module.pod_assignments(
            self.managers, self.config, pod, bubble, memory_qos=self.mqos
        )

    def cpusets(self, pod: Pod) -> dict[str, int | None]:
        """Each container's CPU set in the CPU manager's state (None: none of its own)."""
        return {c.name: self.managers.container_cpus(pod.uid, c.name) for c in pod.all_containers()}

    def pod_cpuset(self, pod: Pod) -> int | None:
        return self.managers.pod_cpus(pod.uid)

    def cgroup_files(self, pod: Pod) -> CgroupFiles:
        """The pod's cgroup files and its containers' (by name) for ``pod`` as allocated."""
        return pod_cgroup_files(self, pod)

    def pod_memory_qos(self, uid: str) -> tuple[tuple[str, str], ...]:
        """The Memory QoS entries written to the pod's cgroup (at its creation)."""
        return self._pod_memory_qos.get(uid, ())

    def spec_pods(self) -> tuple[Pod, ...]:
        """The active pods' spec (a pending resize counts): what the QoS cgroup update sums."""
        spec = self.resizes.spec
        return tuple(spec(p) for p in self._pods.values())

    def _update_qos_cgroups(self) -> None:
        self._qos_cgroups.update(self.spec_pods())

    def qos_memory(self) -> tuple[dict[str, str], dict[str, str], QoSMemoryProtection | None]:
        """What the QoS cgroups hold (kubepods, burstable Memory QoS entries) and the last update."""
        q = self._qos_cgroups
        return dict(q.kubepods), dict(q.burstable), q.last

    # ----- removal -----------------------------------------------------------------------
    def find(self, key: str | None = None, uid: str | None = None) -> Pod | None:
        if uid is not None:
            return self._pods.get(uid)
        return next((p for p in self._pods.values() if p.key == key), None)

    def remove(self, key: str | None = None, uid: str | None = None) -> RemoveResult:
        """The pod leaves the node: every container's resources go back."""
        pod = self.find(key, uid)
        if pod is None:
            return RemoveResult(pod=key or "", uid=uid, removed=False, default_cpuset=self.default_cpuset)
        self.managers.remove_pod(pod)
        del self._pods[pod.uid]
        self.started.discard(pod.uid)
        self._count_requests(pod_requests(pod, pod_level_resources=self._plr), -1)
        self._pod_memory_qos.pop(pod.uid, None)
        self.resizes.forget(pod.uid)
        self._update_qos_cgroups()  # after killPod
        retried = retry_pending(self, PODS_REMOVED) if self.resizes.queue else ()
        if retried:
            self._update_qos_cgroups()
        return RemoveResult(pod.key, pod.uid, True, self.managers.default_cpuset, resizes=retried)


def start_node(
    machine: Machine,
    config: KubeletConfig,
    restored: RestoredState | None = None,
    *,
    node_os: NodeOS | None = None,
) -> Node | ConfigRefusal:
    """The kubelet started on ``machine`` with ``config`` (already validated; its release is
    ``config.release``), or its refusal."""
    started = start_managers(
        machine,
        config,
        new_node_metrics(config.feature_gates.enabled(PLRM), config.release.metrics),
        restored,
    )
    if isinstance(started, ConfigRefusal):
        return started
    return Node(machine, config, managers=started, node_os=node_os)
