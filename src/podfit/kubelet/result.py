"""What a node decides about a pod: admission results and per-container assignments.

These are plain values; :mod:`podfit.report` renders them (the JSON contract of
``podfit simulate`` is in docs/scenario-format.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, Protocol

__all__ = [
    "AdmitResult",
    "AssignedViews",
    "CPUQuota",
    "CgroupValues",
    "CgroupWrite",
    "ContainerAssignment",
    "ContainerResourcesView",
    "DeviceView",
    "Hint",
    "KnownIssue",
    "MemoryAssignment",
    "MemoryBlockView",
    "MemoryTableView",
    "NUMAMemory",
    "PodResourcesView",
    "RemoveResult",
    "ResizeDecision",
    "ResizeResult",
    "RetryResult",
    "StartResult",
    "Why",
]

# assignment types (kubelet metrics vocabulary, plus node_shared for "no exclusive resources")
NODE_EXCLUSIVE: Final = "node_exclusive"
POD_EXCLUSIVE: Final = "pod_exclusive"
POD_SHARED: Final = "pod_shared"
NODE_SHARED: Final = "node_shared"


@dataclass(frozen=True, slots=True, init=False)
class Hint:
    """A topology hint as reported: ``numa_affinity`` empty means "any NUMA node"."""

    numa_affinity: tuple[int, ...]
    preferred: bool

    def __init__(self, numa_affinity: tuple[int, ...], preferred: bool) -> None:
        # built for every admission: the slots' own setters, as AdmitResult.__init__ (below)
        _SET_HINT_NUMA_AFFINITY(self, numa_affinity)
        _SET_HINT_PREFERRED(self, preferred)


_SET_HINT_NUMA_AFFINITY = Hint.__dict__["numa_affinity"].__set__
_SET_HINT_PREFERRED = Hint.__dict__["preferred"].__set__


@dataclass(frozen=True, slots=True)
class MemoryAssignment:
    """Memory blocks of a container: the NUMA nodes and the bytes per memory type."""

    numa_affinity: tuple[int, ...]
    bytes: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class CPUQuota:
    """CFS quota the kubelet would set (``quota_us == -1``: unlimited)."""

    quota_us: int
    period_us: int


@dataclass(frozen=True, slots=True)
class CgroupValues:
    """cgroup values the kubelet sets (``None`` = left unset; ``cpu_quota_us == -1`` = no quota)."""

    cpu_shares: int
    cpu_quota_us: int | None
    cpu_period_us: int | None
    memory_limit: int | None
    cpuset_cpus: int | None = None  # containers only
    cpuset_mems: tuple[int, ...] | None = None  # containers only; None = not restricted
    memory_qos: tuple[tuple[str, str], ...] = ()  # Memory QoS entries (memory.min/low/high) written


@dataclass(frozen=True, slots=True)
class MemoryBlockView:
    """A PodResources ``ContainerMemory``: memory type, size, NUMA nodes."""

    memory_type: str
    size: int
    numa_nodes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeviceView:
    """A PodResources ``ContainerDevices``: resource, device ids, NUMA nodes."""

    resource_name: str
    device_ids: tuple[str, ...]
    numa_nodes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ContainerResourcesView:
    name: str
    cpu_ids: tuple[int, ...]
    memory: tuple[MemoryBlockView, ...]
    devices: tuple[DeviceView, ...]


@dataclass(frozen=True, slots=True)
class PodResourcesView:
    """What the kubelet's PodResources API reports for the pod (v1.37 shape: pod-level ``cpu_ids``
    and ``memory`` for a pod-level allocation; container-level entries only for containers with
    resources of their own)."""

    cpu_ids: tuple[int, ...]
    memory: tuple[MemoryBlockView, ...]
    containers: tuple[ContainerResourcesView, ...]


@dataclass(frozen=True, slots=True)
class MemoryTableView:
    """One memory type on one NUMA node, as the memory manager's machine state holds it."""

    allocatable: int
    reserved: int
    free: int


NUMAMemory = Mapping[int, Mapping[str, MemoryTableView]]


@dataclass(frozen=True, slots=True)
class Why:
    """Why a container got its assignment (:func:`podfit.kubelet.why.container_why`): a stable
    ``reason``, a ``short`` phrase for tables and a one-sentence ``message``. (Here, with the other
    result values, so that it stays an interpreted class that pickles in the compiled build.)"""

    reason: str
    short: str
    message: str


@dataclass(frozen=True, slots=True)
class KnownIssue:
    """An upstream kubelet defect (:mod:`podfit.kubelet.known_issues`): ``id`` names the fix
    (``kubernetes#<PR>``), ``issue`` the bug report (0: none), ``releases`` the kubelet minors that
    have it, ``fixed_in`` the first without it."""

    id: str
    summary: str
    fixed_in: str
    releases: tuple[str, ...]
    issue: int = 0

    @property
    def pr(self) -> int:
        """The fix's pull request number."""
        return int(self.id.rsplit("#", 1)[1])


