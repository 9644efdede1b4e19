"""A kubelet restart on the same node, possibly as another release or with another configuration.

The old kubelet's managers' state is written as its release writes ``cpu_manager_state`` and
``memory_manager_state`` (format by release and ``PodLevelResourceManagers`` gate) and, with device
plugins, the device manager's ``kubelet_internal_checkpoint`` (:mod:`podfit.kubelet.restart_files`);
the new kubelet
checks its configuration and builds its managers (their refusals first, as ``NewContainerManager``
runs before ``Start``), reads the files as its release reads them (accept, migrate, or refuse with
the kubelet's words), validates the restored state, releases the state of containers no running
pod has, then admits the running pods again in the order the kubelet does — ``HandlePodAdditions``
sorts them by creation time, which in a scenario is the order they were admitted. Each pod keeps
its CPUs, memory and devices, moves, or is rejected; the release decides (1.36's pod-level
re-admission defects and their 1.37 fixes: :mod:`podfit.release.checkpoint_formats`). The
re-admissions come before the pod sources are ready, so the device manager leaves a container that
was running at the kubelet's start alone (``devicesToAllocate``): the containers of a pod that had
a ``start`` event run (app containers and sidecars; a regular init container has finished).

Mirrors: kubelet.go HandlePodAdditions and syncLoopIteration (a source is marked seen after its
first pods are handled), cm/container_manager_linux.go NewContainerManager / Start, the managers'
NewCheckpointState and removeStaleState, devicemanager UpdateAllocatedDevices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from podfit.api.kubelet_config import kubelet_config_for_release
from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.kubelet.known_issues import known_issue_for
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.restart_files import (
    DEVICE_FILE,
    FileRead,
    restored_from_files,
    written_device_file,
    written_files,
)
from podfit.kubelet.result import AdmitResult, ContainerAssignment, NUMAMemory
from podfit.kubelet.startup import startup_refusal
from podfit.model.admission import ConfigRefusal
from podfit.model.cpuset import format_cpuset
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Pod
from podfit.model.units import format_bytes
from podfit.release.profile import release_profile

__all__ = [
    "DEVICE_FILE",
    "KEPT",
    "MOVED",
    "PLRM",
    "REJECTED",
    "FileRead",
    "PodHeld",
    "PodRestart",
    "RestartResult",
    "config_for_version",
    "held_by",
    "holds_state",
    "pod_restart",
    "readmission_phase",
    "remove_stale_state",
    "restart_node",
    "restored_from_files",
    "running_containers",
    "written_files",
]

PLRM: Final = "PodLevelResourceManagers"
KEPT: Final = "kept"
MOVED: Final = "moved"
REJECTED: Final = "rejected"


@dataclass(frozen=True, slots=True)
class PodHeld:
    """What the managers' state holds for a pod: every container's assignment, the pod CPU set,
    and the devices of each container that holds or asks for some (name, sorted device keys)."""

    containers: tuple[ContainerAssignment, ...]
    pod_cpus: int | None
    devices: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class PodRestart:
    """One running pod through the restart: ``kept`` (same CPUs, NUMA nodes and assignment
    types), ``moved`` (admitted again with something else) or ``rejected`` (reason, message)."""

    pod: str
    uid: str
    outcome: str
    before: PodHeld
    after: PodHeld | None  # None when rejected
    step: AdmitResult  # the re-admission
    changes: tuple[str, ...] = ()  # what moved, one line per container / the pod set


@dataclass(frozen=True)
class RestartResult:
    """A ``restart`` step. ``refusal`` set: the new kubelet does not start (the scenario ends)."""

    from_version: str
    to_version: str
    config_changed: bool
    files: tuple[FileRead, ...]
    refusal: ConfigRefusal | None
    released: tuple[str, ...] = ()
    pods: tuple[PodRestart, ...] = ()
    default_cpuset: int = 0
    numa_memory: NUMAMemory | None = field(default=None, compare=False)


# ----- releases and gates ---------------------------------------------------------------------------
def config_for_version(config: KubeletConfig, version: str) -> KubeletConfig:
    """``config`` as the kubelet of release ``version`` reads it (its gates; a gate it does not
    know is its start-up refusal, from configuration validation)."""
    profile = release_profile(version)
    if profile is None:
        raise ValueError(f"unknown kubelet release {version!r}")
    return kubelet_config_for_release(config, profile)


# ----- stale state ------------------------------------------------------------------------------------
def remove_stale_state(node: Node, active: Sequence[Pod]) -> list[str]:
    """Release the state of every (pod, container) no active pod has, as the managers do before
    an allocation once the pod sources are ready (the device manager: of every pod no active pod
    has); one line per released container.

    Mirrors: cpumanager/cpu_manager.go and memorymanager/memory_manager.go removeStaleState,
    devicemanager/manager.go UpdateAllocatedDevices
    """
    live = {p.uid: {c.name for c in p.all_containers()} for p in active}
    cpu, memory = node.managers.cpu, node.managers.memory
    out = []
    for uid, containers in sorted(cpu.state.get_cpu_assignments().items()):
        for name, cpus in sorted(containers.items()):
            if name not in live.get(uid, set()):
                cpu.policy.remove_container(cpu.state, uid, name)
                out.append(
                    f"pod {uid} container {name!r}: CPUs {format_cpuset(cpus)} back to the shared pool"
                )
    for uid, held in sorted(memory.state.get_memory_assignments().items()):
        for name, blocks in sorted(held.items()):
            if name not in live.get(uid, set()):
                memory.policy.remove_container(memory.state, uid, name)
                size = sum(b.size for b in blocks)
                out.append(f"pod {uid} container {name!r}: {format_bytes(size)} of pinned memory released")
    devices = node.managers.devices
    for uid, by_container in sorted(devices.state.assigned.items()):
        if uid in live:  # the device manager forgets whole pods only (UpdateAllocatedDevices)
            continue
        for name, keys in sorted(by_container.items()):
            ids = ", ".join(devices.kubelet_id(k) for k in sorted(keys)) or "(none)"
            out.append(f"pod {uid} container {name!r}: devices {ids} released")
        devices.remove_pod(uid)
    return out


# ----- the pods -----------------------------------------------------------------------------------------
def _numa(c: ContainerAssignment) -> tuple[int, ...]:
    return c.memory.numa_affinity if c.memory is not None else ()


def _devices_text(keys: tuple[str, ...]) -> str:
    return ", ".join(keys) or "none"


def _device_changes(before: PodHeld, after: PodHeld) -> list[str]:
    old, new = dict(before.devices), dict(after.devices)
    return [
        f"{name}: devices {_devices_text(old.get(name, ()))} -> {_devices_text(new.get(name, ()))}"
        for name in sorted({*old, *new})
        if old.get(name, ()) != new.get(name, ())
    ]


def _changes(before: PodHeld, after: PodHeld) -> tuple[str, ...]:
    """One line for the pod set and one per container that changed (CPUs, memory NUMA nodes,
    assignment type; devices): ``database: node_shared node shared pool NUMA - -> pod_exclusive
    1-3 NUMA 0``, ``trainer: devices nvidia.com/gpu#000#00000 -> none``."""
    out: list[str] = []
    if before.pod_cpus != after.pod_cpus:
        old_set, new_set = before.pod_cpus, after.pod_cpus
        old_text = _cpus(old_set) if old_set else "none"
        out.append(f"pod CPUs {old_text} -> {_cpus(new_set) if new_set else 'none'}")
    old = {c.name: c for c in before.containers}
    for c in after.containers:
        b = old.get(c.name)
        if b is not None and (b.cpus, _numa(b), b.assignment) != (c.cpus, _numa(c), c.assignment):
            out.append(f"{c.name}: {_held_text(b)} -> {_held_text(c)}")
    return (*out, *_device_changes(before, after))


