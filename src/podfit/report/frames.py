"""Who owns each CPU after each step of a simulation: the data behind ``podfit render``.

Pure functions from the JSON result document (contract: docs/scenario-format.md) to one
:class:`Frame` per moment: the initial state, then the node after every event. A CPU's owner is,
in order of precedence: a reserved CPU; a container's exclusive slice (``node_exclusive`` /
``pod_exclusive``); a pod's shared pool (``pod_shared``); the rest of a pod's CPU budget
(``podCPUs`` not handed to any container); the node's shared pool (``defaultCPUSet``); otherwise
no pool at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from podfit.model.cpuset import parse_cpuset

__all__ = [
    "KIND_LABELS",
    "OWNER_KINDS",
    "CPUOwner",
    "ContainerView",
    "Frame",
    "PodView",
    "TopologyRow",
    "build_frames",
    "pod_labels",
    "topology_rows",
]

RESERVED = "reserved"
NODE_SHARED = "node-shared"
POD_SHARED = "pod-shared"
EXCLUSIVE = "exclusive"
POD_FREE = "pod-free"
UNASSIGNED = "unassigned"

OWNER_KINDS: tuple[str, ...] = (RESERVED, NODE_SHARED, POD_SHARED, EXCLUSIVE, POD_FREE, UNASSIGNED)
KIND_LABELS: Mapping[str, str] = {
    RESERVED: "Reserved (system/kube)",
    NODE_SHARED: "Node shared pool",
    POD_SHARED: "Pod shared pool",
    EXCLUSIVE: "Container exclusive slice",
    POD_FREE: "Pod budget, not handed out",
    UNASSIGNED: "In no pool",
}
_EXCLUSIVE_ASSIGNMENTS = ("node_exclusive", "pod_exclusive")


@dataclass(frozen=True)
class TopologyRow:
    """One CPU of the node: ``node.cpuTopology`` plus its L3 (uncore) group when known."""

    cpu: int
    core: int
    socket: int
    numa: int
    uncore: int | None = None


@dataclass(frozen=True)
class CPUOwner:
    """Who holds a CPU after a step."""

    kind: str
    pod: str | None = None
    containers: tuple[str, ...] = ()
    in_shared_pool: bool = False  # a reserved CPU that the node's shared pool still contains


@dataclass(frozen=True)
class ContainerView:
    name: str
    kind: str
    assignment: str
    cpus: int | None  # None: runs in the node's shared pool


@dataclass(frozen=True)
class PodView:
    name: str
    label: str  # "P1", "P2", ...: the pod's number in this simulation
    pod_cpus: int | None
    containers: tuple[ContainerView, ...]


@dataclass(frozen=True)
class Frame:
    """The node after one step (index 0: before any event)."""

    index: int
    op: str | None  # None for the initial state, else "add" / "start" / "remove" / "restart"
    pod: str | None
    status: str  # "initial", "refused", "admitted", "rejected", "removed", "not-on-node"
    reason: str | None
    message: str | None
    default_cpuset: int
    owners: Mapping[int, CPUOwner]
    pods: tuple[PodView, ...]
    memory: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None
    kinds: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        if self.op is None:
            return "Kubelet refuses to start" if self.status == "refused" else "Initial state"
        return f"{self.op} {self.pod}"


def topology_rows(doc: Mapping[str, Any], uncore: Mapping[int, int] | None = None) -> tuple[TopologyRow, ...]:
    """The node's CPUs from ``node.cpuTopology`` rows ``[cpu, core, socket, numa]``."""
    rows = doc["node"]["cpuTopology"]
    return tuple(
        TopologyRow(int(c), int(core), int(s), int(n), None if uncore is None else uncore.get(int(c)))
        for c, core, s, n in rows
    )


def _cpuset(value: str | None) -> int:
    return 0 if not value else parse_cpuset(value)


def pod_labels(doc: Mapping[str, Any]) -> dict[str, str]:
    """``P1``, ``P2``, ... for the admitted pods, in order of first admission."""
    labels: dict[str, str] = {}
    for step in doc.get("steps", ()):
        if step.get("op") == "add" and step.get("admitted") and step["pod"] not in labels:
            labels[step["pod"]] = f"P{len(labels) + 1}"
    return labels


def _pod_view(step: Mapping[str, Any], label: str) -> PodView:
    containers = tuple(
        ContainerView(
            c["name"],
            c.get("kind", "app"),
            c.get("assignment", "node_shared"),
            _optional_cpuset(c.get("cpus")),
        )
        for c in step.get("containers", ())
    )
    return PodView(step["pod"], label, _optional_cpuset(step.get("podCPUs")), containers)


def _optional_cpuset(value: str | None) -> int | None:
    return None if value is None else _cpuset(value)


def _holders(pod: PodView, cpu_bit: int, assignments: Sequence[str]) -> tuple[str, ...]:
    """Containers of ``pod`` holding the CPU with one of ``assignments``; init containers last."""
    found = [c for c in pod.containers if c.assignment in assignments and c.cpus and c.cpus & cpu_bit]
    found.sort(key=lambda c: c.kind == "init")
    return tuple(c.name for c in found)


