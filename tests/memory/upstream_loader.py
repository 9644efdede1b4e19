"""Loads the memorymanager upstream cases (tests/upstream/memorymanager/*.yaml) into podfit values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from podfit.memory.state import Block, MemoryState, MemoryTable, NUMANodeState
from podfit.model.machine import Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.topology.bitmask import new_bitmask
from podfit.topology.hint import TopologyHint

DATA = Path(__file__).resolve().parents[1] / "upstream" / "memorymanager"
_SUFFIX = {"": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9}

GUARANTEED = {"cpu": "1000Mi", "memory": "1Gi", "hugepages-1Gi": "1Gi"}
BURSTABLE_LIMITS = {"cpu": "1000Mi", "memory": "2Gi", "hugepages-1Gi": "2Gi"}


def size(v: Any) -> int:
    """Bytes from an int or a quantity like ``512Mi``."""
    if isinstance(v, int):
        return v
    m = re.fullmatch(r"(\d+)([KMGT]i|[kMG])?", str(v))
    assert m, v
    return int(m.group(1)) * _SUFFIX[m.group(2) or ""]


def cases(file: str, test: str) -> list[dict[str, Any]]:
    with open(DATA / file) as fh:
        return list(yaml.safe_load(fh)[test])


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [c["description"] for c in items]


def machine(raw: list[Mapping[str, Any]] | None) -> Machine:
    nodes = tuple(
        NUMANode(
            n["id"],
            size(n["memory"]),
            tuple((size(p), int(c)) for p, c in (n.get("hugepages") or {}).items()),
        )
        for n in raw or []
    )
    return Machine(cpus=(), numa_nodes=nodes)


def system_reserved(raw: Mapping[int, Mapping[str, Any]] | None) -> dict[int, dict[str, int]]:
    return {int(n): {r: size(v) for r, v in (res or {}).items()} for n, res in (raw or {}).items()}


def machine_state(raw: Mapping[int, Mapping[str, Any]] | None) -> dict[int, NUMANodeState]:
    out = {}
    for n, spec in (raw or {}).items():
        tables = {
            r: MemoryTable(size(v[4]), size(v[3]), size(v[0]), size(v[2]), size(v[1]))
            for r, v in spec.items()
            if r not in ("cells", "assignments")
        }
        out[int(n)] = NUMANodeState(int(spec.get("assignments", 0)), tables, tuple(spec.get("cells", ())))
    return out


def blocks(raw: list[list[Any]]) -> tuple[Block, ...]:
    return tuple(Block(tuple(b[0]), b[1], size(b[2])) for b in raw)


def assignments(
    raw: Mapping[str, Mapping[str, list[Any]]] | None,
) -> dict[str, dict[str, tuple[Block, ...]]]:
    return {pod: {c: blocks(bs) for c, bs in cs.items()} for pod, cs in (raw or {}).items()}


def _resources(raw: Mapping[str, Any]) -> dict[str, int]:
    # cpu quantities are millicores in podfit ("1000Mi" cores -> x1000)
    return {r: size(v) * 1000 if r == "cpu" else size(v) for r, v in raw.items()}


def container(raw: Mapping[str, Any], init: bool) -> Container:
    req = raw.get("requirements")
    if req == "guaranteed":
        requests, limits = dict(GUARANTEED), dict(GUARANTEED)
    elif req == "burstable":
        requests, limits = dict(GUARANTEED), dict(BURSTABLE_LIMITS)
    else:
        requests = dict(raw.get("requests") or {})
        limits = dict(raw["limits"]) if "limits" in raw else dict(requests)
    policy = raw.get("restart_policy")
    kind = ("sidecar" if policy == "Always" else "init") if init else "app"
    return Container(
        raw["name"],
        kind,
        ResourceRequirements(_resources(requests), _resources(limits)),
        restart_policy=policy,
    )


def pod(raw: Mapping[str, Any]) -> Pod:
    return Pod(
        namespace="default",
        name=raw["uid"] or "pod",
        uid=raw["uid"],
        init_containers=tuple(container(c, True) for c in raw.get("init_containers") or ()),
        containers=tuple(container(c, False) for c in raw.get("containers") or ()),
    )


def hint(raw: Mapping[str, Any] | None) -> TopologyHint | None:
    if raw is None:
        return None
    affinity = raw.get("affinity")
    return TopologyHint(
        None if affinity is None else new_bitmask(*affinity), bool(raw.get("preferred", False))
    )


def hints(raw: Mapping[str, list[Any]] | None) -> dict[str, list[TopologyHint]] | None:
    if raw is None:
        return None
    return {r: [TopologyHint(new_bitmask(*h[0]), bool(h[1])) for h in hs] for r, hs in raw.items()}


def state(case: Mapping[str, Any]) -> MemoryState:
    s = MemoryState()
    s.set_machine_state(machine_state(case.get("machine_state")))
    s.set_memory_assignments(assignments(case.get("assignments")))
    for uid, masks in (case.get("init_containers_reusable_memory") or {}).items():
        s.reusable[uid] = {int(m): {r: size(v) for r, v in res.items()} for m, res in masks.items()}
    return s


def sorted_assignments(
    a: Mapping[str, Mapping[str, tuple[Block, ...]]],
) -> dict[str, dict[str, list[Block]]]:
    """Blocks as a multiset (the Go maps order them at random)."""
    key = lambda b: (b.type, b.numa_affinity, b.size)  # noqa: E731
    return {p: {c: sorted(bs, key=key) for c, bs in cs.items()} for p, cs in a.items()}
