"""Drift and leaks on a live node, as values: the CPU and memory managers' checkpoints against
the PodResources answers and the node's pod list.

Pure (no I/O). What is looked for — the leaks a kubelet restart or a missed removal leaves
(e.g. the v1.36 pod-level restart defects):

* ``deleted-pod``: the checkpoint holds CPUs or memory for a pod the node no longer has;
* ``unknown-container``: an entry for a container the pod does not have;
* ``missing-container``: a running pod's container that should hold exclusive CPUs has no entry;
* ``cpus-held-by-nobody``: CPUs (not reserved) in no pool: not in the shared pool, no entry;
* ``cpu-owned-twice``: a CPU in the shared pool and in an entry, or in two pods' entries, or in two
  exclusive slices of one pod;
* ``budget-does-not-cover``: a pod-level budget that does not contain its containers' CPUs, or
  memory blocks on NUMA nodes outside the pod's;
* ``podresources-mismatch`` / ``not-in-podresources`` / ``not-in-pod-list``: PodResources reports
  other CPUs than the checkpoint, misses a pod, or lists one the API server does not bind here;
* the device manager's checkpoint (:mod:`podfit.live.drift_devices`): ``deleted-pod`` and
  ``unknown-container`` as above, ``device-owned-twice``, ``device-not-in-podresources``,
  ``device-not-in-checkpoint``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from podfit.live.values import PodResources
from podfit.model.cpuset import format_cpuset
from podfit.model.units import format_bytes

__all__ = [
    "DELETED_POD",
    "KINDS",
    "CPUCheckpoint",
    "Finding",
    "MemoryCheckpoint",
    "PodInfo",
    "cpu_findings",
    "match_uids",
    "memory_findings",
    "podresources_findings",
]

DELETED_POD: Final = "deleted-pod"
UNKNOWN_CONTAINER: Final = "unknown-container"
MISSING_CONTAINER: Final = "missing-container"
HELD_BY_NOBODY: Final = "cpus-held-by-nobody"
OWNED_TWICE: Final = "cpu-owned-twice"
BUDGET: Final = "budget-does-not-cover"
PR_MISMATCH: Final = "podresources-mismatch"
NOT_IN_PR: Final = "not-in-podresources"
NOT_IN_PODS: Final = "not-in-pod-list"
DEVICE_OWNED_TWICE: Final = "device-owned-twice"
DEVICE_NOT_IN_PR: Final = "device-not-in-podresources"
DEVICE_NOT_IN_CHECKPOINT: Final = "device-not-in-checkpoint"
KINDS: Final = (
    DELETED_POD,
    UNKNOWN_CONTAINER,
    MISSING_CONTAINER,
    HELD_BY_NOBODY,
    OWNED_TWICE,
    BUDGET,
    PR_MISMATCH,
    NOT_IN_PR,
    NOT_IN_PODS,
    DEVICE_OWNED_TWICE,
    DEVICE_NOT_IN_PR,
    DEVICE_NOT_IN_CHECKPOINT,
)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    message: str
    pod: str | None = None  # a pod UID or namespace/name
    cpus: int = 0
    devices: tuple[str, ...] = ()  # device ids (device findings)


@dataclass(frozen=True)
class CPUCheckpoint:
    """``cpu_manager_state`` as masks: the shared pool, container entries, pod entries."""

    default: int
    entries: Mapping[str, Mapping[str, int]]
    pod_entries: Mapping[str, int]


@dataclass(frozen=True)
class MemoryCheckpoint:
    """``memory_manager_state``: per container and per pod, ``(type, size, NUMA nodes)`` blocks."""

    entries: Mapping[str, Mapping[str, tuple[tuple[str, int, tuple[int, ...]], ...]]]
    pod_entries: Mapping[str, tuple[tuple[str, int, tuple[int, ...]], ...]]


@dataclass(frozen=True)
class PodInfo:
    """A pod of the node's pod list."""

    uid: str
    key: str  # namespace/name
    containers: tuple[str, ...]  # init (sidecars included) and app containers
    listed: tuple[str, ...]  # what PodResources lists: sidecars, then app containers
    exclusive: frozenset[str]  # containers the static policy gives exclusive CPUs
    active: bool = True
    init: frozenset[str] = frozenset()  # regular init containers: app containers reuse their CPUs


def _fmt(mask: int) -> str:
    return format_cpuset(mask) or "(none)"


