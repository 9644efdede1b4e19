"""``inspect``: the node as it is, from a bundle — the managers' state restored as the kubelet
restores it, each pod's assignments, the CPU map (as ``simulate`` draws it), and the drift findings.

Pods are named from the pod list (UID -> namespace/name); a pod of the checkpoint the pod list does
not have is shown by UID. With the pod list and a configuration the kubelet accepts, a pod's
assignments are podfit's own (``pod_assignments`` on the restored state: assignment types, memory,
cgroup values); otherwise they are read off the checkpoint alone (an entry shared by several
containers of a pod with a budget is its pod shared pool, any other entry an exclusive slice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from podfit.errors import InputError
from podfit.kubelet.assignments import pod_assignments
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.result import (
    NODE_EXCLUSIVE,
    POD_EXCLUSIVE,
    POD_SHARED,
    AdmitResult,
    ContainerAssignment,
    MemoryAssignment,
)
from podfit.kubelet.simulation import SimulationResult
from podfit.kubelet.startup import kubelet_refusal
from podfit.live import drift
from podfit.live.bundle import read_bundle
from podfit.live.bundle_devices import bundle_devices
from podfit.live.drift_devices import device_findings
from podfit.live.inspect_load import Loaded, load

# podfit internals (kept together: podfit.kubelet is becoming podfit.kubelet, decoding podfit.api)
from podfit.memory.state import Block, MemoryState
from podfit.model.admission import ConfigRefusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.pod import Pod
from podfit.model.qos import compute_pod_qos, is_pod_level_resources_set, qos_gates
from podfit.release.profile import DEFAULT_RELEASE
from podfit.topology.scope import POD_SCOPE, scope_for

__all__ = ["Inspection", "inspect_bundle", "inspect_loaded"]


@dataclass
class Inspection:
    loaded: Loaded
    node: Node | None  # the restored node (None: no machine / configuration, or refused)
    refusal: ConfigRefusal | None  # the kubelet would not come back on this state
    result: SimulationResult | None  # one admitted step per pod: the table and the CPU map
    findings: list[drift.Finding] = field(default_factory=list)
    steps: tuple[AdmitResult, ...] = ()  # the pods (also without a machine)

    @property
    def notes(self) -> list[str]:
        return self.loaded.notes

    @property
    def usable(self) -> bool:
        devices = self.loaded.devices
        return bool(
            self.loaded.cpu_state is not None
            or self.loaded.memory_state is not None
            or self.loaded.listed
            or (devices is not None and devices.checkpoint is not None and devices.checkpoint.entries)
        )


def _restore(loaded: Loaded) -> tuple[Node | None, ConfigRefusal | None]:
    """The kubelet's restart on the captured state: its refusal, or the node."""
    machine, config = loaded.machine, loaded.config
    if machine is None or config is None:
        return None, None
    refusal = kubelet_refusal(config, machine)
    if refusal is not None:
        return None, refusal
    refused = [c for c in loaded.checks if c.status == "refused"]
    if refused:
        reason = "CPUManagerError" if "cpu_manager" in refused[0].name else "MemoryManagerError"
        return None, ConfigRefusal(reason, refused[0].detail)
    from podfit.live.inspect_load import read_checkpoints

    # fresh state objects: the managers' Start may change what it validates
    _, cpu, memory = read_checkpoints(loaded.bundle, config, config.release.version)
    devices = bundle_devices(loaded, config.release.version, [])  # its file's check is in loaded.checks
    node = start_node(machine, config, RestoredState(cpu=cpu, memory=memory, devices=devices))
    if isinstance(node, ConfigRefusal):
        return None, node
    return node, None


def _pod_level(config: KubeletConfig, node: Node, pod: Pod) -> bool:
    gates = config.feature_gates
    scope = scope_for(config.topology_manager_scope, node.managers.topology_policy)
    return (
        gates.enabled("PodLevelResources")
        and gates.enabled("PodLevelResourceManagers")
        and is_pod_level_resources_set(pod)
        and scope == POD_SCOPE
    )


