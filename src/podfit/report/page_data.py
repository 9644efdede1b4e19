"""The data behind the page of ``podfit render``: every step as a difference, in compact JSON.

The page draws the node once and its script (``render_assets.PAGE_JS``) replays these
differences to show any step, so the page grows with what changes, not with steps x CPUs:

- ``cpus``: ``[cpu, core, socket, numa, uncore]`` per CPU box; ``kinds`` / ``kindLabels`` (for
  the tooltips) / ``kindLegend`` / ``kindPaints`` (the legend's words and swatches);
- ``names``: ``[pod name, label]`` (``P3``; empty for a pod never admitted), each pod once;
- ``owners``: ``[kind, name index or -1, "containers", fill, ink, edge, in shared pool]``, each
  distinct owner once (``fill`` / ``ink`` / ``edge``: its colours, podfit.report.colours);
- ``pods``: one per admission, ``[name index, pod CPUs or null, colour, [[container, kind,
  assignment, CPUs or null, colour], ...]]``;
- ``text``: each distinct reason and message once; ``mem``: ``[NUMA, type]`` per memory row and
  ``memOrder``, the order they are shown in;
- ``steps``: per step ``t`` (index into ``statuses``), ``p`` (name index), ``o`` (the op, only when
  the status does not say it), ``c`` (``[[owner, CPU list], ...]``: the CPUs whose owner changed),
  ``d`` (the CPUs that entered or left the node's shared pool), ``m`` (``[[row, allocatable,
  reserved, free], ...]`` for the memory rows that changed; ``null``: no table), ``a`` (the
  admission), ``l`` (1: the pod left), ``r`` / ``g`` (reason / message, into ``text``), ``f`` (the
  shortfall lines; 0: not computed for this rejection). Step 0 gives every CPU and every row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from podfit.model.cpuset import format_cpuset
from podfit.report.colours import kind_paint, legend_label, owner_paint, pod_colour
from podfit.report.owners import (
    EXCLUSIVE_ASSIGNMENTS,
    KIND_LABELS,
    OWNER_KINDS,
    POD_SHARED,
    POD_SHARED_ASSIGNMENTS,
    CPUOwner,
    PodView,
    Timeline,
    TopologyRow,
)

__all__ = ["STATUSES", "page_data", "page_json", "pod_colours"]

STATUSES: tuple[str, ...] = (
    "initial",
    "refused",
    "admitted",
    "rejected",
    "removed",
    "started",
    "not-on-node",
    "restarted",
    "resized",
)
_OP_OF_STATUS = {"admitted": "add", "rejected": "add", "removed": "remove", "started": "start"}


class _Interner:
    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.items: list[Any] = []

    def add(self, key: Any, item: Any = None) -> int:
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.items)
            self.items.append(key if item is None else item)
        return found


def pod_colours(pod: PodView) -> tuple[str, list[str]]:
    """The colour of ``pod`` and of each of its containers' CPUs (exclusive slices a shade each,
    the pod's shared pool a tint; ``""`` for a container in the node's shared pool)."""
    colours = []
    shade = 0
    for c in pod.containers:
        if c.assignment in EXCLUSIVE_ASSIGNMENTS:
            colours.append(pod_colour(pod.colour, shade))
            shade += 1
        elif c.assignment in POD_SHARED_ASSIGNMENTS:
            colours.append(owner_paint(CPUOwner(POD_SHARED, pod.name), pod)[0])
        else:
            colours.append("")
    return pod_colour(pod.colour), colours


def _admission(pod: PodView, name: int) -> list[Any]:
    colour, colours = pod_colours(pod)
    containers = [
        [c.name, c.kind, c.assignment, None if c.cpus is None else format_cpuset(c.cpus), colours[i]]
        for i, c in enumerate(pod.containers)
    ]
    return [name, None if pod.pod_cpus is None else format_cpuset(pod.pod_cpus), colour, containers]


def _memory_order(rows: Sequence[tuple[str, str]]) -> list[int]:
    def key(i: int) -> tuple[int, str, bool, str]:
        numa, mtype = rows[i]
        return (int(numa) if numa.isdigit() else 1 << 30, numa, mtype != "memory", mtype)

    return sorted(range(len(rows)), key=key)


class _Memory:
    """The memory table of each step as the rows that changed."""

    def __init__(self) -> None:
        self.rows = _Interner()
        self.values: dict[int, tuple[int, int, int]] = {}
        self.table: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None

    def delta(self, table: Mapping[str, Mapping[str, Mapping[str, int]]] | None) -> tuple[bool, Any]:
        """(changed, the ``m`` entry) for the table after a step."""
        prev = self.table
        if table is prev:
            return False, None
        self.table = table
        if table is None:
            self.values = {}
            return True, None
        changed: list[list[Any]] = []
        for numa, types in table.items():
            before = None if prev is None else prev.get(numa)
            if before == types:
                continue  # the NUMA node's rows are as they were (compared in C)
            for mtype, v in types.items():
                row = self.rows.add((str(numa), str(mtype)))
                vals = (int(v.get("allocatable", 0)), int(v.get("reserved", 0)), int(v.get("free", 0)))
                if prev is None or self.values.get(row) != vals:
                    self.values[row] = vals
                    changed.append([row, *vals])
            for mtype in (before or {}).keys() - types.keys():
                changed.append(self._clear(str(numa), str(mtype)))
        for numa in (prev or {}).keys() - table.keys():
            changed += [self._clear(str(numa), str(mtype)) for mtype in (prev or {})[numa]]
        return bool(changed) or prev is None, changed

    def _clear(self, numa: str, mtype: str) -> list[Any]:
        row = self.rows.add((numa, mtype))
        self.values[row] = (0, 0, 0)
        return [row, 0, 0, 0]


def page_data(
    timeline: Timeline, rows: Sequence[TopologyRow], shortfalls: Mapping[int, Sequence[str]] | None = None
) -> dict[str, Any]:
    """The page's data for ``timeline`` (``rows``: the CPU boxes); ``shortfalls``: the lines of
    the rejected steps that have them (``None``: not computed for any step)."""
    names = _Interner()
    owners = _Interner()
    text = _Interner()
    memory = _Memory()
    pods: list[list[Any]] = []
    on_node: dict[str, PodView] = {}
    kind_index = {k: i for i, k in enumerate(OWNER_KINDS)}
    status_index = {s: i for i, s in enumerate(STATUSES)}
    default = 0

    def name_of(pod: str) -> int:
        return names.add(pod, [pod, timeline.labels.get(pod, "")])

    def owner_id(o: CPUOwner) -> int:
        paint = owner_paint(o, None if o.pod is None else on_node.get(o.pod))
        key = (o.kind, o.pod, o.containers, o.in_shared_pool, paint)
        if key in owners.index:
            return owners.index[key]
        fill, ink, edge = paint
        name = -1 if o.pod is None else name_of(o.pod)
        return owners.add(
            key, [kind_index[o.kind], name, ",".join(o.containers), fill, ink, edge, int(o.in_shared_pool)]
        )

    steps: list[dict[str, Any]] = []
    for s in timeline.steps:
        entry: dict[str, Any] = {"t": status_index[s.status]}
        if s.pod is not None:
            entry["p"] = name_of(s.pod)
        if s.op is not None and _OP_OF_STATUS.get(s.status) != s.op:
            entry["o"] = s.op
        if s.arrived is not None:
            on_node[s.arrived.name] = s.arrived
            entry["a"] = len(pods)
            pods.append(_admission(s.arrived, name_of(s.arrived.name)))
        if s.left is not None:
            entry["l"] = 1
        by_owner: dict[int, int] = {}
        for cpu, o in s.owners.items():
            oid = owner_id(o)
            by_owner[oid] = by_owner.get(oid, 0) | 1 << cpu
        if by_owner:
            entry["c"] = [[oid, format_cpuset(m)] for oid, m in by_owner.items()]
        if s.default_cpuset != default:
            entry["d"] = format_cpuset(s.default_cpuset ^ default)
            default = s.default_cpuset
        changed, mem = memory.delta(s.memory)
        if changed:
            entry["m"] = mem
        if s.reason:
            entry["r"] = text.add(s.reason)
        if s.message:
            entry["g"] = text.add(s.message)
        if s.status == "rejected" and shortfalls is not None:
            lines = shortfalls.get(s.index)
            entry["f"] = list(lines) if lines is not None else 0
        if s.left is not None:
            on_node.pop(s.left, None)
        steps.append(entry)
    return {
        "cpus": [[r.cpu, r.core, r.socket, r.numa, r.uncore] for r in rows],
        "kinds": list(OWNER_KINDS),
        "kindLabels": [KIND_LABELS[k] for k in OWNER_KINDS],
        "kindLegend": [legend_label(k) for k in OWNER_KINDS],
        "kindPaints": [list(kind_paint(k)) for k in OWNER_KINDS],
        "statuses": list(STATUSES),
        "names": names.items,
        "owners": owners.items,
        "pods": pods,
        "text": text.items,
        "mem": [list(r) for r in memory.rows.items],
        "memOrder": _memory_order(memory.rows.items),
        "steps": steps,
    }


def page_json(data: Mapping[str, Any]) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
