"""Who owns each CPU after each step of a simulation: the values behind ``podfit render``.

A :class:`Timeline` holds the initial state, then per step only the CPUs whose owner changed
(built by :func:`podfit.report.frames.build_timeline`); whole :class:`Frame` values are
replayed from it on demand. A CPU's owner is, in order of precedence: a reserved CPU; a
container's exclusive slice (``node_exclusive`` / ``pod_exclusive``); a pod's shared pool
(``pod_shared``); the rest of a pod's CPU budget (``podCPUs`` not handed to any container); the
node's shared pool (``defaultCPUSet``); otherwise no pool at all (:func:`owner_of`). The readers
of the result document (contract: docs/scenario-format.md) are here too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podfit.model.cpuset import parse_cpuset

__all__ = [
    "KIND_LABELS",
    "OWNER_KINDS",
    "CPUOwner",
    "ContainerView",
    "Frame",
    "PodView",
    "StepChange",
    "Timeline",
    "TopologyRow",
    "cpuset_of",
    "empty_memory",
    "owner_of",
    "pod_labels",
    "pod_view",
    "replay",
    "step_label",
    "step_reason",
    "step_status",
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
EXCLUSIVE_ASSIGNMENTS = ("node_exclusive", "pod_exclusive")
POD_SHARED_ASSIGNMENTS = ("pod_shared",)

MemoryTable = Mapping[str, Mapping[str, Mapping[str, int]]]


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
    colour: int = field(default=0, compare=False)  # its palette entry (podfit.report.palette)

    @property
    def number(self) -> int:
        """The ``n`` of label ``Pn`` (the pod's colour index)."""
        return int(self.label[1:]) if self.label[1:].isdigit() else 0

    @property
    def claimed(self) -> int:
        """Every CPU the pod can own: its budget and its containers' exclusive / pod-shared CPUs."""
        m = self.pod_cpus or 0
        for c in self.containers:
            if c.cpus and c.assignment in EXCLUSIVE_ASSIGNMENTS + POD_SHARED_ASSIGNMENTS:
                m |= c.cpus
        return m


@dataclass(frozen=True)
class Frame:
    """The node after one step (index 0: before any event)."""

    index: int
    op: str | None  # None for the initial state, else "add" / "start" / "remove"
    pod: str | None
    status: str  # "initial", "refused", "admitted", "rejected", "removed", "not-on-node", "started",
    # "restarted" (a kubelet restart), "resized" (a resize or a retry of pending resizes)
    reason: str | None
    message: str | None
    default_cpuset: int
    owners: Mapping[int, CPUOwner]
    pods: tuple[PodView, ...]
    memory: MemoryTable | None = None
    kinds: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return _title(self.op, self.pod, self.status)


def _title(op: str | None, pod: str | None, status: str) -> str:
    if op is None:
        return "Kubelet refuses to start" if status == "refused" else "Initial state"
    return f"{op} {pod}"


@dataclass(frozen=True)
class StepChange:
    """One step as a difference: what happened, and the CPUs whose owner changed (step 0: all)."""

    index: int
    op: str | None
    pod: str | None
    status: str
    reason: str | None
    message: str | None
    owners: Mapping[int, CPUOwner]  # only the CPUs whose owner changed at this step
    default_cpuset: int  # the node's shared pool after the step
    memory: MemoryTable | None  # the table after the step (the previous object when unchanged)
    arrived: PodView | None = None  # the pod admitted at this step
    left: str | None = None  # the pod removed at this step

    @property
    def title(self) -> str:
        return _title(self.op, self.pod, self.status)


@dataclass(frozen=True)
class Timeline:
    """The initial state and every step as a difference; :meth:`frames` replays them."""

    cpus: tuple[int, ...]  # the node's CPUs, in ``node.cpuTopology`` order
    reserved: int
    labels: Mapping[str, str]
    steps: tuple[StepChange, ...]  # steps[0]: the initial state, every CPU in ``owners``

    def __len__(self) -> int:
        return len(self.steps)

    def frames(self) -> Iterator[Frame]:
        """Every frame in order (each a full copy of the owners: for small nodes and tests)."""
        owners: dict[int, CPUOwner] = {}
        on_node: dict[str, PodView] = {}
        for s in self.steps:
            replay(s, owners, on_node)
            yield self._frame(s, owners, on_node)

    def frame(self, index: int) -> Frame:
        """The frame after step ``index`` (steps before it replayed as differences)."""
        if not 0 <= index < len(self.steps):
            raise ValueError(f"step {index} out of range 0..{len(self.steps) - 1}")
        owners: dict[int, CPUOwner] = {}
        on_node: dict[str, PodView] = {}
        for s in self.steps[: index + 1]:
            replay(s, owners, on_node)
        return self._frame(self.steps[index], owners, on_node)

    def _frame(self, s: StepChange, owners: Mapping[int, CPUOwner], on_node: Mapping[str, PodView]) -> Frame:
        present = {o.kind for o in owners.values()}
        return Frame(
            index=s.index,
            op=s.op,
            pod=s.pod,
            status=s.status,
            reason=s.reason,
            message=s.message,
            default_cpuset=s.default_cpuset,
            owners={c: owners[c] for c in self.cpus},
            pods=tuple(on_node.values()),
            memory=s.memory,
            kinds=tuple(k for k in OWNER_KINDS if k in present),
        )


def replay(step: StepChange, owners: dict[int, CPUOwner], on_node: dict[str, PodView]) -> None:
    """Apply one step's differences (a pod admitted again counts from its latest admission)."""
    owners.update(step.owners)
    if step.arrived is not None:
        on_node.pop(step.arrived.name, None)
        on_node[step.arrived.name] = step.arrived
    if step.left is not None:
        on_node.pop(step.left, None)


def topology_rows(doc: Mapping[str, Any], uncore: Mapping[int, int] | None = None) -> tuple[TopologyRow, ...]:
    """The node's CPUs from ``node.cpuTopology`` rows ``[cpu, core, socket, numa]``."""
    rows = doc["node"]["cpuTopology"]
    return tuple(
        TopologyRow(int(c), int(core), int(s), int(n), None if uncore is None else uncore.get(int(c)))
        for c, core, s, n in rows
    )


def cpuset_of(value: str | None) -> int:
    """A CPU list of the result document (podfit wrote it: no need to check it as the kubelet's
    parser does; anything unusual goes through :func:`parse_cpuset`)."""
    if not value:
        return 0
    m = 0
    try:
        for part in value.split(","):
            lo, dash, hi = part.partition("-")
            first = int(lo)
            last = int(hi) if dash else first
            if not 0 <= first <= last:
                return parse_cpuset(value)
            m |= ((1 << (last - first + 1)) - 1) << first
    except ValueError:
        return parse_cpuset(value)
    return m


def pod_labels(doc: Mapping[str, Any]) -> dict[str, str]:
    """``P1``, ``P2``, ... for the admitted pods, in order of first admission."""
    labels: dict[str, str] = {}
    for step in doc.get("steps", ()):
        if step.get("op") == "add" and step.get("admitted") and step["pod"] not in labels:
            labels[step["pod"]] = f"P{len(labels) + 1}"
    return labels


def pod_view(step: Mapping[str, Any], label: str) -> PodView:
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
    return None if value is None else cpuset_of(value)


def _holders(pod: PodView, cpu_bit: int, assignments: Sequence[str]) -> tuple[str, ...]:
    """Containers of ``pod`` holding the CPU with one of ``assignments``; init containers last."""
    found = [c for c in pod.containers if c.assignment in assignments and c.cpus and c.cpus & cpu_bit]
    found.sort(key=lambda c: c.kind == "init")
    return tuple(c.name for c in found)


def owner_of(cpu: int, reserved: int, default: int, pods: Sequence[PodView]) -> CPUOwner:
    """The owner of ``cpu`` given the reserved CPUs, the node's shared pool and the pods on the
    node (in order of arrival; only those claiming the CPU matter)."""
    bit = 1 << cpu
    if reserved & bit:
        return CPUOwner(RESERVED, in_shared_pool=bool(default & bit))
    for kind, assignments in ((EXCLUSIVE, EXCLUSIVE_ASSIGNMENTS), (POD_SHARED, POD_SHARED_ASSIGNMENTS)):
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


def step_status(step: Mapping[str, Any]) -> str:
    if step["op"] == "restart":
        return "refused" if step.get("error") else "restarted"
    if step["op"] in ("resize", "retryResizes"):
        return "resized"
    if step["op"] == "add":
        return "admitted" if step.get("admitted") else "rejected"
    if step["op"] == "start":
        return "started" if step.get("started", True) else "not-on-node"
    return "removed" if step.get("removed", True) else "not-on-node"


def empty_memory(steps: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, int]]] | None:
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


def step_label(step: Mapping[str, Any]) -> str | None:
    """What a step is about: its pod, or for a kubelet restart the releases."""
    if step["op"] == "restart":
        versions = step.get("kubeletVersion") or {}
        old, new = versions.get("from", ""), versions.get("to", "")
        return f"kubelet v{old}" if old == new else f"kubelet v{old} -> v{new}"
    return step.get("pod")


def step_reason(step: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The step's reason and message (a refused restart's come from its ``error``)."""
    source = step.get("error") or step if step["op"] == "restart" else step
    return source.get("reason"), source.get("message")
