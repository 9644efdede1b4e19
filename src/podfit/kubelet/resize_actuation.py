"""What an admitted resize writes, in the kubelet's order: memory first (pod ``memory.max`` before
the containers when it grows, after them when it shrinks), then CPU (pod ``cpu.max`` up, pod
``cpu.weight`` up, containers, ``cpu.weight`` down, ``cpu.max`` down); within a resource, the
containers whose value shrinks go first. Sidecars are visited before app containers. Memory requests
are never written (Memory QoS entries are the containers' Unified map, regenerated with each update).

The current values are those of the old allocation (podfit assumes the last resize was actuated).

Mirrors: kuberuntime/kuberuntime_manager.go computePodResizeAction (determineContainerResize,
markContainerForUpdate), doPodResizeAction (resizeContainers, setPodCgroupConfig),
containerResourcesFromRequirements (with InPlacePodLevelResourcesVerticalScaling a container without
a limit of its own takes the pod-level one: kubeutil.GetLimits).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from podfit.kubelet.cgroup_config import ResourceConfig
from podfit.kubelet.result import CgroupWrite
from podfit.model.pod import Container, Pod

__all__ = ["ContainerValues", "ResizeActuation", "resize_actuation"]

Files = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ContainerValues:
    """The four numbers the kubelet compares for a container (millicores, bytes)."""

    memory_limit: int
    memory_request: int
    cpu_limit: int
    cpu_request: int


@dataclass(frozen=True, slots=True)
class ResizeActuation:
    writes: tuple[CgroupWrite, ...]
    restarts: tuple[str, ...]  # containers killed and restarted (resize policy RestartContainer)
    notes: tuple[str, ...]


def _values(pod: Pod, c: Container, pod_level_resize: bool) -> ContainerValues:
    limits, requests = c.resources.limits, c.resources.requests
    mem_lim, cpu_lim = limits.get("memory", 0), limits.get("cpu", 0)
    if pod_level_resize and pod.resources is not None:
        mem_lim = mem_lim or pod.resources.limits.get("memory", 0)
        cpu_lim = cpu_lim or pod.resources.limits.get("cpu", 0)
    return ContainerValues(mem_lim, requests.get("memory", 0), cpu_lim, requests.get("cpu", 0))


def _changed(old: Files, new: Files, keys: tuple[str, ...]) -> list[tuple[str, str | None, str | None]]:
    names = sorted(
        {k for k in (*old, *new) if k in keys or any(k.startswith(p) for p in keys if p.endswith("."))}
    )
    return [(k, old.get(k), new.get(k)) for k in names if old.get(k) != new.get(k)]


_MEMORY_FILES = ("memory.max", "memory.min", "memory.low", "memory.high", "memory.swap.max")
_CPU_FILES = ("cpu.weight", "cpu.max")


def resize_actuation(
    old_pod: Pod,
    new_pod: Pod,
    *,
    resizable: Callable[[Pod], tuple[Container, ...]],
    pod_level_resize: bool,
    old_pod_config: ResourceConfig,
    new_pod_config: ResourceConfig,
    pod_files: tuple[Files, Files],
    container_files: Mapping[str, tuple[Files, Files]],
    memory_usage_check_containers: bool,
) -> ResizeActuation:
    """The writes of an admitted resize from ``old_pod`` (actuated) to ``new_pod`` (allocated).
    ``pod_files`` / ``container_files``: the cgroup files before and after (old, new)."""
    before = {c.name: c for c in old_pod.all_containers()}
    queues: dict[str, list[str]] = {"memory": [], "cpu": []}
    restarts: list[str] = []
    for c in resizable(new_pod):  # sidecars (init containers) first, then app containers
        old_c = before.get(c.name)
        if old_c is None:
            continue
        want = _values(new_pod, c, pod_level_resize)
        have = _values(old_pod, old_c, pod_level_resize)
        if want == have:
            continue
        mem = [(want.memory_limit, have.memory_limit), (want.memory_request, have.memory_request)]
        cpu = [(want.cpu_limit, have.cpu_limit), (want.cpu_request, have.cpu_request)]
        restart = any(
            d != h and c.resize_restart_policy(r) == "RestartContainer"
            for r, pairs in (("memory", mem), ("cpu", cpu))
            for d, h in pairs
        )
        if restart:
            restarts.append(c.name)
            continue
        for resource, pairs in (("memory", mem), ("cpu", cpu)):
            for desired, current in pairs:
                if desired != current:
                    if desired < current:
                        queues[resource].insert(0, c.name)
                    else:
                        queues[resource].append(c.name)
                    break
    pod_level_changed = old_pod.resources != new_pod.resources and pod_level_resize
    writes: list[CgroupWrite] = []
    notes: list[str] = []
    old_pod_files, new_pod_files = pod_files

    def pod_write(resource: str, name: str) -> None:
        old, new = old_pod_files.get(name), new_pod_files.get(name)
        if old != new:
            writes.append(CgroupWrite("pod", resource, name, old, new))

    def containers(resource: str) -> None:
        keys = _MEMORY_FILES if resource == "memory" else _CPU_FILES
        for name in queues[resource]:
            old_files, new_files = container_files.get(name, ({}, {}))
            for file, old, new in _changed(old_files, new_files, keys):
                writes.append(CgroupWrite(f"container:{name}", resource, file, old, new))

    if queues["memory"] or restarts or pod_level_changed:
        old_mem = old_pod_config.memory or 0
        new_mem = new_pod_config.memory if new_pod_config.memory is not None else old_mem
        shrinks = new_mem < old_mem or any(
            _values(new_pod, c, pod_level_resize).memory_limit
            < _values(old_pod, before[c.name], pod_level_resize).memory_limit
            for c in new_pod.all_containers()
            if c.name in before
        )
        if shrinks:
            who = "the pod's and the containers'" if memory_usage_check_containers else "the pod's"
            notes.append(f"a memory-limit decrease is checked against {who} usage first (not modelled)")
        if new_mem > old_mem:
            pod_write("memory", "memory.max")
        containers("memory")
        if new_mem < old_mem:
            pod_write("memory", "memory.max")
    if queues["cpu"] or restarts or pod_level_changed:
        old_quota = old_pod_config.cpu_quota or 0
        new_quota = new_pod_config.cpu_quota if new_pod_config.cpu_quota is not None else old_quota
        old_shares, new_shares = old_pod_config.cpu_shares or 0, new_pod_config.cpu_shares or 0
        if new_quota > old_quota:
            pod_write("cpu", "cpu.max")
        if new_shares > old_shares:
            pod_write("cpu", "cpu.weight")
        containers("cpu")
        if new_shares < old_shares:
            pod_write("cpu", "cpu.weight")
        if new_quota < old_quota:
            pod_write("cpu", "cpu.max")
    for name in restarts:
        notes.append(f"Container {name} resize requires restart")
    return ResizeActuation(tuple(writes), tuple(restarts), tuple(notes))
