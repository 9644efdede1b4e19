"""Questions against a captured node: would a pod be admitted now (``--add``), and would the
kubelet come back on this state with this configuration (``--restart``).

Both are answered as a kubelet (re)start on the captured checkpoints: the managers restore and
validate the state; with the pod list, the state of containers no active pod has is released (the
managers' stale-state cleanup, which runs before any allocation); the running pods are admitted
again in creation order (a container already in the state keeps its CPUs and memory); then the new
pods arrive. For ``--add`` on a running kubelet this is the same state the next admission sees.

The device manager restores the bundle's ``kubelet_internal_checkpoint`` (:mod:`podfit.live.bundle_devices`):
a running pod's containers keep their devices, a new pod gets the free ones.

Mirrors: kubelet.go HandlePodAdditions (pods sorted by creation time), the managers'
removeStaleState and ``Allocate`` of an already-assigned container (v1.36), devicemanager
readCheckpoint / devicesToAllocate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from podfit.errors import InputError

# podfit internals (kept together: podfit.kubelet is becoming podfit.kubelet)
from podfit.explain.api import traced_merges
from podfit.explain.shortfall import shortfall
from podfit.explain.tracing import trace_admission
from podfit.explain.values import Explanation
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import Node, start_node
from podfit.kubelet.restart import config_for_version, readmission_phase, remove_stale_state
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.simulation import SimulationResult
from podfit.kubelet.startup import kubelet_refusal
from podfit.live.bundle_devices import bundle_devices, bundle_running
from podfit.live.inspect_load import Loaded, read_checkpoints
from podfit.model.admission import ConfigRefusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Pod
from podfit.model.scenario import AddPod, Scenario
from podfit.topology.scope import scope_for

__all__ = ["Answer", "ask", "remove_stale_state", "running_pods"]

PLRM = "PodLevelResourceManagers"
_SINCE_136 = ("PodLevelResourceManagers",)


@dataclass
class Answer:
    """What the restart does: its refusal, or each running pod's fate and each new pod's admission."""

    refusal: ConfigRefusal | None
    result: SimulationResult | None
    running: list[tuple[str, str]] = field(default_factory=list)  # pod, what happens to it
    released: list[str] = field(default_factory=list)  # stale state the managers release first
    added: list[AdmitResult] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def running_pods(loaded: Loaded) -> list[Pod]:
    """The node's active pods, oldest first (the kubelet re-admits them in creation order)."""
    live = [p for p in loaded.pods or [] if p.active]
    return [p.pod for p in sorted(live, key=lambda p: p.created)]


def _fate(before: dict[str, int], step: AdmitResult) -> str:
    if not step.admitted:
        return f"rejected at restart: {step.reason}: {step.message}"
    moved = []
    for c in step.containers:
        old = before.get(c.name)
        if old is not None and c.cpus is not None and c.cpus != old:
            moved.append(c.name)
    from podfit.model.cpuset import format_cpuset

    if moved:
        return "admitted again, CPUs changed for " + ", ".join(moved)
    held = ", ".join(f"{c.name} {format_cpuset(c.cpus)}" for c in step.containers if c.cpus is not None)
    return "admitted again, keeps its assignments" + (f" ({held})" if held else "")


def _device_fate(before: dict[str, frozenset[str]], after: dict[str, frozenset[str]]) -> str:
    """``; devices: ...`` when the pod held or holds devices: kept, or what changed."""
    if not before and not after:
        return ""
    changed = [
        f"{name} {', '.join(sorted(before.get(name, ()))) or 'none'} -> "
        f"{', '.join(sorted(after.get(name, ()))) or 'none'}"
        for name in sorted({*before, *after})
        if before.get(name, frozenset()) != after.get(name, frozenset())
    ]
    return "; devices changed: " + "; ".join(changed) if changed else "; keeps its devices"


