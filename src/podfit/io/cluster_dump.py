"""A cluster dump as a fleet input: ``kubectl get nodes -o json|yaml``, ``kubectl get pods -A -o
json|yaml`` and optionally NodeResourceTopology objects (JSON or YAML; a ``List`` with ``items``,
a bare list, or several documents).

Nodes: name, labels, ``status.capacity`` (or ``allocatable``): cpu, memory, pods, the GPU
resource, ``spec.taints``, ``spec.unschedulable``; a node's NRT zones give its NUMA layout. Pods:
the spec as written (decoded and validated as every podfit pod), ``nodeSelector``, the required
node affinity, ``tolerations`` (:mod:`podfit.io.scheduling_fields`), ``creationTimestamp``,
``deletionTimestamp``; a DaemonSet's
pod or a static pod's mirror is bound to its node (:func:`bound_node`). A pod that
has terminated (``status.phase`` Succeeded or Failed) held its resources until its last container
finished: it is replayed for that long (``finishedAt`` of its containers' terminated states minus
its creation); without a finish time it is not replayed (a ``TerminatedPodSkipped`` warning).

Bad input is one :class:`~podfit.errors.InputError` naming the file and the field; a name given
twice (a node, or a pod's namespace/name) is one too: a snapshot of a cluster has each once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from podfit.errors import InputError
from podfit.fleet.kubelet_port import MI, pod_from_dict, quantity_milli, quantity_value
from podfit.fleet.values import NodeRow, NumaZone, PodRow
from podfit.io.scheduling_fields import (
    node_taints,
    node_unschedulable,
    pod_required_affinity,
    pod_tolerations,
)
from podfit.io.yamlio import parse_documents, read_text
from podfit.model.diagnostics import TERMINATED_POD_SKIPPED, Diagnostic
from podfit.model.gotext import json_type

__all__ = ["ClusterDump", "read_cluster_dump"]

TERMINATED_PHASES = ("Succeeded", "Failed")


@dataclass(frozen=True)
class ClusterDump:
    """The nodes, the pods in creation order (arrivals relative to the first), and the warnings."""

    nodes: tuple[NodeRow, ...]
    pods: tuple[PodRow, ...]
    warnings: tuple[Diagnostic, ...] = ()


def _objects(path: Path) -> list[tuple[str, Mapping[str, Any]]]:
    """Every object of the file with its field path (``items[i]``, ``[document d].items[i]``)."""
    text = read_text(path, "file")
    if not text.strip():
        raise InputError("", "empty file", str(path))
    docs = parse_documents(text, str(path))
    out: list[tuple[str, Mapping[str, Any]]] = []
    prefix: str | None
    for d, doc in enumerate(docs):
        where = f"[document {d}]." if len(docs) > 1 else ""
        if isinstance(doc, Mapping) and "items" in doc:
            items = doc["items"] if doc["items"] is not None else []
            if not isinstance(items, list):
                raise InputError(f"{where}items", f"expected a list, got {json_type(items)}", str(path))
            prefix = f"{where}items"
        elif isinstance(doc, list):
            items, prefix = doc, where.rstrip(".")
        elif isinstance(doc, Mapping) and "kind" in doc:
            items, prefix = [doc], None
        else:
            raise InputError(
                where.rstrip("."), "expected a List object with items (kubectl get ... -o json)", str(path)
            )
        for i, obj in enumerate(items):
            field = f"{prefix}[{i}]" if prefix is not None else where.rstrip(".")
            if not isinstance(obj, Mapping):
                raise InputError(field, f"expected an object, got {json_type(obj)}", str(path))
            out.append((field, obj))
    return out


def _mapping(obj: Mapping[str, Any], key: str, field: str, path: Path) -> Mapping[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        got = json_type(value)
        raise InputError(f"{field}.{key}".lstrip("."), f"expected an object, got {got}", str(path))
    return value


def _strings(obj: Mapping[str, Any], key: str, field: str, path: Path) -> tuple[tuple[str, str], ...]:
    """A map of strings (labels, a node selector), sorted."""
    value = _mapping(obj, key, field, path)
    for k, v in value.items():
        if not isinstance(v, str):
            where = f"{field}.{key}.{k}".lstrip(".")
            raise InputError(where, f"expected a string, got {json_type(v)}", str(path))
    return tuple(sorted((str(k), v) for k, v in value.items()))


def _time_ms(text: Any, field: str, path: Path) -> int:
    try:
        return int(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise InputError(field, f"not an RFC 3339 time: {text!r}", str(path)) from None


def _zones(nrt: Mapping[str, Any], gpu_resource: str, field: str, path: Path) -> tuple[NumaZone, ...]:
    zones = []
    listed = nrt.get("zones") or []
    if not isinstance(listed, list):
        raise InputError(f"{field}.zones", f"expected a list, got {json_type(listed)}", str(path))
    for j, zone in enumerate(listed):
        where = f"{field}.zones[{j}]"
        if not isinstance(zone, Mapping):
            raise InputError(where, f"expected an object, got {json_type(zone)}", str(path))
        if zone.get("type", "Node") != "Node":
            continue
        resources = zone.get("resources") or []
        if not isinstance(resources, list) or not all(isinstance(r, Mapping) for r in resources):
            raise InputError(f"{where}.resources", "expected a list of objects", str(path))
        res = {r.get("name"): r for r in resources}

        def amount(name: str, res: dict[Any, Any] = res) -> Any:
            r = res.get(name)
            return None if r is None else r.get("capacity", r.get("allocatable", "0"))

        cpu = amount("cpu")
        if cpu is None:
            raise InputError(f"{where}.resources", "no cpu resource", str(path))
        memory = amount("memory")
        gpus = amount(gpu_resource)
        zones.append(
            NumaZone(
                cpus=quantity_value(cpu, f"{where}.cpu"),
                memory_mib=quantity_value(memory or "0", f"{where}.memory") // MI,
                gpus=quantity_value(gpus or "0", f"{where}.{gpu_resource}"),
            )
        )
    return tuple(zones)


def _read_nrts(path: Path) -> dict[str, Mapping[str, Any]]:
    nrts: dict[str, Mapping[str, Any]] = {}
    for field, obj in _objects(path):
        name = _mapping(obj, "metadata", field, path).get("name")
        if not name or not isinstance(name, str):
            raise InputError(f"{field}.metadata.name", "missing", str(path))
        nrts[name] = obj
    return nrts


def _read_nodes(path: Path, nrt_path: Path | None, gpu_resource: str) -> tuple[NodeRow, ...]:
    nrts = _read_nrts(nrt_path) if nrt_path is not None else {}
    nodes: list[NodeRow] = []
    seen: dict[str, str] = {}
    for field, obj in _objects(path):
        meta = _mapping(obj, "metadata", field, path)
        name = meta.get("name")
        if not name or not isinstance(name, str):
            raise InputError(f"{field}.metadata.name", "missing", str(path))
        if name in seen:
            again = f"node {name!r} again (first at {seen[name]})"
            raise InputError(f"{field}.metadata.name", again, str(path))
        seen[name] = field
        status = _mapping(obj, "status", field, path)
        cap = status.get("capacity") or status.get("allocatable")
        if not isinstance(cap, Mapping) or "cpu" not in cap or "memory" not in cap:
            raise InputError(f"{field}.status.capacity", "needs cpu and memory", str(path))
        zones = _zones(nrts[name], gpu_resource, f"nrt {name}", nrt_path) if name in nrts and nrt_path else ()
        spec = _mapping(obj, "spec", field, path)
        nodes.append(
            NodeRow(
                name=name,
                cpu_milli=quantity_milli(cap["cpu"], f"{field}.status.capacity.cpu"),
                memory_mib=quantity_value(cap["memory"], f"{field}.status.capacity.memory") // MI,
                gpus=quantity_value(cap.get(gpu_resource, "0"), f"{field}.status.capacity.{gpu_resource}"),
                labels=_strings(meta, "labels", f"{field}.metadata", path),
                max_pods=quantity_value(cap.get("pods", "0"), f"{field}.status.capacity.pods"),
                zones=zones,
                taints=node_taints(spec, f"{field}.spec", path),
                unschedulable=node_unschedulable(spec, f"{field}.spec", path),
            )
        )
    if not nodes:
        raise InputError("items", "no nodes", str(path))
    return tuple(nodes)


def _finished_ms(status: Mapping[str, Any], field: str, path: Path) -> int | None:
    """When the last container of a terminated pod finished (``None``: no container says)."""
    last: int | None = None
    for key in ("initContainerStatuses", "containerStatuses"):
        listed = status.get(key) or []
        if not isinstance(listed, list):
            raise InputError(f"{field}.status.{key}", f"expected a list, got {json_type(listed)}", str(path))
        for j, cs in enumerate(listed):
            state = cs.get("state") if isinstance(cs, Mapping) else None
            terminated = state.get("terminated") if isinstance(state, Mapping) else None
            if isinstance(terminated, Mapping) and terminated.get("finishedAt"):
                at = _time_ms(
                    terminated["finishedAt"], f"{field}.status.{key}[{j}].state.terminated.finishedAt", path
                )
                last = at if last is None else max(last, at)
    return last


MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def is_mirror(obj: Mapping[str, Any]) -> bool:
    """A static pod's mirror (the kubelet runs it; the scheduler never placed it).
    Mirrors: pkg/kubelet/types IsMirrorPod (v1.36)"""
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    return isinstance(annotations, Mapping) and MIRROR_ANNOTATION in annotations


def bound_node(obj: Mapping[str, Any]) -> str:
    """The one node a pod of the dump may run on (``""``: any the scheduler picks): a static pod's
    mirror stays on its ``spec.nodeName``; a pod whose required node affinity names one node by
    ``matchFields metadata.name In [node]`` in every term (as the DaemonSet controller writes its
    pods) may only go there.
    Mirrors: pkg/controller/daemon/util ReplaceDaemonSetPodNodeNameNodeAffinity (v1.36, the
    affinity it writes); pkg/kubelet/types IsMirrorPod (the annotation)"""
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return ""
    if is_mirror(obj):
        name = spec.get("nodeName")
        return name if isinstance(name, str) else ""
    affinity = spec.get("affinity")
    node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, Mapping) else None
    required = (
        node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(node_affinity, Mapping)
        else None
    )
    terms = required.get("nodeSelectorTerms") if isinstance(required, Mapping) else None
    if not isinstance(terms, list) or not terms:
        return ""
    names: set[str] = set()
    for term in terms:
        fields = term.get("matchFields") if isinstance(term, Mapping) else None
        named = [
            f.get("values")
            for f in (fields if isinstance(fields, list) else [])
            if isinstance(f, Mapping) and f.get("key") == "metadata.name" and f.get("operator") == "In"
        ]
        if len(named) != 1 or not isinstance(named[0], list) or len(named[0]) != 1:
            return ""
        names.add(str(named[0][0]))
    return names.pop() if len(names) == 1 else ""


def _read_pods(path: Path) -> tuple[tuple[PodRow, ...], tuple[Diagnostic, ...]]:
    raw = []
    warnings: list[Diagnostic] = []
    seen: dict[str, str] = {}
    for i, (field, obj) in enumerate(_objects(path)):
        meta = _mapping(obj, "metadata", field, path)
        if "creationTimestamp" not in meta:
            raise InputError(f"{field}.metadata.creationTimestamp", "missing", str(path))
        created = _time_ms(meta["creationTimestamp"], f"{field}.metadata.creationTimestamp", path)
        deleted = None
        if meta.get("deletionTimestamp"):
            deleted = _time_ms(meta["deletionTimestamp"], f"{field}.metadata.deletionTimestamp", path)
            if deleted < created:
                raise InputError(f"{field}.metadata.deletionTimestamp", "before creationTimestamp", str(path))
        try:
            pod = pod_from_dict(obj)
        except InputError as exc:
            raise exc.under(field).in_source(str(path)) from None
        key = f"{pod.namespace}/{pod.name}"
        if key in seen:
            raise InputError(f"{field}.metadata.name", f"pod {key} again (first at {seen[key]})", str(path))
        seen[key] = field
        status = _mapping(obj, "status", field, path)
        if status.get("phase") in TERMINATED_PHASES:
            finished = _finished_ms(status, field, path)
            if finished is None:
                warnings.append(
                    Diagnostic(
                        TERMINATED_POD_SKIPPED,
                        f"{status['phase']} with no container finish time: not replayed (how long it "
                        "held its resources is not known)",
                        str(path),
                        f"{field}.status",
                        key,
                    )
                )
                continue
            finished = max(finished, created)
            deleted = finished if deleted is None else min(deleted, finished)
        spec = _mapping(obj, "spec", field, path)
        selector = _strings(spec, "nodeSelector", f"{field}.spec", path)
        affinity = pod_required_affinity(spec, f"{field}.spec", path)
        tolerations = pod_tolerations(spec, f"{field}.spec", path)
        placement = (selector, bound_node(obj), affinity, tolerations, is_mirror(obj))
        raw.append((created, i, deleted, pod, placement))
    if not raw:
        raise InputError("items", "no pods" + (" to replay" if warnings else ""), str(path))
    raw.sort(key=lambda r: (r[0], r[1]))
    start = raw[0][0]
    pods = tuple(
        PodRow(
            name=f"{pod.namespace}/{pod.name}",
            arrival_ms=created - start,
            lifetime_ms=None if deleted is None else deleted - created,
            qos="",
            cpu_milli=0,
            memory_mib=0,
            node_selector=selector,
            manifest=pod,
            node_name=node,
            affinity=affinity,
            tolerations=tolerations,
            mirror=mirror,
        )
        for created, _, deleted, pod, (selector, node, affinity, tolerations, mirror) in raw
    )
    return pods, tuple(warnings)


def read_cluster_dump(
    nodes_path: Path, pods_path: Path, nrt_path: Path | None = None, gpu_resource: str = "nvidia.com/gpu"
) -> ClusterDump:
    """Nodes (capacity, labels, NRT zones) and pods (specs as written, in creation order)."""
    nodes = _read_nodes(nodes_path, nrt_path, gpu_resource)
    pods, warnings = _read_pods(pods_path)
    return ClusterDump(nodes, pods, warnings)
