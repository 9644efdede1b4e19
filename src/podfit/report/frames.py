"""Who owns each CPU after each step of a simulation, as differences: the
:class:`~podfit.report.owners.Timeline` of a result document (the data behind ``podfit render``).

Built in time linear in the steps and the CPUs they touch, whatever the node's size: an index of
the pods claiming each CPU (in order of arrival) lets a step recompute only the owners of the CPUs
it touched (the arriving or leaving pod's, and those entering or leaving the node's shared pool).
Each arriving pod also gets its colour here (:mod:`podfit.report.palette`): the one least like
those of the pods on its NUMA nodes. :mod:`podfit.report.frames_reference` computes every frame in
full, the literal way, and the tests check one against the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from podfit.model.cpuset import cpus
from podfit.report.owners import (
    EXCLUSIVE,
    EXCLUSIVE_ASSIGNMENTS,
    KIND_LABELS,
    NODE_SHARED,
    OWNER_KINDS,
    POD_FREE,
    POD_SHARED,
    POD_SHARED_ASSIGNMENTS,
    RESERVED,
    UNASSIGNED,
    ContainerView,
    CPUOwner,
    Frame,
    PodView,
    StepChange,
    Timeline,
    TopologyRow,
    cpuset_of,
    empty_memory,
    owner_of,
    pod_labels,
    pod_view,
    step_label,
    step_reason,
    step_status,
    topology_rows,
)
from podfit.report.palette import pick

__all__ = [
    "EXCLUSIVE",
    "EXCLUSIVE_ASSIGNMENTS",
    "KIND_LABELS",
    "NODE_SHARED",
    "OWNER_KINDS",
    "POD_FREE",
    "POD_SHARED",
    "POD_SHARED_ASSIGNMENTS",
    "RECENT",
    "RESERVED",
    "UNASSIGNED",
    "CPUOwner",
    "ContainerView",
    "Frame",
    "PodView",
    "StepChange",
    "Timeline",
    "TopologyRow",
    "build_frames",
    "build_timeline",
    "cpuset_of",
    "empty_memory",
    "owner_of",
    "pod_labels",
    "pod_view",
    "step_status",
    "topology_rows",
]

RECENT = 4  # the last arrivals whose colours a new pod also keeps away from


class _Owners:
    """The owners after the steps so far, with the pods claiming each CPU (in arrival order)."""

    def __init__(self, all_cpus: Sequence[int], reserved: int, default: int) -> None:
        self.known = frozenset(all_cpus)
        self.reserved = reserved
        self.default = default
        self.claims: dict[int, list[PodView]] = {}
        self.owners = {c: owner_of(c, reserved, default, ()) for c in all_cpus}

    def claim(self, pod: PodView) -> int:
        bits = pod.claimed
        for c in cpus(bits):
            self.claims.setdefault(c, []).append(pod)
        return bits

    def release(self, pod: PodView) -> int:
        bits = pod.claimed
        for c in cpus(bits):
            held = self.claims.get(c, [])
            for k, other in enumerate(held):
                if other is pod:
                    del held[k]
                    break
        return bits

    def update(self, touched: int, forced: int = 0) -> dict[int, CPUOwner]:
        """Recompute the owners of the ``touched`` CPUs; the ones that changed (and the
        ``forced`` ones, whose owner may look the same but whose pod is a new admission)."""
        changed: dict[int, CPUOwner] = {}
        for c in cpus(touched | forced):
            if c not in self.known:
                continue
            new = owner_of(c, self.reserved, self.default, self.claims.get(c, ()))
            if new != self.owners[c] or forced >> c & 1:
                self.owners[c] = new
                changed[c] = new
        return changed


def build_timeline(doc: Mapping[str, Any]) -> Timeline:
    """The initial state and each step of the result document ``doc`` as differences."""
    node = doc["node"]
    all_cpus = tuple(int(r[0]) for r in node["cpuTopology"])
    reserved = cpuset_of(node.get("reservedCPUs"))
    default = cpuset_of(node.get("initialDefaultCPUSet"))
    error = doc.get("error") or {}
    labels = pod_labels(doc)
    numa_cpus: dict[int, int] = {}
    for r in node["cpuTopology"]:
        numa_cpus[int(r[3])] = numa_cpus.get(int(r[3]), 0) | 1 << int(r[0])
    colours = _Colours(numa_cpus)
    state = _Owners(all_cpus, reserved, default)
    memory = node.get("nodeMemory") or empty_memory(doc.get("steps", ()))
    initial = StepChange(
        0,
        None,
        None,
        "refused" if error else "initial",
        error.get("reason"),
        error.get("message"),
        dict(state.owners),
        default,
        memory,
    )
    steps = [initial]
    on_node: dict[str, PodView] = {}
    for i, step in enumerate(doc.get("steps", ()), start=1):
        status = step_status(step)
        new_default = cpuset_of(step.get("defaultCPUSet"))
        touched = new_default ^ state.default
        state.default = new_default
        arrived = left = None
        forced = 0
        if status == "admitted":
            arrived = pod_view(step, labels[step["pod"]])
            old = on_node.pop(arrived.name, None)
            if old is not None:
                forced = state.release(old)
            arrived = colours.arrive(arrived, None if old is None else old.colour)
            on_node[arrived.name] = arrived
            forced |= state.claim(arrived)
        elif status == "removed":
            gone = on_node.pop(step["pod"], None)
            if gone is not None:
                touched |= state.release(gone)
                colours.leave(gone.name)
                left = gone.name
        elif status == "restarted":  # every running pod admitted again, or rejected
            for p in step.get("pods", ()):
                old = on_node.pop(p["pod"], None)
                if old is not None:
                    forced |= state.release(old)
                if p["outcome"] == "rejected":
                    if old is not None:
                        colours.leave(old.name)
                    continue
                again = pod_view(p["readmission"], labels.get(p["pod"], p["pod"]))
                again = colours.arrive(again, None if old is None else old.colour)
                on_node[again.name] = again
                forced |= state.claim(again)
        step_memory = step.get("nodeMemory")
        if step_memory is None and status in ("rejected", "not-on-node", "refused"):
            step_memory = memory  # the step changed nothing
        if status == "refused":  # a restart the new kubelet refused: no kubelet, the node as it was
            state.default = new_default = steps[-1].default_cpuset
            touched = 0
        memory = step_memory
        reason, message = step_reason(step)
        steps.append(
            StepChange(
                i,
                step["op"],
                step_label(step),
                status,
                reason,
                message,
                state.update(touched, forced),
                new_default,
                memory,
                arrived,
                left,
            )
        )
    return Timeline(all_cpus, reserved, labels, tuple(steps))


class _Colours:
    """The colour of each arriving pod: the palette's least like those of the pods on its NUMA
    nodes, then of the last few arrivals (:func:`podfit.report.palette.pick`)."""

    def __init__(self, numa_cpus: Mapping[int, int]) -> None:
        self.numa_cpus = numa_cpus
        self.placed: dict[str, tuple[int, int]] = {}  # pod on the node -> (NUMA mask, colour)
        self.recent: tuple[str, ...] = ()  # the last pods to arrive that hold CPUs

    def arrive(self, pod: PodView, keep: int | None = None) -> PodView:
        """``pod`` in its colour (``keep``: admitted again while on the node, it keeps it)."""
        self.leave(pod.name)
        claimed = pod.claimed
        mine = 0
        for numa, m in self.numa_cpus.items():
            if claimed & m:
                mine |= 1 << numa
        if keep is None:
            near = (colour for mask, colour in self.placed.values() if mask & mine)
            recent = [self.placed[n][1] for n in self.recent if n in self.placed]
            keep = pick(near, pod.number - 1, recent)
        pod = replace(pod, colour=keep)
        if mine:
            self.placed[pod.name] = (mine, pod.colour)
            self.recent = (*self.recent[-(RECENT - 1) :], pod.name)
        return pod

    def leave(self, name: str) -> None:
        self.placed.pop(name, None)


def build_frames(doc: Mapping[str, Any]) -> tuple[Frame, ...]:
    """The initial state and the node after each step of the result document ``doc`` (every
    frame in full: use :func:`build_timeline` for large scenarios)."""
    return tuple(build_timeline(doc).frames())
