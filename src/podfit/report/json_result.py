"""The JSON result of ``podfit simulate`` (contract: docs/scenario-format.md)."""

from __future__ import annotations

import json
import re
from typing import Any

from podfit.kubelet.known_issues import KnownIssue
from podfit.kubelet.restart import FileRead, PodHeld, PodRestart, RestartResult
from podfit.kubelet.result import (
    AdmitResult,
    CgroupValues,
    ContainerAssignment,
    Hint,
    MemoryBlockView,
    NUMAMemory,
    PodResourcesView,
    RemoveResult,
    ResizeDecision,
    ResizeResult,
    RetryResult,
    StartResult,
)
from podfit.kubelet.simulation import MemoryProtectionView, SimulationResult
from podfit.model.cpuset import format_cpuset
from podfit.model.diagnostics import Diagnostic

__all__ = ["dumps_result", "known_issue_json", "result_to_json", "step_to_json", "warning_json"]


def known_issue_json(issue: KnownIssue | None) -> dict[str, Any] | None:
    """``knownIssue``: ``{id, summary, fixedIn, issue}`` (``issue``: the bug report, or null)."""
    if issue is None:
        return None
    return {
        "id": issue.id,
        "summary": issue.summary,
        "fixedIn": issue.fixed_in,
        "issue": f"kubernetes#{issue.issue}" if issue.issue else None,
    }


def warning_json(w: Diagnostic) -> dict[str, Any]:
    """One entry of ``warnings``: ``{code, message, source, field, pod}``."""
    return {"code": w.code, "message": w.message, "source": w.source, "field": w.field, "pod": w.pod}


def _hint(h: Hint | None) -> dict[str, Any] | None:
    if h is None:
        return None
    return {"numaAffinity": list(h.numa_affinity), "preferred": h.preferred}


def _cgroup(g: CgroupValues | None, *, container: bool) -> dict[str, Any] | None:
    if g is None:
        return None
    out: dict[str, Any] = {
        "cpuShares": g.cpu_shares,
        "cpuQuotaUs": g.cpu_quota_us,
        "cpuPeriodUs": g.cpu_period_us,
        "memoryLimitBytes": g.memory_limit,
    }
    if container:
        out["cpusetCpus"] = None if g.cpuset_cpus is None else format_cpuset(g.cpuset_cpus)
        out["cpusetMems"] = None if g.cpuset_mems is None else ",".join(map(str, g.cpuset_mems))
    if g.memory_qos:
        out["memoryQoS"] = dict(g.memory_qos)
    return out


def _topology(numa: tuple[int, ...]) -> dict[str, Any] | None:
    return {"nodes": [{"id": n} for n in numa]} if numa else None


def _memory_views(blocks: tuple[MemoryBlockView, ...]) -> list[dict[str, Any]]:
    return [
        {"memoryType": b.memory_type, "size": b.size, "topology": _topology(b.numa_nodes)} for b in blocks
    ]


def _pod_resources(v: PodResourcesView | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "cpuIds": list(v.cpu_ids),
        "memory": _memory_views(v.memory),
        "containers": [
            {
                "name": c.name,
                "cpuIds": list(c.cpu_ids),
                "memory": _memory_views(c.memory),
                "devices": [
                    {
                        "resourceName": d.resource_name,
                        "deviceIds": list(d.device_ids),
                        "topology": _topology(d.numa_nodes),
                    }
                    for d in c.devices
                ],
            }
            for c in v.containers
        ],
    }


def _numa_memory(tables: NUMAMemory | None) -> dict[str, Any] | None:
    if tables is None:
        return None
    return {
        str(numa): {
            kind: {"allocatable": t.allocatable, "reserved": t.reserved, "free": t.free}
            for kind, t in by_kind.items()
        }
        for numa, by_kind in tables.items()
    }


def _container(c: ContainerAssignment) -> dict[str, Any]:
    return {
        "name": c.name,
        "kind": c.kind,
        "cpus": None if c.cpus is None else format_cpuset(c.cpus),
        "assignment": c.assignment,
        "memory": None
        if c.memory is None
        else {"numaAffinity": list(c.memory.numa_affinity), "bytes": dict(c.memory.bytes)},
        "cpuQuota": None
        if c.cpu_quota is None
        else {"quotaUs": c.cpu_quota.quota_us, "periodUs": c.cpu_quota.period_us},
        "cgroup": _cgroup(c.cgroup, container=True),
        "why": None if c.why is None else {"reason": c.why.reason, "message": c.why.message},
    }