@dataclass(frozen=True, slots=True)
class ContainerAssignment:
    name: str
    kind: str  # init | sidecar | app
    cpus: int | None  # CPU mask of the exclusive slice or pod shared pool; None = node shared pool
    assignment: str  # node_exclusive | pod_exclusive | pod_shared | node_shared
    memory: MemoryAssignment | None = None
    cpu_quota: CPUQuota | None = None
    cgroup: CgroupValues | None = None
    why: Why | None = None  # the reason for ``assignment`` (podfit.kubelet.why)


class AssignedViews(Protocol):
    """Where an admitted pod's views come from when an :class:`AdmitResult` builds them on first
    read (:class:`podfit.kubelet.assignments.PodAssignments`)."""

    @property
    def containers(self) -> tuple[ContainerAssignment, ...]: ...

    @property
    def pod_cgroup(self) -> CgroupValues | None: ...

    @property
    def pod_resources(self) -> PodResourcesView | None: ...


_ASSIGNED_VIEWS: Final = frozenset({"containers", "pod_cgroup", "pod_resources"})


class _NewDict:
    """The default of ``AdmitResult.extra``: a new empty dict."""

    def __repr__(self) -> str:
        return "<new dict>"


_NEW_DICT: Any = _NewDict()


@dataclass(frozen=True, slots=True, init=False)
class AdmitResult:
    """The outcome of admitting one pod. A rejection carries the kubelet's reason and message.

    An admitted pod's ``containers``, ``pod_cgroup`` and ``pod_resources`` may be given as
    ``assigned`` instead (the three left out): each is then built from it on first read, and kept.
    Either way the result reads, compares and prints the same; ``assigned`` is not part of the value.
    """

    pod: str  # namespace/name
    uid: str
    admitted: bool
    reason: str | None = None
    message: str | None = None
    qos_class: str | None = None
    pod_hint: Hint | None = None
    container_hints: Mapping[str, Hint] | None = None
    pod_cpus: int | None = None
    containers: tuple[ContainerAssignment, ...] = ()
    default_cpuset: int = 0  # the node's shared pool after this step
    pod_cgroup: CgroupValues | None = None
    pod_resources: PodResourcesView | None = None
    numa_memory: NUMAMemory | None = None  # the memory manager's tables after this step
    extra: Mapping[str, object] = field(default_factory=dict)
    assigned: AssignedViews | None = field(default=None, repr=False, compare=False)
    known_issue: KnownIssue | None = None  # the outcome is a known kubelet defect of the release

    # One is built per admission. The __init__ a frozen dataclass generates sets each field through
    # object.__setattr__ (and would then delete the views left to ``assigned``); this one stores
    # the same values through the slots' own setters, and leaves those views unset (half the time).
    def __init__(
        self,
        pod: str,
        uid: str,
        admitted: bool,
        reason: str | None = None,
        message: str | None = None,
        qos_class: str | None = None,
        pod_hint: Hint | None = None,
        container_hints: Mapping[str, Hint] | None = None,
        pod_cpus: int | None = None,
        containers: tuple[ContainerAssignment, ...] = (),
        default_cpuset: int = 0,
        pod_cgroup: CgroupValues | None = None,
        pod_resources: PodResourcesView | None = None,
        numa_memory: NUMAMemory | None = None,
        extra: Mapping[str, object] = _NEW_DICT,
        assigned: AssignedViews | None = None,
        known_issue: KnownIssue | None = None,
    ) -> None:
        _SET_POD(self, pod)
        _SET_UID(self, uid)
        _SET_ADMITTED(self, admitted)
        _SET_REASON(self, reason)
        _SET_MESSAGE(self, message)
        _SET_QOS_CLASS(self, qos_class)
        _SET_POD_HINT(self, pod_hint)
        _SET_CONTAINER_HINTS(self, container_hints)
        _SET_POD_CPUS(self, pod_cpus)
        _SET_DEFAULT_CPUSET(self, default_cpuset)
        _SET_NUMA_MEMORY(self, numa_memory)
        _SET_EXTRA(self, {} if extra is _NEW_DICT else extra)
        _SET_ASSIGNED(self, assigned)
        _SET_KNOWN_ISSUE(self, known_issue)
        if assigned is None or containers or pod_resources is not None:
            _SET_CONTAINERS(self, containers)
            _SET_POD_CGROUP(self, pod_cgroup)
            _SET_POD_RESOURCES(self, pod_resources)
        # else left unset: __getattr__ builds each view from ``assigned`` on first read

    def __getattr__(self, name: str) -> Any:
        """Reached only for an attribute that is not set: one of the ``assigned`` views."""
        if name not in _ASSIGNED_VIEWS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = getattr(self.assigned, name)
        object.__setattr__(self, name, value)
        return value

    def __getstate__(self) -> list[Any]:
        """Pickled and copied with its views built (and without ``assigned``)."""
        return [None if f.name == "assigned" else getattr(self, f.name) for f in fields(self)]