def _owner(cpu: int, reserved: int, default: int, pods: Sequence[PodView]) -> CPUOwner:
    bit = 1 << cpu
    if reserved & bit:
        return CPUOwner(RESERVED, in_shared_pool=bool(default & bit))
    for kind, assignments in ((EXCLUSIVE, _EXCLUSIVE_ASSIGNMENTS), (POD_SHARED, ("pod_shared",))):
        for pod in pods:
            names = _holders(pod, bit, assignments)
            if names:
                return CPUOwner(kind, pod.name, names)
    for pod in pods:
        if pod.pod_cpus and pod.pod_cpus & bit:
            return CPUOwner(POD_FREE, pod.name)
    if default & bit:
        return CPUOwner(NODE_SHARED)
    return CPUOwner(UNASSIGNED)


def _frame(
    index: int,
    step: Mapping[str, Any] | None,
    status: str,
    all_cpus: Sequence[int],
    reserved: int,
    default: int,
    pods: Sequence[PodView],
    memory: Mapping[str, Any] | None,
    error: Mapping[str, Any] | None = None,
) -> Frame:
    owners = {c: _owner(c, reserved, default, pods) for c in all_cpus}
    present = {o.kind for o in owners.values()}
    source = step if step is not None else (error or {})
    return Frame(
        index=index,
        op=None if step is None else step["op"],
        pod=None if step is None else step.get("pod", _restart_label(step)),
        status=status,
        reason=source.get("reason"),
        message=source.get("message"),
        default_cpuset=default,
        owners=owners,
        pods=tuple(pods),
        memory=memory,
        kinds=tuple(k for k in OWNER_KINDS if k in present),
    )


def _restart_label(step: Mapping[str, Any]) -> str:
    versions = step.get("kubeletVersion") or {}
    old, new = versions.get("from", ""), versions.get("to", "")
    return f"kubelet v{old}" if old == new else f"kubelet v{old} -> v{new}"


def _status(step: Mapping[str, Any]) -> str:
    if step["op"] == "restart":
        return "refused" if step.get("error") else "restarted"
    if step["op"] == "add":
        return "admitted" if step.get("admitted") else "rejected"
    if step["op"] == "start":
        return "started" if step.get("started", True) else "not-on-node"
    return "removed" if step.get("removed", True) else "not-on-node"


def build_frames(doc: Mapping[str, Any]) -> tuple[Frame, ...]:
    """The initial state and the node after each step of the result document ``doc``."""
    node = doc["node"]
    all_cpus = tuple(int(r[0]) for r in node["cpuTopology"])
    reserved = _cpuset(node.get("reservedCPUs"))
    default = _cpuset(node.get("initialDefaultCPUSet"))
    error = doc.get("error")
    labels = pod_labels(doc)
    frames = [
        _frame(0, None, "refused" if error else "initial", all_cpus, reserved, default, (), None, error)
    ]
    memory = node.get("nodeMemory") or _empty_memory(doc.get("steps", ()))
    frames[0] = replace(frames[0], memory=memory)
    on_node: dict[str, PodView] = {}
    for i, step in enumerate(doc.get("steps", ()), start=1):
        status = _status(step)
        if status == "admitted":
            on_node[step["pod"]] = _pod_view(step, labels[step["pod"]])
        elif status == "removed":
            on_node.pop(step["pod"], None)
        elif status == "restarted":  # every running pod admitted again, or rejected
            for p in step.get("pods", ()):
                if p["outcome"] == "rejected":
                    on_node.pop(p["pod"], None)
                else:
                    on_node[p["pod"]] = _pod_view(p["readmission"], labels.get(p["pod"], p["pod"]))
        elif status == "refused":  # no kubelet any more: the last frame stays
            frames.append(
                replace(
                    frames[-1],
                    index=i,
                    op="restart",
                    pod=_restart_label(step),
                    status=status,
                    reason=step["error"]["reason"],
                    message=step["error"]["message"],
                )
            )
            continue
        default = _cpuset(step.get("defaultCPUSet"))
        memory = step.get("nodeMemory")
        if memory is None and status in ("rejected", "not-on-node"):
            memory = frames[-1].memory  # the step changed nothing
        pods = tuple(on_node.values())
        frames.append(_frame(i, step, status, all_cpus, reserved, default, pods, memory))
    return tuple(frames)


def _empty_memory(steps: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, int]]] | None:
    """The memory table before any pod: the first step's table with nothing assigned."""
    table = next((s["nodeMemory"] for s in steps if s.get("nodeMemory")), None)
    if table is None:
        return None
    return {
        numa: {
            t: {"allocatable": int(v["allocatable"]), "reserved": 0, "free": int(v["allocatable"])}
            for t, v in types.items()
        }
        for numa, types in table.items()
    }