def _add_step(r: AdmitResult) -> dict[str, Any]:
    return {
        "op": "add",
        "pod": r.pod,
        "uid": r.uid,
        "admitted": r.admitted,
        "reason": r.reason,
        "message": r.message,
        "qosClass": r.qos_class,
        "podHint": _hint(r.pod_hint),
        "containerHints": None
        if r.container_hints is None
        else {name: _hint(h) for name, h in r.container_hints.items()},
        "podCPUs": None if r.pod_cpus is None else format_cpuset(r.pod_cpus),
        "containers": [_container(c) for c in r.containers],
        "defaultCPUSet": format_cpuset(r.default_cpuset),
        "podCgroup": _cgroup(r.pod_cgroup, container=False),
        "podResources": _pod_resources(r.pod_resources),
        "nodeMemory": _numa_memory(r.numa_memory),
        "knownIssue": known_issue_json(r.known_issue),
    }


def _remove_step(r: RemoveResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "op": "remove",
        "pod": r.pod,
        "uid": r.uid,
        "removed": r.removed,
        "defaultCPUSet": format_cpuset(r.default_cpuset),
        "nodeMemory": _numa_memory(r.numa_memory),
    }
    if r.resizes:
        out["resizes"] = [resize_decision_json(d) for d in r.resizes]
    return out


def resize_decision_json(d: ResizeDecision) -> dict[str, Any]:
    """One pod's resize decision (the ``resize`` step's ``decision``, and each retried one)."""
    return {
        "pod": d.pod,
        "uid": d.uid,
        "generation": d.generation,
        "outcome": d.outcome,
        "stage": d.stage,
        "reason": d.reason,
        "message": d.message,
        "handlerReason": d.handler_reason,
        "trigger": d.trigger or None,
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in d.checks],
        "allocated": dict(d.allocated),
        "conditions": [dict(c) for c in d.conditions],
        "events": list(d.events),
        "actuation": [
            {"target": w.target, "resource": w.resource, "file": w.file, "old": w.old, "new": w.new}
            for w in d.actuation
        ],
        "exclusive": {
            "containerCPUs": {n: format_cpuset(v) for n, v in d.exclusive.get("containerCPUs", {}).items()},
            "changed": list(d.exclusive.get("changed", [])),
            "podCPUs": None if d.exclusive.get("podCPUs") is None else format_cpuset(d.exclusive["podCPUs"]),
        }
        if d.exclusive
        else None,
        "warnings": list(d.warnings),
    }


def _resize_step(r: ResizeResult) -> dict[str, Any]:
    return {
        "op": "resize",
        "pod": r.pod,
        "uid": r.uid,
        "found": r.found,
        "decision": None if r.decision is None else resize_decision_json(r.decision),
        "retried": [resize_decision_json(d) for d in r.retried],
        "pending": list(r.pending),
        "defaultCPUSet": format_cpuset(r.default_cpuset),
        "nodeMemory": _numa_memory(r.numa_memory),
    }


def _retry_step(r: RetryResult) -> dict[str, Any]:
    return {
        "op": "retryResizes",
        "trigger": r.trigger,
        "retried": [resize_decision_json(d) for d in r.retried],
        "pending": list(r.pending),
        "defaultCPUSet": format_cpuset(r.default_cpuset),
        "nodeMemory": _numa_memory(r.numa_memory),
    }


def _protection(p: MemoryProtectionView) -> dict[str, Any]:
    return {
        "kubepodsMemoryMin": p.kubepods_min,
        "burstableMemoryLow": p.burstable_low,
        "burstableMemoryMin": p.burstable_min,
        "guaranteedRequests": p.guaranteed_requests,
        "burstableRequests": p.burstable_requests,
        "gauges": None
        if p.gauge_min_bytes is None
        else {
            "kubelet_memory_qos_node_memory_min_bytes": p.gauge_min_bytes,
            "kubelet_memory_qos_node_memory_low_bytes": p.gauge_low_bytes,
        },
        "memoryManagerPinned": None if p.pinned is None else {str(n): b for n, b in p.pinned},
    }


def _start_step(r: StartResult) -> dict[str, Any]:
    return {
        "op": "start",
        "pod": r.pod,
        "uid": r.uid,
        "started": r.started,
        "defaultCPUSet": format_cpuset(r.default_cpuset),
        "nodeMemory": _numa_memory(r.numa_memory),
    }


def _file(f: FileRead) -> dict[str, Any]:
    return {
        "file": f.file,
        "written": f.written_as,
        "read": f.read_as,
        "status": f.status,
        "message": f.message or None,
    }


