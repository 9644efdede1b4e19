"""Drift in the device manager's checkpoint (``kubelet_internal_checkpoint``) against the node's
pod list and the PodResources answer, as values. Pure (no I/O).

* ``deleted-pod``: entries for a pod the node no longer has. The device manager forgets such a pod
  in memory at its next allocation (``UpdateAllocatedDevices``) but rewrites the file only when it
  allocates devices or a plugin's devices change, so the file keeps a deleted pod's entries until
  then (kubernetes issue #137010): a finding, usually harmless;
* ``unknown-container``: an entry for a container the pod does not have;
* ``device-owned-twice``: a device in the entries of two pods, or of two containers of one pod
  that are not a regular init container and a container reusing its devices;
* ``device-not-in-podresources`` / ``device-not-in-checkpoint``: the file gives a container a
  device PodResources does not report for it, or the other way round (PodResources answers from
  the device manager's memory, ``GetDevices``; regular init containers are not listed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from podfit.checkpoint.devices import PodDevicesEntry
from podfit.live.drift import (
    DELETED_POD,
    DEVICE_NOT_IN_CHECKPOINT,
    DEVICE_NOT_IN_PR,
    DEVICE_OWNED_TWICE,
    UNKNOWN_CONTAINER,
    Finding,
    PodInfo,
)
from podfit.live.values import PodResources

__all__ = ["device_findings"]

FILE = "kubelet_internal_checkpoint"
Device = tuple[str, str]  # (resource, device id)


def _label(uid: str, pods: Mapping[str, PodInfo] | None) -> str:
    return f"{pods[uid].key} ({uid})" if pods is not None and uid in pods else uid


def _show(devices: Iterable[Device]) -> str:
    by: dict[str, list[str]] = {}
    for resource, device_id in sorted(devices):
        by.setdefault(resource, []).append(device_id)
    return "; ".join(f"{r} {', '.join(ids)}" for r, ids in by.items())


def _ids(devices: Iterable[Device]) -> tuple[str, ...]:
    return tuple(sorted({d for _, d in devices}))


def _pod_findings(entries: Sequence[PodDevicesEntry], pods: Mapping[str, PodInfo]) -> list[Finding]:
    out: list[Finding] = []
    held: dict[str, set[Device]] = {}
    for e in entries:
        held.setdefault(e.pod_uid, set()).update((e.resource_name, d) for d in e.devices())
    for uid in sorted(held):
        info = pods.get(uid)
        if info is None or not info.active:
            why = "is not on the node (deleted)" if info is None else "has terminated"
            out.append(
                Finding(
                    DELETED_POD,
                    f"pod {_label(uid, pods)} holds devices {_show(held[uid])} in {FILE} but {why} "
                    "(the device manager rewrites the file only at its next device allocation)",
                    uid,
                    devices=_ids(held[uid]),
                )
            )
    for e in entries:
        info = pods.get(e.pod_uid)
        if info is not None and e.container_name not in info.containers:
            devices = [(e.resource_name, d) for d in e.devices()]
            out.append(
                Finding(
                    UNKNOWN_CONTAINER,
                    f"pod {_label(e.pod_uid, pods)}: container {e.container_name!r} holds "
                    f"{_show(devices)} in {FILE} but the pod has no such container",
                    e.pod_uid,
                    devices=_ids(devices),
                )
            )
    return out


def _reuses(info: PodInfo | None, a: str, b: str) -> bool:
    """Containers ``a`` and ``b`` of one pod may share devices: one is a regular init container
    (its devices are reusable by the containers after it). Unknown pods are given the benefit."""
    return info is None or a in info.init or b in info.init


def _owned_twice(entries: Sequence[PodDevicesEntry], pods: Mapping[str, PodInfo] | None) -> list[Finding]:
    owners: dict[Device, list[tuple[str, str]]] = {}
    for e in entries:
        for d in e.devices():
            owners.setdefault((e.resource_name, d), []).append((e.pod_uid, e.container_name))
    out: list[Finding] = []
    for device, who in sorted(owners.items()):
        distinct = sorted(set(who))
        clash = [
            (a, b)
            for i, a in enumerate(distinct)
            for b in distinct[i + 1 :]
            if a[0] != b[0] or not _reuses(pods.get(a[0]) if pods else None, a[1], b[1])
        ]
        if clash:
            names = " and ".join(f"pod {_label(u, pods)} container {c!r}" for u, c in distinct)
            out.append(
                Finding(
                    DEVICE_OWNED_TWICE,
                    f"device {_show([device])} is held by {names} in {FILE}",
                    distinct[0][0],
                    devices=(device[1],),
                )
            )
    return out


def _podresources(
    entries: Sequence[PodDevicesEntry], listed: Sequence[PodResources], pods: Mapping[str, PodInfo] | None
) -> list[Finding]:
    key_of = {uid: info.key for uid, info in (pods or {}).items()}
    uid_of = {info.key: uid for uid, info in (pods or {}).items()}
    in_file: dict[Device, set[tuple[str, str]]] = {}  # (pod uid, container)
    for e in entries:
        info = pods.get(e.pod_uid) if pods is not None else None
        if pods is not None and (info is None or not info.active):
            continue  # a deleted pod: its own finding, and PodResources lists only active pods
        if info is not None and e.container_name in info.init:
            continue  # PodResources lists sidecars and app containers only
        for d in e.devices():
            in_file.setdefault((e.resource_name, d), set()).add((e.pod_uid, e.container_name))
    reported: dict[Device, set[tuple[str, str]]] = {}  # (namespace/name, container)
    for p in listed:
        for c in p.containers:
            for entry in c.devices:
                for d in entry.device_ids:
                    reported.setdefault((entry.resource_name, d), set()).add((p.key, c.name))
    listed_keys = {p.key for p in listed}
    out: list[Finding] = []
    for device, holders in sorted(in_file.items()):
        for uid, name in sorted(holders):
            if uid in key_of and key_of[uid] not in listed_keys:
                continue  # PodResources misses the whole pod: not-in-podresources says so
            there = reported.get(device, set())
            # with the pod list: reported for this very container; without: reported at all
            if (key_of[uid], name) in there if uid in key_of else bool(there):
                continue
            elsewhere = f" (PodResources gives it to {', '.join(f'{k} {n!r}' for k, n in sorted(there))})"
            out.append(
                Finding(
                    DEVICE_NOT_IN_PR,
                    f"pod {_label(uid, pods)} container {name!r}: {FILE} gives it {_show([device])}, "
                    f"PodResources does not{elsewhere if there else ''}",
                    uid,
                    devices=(device[1],),
                )
            )
    for device, holders in sorted(reported.items()):
        for key, name in sorted(holders):
            there = in_file.get(device, set())
            if (uid_of[key], name) in there if key in uid_of else bool(there):
                continue
            out.append(
                Finding(
                    DEVICE_NOT_IN_CHECKPOINT,
                    f"pod {key} container {name!r}: PodResources reports {_show([device])}, "
                    f"{FILE} has no entry giving it that device",
                    key,
                    devices=(device[1],),
                )
            )
    return out


def device_findings(
    entries: Sequence[PodDevicesEntry],
    pods: Mapping[str, PodInfo] | None,
    listed: Sequence[PodResources] | None,
) -> list[Finding]:
    """The findings of the checkpoint's ``entries`` (in file order) against the node's pods by UID
    (``None``: no pod list) and the PodResources ``List`` answer (``None``: not captured)."""
    out = _pod_findings(entries, pods) if pods is not None else []
    out += _owned_twice(entries, pods)
    if listed is not None:
        out += _podresources(entries, listed, pods)
    return out