def _held_text(c: ContainerAssignment) -> str:
    return f"{c.assignment} {_cpus(c.cpus)} NUMA {_nodes(_numa(c))}"


def _cpus(m: int | None) -> str:
    return "shared pool" if m is None else format_cpuset(m) or "(none)"


def _nodes(numa: tuple[int, ...]) -> str:
    return ",".join(map(str, numa)) or "-"


def _held_devices(node: Node, pod: Pod) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The devices of each container that holds some or asks for some (then possibly none)."""
    dm = node.managers.devices
    held = node.managers.pod_devices(pod.uid) or {}
    out = []
    for c in pod.all_containers():
        keys = held.get(c.name, frozenset())
        if keys or any(dm.container_requests(c).values()):
            out.append((c.name, tuple(sorted(keys))))
    return tuple(out)


def held_by(node: Node, pod: Pod) -> PodHeld:
    """What ``node``'s managers hold for ``pod`` now."""
    containers, pod_cpus = node.held(pod)
    return PodHeld(containers, pod_cpus, _held_devices(node, pod))


def holds_state(node: Node, uid: str) -> bool:
    """Whether the managers' state has any entry of the pod ``uid`` (restored from a checkpoint)."""
    cpu, memory = node.managers.cpu.state, node.managers.memory.state
    return bool(
        cpu.container_cpu_sets(uid)
        or cpu.get_pod_cpu_set(uid) is not None
        or memory.get_memory_assignments().get(uid)
        or memory.get_pod_memory_blocks(uid) is not None
        or node.managers.pod_devices(uid)
    )


