"""The kubelet's resource-manager metrics as a pure counter/gauge registry.

Names, types, label names and help texts are the kubelet's: the three KEP-5526 counters
``resource_manager_*`` have no ``kubelet_`` prefix in 1.36 (the subsystem arrived in 1.37), the
others live in the ``kubelet`` subsystem. All are ``ALPHA``. The duration histogram
``kubelet_topology_manager_admission_duration_ms`` is not modelled: podfit has no clock.

:class:`NodeMetrics` is the mutable registry a :class:`podfit.kubelet.node.Node` owns (like the
kubelet's process-wide ``legacyregistry``, but one per node); :meth:`NodeMetrics.snapshot` gives a
frozen :class:`MetricsSnapshot` value. Increments of metrics that are not registered are no-ops,
as they are for a component-base metric that was never registered.

Mirrors: pkg/kubelet/metrics/metrics.go (metric definitions and ``Register``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from podfit.release.metrics import ReleaseMetrics
from podfit.release.profile import default_profile

__all__ = [
    "ALIGNED_NUMA_NODE",
    "ALIGNED_PHYSICAL_CPU",
    "ALIGNED_UNCORE_CACHE",
    "ALIGN_SCOPE_CONTAINER",
    "ALIGN_SCOPE_POD",
    "ALL_METRICS",
    "ASSIGNMENT_NODE_EXCLUSIVE",
    "ASSIGNMENT_POD_EXCLUSIVE",
    "ASSIGNMENT_POD_SHARED",
    "CONTAINER_ALIGNED_COMPUTE_RESOURCES",
    "CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE",
    "COUNTER",
    "CPU_MANAGER_ALLOCATION_PER_NUMA",
    "CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT",
    "CPU_MANAGER_PINNING_ERRORS_TOTAL",
    "CPU_MANAGER_PINNING_REQUESTS_TOTAL",
    "CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES",
    "GAUGE",
    "MEMORY_MANAGER_PINNING_ERRORS_TOTAL",
    "MEMORY_MANAGER_PINNING_REQUESTS_TOTAL",
    "RESOURCE_CPU",
    "RESOURCE_MANAGER_ALLOCATIONS_TOTAL",
    "RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL",
    "RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS",
    "RESOURCE_MANAGER_METRICS",
    "RESOURCE_MEMORY",
    "SOURCE_NODE",
    "SOURCE_POD",
    "TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL",
    "TOPOLOGY_MANAGER_ADMISSION_REQUESTS_TOTAL",
    "MetricDesc",
    "MetricFamily",
    "MetricsSnapshot",
    "NodeMetrics",
    "Sample",
    "new_node_metrics",
]

_DEFAULT_RELEASE_METRICS: Final = default_profile().metrics
COUNTER: Final = "counter"
GAUGE: Final = "gauge"
ALPHA: Final = "ALPHA"

# label values (metrics.go constants)
RESOURCE_CPU: Final = "cpu"
RESOURCE_MEMORY: Final = "memory"
SOURCE_NODE: Final = "node"
SOURCE_POD: Final = "pod"
ASSIGNMENT_NODE_EXCLUSIVE: Final = "node_exclusive"
ASSIGNMENT_POD_EXCLUSIVE: Final = "pod_exclusive"
ASSIGNMENT_POD_SHARED: Final = "pod_shared"
ALIGN_SCOPE_CONTAINER: Final = "container"
ALIGN_SCOPE_POD: Final = "pod"
ALIGNED_PHYSICAL_CPU: Final = "physical_cpu"
ALIGNED_NUMA_NODE: Final = "numa_node"
ALIGNED_UNCORE_CACHE: Final = "uncore_cache"


@dataclass(frozen=True, slots=True)
class MetricDesc:
    """One metric's metadata: full name, type, help text (without the ``[ALPHA]`` marker the
    kubelet adds when it serves the text), label names in ``WithLabelValues`` order."""

    name: str
    type: str
    help: str
    label_names: tuple[str, ...] = ()
    stability: str = ALPHA


RESOURCE_MANAGER_ALLOCATIONS_TOTAL: Final = MetricDesc(
    "resource_manager_allocations_total",
    COUNTER,
    "Number of exclusive resource allocations performed by a resource manager.",
    ("resource_name", "source"),
)
RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL: Final = MetricDesc(
    "resource_manager_allocation_errors_total",
    COUNTER,
    "Number of errors encountered during exclusive resource allocation.",
    ("resource_name", "source"),
)
RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS: Final = MetricDesc(
    "resource_manager_container_assignments",
    COUNTER,
    "Number of containers with a specific type of resource assignment.",
    ("resource_name", "assignment_type"),
)
CPU_MANAGER_PINNING_REQUESTS_TOTAL: Final = MetricDesc(
    "kubelet_cpu_manager_pinning_requests_total",
    COUNTER,
    "The number of cpu core allocations which required pinning.",
)
CPU_MANAGER_PINNING_ERRORS_TOTAL: Final = MetricDesc(
    "kubelet_cpu_manager_pinning_errors_total",
    COUNTER,
    "The number of cpu core allocations which required pinning failed.",
)
CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES: Final = MetricDesc(
    "kubelet_cpu_manager_shared_pool_size_millicores",
    GAUGE,
    "The size of the shared CPU pool for non-guaranteed QoS pods, in millicores.",
)
CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT: Final = MetricDesc(
    "kubelet_cpu_manager_exclusive_cpu_allocation_count",
    GAUGE,
    "The total number of CPUs exclusively allocated to containers running on this node",
)
CPU_MANAGER_ALLOCATION_PER_NUMA: Final = MetricDesc(
    "kubelet_cpu_manager_allocation_per_numa",
    GAUGE,
    "Number of CPUs allocated per NUMA node",
    ("numa_node",),
)
MEMORY_MANAGER_PINNING_REQUESTS_TOTAL: Final = MetricDesc(
    "kubelet_memory_manager_pinning_requests_total",
    COUNTER,
    "The number of memory pages allocations which required pinning.",
)
MEMORY_MANAGER_PINNING_ERRORS_TOTAL: Final = MetricDesc(
    "kubelet_memory_manager_pinning_errors_total",
    COUNTER,
    "The number of memory pages allocations which required pinning that failed.",
)
TOPOLOGY_MANAGER_ADMISSION_REQUESTS_TOTAL: Final = MetricDesc(
    "kubelet_topology_manager_admission_requests_total",
    COUNTER,
    "The number of admission requests where resources have to be aligned.",
)
TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL: Final = MetricDesc(
    "kubelet_topology_manager_admission_errors_total",
    COUNTER,
    "The number of admission request failures where resources could not be aligned.",
)
CONTAINER_ALIGNED_COMPUTE_RESOURCES: Final = MetricDesc(
    "kubelet_container_aligned_compute_resources_count",
    COUNTER,
    "Cumulative number of aligned compute resources allocated to containers by alignment type.",
    ("scope", "boundary"),
)
CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE: Final = MetricDesc(
    "kubelet_container_aligned_compute_resources_failure_count",
    COUNTER,
    "Cumulative number of failures to allocate aligned compute resources to containers by alignment type.",
    ("scope", "boundary"),
)

RESOURCE_MANAGER_METRICS: Final[tuple[MetricDesc, ...]] = (
    RESOURCE_MANAGER_ALLOCATIONS_TOTAL,
    RESOURCE_MANAGER_ALLOCATION_ERRORS_TOTAL,
    RESOURCE_MANAGER_CONTAINER_ASSIGNMENTS,
)
"""The KEP-5526 counters, registered only with the ``PodLevelResourceManagers`` gate on."""

ALL_METRICS: Final[tuple[MetricDesc, ...]] = (
    *RESOURCE_MANAGER_METRICS,
    CPU_MANAGER_PINNING_REQUESTS_TOTAL,
    CPU_MANAGER_PINNING_ERRORS_TOTAL,
    CPU_MANAGER_SHARED_POOL_SIZE_MILLICORES,
    CPU_MANAGER_EXCLUSIVE_CPUS_ALLOCATION_COUNT,
    CPU_MANAGER_ALLOCATION_PER_NUMA,
    MEMORY_MANAGER_PINNING_REQUESTS_TOTAL,
    MEMORY_MANAGER_PINNING_ERRORS_TOTAL,
    TOPOLOGY_MANAGER_ADMISSION_REQUESTS_TOTAL,
    TOPOLOGY_MANAGER_ADMISSION_ERRORS_TOTAL,
    CONTAINER_ALIGNED_COMPUTE_RESOURCES,
    CONTAINER_ALIGNED_COMPUTE_RESOURCES_FAILURE,
)

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Sample:
    """One series: its labels as (name, value) pairs in label-name order, and its value."""

    labels: Labels
    value: int

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)


@dataclass(frozen=True, slots=True)
class MetricFamily:
    desc: MetricDesc
    samples: tuple[Sample, ...]


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """The registry's content at one moment: every registered metric (sorted by name), its series
    sorted by label values. A metric without labels always has its one series."""

    families: tuple[MetricFamily, ...]

    def family(self, name: str) -> MetricFamily | None:
        return next((f for f in self.families if f.desc.name == name), None)

    def value(self, name: str, **labels: str) -> int | None:
        """The value of one series (``None``: not registered, or the series does not exist)."""
        fam = self.family(name)
        if fam is None:
            return None
        want = tuple(sorted(labels.items()))
        for s in fam.samples:
            if tuple(sorted(s.labels)) == want:
                return s.value
        return None

    def as_dict(self) -> dict[str, dict[Labels, int]]:
        """``{name: {labels: value}}`` for every registered metric."""
        return {f.desc.name: {s.labels: s.value for s in f.samples} for f in self.families}


class NodeMetrics:
    """A counter/gauge registry; series are addressed by label values in the metric's label order
    (the ``WithLabelValues`` convention).

    Each registered metric keeps one series dict (label values -> value) for the registry's whole
    life; :attr:`live` hands them out so that the kubelet's metric points
    (:mod:`podfit.kubelet.metrics_record`) update them in place, and :attr:`recorders` is where they
    keep what they derive once per registry."""

    def __init__(self, descs: Iterable[MetricDesc], served: Mapping[str, MetricDesc] | None = None) -> None:
        """``served``: the name and stability a release serves a metric under, by podfit's name
        (the 1.37 ``kubelet_resource_manager_*``); the series are still addressed by podfit's."""
        self._descs: dict[str, MetricDesc] = {d.name: d for d in descs}
        self._served: dict[str, MetricDesc] = dict(served or {})
        self._values: dict[str, dict[tuple[str, ...], int]] = {}
        for d in self._descs.values():
            self._values[d.name] = {} if d.label_names else {(): 0}
        self.recorders: dict[str, Any] = {}
        """Memos of the metric points, derived from this registry (and the policies they record for)."""
        self.live: Mapping[str, dict[tuple[str, ...], int]] = {
            d.name: self._values.get(d.name, {}) for d in ALL_METRICS
        }
        """Metric name -> its live series, for every metric of :data:`ALL_METRICS`; who updates one
        in place keys it by label values in label-name order, as :meth:`add` does (and checks
        nothing). A metric that is not registered gets a sink nobody reads: updating it is a no-op."""

    @property
    def descs(self) -> Mapping[str, MetricDesc]:
        return dict(self._descs)

    def registered(self, desc: MetricDesc) -> bool:
        return desc.name in self._descs

    def add(self, desc: MetricDesc, delta: int, *label_values: str) -> None:
        """Add ``delta`` (counters: never negative); ``add(desc, 0, ...)`` makes the series exist."""
        if delta < 0 and desc.type == COUNTER:
            raise ValueError(f"{desc.name}: a counter cannot decrease")
        series = self._values.get(desc.name)
        if series is not None:
            if len(label_values) != len(desc.label_names):
                raise ValueError(f"{desc.name}: want labels {desc.label_names}, got {label_values}")
            series[label_values] = series.get(label_values, 0) + delta

    def inc(self, desc: MetricDesc, *label_values: str) -> None:
        series = self._values.get(desc.name)
        if series is not None:
            if len(label_values) != len(desc.label_names):
                raise ValueError(f"{desc.name}: want labels {desc.label_names}, got {label_values}")
            series[label_values] = series.get(label_values, 0) + 1

    def set(self, desc: MetricDesc, value: int, *label_values: str) -> None:
        if desc.type != GAUGE:
            raise ValueError(f"{desc.name}: only a gauge can be set")
        series = self._values.get(desc.name)
        if series is not None:
            if len(label_values) != len(desc.label_names):
                raise ValueError(f"{desc.name}: want labels {desc.label_names}, got {label_values}")
            series[label_values] = value

    def get(self, desc: MetricDesc, *label_values: str) -> int:
        """The series' value (0 when it does not exist or the metric is not registered)."""
        return self._values.get(desc.name, {}).get(tuple(label_values), 0)

    def snapshot(self) -> MetricsSnapshot:
        families = []
        for name in sorted(self._descs):
            desc = self._descs[name]
            samples = tuple(
                Sample(tuple(zip(desc.label_names, key, strict=True)), value)
                for key, value in sorted(self._values[name].items())
            )
            families.append(MetricFamily(self._served.get(name, desc), samples))
        families.sort(key=lambda f: f.desc.name)
        return MetricsSnapshot(tuple(families))


def new_node_metrics(pod_level_resource_managers: bool, release: ReleaseMetrics | None = None) -> NodeMetrics:
    """The kubelet's registry: every metric above; the three ``resource_manager_*`` counters only
    when the ``PodLevelResourceManagers`` gate is on, named and graded as the ``release`` serves
    them (default: v1.36, no subsystem, ALPHA; 1.37: ``kubelet_resource_manager_*``, BETA).

    Mirrors: pkg/kubelet/metrics/metrics.go Register
    """
    names = release or _DEFAULT_RELEASE_METRICS
    plrm = pod_level_resource_managers and names.resource_manager_metrics
    descs = [d for d in ALL_METRICS if plrm or d not in RESOURCE_MANAGER_METRICS]
    served = {
        d.name: replace(d, name=names.served_name(d.name), stability=names.resource_manager_stability)
        for d in RESOURCE_MANAGER_METRICS
        if names.served_name(d.name) != d.name or names.resource_manager_stability != d.stability
    }
    return NodeMetrics(descs, served)
