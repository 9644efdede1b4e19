"""The event loop's bookkeeping beside the node while a scenario runs: which names the API server
holds (a second ``add`` of a namespace/name it still holds is refused, ``AlreadyExists``, and never
reaches the kubelet), what to warn about (:mod:`podfit.kubelet.run_warnings`), and which outcomes
are known kubelet defects of the running release (:mod:`podfit.kubelet.known_issues`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from podfit.kubelet import run_warnings as warn
from podfit.kubelet.known_issues import exclusive_memory_fits, known_issue_for, may_hit_zero_exclusive_memory
from podfit.kubelet.node import Node
from podfit.kubelet.result import AdmitResult, RemoveResult, ResizeResult, RetryResult, StartResult
from podfit.model.diagnostics import ALREADY_EXISTS, Diagnostic
from podfit.model.pod import Pod
from podfit.model.qos import compute_pod_qos, qos_gates
from podfit.model.scenario import AddPod, RemovePod, ResizePod, RetryResizes, StartPod

__all__ = ["EventRun"]

NodeStep = AdmitResult | RemoveResult | StartResult | ResizeResult | RetryResult


class EventRun:
    """The event loop's bookkeeping beside the running ``node`` of kubelet ``release``;
    ``restarted``: the node started from checkpointed states (its first adds may be
    re-admissions)."""

    def __init__(self, node: Node, release: str, restarted: bool) -> None:
        self.node = node
        self.release = release
        self.restarted = restarted
        self.present: dict[str, int] = {}  # namespace/name -> the step that added it
        self.keys: dict[str, str] = {}  # uid -> namespace/name
        self.found: list[Diagnostic] = []  # in step order
        self.missing: dict[str, list[str]] = {}  # extended resource -> pods asking for it
        self.skipped: list[str] = []  # pod-level pods the managers skip (gate off)

    def restarted_as(self, node: Node, release: str, readmitted: Iterable[tuple[Pod, AdmitResult]]) -> None:
        """A ``restart`` event replaced the kubelet (the API server's names stay); ``readmitted``:
        its re-admissions, whose known defects are warned about."""
        self.node, self.release = node, release
        for pod, step in readmitted:
            if step.known_issue is not None:
                self.found.append(warn.known_issue(step.known_issue, pod, release))

    def warnings(self) -> list[Diagnostic]:
        """The run's warnings: per step in order, then one per missing resource, then the pods the
        resource managers skipped."""
        out = list(self.found)
        out.extend(warn.resource_not_on_node(r, pods) for r, pods in self.missing.items())
        if self.skipped:
            out.append(warn.pod_level_resource_managers_off(self.skipped))
        return out

    def step(self, i: int, event: AddPod | RemovePod | StartPod | ResizePod | RetryResizes) -> NodeStep:
        """Event ``i`` on the node, with the memory manager's tables after it."""
        node = self.node
        if isinstance(event, AddPod):
            result = self._add(i, event.pod)
        else:
            if isinstance(event, RemovePod):
                key = event.key if event.key is not None else self.keys.get(event.uid or "")
                if key is not None:
                    self.present.pop(key, None)
            return replace(node.apply(event), numa_memory=node.memory_tables())
        return replace(result, numa_memory=node.memory_tables())

    def _add(self, i: int, pod: Pod) -> AdmitResult:
        node = self.node
        config = node.config
        first = self.present.get(pod.key)
        if first is not None:
            self.found.append(warn.duplicate_pod(pod, i, first))
            qos = compute_pod_qos(pod, qos_gates(config.feature_gates))
            return AdmitResult(
                pod.key,
                pod.uid,
                False,
                reason=ALREADY_EXISTS,
                message=warn.already_exists_message(pod),
                qos_class=qos,
                default_cpuset=node.default_cpuset,
            )
        self.present[pod.key] = i
        self.keys[pod.uid] = pod.key
        for resource in warn.missing_resources(pod, node.allocatable):
            self.missing.setdefault(resource, []).append(pod.key)
        if warn.skipped_by_managers(config, pod):
            self.skipped.append(pod.key)
        managers = node.managers
        readmission = self.restarted and (
            managers.pod_cpus(pod.uid) is not None
            or managers.pod_memory(pod.uid) is not None
            or any(managers.container_cpus(pod.uid, c.name) is not None for c in pod.all_containers())
        )
        before = managers.pod_cpus(pod.uid) if readmission else None
        fits = True
        if may_hit_zero_exclusive_memory(config, pod):
            tables = node.memory_tables() or {}
            free = {numa: {kind: t.free for kind, t in by.items()} for numa, by in tables.items()}
            fits = exclusive_memory_fits(pod, free)
        result = node.admit(pod)
        moved = readmission and result.admitted and before is not None and result.pod_cpus != before
        release = self.release
        issue = known_issue_for(
            release,
            config,
            pod,
            None if result.admitted else result.reason,
            result.message,
            readmission=readmission,
            moved=moved,
            exclusive_fits=fits,
        )
        if issue is None:
            return result
        self.found.append(warn.known_issue(issue, pod, release))
        return replace(result, known_issue=issue)