def running_containers(pod: Pod) -> frozenset[tuple[str, str]]:
    """The containers of a started pod the runtime reports running: its sidecars and app containers
    (a regular init container has run to completion)."""
    names = [c.name for c in pod.all_containers() if c.kind != "init"]
    return frozenset((pod.uid, name) for name in names)


def readmission_phase(node: Node, readmitting: bool) -> None:
    """Enter (or leave) the re-admission of the pods a restarted kubelet finds: its pod sources are
    not all ready until the first pods of each are handled.

    Mirrors: kubelet.go syncLoopIteration (sourcesReady.AddSource after HandlePodAdditions)
    """
    node.managers.devices.sources_ready = not readmitting


def pod_restart(pod: Pod, before: PodHeld, step: AdmitResult, node: Node | None = None) -> PodRestart:
    """A running pod's fate: its re-admission ``step`` against what it held ``before`` (``node``:
    the restarted node, for the devices the pod holds after it)."""
    if not step.admitted:
        return PodRestart(pod.key, pod.uid, REJECTED, before, None, step)
    devices = _held_devices(node, pod) if node is not None else ()
    after = PodHeld(step.containers, step.pod_cpus, devices)
    changes = _changes(before, after)
    return PodRestart(pod.key, pod.uid, MOVED if changes else KEPT, before, after, step, changes)


def readmission_issue(
    release: str, config: KubeletConfig, pod: Pod, step: AdmitResult, before: PodHeld
) -> AdmitResult:
    """The re-admission ``step`` labelled with the known kubelet defect of ``release`` behind its
    outcome, if any (:func:`podfit.kubelet.known_issues.known_issue_for`)."""
    moved = step.admitted and before.pod_cpus is not None and step.pod_cpus != before.pod_cpus
    issue = known_issue_for(
        release,
        config,
        pod,
        None if step.admitted else step.reason,
        step.message,
        readmission=True,
        moved=moved,
    )
    return step if issue is None else replace(step, known_issue=issue)


# ----- the restart -------------------------------------------------------------------------------------
def restart_node(
    node: Node, old_version: str, config: KubeletConfig | None = None, version: str | None = None
) -> tuple[RestartResult, Node | None]:
    """Restart the kubelet of ``node`` (release ``old_version``) as release ``version`` with
    ``config`` (each ``None``: unchanged): the step's result and the new node (``None`` when the
    new kubelet refuses to start).
    """
    new_version = version or old_version
    new_config = config_for_version(config or node.config, new_version)
    running = node.pods  # in admission order: the kubelet sorts by creation time
    before = {p.uid: held_by(node, p) for p in running}
    cpu_bytes, memory_bytes, cpu_fmt, memory_fmt = written_files(node, old_version)
    device_file = written_device_file(node, old_version)
    changed = config_for_version(new_config, old_version) != node.config

    def refused(refusal: ConfigRefusal, files: tuple[FileRead, ...] = ()) -> tuple[RestartResult, None]:
        return RestartResult(old_version, new_version, changed, files, refusal), None

    refusal = validate_kubelet_config(new_config)
    if refusal is None:
        refusal = startup_refusal(new_config, node.machine)
    if refusal is not None:
        return refused(refusal)
    restored, files = restored_from_files(
        cpu_bytes,
        memory_bytes,
        new_config,
        new_version,
        written=(cpu_fmt, memory_fmt),
        devices=device_file[0] if device_file is not None else None,
        devices_written=device_file[1] if device_file is not None else None,
    )
    if isinstance(restored, ConfigRefusal):
        return refused(restored, files)
    started_pods = [p for p in running if p.uid in node.started]
    restored = replace(restored, running=frozenset().union(*(running_containers(p) for p in started_pods)))
    started = start_node(node.machine, new_config, restored, node_os=node.node_os)
    if isinstance(started, ConfigRefusal):
        return refused(started, files)
    released = remove_stale_state(started, running)
    pods = []
    readmission_phase(started, True)
    for pod in running:
        step = replace(started.admit(pod), numa_memory=started.memory_tables())
        if step.admitted and pod.uid in node.started:
            started.started.add(pod.uid)  # its containers go on running
        issue = readmission_issue(new_version, new_config, pod, step, before[pod.uid])
        pods.append(pod_restart(pod, before[pod.uid], issue, started))
    readmission_phase(started, False)
    result = RestartResult(
        old_version,
        new_version,
        changed,
        files,
        None,
        tuple(released),
        tuple(pods),
        started.default_cpuset,
        started.memory_tables(),
    )
    return result, started
