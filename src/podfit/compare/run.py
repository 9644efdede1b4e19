"""Running one workload under every model, and the figures that compare them.

Cores saved (model ``m``, against the per-container model), over the workload pods on the node at
the end of the workload under ``m`` (fill copies not included)::

    cores_saved(m) = Σ_p ( per_container_cpus(p) - held_m(p) ) / threads_per_core

``per_container_cpus(p)`` is what ``p`` pins when written per container: the effective CPU request
of the per-container rewrite (the kubelet's init/sidecar/app aggregate, all whole CPUs), which is
exactly what the static CPU manager hands out; ``held_m(p)`` is what ``p`` actually took out of the
node's shared pool under ``m`` (see :mod:`podfit.compare.metrics`).

Fill (``fill=True``): after the workload, copies of each distinct pod (in workload order) are added
until the first rejection (or ``fill_limit`` copies); ``pods_fit`` = workload pods on the node +
copies that fit; ``extra_pods`` = ``pods_fit`` minus the per-container model's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from podfit.compare.metrics import PodFootprint, cores, pod_footprint
from podfit.compare.variants import (
    Model,
    full_pcpus_only,
    model_config,
    model_qos_gates,
    models_for,
    per_container_cpus,
    renamed,
    shape,
    transform_pod,
)
from podfit.kubelet.node import Node
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.startup import kubelet_refusal
from podfit.model.admission import ConfigRefusal
from podfit.model.cpuset import size
from podfit.model.pod import Pod
from podfit.model.qos import QOSGates
from podfit.model.scenario import AddPod, RemovePod, ResizePod, RetryResizes, Scenario, StartPod

__all__ = ["Comparison", "FillResult", "ModelRun", "compare", "run_model"]

FILL_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class FillResult:
    """Copies of one workload pod added after the workload until the first rejection."""

    template: str  # namespace/name of the workload pod copied
    added: int
    stopped_by: str  # the rejection reason, or "limit"
    message: str = ""


@dataclass(frozen=True)
class ModelRun:
    """One model's figures. ``refusal`` set: the kubelet would not start; every count is 0."""

    model: Model
    refusal: ConfigRefusal | None
    admitted: int
    rejected: Mapping[str, int]  # reason -> count (workload pods)
    footprints: tuple[PodFootprint, ...]  # workload pods on the node at the end of the workload
    per_container_cpus: int  # Σ per-container CPUs of those pods
    node_shared_pool: int  # CPUs left in the node's shared pool (reserved CPUs included)
    threads_per_core: int
    fill: tuple[FillResult, ...] | None = None
    rejection_messages: Mapping[str, str] = field(default_factory=dict)  # reason -> first message

    @property
    def aligned(self) -> int:
        return sum(f.aligned for f in self.footprints)

    @property
    def exclusive(self) -> int:
        return sum(f.exclusive for f in self.footprints)

    @property
    def pod_shared(self) -> int:
        return sum(f.pod_shared for f in self.footprints)

    @property
    def idle(self) -> int:
        return sum(f.idle for f in self.footprints)

    @property
    def held(self) -> int:
        return sum(f.held for f in self.footprints)

    @property
    def cpus_saved(self) -> int:
        return self.per_container_cpus - self.held

    @property
    def cores_saved(self) -> float:
        return cores(self.cpus_saved, self.threads_per_core)

    @property
    def pods_fit(self) -> int | None:
        if self.fill is None:
            return None
        return len(self.footprints) + sum(f.added for f in self.fill)


@dataclass(frozen=True)
class Comparison:
    scenario: str
    node_name: str
    num_cpus: int
    threads_per_core: int
    reserved_cpus: int
    full_pcpus_only: bool
    workload_pods: int  # add events of the workload
    runs: tuple[ModelRun, ...]  # the per-container baseline first

    @property
    def baseline(self) -> ModelRun:
        return self.runs[0]

    def extra_pods(self, run: ModelRun) -> int | None:
        """Pods that fit under ``run`` beyond the per-container model (``None`` without fill)."""
        base, fit = self.baseline.pods_fit, run.pods_fit
        return None if base is None or fit is None else fit - base