def _held(h: PodHeld | None, devices: bool = False) -> dict[str, Any] | None:
    """What a pod holds; ``devices``: each container also lists its devices (``[]``: none)."""
    if h is None:
        return None
    held = dict(h.devices)
    containers = []
    for c in h.containers:
        entry: dict[str, Any] = {
            "name": c.name,
            "cpus": None if c.cpus is None else format_cpuset(c.cpus),
            "assignment": c.assignment,
            "numaAffinity": None if c.memory is None else list(c.memory.numa_affinity),
        }
        if devices:
            entry["devices"] = list(held.get(c.name, ()))
        containers.append(entry)
    return {"podCPUs": None if h.pod_cpus is None else format_cpuset(h.pod_cpus), "containers": containers}


def _pod_restart(p: PodRestart) -> dict[str, Any]:
    # devices are listed for a pod whose containers held or asked for some
    devices = bool(p.before.devices or (p.after is not None and p.after.devices))
    return {
        "pod": p.pod,
        "uid": p.uid,
        "outcome": p.outcome,
        "reason": p.step.reason,
        "message": p.step.message,
        "changes": list(p.changes),
        "before": _held(p.before, devices),
        "after": _held(p.after, devices),
        "readmission": _add_step(p.step),
    }


def _restart_step(r: RestartResult) -> dict[str, Any]:
    return {
        "op": "restart",
        "kubeletVersion": {"from": r.from_version, "to": r.to_version},
        "kubeletConfigChanged": r.config_changed,
        "checkpoints": [_file(f) for f in r.files],
        "error": None if r.refusal is None else {"reason": r.refusal.reason, "message": r.refusal.message},
        "released": list(r.released),
        "pods": [_pod_restart(p) for p in r.pods],
        "defaultCPUSet": None if r.refusal is not None else format_cpuset(r.default_cpuset),
        "nodeMemory": _numa_memory(r.numa_memory),
    }


def step_to_json(
    s: AdmitResult | RemoveResult | StartResult | ResizeResult | RetryResult | RestartResult,
) -> dict[str, Any]:
    """One step of the result document."""
    return _step(s)


def _step(
    s: AdmitResult | RemoveResult | StartResult | ResizeResult | RetryResult | RestartResult,
) -> dict[str, Any]:
    if isinstance(s, AdmitResult):
        return _add_step(s)
    if isinstance(s, StartResult):
        return _start_step(s)
    if isinstance(s, ResizeResult):
        return _resize_step(s)
    if isinstance(s, RetryResult):
        return _retry_step(s)
    if isinstance(s, RestartResult):
        return _restart_step(s)
    return _remove_step(s)


def result_to_json(result: SimulationResult) -> dict[str, Any]:
    """The contract document for one simulation."""
    machine = result.machine
    doc: dict[str, Any] = {
        "scenario": result.scenario,
        "kubeletVersion": result.kubelet_version,
        "node": {
            "name": result.node_name,
            "cpuTopology": machine.cpu_topology_rows(),
            "reservedCPUs": format_cpuset(result.reserved_cpus),
            "initialDefaultCPUSet": format_cpuset(result.initial_default_cpuset),
            "nodeMemory": _numa_memory(result.initial_numa_memory),
        },
        "error": None
        if result.error is None
        else {"reason": result.error.reason, "message": result.error.message},
        "steps": _steps(result),
        "warnings": [warning_json(w) for w in result.warnings],
    }
    if result.restored_files:  # --restore-from: how the release read the files
        doc["restoredFrom"] = {
            "kubeletVersion": result.kubelet_version,
            "checkpoints": [_file(f) for f in result.restored_files],
            "pods": [_pod_restart(p) for p in result.restored_pods],
        }
    return doc


def _steps(result: SimulationResult) -> list[dict[str, Any]]:
    steps = [_step(s) for s in result.steps]
    for step, protection in zip(steps, result.memory_protection, strict=False):
        if protection is not None:
            step["memoryProtection"] = _protection(protection)
    return steps


_SCALAR_ARRAY = re.compile(r"\[\s*((?:-?\d+|true|false|null)(?:,\s*(?:-?\d+|true|false|null))*)\s*\]")


def dumps_result(doc: dict[str, Any]) -> str:
    """Indented JSON with arrays of scalars kept on one line (``[0, 0, 0, 0]``)."""
    text = json.dumps(doc, indent=2)
    return _SCALAR_ARRAY.sub(lambda m: "[" + ", ".join(p.strip() for p in m.group(1).split(",")) + "]", text)
