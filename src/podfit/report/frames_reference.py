"""The literal computation of the frames, kept as the reference of
:func:`podfit.report.frames.build_timeline`.

Every frame from scratch: for every step, every CPU's owner over every pod on the node
(O(steps x CPUs x pods)), as ``podfit render`` computed it before steps became differences. The
tests and the page benchmark check that the timeline's frames equal these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podfit.report.owners import (
    OWNER_KINDS,
    Frame,
    PodView,
    cpuset_of,
    empty_memory,
    owner_of,
    pod_labels,
    pod_view,
    step_label,
    step_reason,
    step_status,
)

__all__ = ["build_frames_reference"]


def build_frames_reference(doc: Mapping[str, Any]) -> tuple[Frame, ...]:
    """The initial state and the node after each step of ``doc``, each computed in full."""
    node = doc["node"]
    all_cpus = tuple(int(r[0]) for r in node["cpuTopology"])
    reserved = cpuset_of(node.get("reservedCPUs"))
    labels = pod_labels(doc)
    error = doc.get("error") or {}
    memory = node.get("nodeMemory") or empty_memory(doc.get("steps", ()))
    on_node: dict[str, PodView] = {}

    def frame(index: int, step: Mapping[str, Any] | None, status: str, default: int) -> Frame:
        pods = tuple(on_node.values())
        owners = {c: owner_of(c, reserved, default, pods) for c in all_cpus}
        present = {o.kind for o in owners.values()}
        source = error if step is None else {"reason": step_reason(step)[0], "message": step_reason(step)[1]}
        op = None if step is None else step["op"]
        pod = None if step is None else step_label(step)
        return Frame(
            index,
            op,
            pod,
            status,
            source.get("reason"),
            source.get("message"),
            default,
            owners,
            pods,
            memory,
            tuple(k for k in OWNER_KINDS if k in present),
        )

    frames = [frame(0, None, "refused" if error else "initial", cpuset_of(node.get("initialDefaultCPUSet")))]
    for i, step in enumerate(doc.get("steps", ()), start=1):
        status = step_status(step)
        if status == "admitted":
            on_node.pop(step["pod"], None)
            on_node[step["pod"]] = pod_view(step, labels[step["pod"]])
        elif status == "removed":
            on_node.pop(step["pod"], None)
        elif status == "restarted":
            for p in step.get("pods", ()):
                on_node.pop(p["pod"], None)
                if p["outcome"] != "rejected":
                    on_node[p["pod"]] = pod_view(p["readmission"], labels.get(p["pod"], p["pod"]))
        step_memory = step.get("nodeMemory")
        if step_memory is None and status in ("rejected", "not-on-node", "refused"):
            step_memory = memory
        memory = step_memory
        default = frames[-1].default_cpuset if status == "refused" else cpuset_of(step.get("defaultCPUSet"))
        frames.append(frame(i, step, status, default))
    return tuple(frames)
