"""The replay: a discrete-event loop of arrivals, departures and retries in simulated time, a
scheduler stage, and the exact kubelet admission on the chosen node.

Events at one instant run departures first, then arrivals (in input order), then retries (in the
order they were scheduled). A pod the scheduler cannot place, or the kubelet rejects, is tried
again after a back-off (``backoff_initial_ms`` doubling per attempt, at most ``backoff_max_ms``),
at most ``max_retries`` times; a pod whose next try would come after its deletion time gives up
(``expired``). Each attempt after a kubelet rejection is a new pod object (a controller's
replacement), named ``<pod>~<attempt>``. An admitted pod runs for its lifetime from its start
(``lifetime=duration``) or until its trace deletion time (``absolute``). The replay ends when the
input is exhausted and no pod waits for a retry.

Every decision is a line of the event log; its SHA-256 is the result's ``event_hash``: the same
inputs and configuration give the same hash, whatever runs them. Pure: no I/O, clock or randomness.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from podfit.fleet.aggregates import FleetResult, Sample, Tally, stranded
from podfit.fleet.kubelet_port import (
    NO_FOOTPRINT,
    Footprint,
    InputError,
    KubeletConfig,
    Machine,
    Node,
    Pod,
    api_server_keeps_pod_resources,
    fleet_qos_gates,
    footprint,
    instantiate,
    kubelet_refusal_text,
    model_pod,
    node_allocatable,
    numa_free,
    per_container_cpu_count,
    pod_qos,
    scheduler_requests,
    stored_pod,
)
from podfit.fleet.mapping import (
    has_sidecars,
    node_kubelet_config,
    node_machine,
    node_shape,
    row_gpus,
    written_pod,
)
from podfit.fleet.node_filters import filter_taints
from podfit.fleet.numa_filter import Demand, fits_numa, numa_demands
from podfit.fleet.scheduler import Scheduler
from podfit.fleet.values import LIFETIMES, MODELS, POLICIES, SCORINGS, CellInputs, FleetConfig, PodRow, Taint

__all__ = ["check_config", "run_config"]

DEPART, ARRIVE, RETRY = 0, 1, 2
PROGRESS_STEP = 10_000  # arrivals between two progress calls


@dataclass(frozen=True, slots=True)
class _Template:
    pod: Pod  # the pod as the model writes it
    req: tuple[int, int, int]
    guaranteed: bool
    per_container: int  # CPUs it pins written per container
    demands: tuple[Demand, ...]  # the NUMA filter's (empty: not filtered)
    keep: Any = None  # the manifest a template was made from (keeps its id unique)


class _Waiting:
    def __init__(self, row: PodRow) -> None:
        self.row = row
        self.attempt = 0
        self.created = row.arrival_ms
        self.deadline = None if row.lifetime_ms is None else row.arrival_ms + row.lifetime_ms


def check_config(config: FleetConfig) -> None:
    """One-line errors for a configuration podfit cannot run."""
    for name, value, known in (
        ("models", config.model, MODELS),
        ("policies", config.policy, POLICIES),
        ("scoring", config.scoring, SCORINGS),
        ("lifetime", config.lifetime, LIFETIMES),
    ):
        if value not in known:
            raise InputError(name, f"unknown value {value!r} (known: {', '.join(known)})")
    if config.max_retries < 0 or config.backoff_initial_ms < 0 or config.sample_interval_ms <= 0:
        raise InputError("config", "retries and back-off must be >= 0 and the sample interval > 0")


class _Replay:
    def __init__(self, cell: CellInputs, config: FleetConfig) -> None:
        check_config(config)
        self.config = config
        self.qos = fleet_qos_gates(config.version)
        self.keeps_pod_resources = api_server_keeps_pod_resources(config.version, config.pod_level)
        self.mapping = config.mapping
        self.tally = Tally()
        self.log: list[str] = []
        self.kept: list[str] | None = None
        self.hasher = hashlib.sha256()
        self.events = 0
        self.heap: list[tuple[int, int, int, object]] = []
        self.seq = 0
        self.templates: dict[object, _Template] = {}
        self.running: dict[str, tuple[int, _Template, Footprint, int]] = {}
        self._build_nodes(cell)
        numa = config.numa_filter and config.policy == "single-numa-node"
        self.zones: list[tuple[tuple[int, int, int], ...]] | None = None
        if numa:
            gpu = self.mapping.gpu_resource
            self.zones = [numa_free(n, gpu) if n is not None else () for n in self.nodes]

    # ----- nodes ------------------------------------------------------------------------------
    def _build_nodes(self, cell: CellInputs) -> None:
        config, mapping = self.config, self.mapping
        shapes: dict[object, tuple[Machine, KubeletConfig, str | None]] = {}
        self.nodes: list[Node | None] = []
        self.names: list[str] = []
        self.tpc: list[int] = []
        alloc: list[tuple[int, int, int, int]] = []
        labels: list[tuple[tuple[str, str], ...]] = []
        taints: list[tuple[Taint, ...]] = []
        refused: dict[str, int] = {}
        keys = set(cell.selector_keys)
        for row in cell.nodes:
            shape = node_shape(row, mapping)
            max_pods = row.max_pods or mapping.max_pods
            key = (shape, max_pods)
            built = shapes.get(key)
            if built is None:
                machine = node_machine(shape, mapping)
                kcfg = node_kubelet_config(
                    shape, config if max_pods == mapping.max_pods else _with_pods(config, max_pods)
                )
                built = shapes[key] = (machine, kcfg, kubelet_refusal_text(kcfg, machine))
            machine, kcfg, refusal = built
            self.names.append(row.name)
            self.tpc.append(machine.cpus_per_core)
            labels.append(tuple(sorted((k, v) for k, v in row.labels if k in keys)))
            taints.append(filter_taints(row.taints, row.unschedulable))
            if refusal is not None:
                refused[refusal] = refused.get(refusal, 0) + 1
                self.nodes.append(None)
                alloc.append((0, 0, 0, 0))
                continue
            node = Node(machine, kcfg)
            self.nodes.append(node)
            alloc.append(node_allocatable(node, mapping.gpu_resource))
        self.refused = refused
        self.alloc = alloc
        self.allocatable_cpus = sum(a[0] for a in alloc) // 1000
        tainted = any(taints)
        self.sched = Scheduler(
            alloc, labels, config.scoring == "MostAllocated", taints if tainted else None, self.names
        )
        self.index: dict[str, int] = {name: i for i, name in enumerate(self.names)}

    # ----- pods -------------------------------------------------------------------------------
    def template(self, row: PodRow) -> _Template:
        mapping, config = self.mapping, self.config
        if row.manifest is not None:
            key: object = ("manifest", id(row.manifest))
        else:
            sidecars = has_sidecars(row.name, mapping, config.seed)
            key = (row.qos, row.cpu_milli, row.memory_mib, row_gpus(row, mapping), sidecars)
        found = self.templates.get(key)
        if found is not None:
            return found
        written = row.manifest if row.manifest is not None else written_pod(row, mapping, sidecars)
        multiple = mapping.threads_per_core if mapping.full_pcpus_only else 1
        # the model writes the pod; the release's API server stores it (a 1.33 one may drop
        # spec.resources: the pod then runs as its containers ask)
        model = model_pod(written, config.model, config.scope, config.policy, multiple, self.qos)
        pod = stored_pod(model, self.keeps_pod_resources)
        guaranteed = pod_qos(pod, self.qos) == "Guaranteed"
        tpl = _Template(
            pod,
            scheduler_requests(pod, mapping.gpu_resource),
            guaranteed,
            per_container_cpu_count(written, multiple, self.qos) if guaranteed else 0,
            numa_demands(pod, config.scope, mapping.gpu_resource, guaranteed),
            row.manifest,
        )
        self.templates[key] = tpl
        return tpl

    # ----- the log ----------------------------------------------------------------------------
    def note(self, line: str) -> None:
        self.log.append(line)
        if self.kept is not None:
            self.kept.append(line)
        self.events += 1
        if len(self.log) >= 4096:
            self.flush()

    def flush(self) -> None:
        if self.log:
            self.hasher.update(("\n".join(self.log) + "\n").encode())
            self.log = []

    def push(self, t: int, kind: int, payload: object) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, kind, self.seq, payload))

    # ----- decisions --------------------------------------------------------------------------
    def schedule(self, t: int, w: _Waiting) -> None:
        tally = self.tally
        tally.attempts += 1
        row = w.row
        tpl = self.template(row)
        check: Callable[[int], bool] | None = None
        zones = self.zones
        if zones is not None and tpl.demands:
            demands = tpl.demands
            check = lambda n: fits_numa(demands, zones[n])  # noqa: E731
        uid = f"{row.name}~{w.attempt}"
        if row.node_name:
            node = self.sched.pick_node(
                self.index.get(row.node_name, -1),
                tpl.req,
                row.node_selector,
                check,
                row.affinity,
                row.tolerations,
                row.mirror,
            )
        else:
            node = self.sched.pick(tpl.req, row.node_selector, check, row.affinity, row.tolerations)
        if node < 0:
            tally.i_unschedulable += 1
            self.note(f"{t} unschedulable {uid}")
            self.again(t, w, "unschedulable")
            return
        kubelet = self.nodes[node]
        assert kubelet is not None
        result = kubelet.admit(instantiate(tpl.pod, row.name, uid))
        if not result.admitted:
            reason = result.reason or "Rejected"
            tally.reject(reason)
            self.note(f"{t} reject {uid} {self.names[node]} {reason}")
            self.again(t, w, f"rejected:{reason}")
            return
        self.sched.add(node, tpl.req)
        fp = footprint(result, kubelet.machine) if tpl.guaranteed else NO_FOOTPRINT
        tpc = self.tpc[node]
        saved = tpl.per_container - fp.held if tpl.guaranteed else 0
        self.running[uid] = (node, tpl, fp, saved)
        tally.ran += 1
        tally.i_admitted += 1
        tally.running += 1
        tally.outcome("ran")
        tally.waited(t - w.created)
        if tpl.guaranteed:
            tally.guaranteed_ran += 1
            tally.aligned += fp.aligned
        self._pools(fp, saved, tpc, 1)
        if zones is not None:
            zones[node] = numa_free(kubelet, self.mapping.gpu_resource)
        self.note(
            f"{t} admit {uid} {self.names[node]} {fp.held} {fp.exclusive} {fp.pod_shared} {int(fp.aligned)}"
        )
        lifetime = row.lifetime_ms
        if lifetime is not None:
            end = t + lifetime if self.config.lifetime == "duration" else max(t, w.created + lifetime)
            self.push(end, DEPART, uid)

    def _pools(self, fp: Footprint, saved: int, tpc: int, sign: int) -> None:
        tally = self.tally
        tally.exclusive += sign * fp.exclusive
        tally.pod_shared += sign * fp.pod_shared
        tally.idle += sign * fp.idle
        tally.held += sign * fp.held
        if saved:
            tally.saved[tpc] = tally.saved.get(tpc, 0) + sign * saved

    def again(self, t: int, w: _Waiting, outcome: str) -> None:
        config = self.config
        if w.attempt >= config.max_retries:
            self.tally.outcome(outcome)
            self.note(f"{t} give-up {w.row.name} {outcome}")
            return
        delay = min(config.backoff_initial_ms << min(w.attempt, 40), config.backoff_max_ms)
        w.attempt += 1
        when = t + delay
        if w.deadline is not None and when >= w.deadline:
            self.tally.outcome("expired")
            self.note(f"{t} expired {w.row.name}")
            return
        self.tally.retries += 1
        self.tally.waiting += 1
        self.push(when, RETRY, w)

    def depart(self, t: int, uid: str) -> None:
        node, tpl, fp, saved = self.running.pop(uid)
        kubelet = self.nodes[node]
        assert kubelet is not None
        kubelet.remove(uid=uid)
        self.sched.remove(node, tpl.req)
        self.tally.running -= 1
        self._pools(fp, saved, self.tpc[node], -1)
        if self.zones is not None:
            self.zones[node] = numa_free(kubelet, self.mapping.gpu_resource)
        self.note(f"{t} depart {uid}")

    # ----- the loop ---------------------------------------------------------------------------
    def run(
        self, pods: Iterator[PodRow], cell_name: str, progress: Callable[[int], None] | None = None
    ) -> FleetResult:
        tally, heap = self.tally, self.heap
        interval = self.config.sample_interval_ms
        next_sample = interval
        series = []
        row = next(pods, None)
        last_arrival = -1
        t = 0
        while True:
            if row is not None and (not heap or (row.arrival_ms, ARRIVE) < heap[0][:2]):
                if row.arrival_ms < last_arrival:
                    raise InputError(f"pods[{row.name}]", "pods are not in creation order")
                t = last_arrival = row.arrival_ms
                payload: object = row
            elif heap and (row is not None or tally.waiting):
                t, _, _, payload = heapq.heappop(heap)
            else:
                break
            while t > next_sample:
                series.append(self._sample(next_sample))
                next_sample += interval
            if isinstance(payload, PodRow):
                tally.arrived += 1
                tally.i_arrived += 1
                if progress is not None and tally.arrived % PROGRESS_STEP == 0:
                    progress(PROGRESS_STEP)
                self.schedule(t, _Waiting(payload))
                row = next(pods, None)
            elif isinstance(payload, str):
                self.depart(t, payload)
            else:
                assert isinstance(payload, _Waiting)
                tally.waiting -= 1
                self.schedule(t, payload)
        series.append(self._sample(next_sample))
        self.flush()
        digest = self.hasher.hexdigest()
        return FleetResult(
            config=self.config,
            cells=(cell_name,),
            nodes=len(self.nodes),
            nodes_refused=tuple(sorted(self.refused.items())),
            threads_per_core=self.mapping.threads_per_core,
            allocatable_cpus=self.allocatable_cpus,
            arrived=tally.arrived,
            ran=tally.ran,
            attempts=tally.attempts,
            retries=tally.retries,
            kubelet_rejections=tuple(sorted(tally.rejections.items())),
            outcomes=tuple(sorted(tally.outcomes.items())),
            guaranteed_ran=tally.guaranteed_ran,
            aligned=tally.aligned,
            pending=tuple(sorted(tally.pending.items())),
            series=tuple(series),
            events=self.events,
            event_hash=digest,
            cell_hashes=(digest,),
            log=tuple(self.kept) if self.kept is not None else (),
        )

    def _sample(self, t: int) -> Sample:
        sched = self.sched
        return self.tally.sample(t, self.allocatable_cpus, stranded(sched.used, sched.pods, self.alloc))


def _with_pods(config: FleetConfig, max_pods: int) -> FleetConfig:
    from dataclasses import replace

    return replace(config, mapping=replace(config.mapping, max_pods=max_pods))


def run_config(
    cell: CellInputs,
    config: FleetConfig,
    *,
    keep_log: bool = False,
    progress: Callable[[int], None] | None = None,
) -> FleetResult:
    """Replay ``cell`` under ``config`` (what every backend calls). ``keep_log``: the result also
    holds the event log's lines (small replays: tests, debugging). ``progress(n)`` is called after
    every ``PROGRESS_STEP`` arrivals."""
    replay = _Replay(cell, config)
    if keep_log:
        replay.kept = []
    return replay.run(iter(cell.pods), cell.name, progress)
