"""The PodResources API's answers as plain values, and their proto3 JSON form.

Pure (no I/O, no gRPC): the server fills these from a simulated node, the client turns the
kubelet's messages into them, a bundle stores them as JSON (the protobuf JSON mapping, so
``google.protobuf.json_format`` reads the same files), and ``inspect`` and the drift checks read them.
Lists keep the order the answer had.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from podfit.errors import InputError
from podfit.model.gotext import json_text

__all__ = [
    "AllocatableResources",
    "ContainerResources",
    "DeviceEntry",
    "MemoryEntry",
    "PodResources",
    "allocatable_from_json",
    "allocatable_to_json",
    "pod_from_json",
    "pod_to_json",
    "pods_from_json",
    "pods_to_json",
]


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    """``ContainerMemory``: a memory type, its size in bytes and its NUMA nodes."""

    memory_type: str
    size: int
    numa: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    """``ContainerDevices``: a resource's device ids and their NUMA nodes."""

    resource_name: str
    device_ids: tuple[str, ...]
    numa: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ContainerResources:
    name: str
    cpu_ids: tuple[int, ...] = ()
    memory: tuple[MemoryEntry, ...] = ()
    devices: tuple[DeviceEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class PodResources:
    name: str
    namespace: str
    containers: tuple[ContainerResources, ...] = ()
    cpu_ids: tuple[int, ...] = ()  # v1.37 pod-level fields (empty before)
    memory: tuple[MemoryEntry, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class AllocatableResources:
    cpu_ids: tuple[int, ...] = ()
    memory: tuple[MemoryEntry, ...] = ()
    devices: tuple[DeviceEntry, ...] = ()


# ----- proto3 JSON (camelCase names; 64-bit integers as strings, numbers accepted) -----------------
def _topology(numa: tuple[int, ...]) -> dict[str, Any]:
    return {"nodes": [{"ID": str(n)} for n in numa]}


def _memory_json(m: MemoryEntry) -> dict[str, Any]:
    return {"memoryType": m.memory_type, "size": str(m.size), "topology": _topology(m.numa)}


def _device_json(d: DeviceEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceName": d.resource_name, "deviceIds": list(d.device_ids)}
    if d.numa:
        out["topology"] = _topology(d.numa)
    return out


def _drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    """The JSON mapping leaves out fields at their default value."""
    return {k: v for k, v in obj.items() if v not in ("", [], None)}


def _container_json(c: ContainerResources) -> dict[str, Any]:
    return _drop_empty(
        {
            "name": c.name,
            "devices": [_device_json(d) for d in c.devices],
            "cpuIds": [str(i) for i in c.cpu_ids],
            "memory": [_memory_json(m) for m in c.memory],
        }
    )


def pod_to_json(p: PodResources) -> dict[str, Any]:
    return _drop_empty(
        {
            "name": p.name,
            "namespace": p.namespace,
            "containers": [_container_json(c) for c in p.containers],
            "cpuIds": [str(i) for i in p.cpu_ids],
            "memory": [_memory_json(m) for m in p.memory],
        }
    )


def pods_to_json(pods: Sequence[PodResources]) -> dict[str, Any]:
    """A ``ListPodResourcesResponse``."""
    return _drop_empty({"podResources": [pod_to_json(p) for p in pods]})


def allocatable_to_json(a: AllocatableResources) -> dict[str, Any]:
    """An ``AllocatableResourcesResponse``."""
    return _drop_empty(
        {
            "devices": [_device_json(d) for d in a.devices],
            "cpuIds": [str(i) for i in a.cpu_ids],
            "memory": [_memory_json(m) for m in a.memory],
        }
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(path, f"expected an object, got {json_text(value)}")
    return value


def _list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(_join(path, key), f"expected an array, got {json_text(value)}")
    return value


def _str(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        raise InputError(_join(path, key), f"expected a string, got {json_text(value)}")
    return value


def _int(value: Any, path: str, *, unsigned: bool = False) -> int:
    if isinstance(value, bool):
        raise InputError(path, "expected an integer, got bool")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.lstrip("-").isdigit():
        n = int(value)
    else:
        raise InputError(path, f"expected an integer, got {json_text(value)}")
    low, high = (0, 2**64 - 1) if unsigned else (-(2**63), 2**63 - 1)
    if not low <= n <= high:
        raise InputError(path, f"integer {n} out of range")
    return n


def _field(obj: Mapping[str, Any], camel: str, snake: str) -> str:
    """The JSON mapping accepts the lowerCamelCase name and the proto field name."""
    return snake if snake in obj and camel not in obj else camel


def _numa(value: Any, path: str) -> tuple[int, ...]:
    if value is None:
        return ()
    topo = _obj(value, path)
    out = []
    for i, node in enumerate(_list(topo, "nodes", path)):
        node = _obj(node, f"{path}.nodes[{i}]")
        key = "ID" if "ID" in node else "id"
        out.append(_int(node.get(key, 0), f"{path}.nodes[{i}].{key}"))
    return tuple(out)


def _cpu_ids(obj: Mapping[str, Any], path: str) -> tuple[int, ...]:
    key = _field(obj, "cpuIds", "cpu_ids")
    return tuple(_int(v, f"{_join(path, key)}[{i}]") for i, v in enumerate(_list(obj, key, path)))


def _memory(obj: Mapping[str, Any], path: str) -> tuple[MemoryEntry, ...]:
    out = []
    for i, raw in enumerate(_list(obj, "memory", path)):
        p = f"{_join(path, 'memory')}[{i}]"
        m = _obj(raw, p)
        kind = _str(m, _field(m, "memoryType", "memory_type"), p)
        out.append(
            MemoryEntry(
                kind,
                _int(m.get("size", 0), _join(p, "size"), unsigned=True),
                _numa(m.get("topology"), _join(p, "topology")),
            )
        )
    return tuple(out)


def _devices(obj: Mapping[str, Any], path: str) -> tuple[DeviceEntry, ...]:
    out = []
    for i, raw in enumerate(_list(obj, "devices", path)):
        p = f"{_join(path, 'devices')}[{i}]"
        d = _obj(raw, p)
        ids_key = _field(d, "deviceIds", "device_ids")
        ids = _list(d, ids_key, p)
        if not all(isinstance(x, str) for x in ids):
            raise InputError(_join(p, ids_key), "expected a list of strings")
        name = _str(d, _field(d, "resourceName", "resource_name"), p)
        out.append(DeviceEntry(name, tuple(ids), _numa(d.get("topology"), _join(p, "topology"))))
    return tuple(out)


def pod_from_json(value: Any, path: str = "") -> PodResources:
    obj = _obj(value, path)
    containers = []
    for i, raw in enumerate(_list(obj, "containers", path)):
        p = f"{_join(path, 'containers')}[{i}]"
        c = _obj(raw, p)
        containers.append(
            ContainerResources(_str(c, "name", p), _cpu_ids(c, p), _memory(c, p), _devices(c, p))
        )
    return PodResources(
        _str(obj, "name", path),
        _str(obj, "namespace", path),
        tuple(containers),
        _cpu_ids(obj, path),
        _memory(obj, path),
    )


def pods_from_json(value: Any) -> tuple[PodResources, ...]:
    """A ``ListPodResourcesResponse`` in JSON → its pods."""
    obj = _obj(value, "")
    key = _field(obj, "podResources", "pod_resources")
    return tuple(pod_from_json(p, f"{key}[{i}]") for i, p in enumerate(_list(obj, key, "")))


def allocatable_from_json(value: Any) -> AllocatableResources:
    obj = _obj(value, "")
    return AllocatableResources(_cpu_ids(obj, ""), _memory(obj, ""), _devices(obj, ""))


@dataclass(frozen=True)
class PodResourcesSource:
    """Everything a PodResources server answers: ``List`` (``pods``), ``GetAllocatableResources``
    (``allocatable``) and ``Get`` (``known``: every pod the pod manager knows by namespace/name,
    the listed ones and e.g. rejected ones; ``get_enabled``: the ``KubeletPodResourcesGet`` gate)."""

    pods: tuple[PodResources, ...]
    allocatable: AllocatableResources
    known: Mapping[str, PodResources]
    get_enabled: bool = True

    def get(self, namespace: str, name: str) -> PodResources | str:
        """The pod, or the error text of the kubelet's ``Get``.

        Mirrors: pkg/kubelet/apis/podresources/server_v1.go v1PodResourcesServer.Get (v1.33-v1.36)
        """
        if not self.get_enabled:
            return "PodResources API Get method disabled"
        found = self.known.get(f"{namespace}/{name}")
        if found is None:
            return f"pod {name} in namespace {namespace} not found"
        return found
