"""The one door from the fleet replay into podfit's kubelet core.

Every import of podfit's kubelet and model internals used by ``podfit.fleet`` (and by the trace
readers that build fleet inputs) lives here, so a refactor of the core changes one module. The
rest of the fleet package sees: machines, kubelet configurations, pods, a ``Node`` with
``admit``/``remove``, and the few derived views below. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.machine_build import machine_from_table, synthetic_machine
from podfit.api.pods import pod_from_dict
from podfit.api.scenario import api_server_gates
from podfit.compare.metrics import pod_footprint
from podfit.compare.variants import Model, per_container_cpus, transform_pod
from podfit.errors import InputError
from podfit.kubelet.node import Node
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.startup import kubelet_refusal
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import DeviceGroup, Machine
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import QOS_FIX_GATE, QOSGates, compute_pod_qos, pod_requests
from podfit.model.quantity import QuantityError, parse_quantity
from podfit.release.profile import SUPPORTED_RELEASES, parse_kubelet_version, release_profile

__all__ = [
    "GI",
    "MI",
    "AdmitResult",
    "Container",
    "DeviceGroup",
    "Footprint",
    "InputError",
    "KubeletConfig",
    "Machine",
    "Node",
    "Pod",
    "ResourceRequirements",
    "api_server_keeps_pod_resources",
    "fleet_qos_gates",
    "footprint",
    "instantiate",
    "kubelet_config",
    "kubelet_refusal_text",
    "machine_from_table",
    "model_pod",
    "node_allocatable",
    "numa_free",
    "per_container_cpu_count",
    "pod_from_dict",
    "pod_qos",
    "quantity_milli",
    "quantity_value",
    "scheduler_requests",
    "stored_pod",
    "synthetic_machine",
]

MI: Final = 1 << 20
GI: Final = 1 << 30
RELEASES: Final = SUPPORTED_RELEASES  # the kubelet releases podfit models (podfit.release)
_GATES: Final = ("PodLevelResources", "PodLevelResourceManagers")


def kubelet_config(doc: Mapping[str, Any], version: str, pod_level: bool) -> KubeletConfig:
    """A KubeletConfiguration document decoded for the kubelet of release ``version`` (its gates,
    options and behaviour switches: :mod:`podfit.release`), with the pod-level gates on for the
    pod-level models (where the release has them: a gate it does not know refuses the start)."""
    profile = release_profile(parse_kubelet_version(version) or version)
    if profile is None:
        raise InputError("versions", f"unknown kubelet release {version!r} (known: {', '.join(RELEASES)})")
    full = dict(doc)
    if pod_level:
        gates = dict(full.get("featureGates") or {})
        gates.update({g: True for g in _GATES if profile.gates.spec(g) is not None})
        full["featureGates"] = gates
    return kubelet_config_from_dict(full, profile)


def api_server_keeps_pod_resources(version: str, pod_level: bool) -> bool:
    """Whether the API server of a fleet whose kubelets run release ``version`` (the pod-level
    gates on for the pod-level models) keeps a pod's ``spec.resources``: its release's
    ``PodLevelResources`` default, or the kubelets' gate
    (:func:`podfit.api.scenario.api_server_gates`). A 1.33 cluster of per-container kubelets drops
    the field; every later release, or a 1.33 kubelet with the alpha gate on, keeps it."""
    bare = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
    return api_server_gates(kubelet_config(bare, version, pod_level))["PodLevelResources"]


def stored_pod(pod: Pod, keeps_pod_resources: bool) -> Pod:
    """``pod`` as the API server stores it: without ``spec.resources`` where it drops the field
    (as :func:`podfit.api.scenario.scenario_for_release` retargets a scenario's pods)."""
    if keeps_pod_resources or pod.resources is None:
        return pod
    return replace(pod, resources=None)


def kubelet_refusal_text(config: KubeletConfig, machine: Machine) -> str | None:
    """Why a kubelet with ``config`` would not start on ``machine`` (``None``: it starts)."""
    refusal = kubelet_refusal(config, machine)
    return None if refusal is None else f"{refusal.reason}: {refusal.message}"


def fleet_qos_gates(version: str) -> QOSGates:
    """The QoS class a fleet replay of kubelet release ``version`` chooses and filters pods by:
    the pod-level class (``PodLevelResources`` on) with the release's default of
    ``PodLevelResourcesFixKubeletQOSClass`` (on from 1.37)."""
    profile = release_profile(parse_kubelet_version(version) or version)
    if profile is None:
        raise InputError("versions", f"unknown kubelet release {version!r} (known: {', '.join(RELEASES)})")
    return QOSGates(True, profile.gates.value(QOS_FIX_GATE, {}))


def model_pod(written: Pod, model: str, scope: str, policy: str, multiple: int, qos: QOSGates) -> Pod:
    """``written`` rewritten for a fleet model (``podfit compare``'s transforms)."""
    kind = "per-container" if model == "per-container" else "pod-level"
    return transform_pod(written, Model(kind, scope, policy), multiple, qos)


def per_container_cpu_count(written: Pod, multiple: int, qos: QOSGates) -> int:
    """The CPUs ``written`` pins when written per container (0 when not Guaranteed)."""
    return per_container_cpus(written, qos, multiple=multiple)


def pod_qos(pod: Pod, qos: QOSGates) -> str:
    return compute_pod_qos(pod, qos)


def scheduler_requests(pod: Pod, gpu_resource: str) -> tuple[int, int, int]:
    """What the scheduler's NodeResourcesFit counts: (CPU millicores, memory bytes, GPUs),
    pod-level resources included (kube-scheduler's PodLevelResources handling)."""
    req = pod_requests(pod, pod_level_resources=True)
    return req.get("cpu", 0), req.get("memory", 0), req.get(gpu_resource, 0)


def node_allocatable(node: Node, gpu_resource: str) -> tuple[int, int, int, int]:
    """The node's allocatable (CPU millicores, memory bytes, GPUs, pods) as its kubelet reports it."""
    alloc = node.allocatable
    gpus = sum(d.count for d in node.machine.devices if d.resource == gpu_resource)
    return alloc.get("cpu", 0), alloc.get("memory", 0), alloc.get(gpu_resource, gpus), alloc.get("pods", 110)


def instantiate(template: Pod, name: str, uid: str) -> Pod:
    """A pod of ``template``'s spec under another name, sharing the template's memo of derived
    values (QoS, effective requests, CPU and memory plans, cgroup values, per node configuration
    or policy as the memo's anchors say): every memo is a function of the spec (the containers are
    the very same objects) and of its anchor, none of the pod's name or UID. So each pod shape is
    derived once per node configuration, not once per pod."""
    pod = Pod(
        template.namespace,
        name,
        uid,
        template.init_containers,
        template.containers,
        template.ephemeral_containers,
        template.resources,
        template.restart_policy,
        template.os_name,
        template.overhead,
        template.qos_status,
    )
    object.__setattr__(pod, "derived", template.derived)
    return pod


@dataclass(frozen=True, slots=True)
class Footprint:
    """CPUs an admitted pod holds (``podfit compare``'s footprint)."""

    held: int
    exclusive: int
    pod_shared: int
    idle: int
    aligned: bool


NO_FOOTPRINT: Final = Footprint(0, 0, 0, 0, False)


def footprint(result: AdmitResult, machine: Machine) -> Footprint:
    f = pod_footprint(result, machine)
    return Footprint(f.held, f.exclusive, f.pod_shared, f.idle, f.aligned)


def numa_free(node: Node, gpu_resource: str) -> tuple[tuple[int, int, int], ...]:
    """Per NUMA node (id order): free exclusive-assignable CPUs, free memory (bytes, the memory
    manager's table; the node's share without the Static policy) and free GPUs, as a
    NodeResourceTopology exporter reports them."""
    machine = node.machine
    managers = node.managers
    free_cpus = managers.cpu.state.get_default_cpu_set() & ~managers.cpu.reserved_cpus
    mstate = managers.memory.state.get_machine_state()
    devices = managers.devices
    in_use = devices.state.in_use() if devices.devices else set()
    per_numa_gpu: dict[int, int] = {}
    for dev_id, dev in devices.devices.get(gpu_resource, {}).items():
        if dev_id not in in_use and dev.numa is not None:
            per_numa_gpu[dev.numa] = per_numa_gpu.get(dev.numa, 0) + 1
    out = []
    for numa in machine.numa_ids:
        cpus = (free_cpus & machine.numa_cpus.get(numa, 0)).bit_count()
        if mstate:
            table = mstate[numa].memory_map.get("memory")
            mem = table.free if table is not None else 0
        else:
            mem = machine.numa_node[numa].memory
        out.append((cpus, mem, per_numa_gpu.get(numa, 0)))
    return tuple(out)


def quantity_value(text: object, field: str) -> int:
    """A Kubernetes quantity as an integer (rounded up, as ``Quantity.Value()``)."""
    try:
        return parse_quantity(str(text)).value()
    except (QuantityError, ValueError) as exc:
        raise InputError(field, f"invalid quantity {text!r}: {exc}") from None


def quantity_milli(text: object, field: str) -> int:
    """A Kubernetes quantity in thousandths (``Quantity.MilliValue()``)."""
    try:
        return parse_quantity(str(text)).milli_value()
    except (QuantityError, ValueError) as exc:
        raise InputError(field, f"invalid quantity {text!r}: {exc}") from None