def _label(uid: str, pods: Mapping[str, PodInfo] | None, names: Mapping[str, str] | None = None) -> str:
    if pods is not None and uid in pods:
        return f"{pods[uid].key} ({uid})"
    if names and uid in names:
        return f"{uid} (PodResources: {names[uid]})"
    return uid


def _held(cp: CPUCheckpoint, uid: str) -> int:
    held = cp.pod_entries.get(uid, 0)
    for m in cp.entries.get(uid, {}).values():
        held |= m
    return held


def _pod_checks(cp: CPUCheckpoint, uid: str, info: PodInfo | None, label: str) -> list[Finding]:
    out: list[Finding] = []
    containers = cp.entries.get(uid, {})
    budget = cp.pod_entries.get(uid)
    if info is not None:
        for name, m in sorted(containers.items()):
            if name not in info.containers:
                out.append(
                    Finding(
                        UNKNOWN_CONTAINER,
                        f"pod {label}: container {name!r} holds CPUs {_fmt(m)} "
                        "but the pod has no such container",
                        uid,
                        m,
                    )
                )
        if info.active:
            for name in sorted(info.exclusive - set(containers)):
                out.append(
                    Finding(
                        MISSING_CONTAINER,
                        f"pod {label}: container {name!r} should hold exclusive CPUs "
                        "but cpu_manager_state has no entry for it",
                        uid,
                    )
                )
    if budget is not None:
        for name, m in sorted(containers.items()):
            if m & ~budget:
                out.append(
                    Finding(
                        BUDGET,
                        f"pod {label}: budget {_fmt(budget)} does not cover container {name!r} "
                        f"CPUs {_fmt(m)} (outside: {_fmt(m & ~budget)})",
                        uid,
                        m & ~budget,
                    )
                )
    # exclusive slices of one pod must not overlap (pod-shared containers share one set; app
    # containers reuse init containers' CPUs): checked only when the pod's containers are known
    names = sorted(n for n in containers if info is not None and n not in info.init)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ma, mb = containers[a], containers[b]
            overlap = ma & mb
            if overlap and ma != mb:
                out.append(
                    Finding(
                        OWNED_TWICE,
                        f"pod {label}: CPUs {_fmt(overlap)} are in both {a!r} "
                        f"({_fmt(ma)}) and {b!r} ({_fmt(mb)})",
                        uid,
                        overlap,
                    )
                )
    return out


