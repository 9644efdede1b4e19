"""The resource models ``podfit compare`` puts side by side, and how a workload is rewritten for each.

* **per-container (pre-1.36)** — the only way to get exclusive, aligned CPUs before KEP-5526:
  every container is made Guaranteed on its own with whole CPUs. App and init containers get
  their CPU rounded up to whole CPUs, sidecars (and any container without CPU) at least 1 CPU;
  with ``full-pcpus-only`` every count is rounded up to whole physical cores, because the kubelet
  would otherwise reject the container (``SMTAlignmentError``). Memory request = limit per
  container; a container without memory gets an equal share of what the pod-level memory budget
  leaves over. Pod-level ``.spec.resources`` is dropped; feature gates, scope and topology policy
  are the configured ones.
* **pod-level** (KEP-5526) in a given topology manager scope and policy — the pod keeps (or gets)
  a Guaranteed pod-level budget; the gates ``PodLevelResources`` and ``PodLevelResourceManagers``
  are turned on. A pod without ``.spec.resources`` gets a budget: its effective CPU request rounded
  up to whole CPUs (whole cores under ``full-pcpus-only``) and its effective memory/hugepages
  requests, requests = limits.

Pure: values in, values out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

from podfit.errors import InputError
from podfit.model.features import FeatureGates
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import (
    RESOURCE_CPU,
    RESOURCE_HUGEPAGES_PREFIX,
    RESOURCE_MEMORY,
    Container,
    Pod,
    ResourceRequirements,
)
from podfit.model.qos import QOS_FIX_GATE, QOSGates, compute_pod_qos, pod_requests

__all__ = [
    "PER_CONTAINER",
    "POD_LEVEL",
    "POLICIES",
    "SCOPES",
    "Model",
    "full_pcpus_only",
    "model_config",
    "model_qos_gates",
    "models_for",
    "per_container_cpus",
    "per_container_pod",
    "pod_level_pod",
    "transform_pod",
    "whole_cpus",
]

PER_CONTAINER = "per-container"
POD_LEVEL = "pod-level"
POLICIES = ("none", "best-effort", "restricted", "single-numa-node")
SCOPES = ("pod", "container")
_GATES = ("PodLevelResources", "PodLevelResourceManagers")
_MI = 1 << 20


@dataclass(frozen=True, slots=True)
class Model:
    """One column of the comparison: how pods are written (``kind``) and how the node runs them."""

    kind: str  # per-container | pod-level
    scope: str  # topologyManagerScope
    policy: str  # topologyManagerPolicy

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.scope}/{self.policy}"

    @property
    def baseline(self) -> bool:
        return self.kind == PER_CONTAINER


def models_for(config: KubeletConfig, scope: str | None = None) -> tuple[Model, ...]:
    """The models compared, baseline first: per-container (configured scope and policy), pod-level
    in pod scope and in container scope (configured policy), then pod-level under each topology
    policy in ``scope`` (default: the configured scope). Duplicates are listed once."""
    policy = config.topology_manager_policy
    given = scope or config.topology_manager_scope
    wanted = [
        Model(PER_CONTAINER, config.topology_manager_scope, policy),
        Model(POD_LEVEL, "pod", policy),
        Model(POD_LEVEL, "container", policy),
        *(Model(POD_LEVEL, given, p) for p in POLICIES),
    ]
    return tuple(dict.fromkeys(wanted))


def full_pcpus_only(config: KubeletConfig) -> bool:
    """Whether the static CPU manager runs with ``full-pcpus-only`` (Go ``strconv.ParseBool`` truth)."""
    value = config.cpu_manager_policy_options.get("full-pcpus-only", "false")
    return config.cpu_manager_policy == "static" and value in ("1", "t", "T", "true", "TRUE", "True")


def model_config(config: KubeletConfig, model: Model) -> KubeletConfig:
    """The kubelet configuration a model runs with."""
    out = dataclasses.replace(
        config, topology_manager_scope=model.scope, topology_manager_policy=model.policy
    )
    if model.kind == POD_LEVEL:
        gates = {**config.feature_gates.overrides, **dict.fromkeys(_GATES, True)}
        out = dataclasses.replace(out, feature_gates=FeatureGates(MappingProxyType(gates), config.release))
    return out


def whole_cpus(millis: int, *, minimum: int, multiple: int) -> int:
    """``millis`` rounded up to whole CPUs, at least ``minimum``, then up to a multiple of ``multiple``."""
    n = max(-(-millis // 1000), minimum)
    return -(-n // multiple) * multiple


def _amount(res: ResourceRequirements, name: str) -> int:
    return max(res.request(name), res.limit(name))


def _memory_share(pod: Pod) -> int:
    """What the pod-level memory budget leaves to each long-running container without memory."""
    lacking = [c for c in pod.all_containers() if c.kind != "init" and not _amount(c.resources, "memory")]
    budget = _amount(pod.resources, RESOURCE_MEMORY) if pod.resources is not None else 0
    used = sum(_amount(c.resources, RESOURCE_MEMORY) for c in pod.all_containers() if c.kind != "init")
    return (budget - used) // max(len(lacking), 1) // _MI * _MI


def _per_container(c: Container, multiple: int, share: int, where: str) -> Container:
    res = c.resources
    cpu = whole_cpus(_amount(res, RESOURCE_CPU), minimum=1, multiple=multiple) * 1000
    memory = _amount(res, RESOURCE_MEMORY) or share
    if memory <= 0:
        raise InputError(
            where,
            "cannot make this container Guaranteed for the per-container model: it has no memory "
            "and the pod-level memory budget leaves none to share",
        )
    fixed = {RESOURCE_CPU: cpu, RESOURCE_MEMORY: memory}
    for name in {*res.requests, *res.limits}:
        if name.startswith(RESOURCE_HUGEPAGES_PREFIX):
            fixed[name] = _amount(res, name)
    requests = {**res.requests, **fixed}
    limits = {**res.limits, **fixed}
    return dataclasses.replace(c, resources=ResourceRequirements(requests=requests, limits=limits))


def per_container_pod(pod: Pod, *, multiple: int = 1) -> Pod:
    """The pod as it had to be written before v1.36 to get exclusive, aligned CPUs.

    ``multiple`` is the CPU granularity: 1, or the threads per core under ``full-pcpus-only``.
    """
    share = _memory_share(pod)
    where = f"pod {pod.key}"

    def fix(containers: tuple[Container, ...], field: str) -> tuple[Container, ...]:
        return tuple(
            _per_container(c, multiple, share, f"{where}, {field}[{i}] ({c.name})")
            for i, c in enumerate(containers)
        )

    return dataclasses.replace(
        pod,
        resources=None,
        init_containers=fix(pod.init_containers, "initContainers"),
        containers=fix(pod.containers, "containers"),
    )


def model_qos_gates(config: KubeletConfig) -> QOSGates:
    """The QoS class the models are chosen by: the pod-level class (``PodLevelResources`` on), as
    the kubelet of the configuration's release computes it (``PodLevelResourcesFixKubeletQOSClass``
    from 1.37: an empty ``spec.resources`` does not decide)."""
    return QOSGates(True, config.feature_gates.enabled(QOS_FIX_GATE))


def per_container_cpus(pod: Pod, qos: QOSGates, *, multiple: int = 1) -> int:
    """The CPUs ``pod`` pins when written per container: the kubelet's effective (init/sidecar/app
    aggregate) CPU request of the per-container rewrite, in whole CPUs (0 for a pod that is not
    Guaranteed: it is not rewritten and pins nothing). ``qos``: :func:`model_qos_gates`."""
    if compute_pod_qos(pod, qos) != "Guaranteed":
        return 0

    def cpu_only(c: Container) -> Container:
        cpu = whole_cpus(_amount(c.resources, RESOURCE_CPU), minimum=1, multiple=multiple) * 1000
        return dataclasses.replace(
            c, resources=ResourceRequirements({RESOURCE_CPU: cpu}, {RESOURCE_CPU: cpu})
        )

    whole = dataclasses.replace(
        pod,
        resources=None,
        init_containers=tuple(map(cpu_only, pod.init_containers)),
        containers=tuple(map(cpu_only, pod.containers)),
    )
    return pod_requests(whole, pod_level_resources=False, exclude_overhead=True).get(RESOURCE_CPU, 0) // 1000


def pod_level_pod(pod: Pod, *, multiple: int = 1) -> Pod:
    """The pod with a Guaranteed pod-level budget (kept as written when it already has one)."""
    if pod.resources is not None and not pod.resources.is_empty:
        return pod
    effective = pod_requests(pod, pod_level_resources=False, exclude_overhead=True)
    biggest = max((c.resources.limit(RESOURCE_CPU) for c in pod.all_containers()), default=0)
    budget: dict[str, int] = {
        RESOURCE_CPU: whole_cpus(max(effective.get(RESOURCE_CPU, 0), biggest), minimum=1, multiple=multiple)
        * 1000
    }
    for name, value in effective.items():
        if (name == RESOURCE_MEMORY or name.startswith(RESOURCE_HUGEPAGES_PREFIX)) and value > 0:
            budget[name] = value
    return dataclasses.replace(pod, resources=ResourceRequirements(requests=budget, limits=budget))


def transform_pod(pod: Pod, model: Model, multiple: int, qos: QOSGates) -> Pod:
    """``pod`` rewritten for ``model``. Only Guaranteed pods (pod-level QoS, ``qos``:
    :func:`model_qos_gates`) are rewritten: a Burstable or BestEffort pod gets no exclusive
    resources in any model and runs as written."""
    if compute_pod_qos(pod, qos) != "Guaranteed":
        return pod
    if model.kind == PER_CONTAINER:
        return per_container_pod(pod, multiple=multiple)
    return pod_level_pod(pod, multiple=multiple)


def shape(pod: Pod) -> Pod:
    """The pod without its identity (two pods of the same shape are copies of one template)."""
    return dataclasses.replace(pod, name="", namespace="", uid="")


def renamed(pod: Pod, suffix: str) -> Pod:
    """A copy of ``pod`` with ``suffix`` appended to its name and uid."""
    return dataclasses.replace(pod, name=f"{pod.name}{suffix}", uid=f"{pod.uid}{suffix}")