def _fill(
    node: Node, templates: list[Pod], model: Model, multiple: int, limit: int, qos: QOSGates
) -> list[FillResult]:
    out: list[FillResult] = []
    for template in templates:
        pod = transform_pod(template, model, multiple, qos)
        added, stop, message = 0, "limit", ""
        while added < limit:
            result = node.admit(renamed(pod, f"-fill-{added + 1}"))
            if not result.admitted:
                stop, message = result.reason or "rejected", result.message or ""
                break
            added += 1
        out.append(FillResult(template.key, added, stop, message))
    return out


def run_model(
    scenario: Scenario, model: Model, *, fill: bool = False, fill_limit: int = FILL_LIMIT
) -> ModelRun:
    """The workload of ``scenario`` under ``model`` (then the fill, if asked)."""
    machine = scenario.machine
    tpc = machine.cpus_per_core
    config = model_config(scenario.kubelet_config, model)
    multiple = tpc if full_pcpus_only(config) else 1
    qos = model_qos_gates(scenario.kubelet_config)
    refusal = kubelet_refusal(config, machine)
    if refusal is not None:
        return ModelRun(model, refusal, 0, {}, (), 0, 0, tpc, () if fill else None)
    node = Node(machine, config)
    results: dict[str, tuple[Pod, AdmitResult]] = {}
    rejected: Counter[str] = Counter()
    messages: dict[str, str] = {}
    admitted = 0
    templates: dict[Pod, Pod] = {}
    for event in scenario.events:
        if isinstance(event, AddPod):
            templates.setdefault(shape(event.pod), event.pod)
            result = node.admit(transform_pod(event.pod, model, multiple, qos))
            if result.admitted:
                admitted += 1
                results[event.pod.uid] = (event.pod, result)
            else:
                reason = result.reason or "rejected"
                rejected[reason] += 1
                messages.setdefault(reason, result.message or "")
        elif isinstance(event, StartPod):
            node.start(key=event.key, uid=event.uid)
        elif isinstance(event, ResizePod | RetryResizes):
            node.apply(event)
        elif isinstance(event, RemovePod):  # (a kubelet restart changes no model: not compared)
            removed = node.remove(key=event.key, uid=event.uid)
            if removed.removed and removed.uid is not None:
                results.pop(removed.uid, None)
    prints = tuple(pod_footprint(r, machine) for _, r in results.values())
    base_cpus = sum(per_container_cpus(p, qos, multiple=multiple) for p, _ in results.values())
    pool = size(node.default_cpuset)
    filled = tuple(_fill(node, list(templates.values()), model, multiple, fill_limit, qos)) if fill else None
    return ModelRun(model, None, admitted, dict(rejected), prints, base_cpus, pool, tpc, filled, messages)


def compare(
    scenario: Scenario,
    *,
    scope: str | None = None,
    fill: bool = False,
    fill_limit: int = FILL_LIMIT,
    on_model: Callable[[Model], None] | None = None,
) -> Comparison:
    """Every model of :func:`podfit.compare.variants.models_for` run on ``scenario``;
    ``on_model`` is called after each model's run (progress reporting)."""
    config = scenario.kubelet_config
    machine = scenario.machine
    runs_list = []
    for m in models_for(config, scope):
        runs_list.append(run_model(scenario, m, fill=fill, fill_limit=fill_limit))
        if on_model is not None:
            on_model(m)
    runs = tuple(runs_list)
    refusal = kubelet_refusal(config, machine)
    reserved = 0 if refusal is not None else size(Node(machine, config).reserved_cpus)
    return Comparison(
        scenario=scenario.name,
        node_name=scenario.node_name,
        num_cpus=machine.num_cpus,
        threads_per_core=machine.cpus_per_core,
        reserved_cpus=reserved,
        full_pcpus_only=full_pcpus_only(config),
        workload_pods=sum(isinstance(e, AddPod) for e in scenario.events),
        runs=runs,
    )
