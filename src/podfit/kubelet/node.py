"""The node: a kubelet admitting pods through its resource managers.

``Node(machine, config)`` builds the managers as the kubelet does at start-up; ``admit(pod)`` runs
the kubelet's admission chain in its order — the resource managers' handler (the Topology Manager
scope with its hint providers and their allocations), then the node-allocatable predicate — and
``remove`` releases a pod. A rejection leaves no trace in the state. Admission does not start the
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
from podfit.kubelet.allocatable import node_allocatable, predicate_admit_used
from podfit.kubelet.assignments import pod_assignments
from podfit.kubelet.managers import PodSnapshot, ResourceManagers, RestoredState
from podfit.kubelet.metrics import NodeMetrics, new_node_metrics
from podfit.kubelet.metrics_record import record_topology_admission
from podfit.kubelet.result import AdmitResult, Hint, MemoryTableView, RemoveResult, StartResult
from podfit.kubelet.startup import start_managers
from podfit.memory.manager import add_container
from podfit.model.admission import ConfigRefusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import compute_pod_qos, is_pod_level_resources_set, pod_requests
from podfit.model.scenario import AddPod, Event, RemovePod
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
    ) -> None:
        """The kubelet on ``machine`` with ``config`` (``KubeletStartupRefused`` when it would not
        start: ask :func:`start_node` for the refusal as a value). ``managers``: already started."""
        self.machine = machine
        self.config = config
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
        self._used: dict[str, int] = {}  # the admitted pods' effective requests, summed
        # the gates never change while the kubelet runs: read them once
        self._plr = config.feature_gates.enabled(PLR)
        self._plrm = config.feature_gates.enabled(PLRM)
        self._release = config.release

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
        return {
            numa: {
                kind: MemoryTableView(t.allocatable, t.reserved, t.free)
                for kind, t in sorted(numa_state.memory_map.items())
            }
            for numa, numa_state in sorted(machine_state.items())
        }

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
        if fresh:
            m.cpu.remove_pod(pod)
            m.memory.remove_pod(pod)
        m.restore(snap, released=fresh)

    def admit(self, pod: Pod) -> AdmitResult:
        """The kubelet's admission decision for ``pod`` (and its allocations when admitted)."""
        plr = self._plr
        qos = compute_pod_qos(pod, pod_level_resources=plr)
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
        assigned = pod_assignments(managers, self.config, pod, bubble)
        pod_cpus = managers.pod_cpus(pod.uid) if bubble else None
        replaced = self._pods.get(pod.uid)
        if replaced is not None:  # the same UID admitted again: it is counted once
            self._count_requests(pod_requests(replaced, pod_level_resources=plr), -1)
        self._pods[pod.uid] = pod
        self._count_requests(want, 1)
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
        if pod.init_containers:  # only finished init containers give memory back
            memory = self.managers.memory
            for c in pod.all_containers():
                add_container(memory.policy, memory.state, pod, c)
        return StartResult(pod.key, pod.uid, True, self.default_cpuset)

    def apply(self, event: Event) -> AdmitResult | RemoveResult | StartResult:
        """One scenario event: a pod arrives (admission), its containers start, or it leaves."""
        if isinstance(event, AddPod):
            return self.admit(event.pod)
        if isinstance(event, RemovePod):
            return self.remove(key=event.key, uid=event.uid)
        return self.start(key=event.key, uid=event.uid)

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
        self._count_requests(pod_requests(pod, pod_level_resources=self._plr), -1)
        return RemoveResult(pod.key, pod.uid, True, self.managers.default_cpuset)


def start_node(
    machine: Machine, config: KubeletConfig, restored: RestoredState | None = None
) -> Node | ConfigRefusal:
    """The kubelet started on ``machine`` with ``config`` (already validated), or its refusal."""
    started = start_managers(
        machine,
        config,
        new_node_metrics(config.feature_gates.enabled(PLRM), config.release.metrics),
        restored,
    )
    if isinstance(started, ConfigRefusal):
        return started
    return Node(machine, config, managers=started)