def _memory(blocks: tuple[Block, ...] | None) -> MemoryAssignment | None:
    if not blocks:
        return None
    sizes: dict[str, int] = {}
    for b in blocks:
        sizes[b.type] = sizes.get(b.type, 0) + b.size
    return MemoryAssignment(tuple(sorted({n for b in blocks for n in b.numa_affinity})), sizes)


def _raw_containers(
    cpus: Mapping[str, int], memory: MemoryState | None, uid: str, has_budget: bool, pod: Pod | None
) -> tuple[ContainerAssignment, ...]:
    """Assignments read off the checkpoints alone."""
    names = list(cpus)
    if memory is not None:
        names += [n for n in memory.get_memory_assignments().get(uid, {}) if n not in cpus]
    kinds = {c.name: c.kind for c in pod.all_containers()} if pod is not None else {}
    out = []
    for name in names:
        mask = cpus.get(name)
        if mask is None:
            kind = "node_shared"
        elif has_budget:
            shared = sum(1 for m in cpus.values() if m == mask) > 1
            kind = POD_SHARED if shared else POD_EXCLUSIVE
        else:
            kind = NODE_EXCLUSIVE
        blocks = memory.get_memory_blocks(uid, name) if memory is not None else None
        out.append(ContainerAssignment(name, kinds.get(name, "app"), mask, kind, _memory(blocks)))
    return tuple(out)


def _steps(loaded: Loaded, node: Node | None) -> tuple[AdmitResult, ...]:
    cpu, memory = loaded.cpu_state, loaded.memory_state
    if node is not None:
        cpu, memory = node.managers.cpu.state, node.managers.memory.state
    entries = cpu.get_cpu_assignments() if cpu is not None else {}
    pod_entries = cpu.get_pod_cpu_assignments() if cpu is not None else {}
    uids = list(dict.fromkeys([*entries, *pod_entries, *(memory.get_memory_assignments() if memory else {})]))
    by_uid = {p.pod.uid: p for p in loaded.pods or []}
    default = cpu.get_default_cpu_set() if cpu is not None else 0
    config = loaded.config
    guessed: dict[str, str] = {}
    if cpu is not None and loaded.listed:
        cp = drift.CPUCheckpoint(default, entries, pod_entries)
        guessed = drift.match_uids(cp, loaded.listed)
    steps = []
    # pods of the pod list first (in its order), then the checkpoint's unknown UIDs
    ordered = [u for u in by_uid if u in uids] + [u for u in uids if u not in by_uid]
    for uid in ordered:
        live = by_uid.get(uid)
        pod = live.pod if live is not None else None
        budget = pod_entries.get(uid)
        qos = None
        if node is not None and pod is not None and config is not None:
            assigned = pod_assignments(node.managers, node.config, pod, _pod_level(config, node, pod))
            containers = assigned.containers
            qos = compute_pod_qos(pod, qos_gates(config.feature_gates))
        else:
            containers = _raw_containers(entries.get(uid, {}), memory, uid, budget is not None, pod)
        if pod is not None:
            key = pod.key
        elif uid in guessed:
            key = f"{guessed[uid]} (uid {uid}, named by PodResources)"
        else:
            key = f"uid/{uid}"
        steps.append(
            AdmitResult(
                key,
                uid,
                True,
                qos_class=qos or "QoS unknown",
                pod_cpus=budget,
                containers=containers,
                default_cpuset=default,
            )
        )
    return tuple(steps)


