"""A kubelet restart on the same node, possibly as another release or with another configuration.

The old kubelet's managers' state is written as its release writes ``cpu_manager_state`` and
``memory_manager_state`` (format by release and ``PodLevelResourceManagers`` gate); the new kubelet
checks its configuration and builds its managers (their refusals first, as ``NewContainerManager``
runs before ``Start``), reads the files as its release reads them (accept, migrate, or refuse with
the kubelet's words), validates the restored state, releases the state of containers no running
pod has, then admits the running pods again in the order the kubelet does — ``HandlePodAdditions``
sorts them by creation time, which in a scenario is the order they were admitted. Each pod keeps
its CPUs and memory, moves, or is rejected; the release decides (1.36's pod-level re-admission
defects and their 1.37 fixes: :mod:`podfit.release.checkpoint_formats`).

Mirrors: kubelet.go HandlePodAdditions, cm/container_manager_linux.go NewContainerManager / Start,
the managers' NewCheckpointState and removeStaleState.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from podfit.api.kubelet_config import kubelet_config_for_release
from podfit.api.kubelet_config_validation import validate_kubelet_config
from podfit.checkpoint.cpu import CPU_CHECKPOINT_FILE, encode_cpu_format, restore_cpu_checkpoint
from podfit.checkpoint.memory import MEMORY_CHECKPOINT_FILE, encode_memory_format, restore_memory_checkpoint
from podfit.errors import CheckpointError
from podfit.kubelet.known_issues import known_issue_for
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.result import AdmitResult, ContainerAssignment, NUMAMemory
from podfit.kubelet.startup import startup_refusal
from podfit.model.admission import REFUSAL_CPU_MANAGER, REFUSAL_MEMORY_MANAGER, ConfigRefusal
from podfit.model.cpuset import format_cpuset
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Pod
from podfit.model.units import format_bytes
from podfit.release.checkpoint_formats import checkpoint_formats
from podfit.release.profile import release_profile

__all__ = [
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
    "remove_stale_state",
    "restart_node",
    "restored_from_files",
]

PLRM: Final = "PodLevelResourceManagers"
KEPT: Final = "kept"
MOVED: Final = "moved"
REJECTED: Final = "rejected"
STATE_DIR: Final = "/var/lib/kubelet"


@dataclass(frozen=True, slots=True)
class FileRead:
    """One checkpoint file across the restart: the version the old kubelet wrote (``None``: a real
    file), the version the new one read (``None``: refused or absent) and its refusal text."""

    file: str  # cpu_manager_state | memory_manager_state
    written_as: str | None
    read_as: str | None
    status: str  # ok | refused | absent
    message: str = ""


@dataclass(frozen=True, slots=True)
class PodHeld:
    """What the managers' state holds for a pod: every container's assignment, the pod CPU set."""

    containers: tuple[ContainerAssignment, ...]
    pod_cpus: int | None


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


# ----- the files ---------------------------------------------------------------------------------------
def restored_from_files(
    cpu: bytes | None,
    memory: bytes | None,
    config: KubeletConfig,
    version: str,
    *,
    directory: str = STATE_DIR,
    written: tuple[str | None, str | None] = (None, None),
) -> tuple[RestoredState | ConfigRefusal, tuple[FileRead, ...]]:
    """Both files (``None``: absent, a fresh start) as a kubelet of ``version`` with ``config``
    reads them in ``Start`` (CPU manager first): the restored state or the first refusal.

    Mirrors: cm/container_manager_linux.go Start (cpuManager.Start, then memoryManager.Start)
    """
    gate = config.feature_gates.enabled(PLRM)
    reads: list[FileRead] = []
    cpu_state = memory_state = None
    if cpu is None:
        reads.append(FileRead(CPU_CHECKPOINT_FILE, written[0], None, "absent"))
    else:
        try:
            got = restore_cpu_checkpoint(
                cpu,
                policy_name=config.cpu_manager_policy,
                pod_level_gate=gate,
                version=version,
                path=f"{directory}/{CPU_CHECKPOINT_FILE}",
            )
        except CheckpointError as exc:
            reads.append(FileRead(CPU_CHECKPOINT_FILE, written[0], None, "refused", exc.message))
            return ConfigRefusal(REFUSAL_CPU_MANAGER, exc.message), tuple(reads)
        cpu_state = got.state
        reads.append(FileRead(CPU_CHECKPOINT_FILE, written[0], got.read_as, "ok"))
    if memory is None:
        reads.append(FileRead(MEMORY_CHECKPOINT_FILE, written[1], None, "absent"))
    else:
        try:
            mem = restore_memory_checkpoint(
                memory,
                policy_name=config.memory_manager_policy,
                pod_level_gate=gate,
                version=version,
                path=f"{directory}/{MEMORY_CHECKPOINT_FILE}",
            )
        except CheckpointError as exc:
            reads.append(FileRead(MEMORY_CHECKPOINT_FILE, written[1], None, "refused", exc.message))
            return ConfigRefusal(REFUSAL_MEMORY_MANAGER, exc.message), tuple(reads)
        memory_state = mem.state
        reads.append(FileRead(MEMORY_CHECKPOINT_FILE, written[1], mem.read_as, "ok"))
    return RestoredState(cpu=cpu_state, memory=memory_state), tuple(reads)


def written_files(node: Node, version: str) -> tuple[bytes, bytes, str, str]:
    """The two files the kubelet of ``node`` (release ``version``) has written for its state, and
    their versions.

    Mirrors: cpumanager/memorymanager state_checkpoint.go storeState
    """
    formats = checkpoint_formats(version)
    gate = node.config.feature_gates.enabled(PLRM) and formats.plrm_gate
    cpu_fmt = formats.cpu_write_plrm if gate else formats.cpu_write
    memory_fmt = formats.memory_write_plrm if gate else formats.memory_write
    cpu, memory = node.managers.cpu, node.managers.memory
    return (
        encode_cpu_format(cpu.state, cpu.cpu_policy.name(), cpu_fmt),
        encode_memory_format(memory.state, memory.memory_policy.name(), memory_fmt),
        cpu_fmt,
        memory_fmt,
    )


# ----- stale state ------------------------------------------------------------------------------------
def remove_stale_state(node: Node, active: Sequence[Pod]) -> list[str]:
    """Release the state of every (pod, container) no active pod has, as the managers do before
    an allocation once the pod sources are ready; one line per released container.

    Mirrors: cpumanager/cpu_manager.go and memorymanager/memory_manager.go removeStaleState
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
    return out