_SETTERS = {f.name: AdmitResult.__dict__[f.name].__set__ for f in fields(AdmitResult)}
_SET_POD = _SETTERS["pod"]
_SET_UID = _SETTERS["uid"]
_SET_ADMITTED = _SETTERS["admitted"]
_SET_REASON = _SETTERS["reason"]
_SET_MESSAGE = _SETTERS["message"]
_SET_QOS_CLASS = _SETTERS["qos_class"]
_SET_POD_HINT = _SETTERS["pod_hint"]
_SET_CONTAINER_HINTS = _SETTERS["container_hints"]
_SET_POD_CPUS = _SETTERS["pod_cpus"]
_SET_CONTAINERS = _SETTERS["containers"]
_SET_DEFAULT_CPUSET = _SETTERS["default_cpuset"]
_SET_POD_CGROUP = _SETTERS["pod_cgroup"]
_SET_POD_RESOURCES = _SETTERS["pod_resources"]
_SET_NUMA_MEMORY = _SETTERS["numa_memory"]
_SET_EXTRA = _SETTERS["extra"]
_SET_ASSIGNED = _SETTERS["assigned"]
_SET_KNOWN_ISSUE = _SETTERS["known_issue"]


@dataclass(frozen=True, slots=True)
class CgroupWrite:
    """One write of a resize's actuation, in the kubelet's order: ``target`` is ``pod`` or
    ``container:<name>``, ``resource`` the resource being resized (``memory`` / ``cpu``)."""

    target: str
    resource: str
    file: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class ResizeDecision:
    """The kubelet's (or the API server's) answer to one pod's resize.

    ``outcome``: ``Rejected`` (the API server refused the request: the pod is unchanged),
    ``Infeasible``, ``Deferred``, ``InProgress`` (admitted: the allocation is the new spec) or
    ``NoChange`` (the spec equals the allocation). ``stage``: ``api-validation``,
    ``PodResizeValidator`` or ``kubelet``. ``trigger``: what made the kubelet evaluate it
    (``pod_updated``, ``pods_removed``, ``pod_resized``, ``periodic``). ``checks``: each check run,
    in order (:class:`podfit.kubelet.resize.ResizeCheck`). ``allocated``: the pod's allocation after
    the decision, ``{"pod": {requests, limits} | None, "containers": {name: {requests, limits}}}``.
    """

    pod: str
    uid: str
    outcome: str
    stage: str
    reason: str | None
    message: str | None
    generation: int
    trigger: str
    checks: tuple[Any, ...] = ()
    handler_reason: str | None = None
    allocated: Mapping[str, Any] = field(default_factory=dict)
    conditions: tuple[Mapping[str, str], ...] = ()
    events: tuple[str, ...] = ()
    actuation: tuple[CgroupWrite, ...] = ()
    exclusive: Mapping[str, Any] = field(default_factory=dict)  # what the resize does to cpusets
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResizeResult:
    """A ``resize`` event: the pod's own decision and those of the other pending resizes the
    kubelet retried with it (in queue order), the queue after the step."""

    pod: str
    uid: str | None
    found: bool  # False: the pod is not on the node (never admitted, rejected, removed)
    decision: ResizeDecision | None
    retried: tuple[ResizeDecision, ...] = ()
    pending: tuple[str, ...] = ()  # namespace/name of the pods whose resize is still Deferred
    default_cpuset: int = 0
    numa_memory: NUMAMemory | None = None


@dataclass(frozen=True, slots=True)
class RetryResult:
    """A ``retryResizes`` event (the allocation manager's ticker): every pending resize retried."""

    trigger: str
    retried: tuple[ResizeDecision, ...] = ()
    pending: tuple[str, ...] = ()
    default_cpuset: int = 0
    numa_memory: NUMAMemory | None = None


@dataclass(frozen=True, slots=True)
class RemoveResult:
    pod: str
    uid: str | None
    removed: bool  # False when the pod was not on the node (never admitted, or already removed)
    default_cpuset: int = 0
    numa_memory: NUMAMemory | None = None
    resizes: tuple[ResizeDecision, ...] = ()  # pending resizes the kubelet retried (pods_removed)


@dataclass(frozen=True, slots=True)
class StartResult:
    """The containers of an admitted pod started (``started`` False: the pod is not on the node)."""

    pod: str
    uid: str | None
    started: bool
    default_cpuset: int = 0
    numa_memory: NUMAMemory | None = None
