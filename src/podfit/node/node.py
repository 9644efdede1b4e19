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
``predicateAdmitHandler`` (v1.36).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from podfit.memory.manager import add_container
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.pod import Container, Pod
from podfit.model.qos import compute_pod_qos, is_pod_level_resources_set, pod_requests
from podfit.model.scenario import AddPod, Event, RemovePod
from podfit.node.allocatable import node_allocatable, predicate_admit_used
from podfit.node.assignments import pod_assignments
from podfit.node.managers import ResourceManagers, RestoredState, build_managers
from podfit.node.metrics import NodeMetrics, new_node_metrics
from podfit.node.metrics_record import record_topology_admission
from podfit.node.result import AdmitResult, Hint, MemoryTableView, RemoveResult, StartResult
from podfit.topology.bitmask import get_bits
from podfit.topology.hint import TopologyHint
from podfit.topology.scope import CONTAINER_SCOPE, POD_SCOPE, admit, scope_for

__all__ = ["Node"]

PLR: Final = "PodLevelResources"
PLRM: Final = "PodLevelResourceManagers"


def _named_containers(pod: Pod) -> list[tuple[str, Container]]:
    return [(c.name, c) for c in pod.all_containers()]


def _hint(h: TopologyHint) -> Hint:
    return Hint(tuple(get_bits(h.numa_affinity)) if h.numa_affinity is not None else (), h.preferred)


class Node:
    """A kubelet's view of one node (build it only for a configuration the kubelet accepts)."""

    def __init__(
        self, machine: Machine, config: KubeletConfig, restored: RestoredState | None = None
    ) -> None:
        self.machine = machine
        self.config = config
        self._metrics = new_node_metrics(config.feature_gates.enabled(PLRM))
        self.managers: ResourceManagers = build_managers(machine, config, self._metrics, restored)
        self.allocatable = node_allocatable(machine, config)
        self._pods: dict[str, Pod] = {}  # uid -> admitted pod, in admission order
        self._used: dict[str, int] = {}  # the admitted pods' effective requests, summed
        # the gates never change while the kubelet runs: read them once
        self._plr = config.feature_gates.enabled(PLR)
        self._plrm = config.feature_gates.enabled(PLRM)

    # ----- views -------------------------------------------------------------------------
    @property
    def default_cpuset(self) -> int:
        """The CPU manager's shared (default) pool."""
        return self.managers.cpu.state.get_default_cpu_set()

    @property
    def reserved_cpus(self) -> int:
        """CPUs reserved for system daemons (CPU manager ``static``)."""
        return self.managers.cpu.reserved_cpus

    @property
    def metrics(self) -> NodeMetrics:
        """The kubelet's resource-manager metrics of this node (see :mod:`podfit.node.metrics`)."""
        return self._metrics

    def memory_tables(self) -> dict[int, dict[str, MemoryTableView]] | None:
        """The memory manager's per-NUMA tables (``None`` without the Static policy)."""
        machine_state = self.managers.memory.state.get_machine_state()
        if not machine_state:
            return None
        return {
            numa: {
                kind: MemoryTableView(t.allocatable, t.reserved, t.free)
                for kind, t in sorted(node.memory_map.items())
            }
            for numa, node in sorted(machine_state.items())
        }

    @property
    def pods(self) -> tuple[Pod, ...]:
        return tuple(self._pods.values())

    # ----- admission ---------------------------------------------------------------------
    def _snapshot(self, pod: Pod) -> tuple[object, object, object]:
        """What admitting ``pod`` can change in the three managers' states (O(1) in the pods)."""
        m, uid = self.managers, pod.uid
        return (m.cpu.state.pod_snapshot(uid), m.memory.state.pod_snapshot(uid), m.devices.pod_snapshot(uid))

    def _restore(self, snap: tuple[object, object, object], pod: Pod) -> None:
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
        m.cpu.state.restore_pod(snap[0])  # type: ignore[arg-type]
        m.memory.state.restore_pod(snap[1], keep_machine_state=fresh)  # type: ignore[arg-type]
        m.devices.restore_pod(snap[2])  # type: ignore[arg-type]

    def admit(self, pod: Pod) -> AdmitResult:
        """The kubelet's admission decision for ``pod`` (and its allocations when admitted)."""
        plr = self._plr
        qos = compute_pod_qos(pod, pod_level_resources=plr)
        pod_level = plr and self._plrm and is_pod_level_resources_set(pod)
        snap = self._snapshot(pod)
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
        )
        scope = scope_for(self.config.topology_manager_scope, policy)
        record_topology_admission(self._metrics, scope, policy, scoped)
        pod_hint = container_hints = None
        if scope == POD_SCOPE and scoped.merges:
            pod_hint = _hint(scoped.merges[0].best_hint)
        elif scope == CONTAINER_SCOPE:
            container_hints = {m.container or "": _hint(m.best_hint) for m in scoped.merges}
        result = scoped.result
        if not result.admit:
            self._restore(snap, pod)
            return self._rejected(pod, result.reason, result.message, qos, pod_hint, container_hints)
        want = pod_requests(pod, pod_level_resources=plr)
        missing = predicate_admit_used(want, len(self._pods), self._used, self.allocatable)
        if missing is not None:
            self._restore(snap, pod)
            return self._rejected(pod, missing.reason, missing.message, qos, pod_hint, container_hints)
        bubble = pod_level and scope == POD_SCOPE  # pod-level budget allocated (AllocatePod)
        assigned = pod_assignments(self, pod, bubble)
        pod_cpus = managers.cpu.state.get_pod_cpu_set(pod.uid) if bubble else None
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
            default_cpuset=managers.cpu.state.get_default_cpu_set(),
        )

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
            default_cpuset=self.managers.cpu.state.get_default_cpu_set(),
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
        cm/internal_container_lifecycle.go PreStartContainer (v1.36)
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
        m = self.managers
        m.cpu.remove_pod(pod)
        m.memory.remove_pod(pod)
        m.devices.remove_pod(pod.uid)
        del self._pods[pod.uid]
        self._count_requests(pod_requests(pod, pod_level_resources=self._plr), -1)
        return RemoveResult(pod.key, pod.uid, True, m.cpu.state.get_default_cpu_set())