def _explain(node: Node, pod: Pod, scenario: Scenario, index: int) -> Explanation:
    """``podfit explain`` on the restarted node (without suggestions: they re-run a scenario from an
    empty node)."""
    result, log = trace_admission(node, pod)
    merges, notes = traced_merges(node, log)
    config = scenario.kubelet_config

    def name(policy: object) -> str:
        got = getattr(policy, "name", None)
        return got() if callable(got) else "none"

    return Explanation(
        scenario=scenario.name,
        pod=pod.key,
        event_index=index,
        topology_policy=config.topology_manager_policy,
        topology_scope=scope_for(config.topology_manager_scope, node.managers.topology_policy),
        cpu_policy=name(node.managers.cpu_policy),
        memory_policy=name(node.managers.memory_policy),
        result=result,
        merges=merges,
        cpu_takes=tuple(log.cpu_takes),
        memory_choices=tuple(log.memory_choices),
        shortfall=shortfall(result, merges, log, scenario.machine),
        suggestions=(),
        notes=(*log.notes, *notes),
        suggestions_tried=False,
    )


def ask(
    loaded: Loaded,
    *,
    add: Sequence[Pod] = (),
    config: KubeletConfig | None = None,
    version: str = "1.36",
    explain: bool = False,
) -> Answer:
    """Restart the kubelet of ``loaded`` (with ``config``, default the captured one), re-admit its
    running pods, then admit ``add``."""
    machine = loaded.machine
    config = config or loaded.config
    if machine is None:
        raise InputError("--machine", "the bundle has no machine topology: give --machine or --preset")
    if config is None:
        raise InputError("--kubelet-config", "the bundle has no kubelet configuration: give --kubelet-config")
    answer = Answer(None, None)
    if loaded.pods is None:
        answer.notes.append(
            "no pod list: the running pods are not re-admitted (the fit check does not count them)"
        )
    if version == "1.37":
        answer.notes.append(
            "v1.37 is answered with v1.37's checkpoint formats and restart fixes (podfit.release); "
            "its other behaviour as far as podfit's release profile has it"
        )
    config = config_for_version(config, version)
    refusal = kubelet_refusal(config, machine)
    if refusal is not None:
        answer.refusal = refusal
        return answer
    reading = config
    checks, cpu, memory = read_checkpoints(loaded.bundle, reading, version)
    refused = [c for c in checks if c.status == "refused"]
    if refused:
        reason = "CPUManagerError" if "cpu_manager" in refused[0].name else "MemoryManagerError"
        answer.refusal = ConfigRefusal(reason, refused[0].detail)
        return answer
    running = running_pods(loaded)
    scenario = Scenario(
        f"restart of {loaded.bundle.source}",
        loaded.node_name,
        machine,
        reading,
        tuple(AddPod(p) for p in [*running, *add]),
    )
    devices = bundle_devices(loaded, version, answer.notes)
    restored = RestoredState(cpu=cpu, memory=memory, devices=devices, running=bundle_running(loaded))
    started = start_node(machine, reading, restored)
    if isinstance(started, ConfigRefusal):
        answer.refusal = started
        return answer
    node = started
    initial, initial_memory = node.default_cpuset, node.memory_tables()
    if loaded.pods is not None:
        answer.released = remove_stale_state(node, running)
    before = loaded.cpu_state.get_cpu_assignments() if loaded.cpu_state is not None else {}
    held = {p.uid: dict(node.managers.pod_devices(p.uid) or {}) for p in running}
    steps: list[AdmitResult] = []
    readmission_phase(node, True)  # the pod sources are ready once the running pods are handled
    for i, pod in enumerate([*running, *add]):
        if i == len(running):
            readmission_phase(node, False)
        if explain and i >= len(running):
            answer.explanations.append(_explain(node, pod, scenario, i))
        steps.append(replace(node.admit(pod), numa_memory=node.memory_tables()))
    readmission_phase(node, False)
    for pod, step in zip(running, steps, strict=False):
        fate = _fate(dict(before.get(pod.uid, {})), step)
        if step.admitted:
            fate += _device_fate(held[pod.uid], node.managers.pod_devices(pod.uid) or {})
        answer.running.append((pod.key, fate))
    answer.added = steps[len(running) :]
    answer.result = SimulationResult(
        scenario.name,
        scenario.node_name,
        machine,
        node.reserved_cpus,
        initial,
        None,
        tuple(steps),
        node.metrics.snapshot(),
        initial_memory,
        node,
        node.config.release.version,
    )
    return answer