def cpu_findings(
    all_cpus: int,
    reserved: int,
    cp: CPUCheckpoint,
    pods: Mapping[str, PodInfo] | None,
    names: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Leaks and double owners in the CPU manager's state. ``pods``: the node's pods by UID
    (``None``: no pod list, so nothing is said about deleted pods or containers); ``names``: UIDs
    named by other means (:func:`match_uids`)."""
    out: list[Finding] = []
    uids = sorted(set(cp.entries) | set(cp.pod_entries))
    for uid in uids:
        label = _label(uid, pods, names)
        info = pods.get(uid) if pods is not None else None
        held = _held(cp, uid)
        if pods is not None and (info is None or not info.active):
            why = "is not on the node (deleted)" if info is None else "has terminated"
            out.append(Finding(DELETED_POD, f"pod {label} holds CPUs {_fmt(held)} but {why}", uid, held))
        out.extend(_pod_checks(cp, uid, info, label))
        shared = held & cp.default
        if shared:
            out.append(
                Finding(
                    OWNED_TWICE,
                    f"CPUs {_fmt(shared)} are in the shared pool and held by pod {label}",
                    uid,
                    shared,
                )
            )
    for i, a in enumerate(uids):
        for b in uids[i + 1 :]:
            both = _held(cp, a) & _held(cp, b)
            if both:
                out.append(
                    Finding(
                        OWNED_TWICE,
                        f"CPUs {_fmt(both)} are held by pod {_label(a, pods, names)} "
                        f"and by pod {_label(b, pods, names)}",
                        a,
                        both,
                    )
                )
    owned = cp.default | reserved
    for uid in uids:
        owned |= _held(cp, uid)
    nobody = all_cpus & ~owned
    if nobody:
        out.append(
            Finding(
                HELD_BY_NOBODY,
                f"CPUs {_fmt(nobody)} are in no pool: not in the shared pool "
                f"({_fmt(cp.default)}) and held by no pod (leaked)",
                None,
                nobody,
            )
        )
    return out


def _numa(blocks: Sequence[tuple[str, int, tuple[int, ...]]]) -> set[int]:
    return {n for _, _, numa in blocks for n in numa}


def memory_findings(mem: MemoryCheckpoint, pods: Mapping[str, PodInfo] | None) -> list[Finding]:
    """Memory blocks of deleted pods, of unknown containers, outside the pod's budget."""
    out: list[Finding] = []
    for uid in sorted(set(mem.entries) | set(mem.pod_entries)):
        info = pods.get(uid) if pods is not None else None
        label = _label(uid, pods)
        if pods is not None and (info is None or not info.active):
            total = sum(size for blocks in mem.entries.get(uid, {}).values() for _, size, _ in blocks)
            total = max(total, sum(size for _, size, _ in mem.pod_entries.get(uid, ())))
            out.append(
                Finding(
                    DELETED_POD,
                    f"pod {uid} holds {format_bytes(total)} of pinned memory in "
                    "memory_manager_state but is not on the node",
                    uid,
                )
            )
        containers = mem.entries.get(uid, {})
        if info is not None:
            for name in sorted(set(containers) - set(info.containers)):
                out.append(
                    Finding(
                        UNKNOWN_CONTAINER,
                        f"pod {label}: memory blocks for container {name!r} which the pod does not have",
                        uid,
                    )
                )
        budget = mem.pod_entries.get(uid)
        if budget:
            allowed = _numa(budget)
            for name, blocks in sorted(containers.items()):
                outside = _numa(blocks) - allowed
                if outside:
                    out.append(
                        Finding(
                            BUDGET,
                            f"pod {label}: container {name!r} has memory on NUMA "
                            f"{sorted(outside)}, outside the pod's NUMA {sorted(allowed)}",
                            uid,
                        )
                    )
    return out


def podresources_findings(
    cp: CPUCheckpoint | None,
    listed: Sequence[PodResources],
    pods: Mapping[str, PodInfo] | None,
) -> list[Finding]:
    """PodResources against the checkpoint and the pod list. Container ``cpu_ids`` are compared
    where the checkpoint holds the container (v1.36 reports exactly the state's set; v1.37 leaves
    pod-shared containers empty, which is not drift)."""
    out: list[Finding] = []
    by_key = {p.key: p for p in listed}
    uid_of = {info.key: uid for uid, info in (pods or {}).items()}
    for p in listed:
        if pods is not None and p.key not in uid_of:
            out.append(
                Finding(
                    NOT_IN_PODS,
                    f"PodResources lists pod {p.key}, which the pod list does not bind to this node",
                    p.key,
                )
            )
            continue
        uid = uid_of.get(p.key)
        if cp is None or uid is None:
            continue
        state = cp.entries.get(uid, {})
        for c in p.containers:
            reported = sum(1 << i for i in c.cpu_ids)
            held = state.get(c.name)
            if reported and held is None:
                out.append(
                    Finding(
                        PR_MISMATCH,
                        f"pod {p.key}: PodResources gives {c.name!r} CPUs "
                        f"{_fmt(reported)}, cpu_manager_state has no entry",
                        p.key,
                        reported,
                    )
                )
            elif held is not None and reported and reported != held:
                out.append(
                    Finding(
                        PR_MISMATCH,
                        f"pod {p.key}: PodResources gives {c.name!r} CPUs "
                        f"{_fmt(reported)}, cpu_manager_state {_fmt(held)}",
                        p.key,
                        reported ^ held,
                    )
                )
    if pods is not None:
        for uid, info in sorted(pods.items()):
            if info.active and info.key not in by_key:
                out.append(
                    Finding(
                        NOT_IN_PR,
                        f"pod {info.key} ({uid}) is running here but PodResources does not list it",
                        info.key,
                    )
                )
    return out


def match_uids(cp: CPUCheckpoint, listed: Sequence[PodResources]) -> dict[str, str]:
    """UID -> namespace/name for the checkpoint's pods whose container CPU sets PodResources
    reports identically for exactly one pod (PodResources carries no UIDs)."""

    def signature(containers: Mapping[str, int]) -> frozenset[tuple[str, int]]:
        return frozenset((n, m) for n, m in containers.items() if m)

    by_sig: dict[frozenset[tuple[str, int]], list[str]] = {}
    for p in listed:
        sig = signature({c.name: sum(1 << i for i in c.cpu_ids) for c in p.containers})
        if sig:
            by_sig.setdefault(sig, []).append(p.key)
    out = {}
    for uid, containers in cp.entries.items():
        keys = by_sig.get(signature(containers), [])
        if len(keys) == 1:
            out[uid] = keys[0]
    return out