# ----- the pods -----------------------------------------------------------------------------------------
def _numa(c: ContainerAssignment) -> tuple[int, ...]:
    return c.memory.numa_affinity if c.memory is not None else ()


def _changes(before: PodHeld, after: PodHeld) -> tuple[str, ...]:
    """One line for the pod set and one per container that changed (CPUs, memory NUMA nodes,
    assignment type): ``database: node_shared node shared pool NUMA - -> pod_exclusive 1-3 NUMA 0``."""
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
    return tuple(out)


def _held_text(c: ContainerAssignment) -> str:
    return f"{c.assignment} {_cpus(c.cpus)} NUMA {_nodes(_numa(c))}"


def _cpus(m: int | None) -> str:
    return "shared pool" if m is None else format_cpuset(m) or "(none)"


def _nodes(numa: tuple[int, ...]) -> str:
    return ",".join(map(str, numa)) or "-"


def held_by(node: Node, pod: Pod) -> PodHeld:
    """What ``node``'s managers hold for ``pod`` now."""
    containers, pod_cpus = node.held(pod)
    return PodHeld(containers, pod_cpus)


def holds_state(node: Node, uid: str) -> bool:
    """Whether the managers' state has any entry of the pod ``uid`` (restored from a checkpoint)."""
    cpu, memory = node.managers.cpu.state, node.managers.memory.state
    return bool(
        cpu.container_cpu_sets(uid)
        or cpu.get_pod_cpu_set(uid) is not None
        or memory.get_memory_assignments().get(uid)
        or memory.get_pod_memory_blocks(uid) is not None
    )


def pod_restart(pod: Pod, before: PodHeld, step: AdmitResult) -> PodRestart:
    """A running pod's fate: its re-admission ``step`` against what it held ``before``."""
    if not step.admitted:
        return PodRestart(pod.key, pod.uid, REJECTED, before, None, step)
    after = PodHeld(step.containers, step.pod_cpus)
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
    changed = config_for_version(new_config, old_version) != node.config

    def refused(refusal: ConfigRefusal, files: tuple[FileRead, ...] = ()) -> tuple[RestartResult, None]:
        return RestartResult(old_version, new_version, changed, files, refusal), None

    refusal = validate_kubelet_config(new_config)
    if refusal is None:
        refusal = startup_refusal(new_config, node.machine)
    if refusal is not None:
        return refused(refusal)
    restored, files = restored_from_files(
        cpu_bytes, memory_bytes, new_config, new_version, written=(cpu_fmt, memory_fmt)
    )
    if isinstance(restored, ConfigRefusal):
        return refused(restored, files)
    started = start_node(node.machine, new_config, restored, node_os=node.node_os)
    if isinstance(started, ConfigRefusal):
        return refused(started, files)
    released = remove_stale_state(started, running)
    pods = []
    for pod in running:
        step = replace(started.admit(pod), numa_memory=started.memory_tables())
        pods.append(
            pod_restart(
                pod, before[pod.uid], readmission_issue(new_version, new_config, pod, step, before[pod.uid])
            )
        )
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