def _pod_infos(loaded: Loaded, node: Node | None) -> dict[str, drift.PodInfo] | None:
    if loaded.pods is None:
        return None
    policy = node.managers.cpu_policy if node is not None else None
    out = {}
    for live in loaded.pods:
        pod = live.pod
        exclusive = frozenset(
            c.name
            for c in pod.all_containers()
            if policy is not None
            and hasattr(policy, "guaranteed_cpus")
            and policy.guaranteed_cpus(pod, c) > 0
        )
        out[pod.uid] = drift.PodInfo(
            pod.uid,
            pod.key,
            tuple(c.name for c in pod.all_containers()),
            tuple(c.name for c in pod.init_containers if c.is_restartable_init)
            + tuple(c.name for c in pod.containers),
            exclusive,
            live.active,
            frozenset(c.name for c in pod.init_containers if not c.is_restartable_init),
        )
    return out


def _findings(loaded: Loaded, node: Node | None, machine: Machine | None) -> list[drift.Finding]:
    infos = _pod_infos(loaded, node)
    out: list[drift.Finding] = []
    cp = None
    cpu = loaded.cpu_state
    if cpu is not None:
        cp = drift.CPUCheckpoint(
            cpu.get_default_cpu_set(), cpu.get_cpu_assignments(), cpu.get_pod_cpu_assignments()
        )
        if cp.entries or cp.pod_entries or cp.default:  # the static policy's state (none keeps none)
            all_cpus = machine.all_cpus if machine is not None else 0
            reserved = node.reserved_cpus if node is not None else 0
            names = drift.match_uids(cp, loaded.listed) if loaded.listed else {}
            out += drift.cpu_findings(all_cpus, reserved, cp, infos, names)
    memory = loaded.memory_state
    if memory is not None:
        mem = drift.MemoryCheckpoint(
            {
                u: {c: tuple((b.type, b.size, tuple(b.numa_affinity)) for b in bs) for c, bs in cs.items()}
                for u, cs in memory.get_memory_assignments().items()
            },
            {
                u: tuple((b.type, b.size, tuple(b.numa_affinity)) for b in bs)
                for u, bs in memory.get_pod_memory_assignments().items()
            },
        )
        out += drift.memory_findings(mem, infos)
    if loaded.listed is not None:
        out += drift.podresources_findings(cp, loaded.listed, infos)
    devices = loaded.devices.checkpoint if loaded.devices is not None else None
    if devices is not None:
        out += device_findings(devices.entries, infos, loaded.listed)
    return out


def inspect_loaded(loaded: Loaded) -> Inspection:
    node, refusal = _restore(loaded)
    machine = loaded.machine
    result = None
    steps = _steps(loaded, node)
    if machine is not None:
        cpu = node.managers.cpu.state if node is not None else loaded.cpu_state
        default = cpu.get_default_cpu_set() if cpu is not None else machine.all_cpus
        result = SimulationResult(
            f"inspect {loaded.bundle.source}",
            loaded.node_name or "(unnamed node)",
            machine,
            node.reserved_cpus if node is not None else 0,
            default,
            None,
            steps,
            initial_numa_memory=node.memory_tables() if node is not None else None,
            node=node,
        )
    return Inspection(loaded, node, refusal, result, _findings(loaded, node, machine), steps)


def inspect_bundle(
    path: Path,
    *,
    machine: Machine | None = None,
    config: KubeletConfig | None = None,
    pods: bytes | None = None,
    version: str = DEFAULT_RELEASE,
) -> Inspection:
    """Inspect the bundle or directory at ``path`` (``machine``, ``config``, ``pods`` — a pod list
    file's bytes — replace the bundle's) as the kubelet of release ``version`` reads it (the bundle
    does not say which release wrote it). ``InputError`` (exit 2) when nothing usable is left: no
    checkpoint the kubelet could read and no PodResources answer."""
    bundle = read_bundle(path)
    if pods is not None:
        bundle.files["pods.json"] = pods
    inspection = inspect_loaded(load(bundle, machine=machine, config=config, version=version))
    if not inspection.usable:
        refused = [f"{c.name}: {c.detail}" for c in inspection.loaded.checks if c.status == "refused"]
        why = "; ".join(refused) or (
            "no cpu_manager_state, memory_manager_state, device allocation or PodResources answer"
        )
        raise InputError("", f"nothing usable: {why}", str(path))
    return inspection
