"""What would admit a rejected pod — each candidate change re-run through the engine, and only
the ones the engine admits are kept (never guessed).

A candidate is a changed scenario: the events before the pod, then the (maybe changed) pod, on a
(maybe changed) machine and kubelet configuration. ``simulate`` runs it from the start, so the pods
before it are re-placed under the change too, exactly as on a real node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from podfit.api.pod_validation import format_quantity
from podfit.api.presets import PRESETS, apply_overrides, preset_machine
from podfit.cpu.guaranteed import guaranteed_cpus, pod_guaranteed_cpus
from podfit.errors import InputError
from podfit.explain.empty_pool import EmptyPool
from podfit.explain.tracing import TraceLog
from podfit.explain.values import MergeTrace, Suggestion
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.simulation import simulate
from podfit.model.features import FeatureGates
from podfit.model.machine import Machine
from podfit.model.pod import RESOURCE_CPU, RESOURCE_MEMORY, Container, Pod, ResourceRequirements
from podfit.model.qos import (
    aggregate_container_limits,
    aggregate_container_requests,
    is_hugepage_resource,
    is_pod_level_resources_set,
)
from podfit.model.scenario import AddPod, Scenario
from podfit.model.units import format_bytes
from podfit.topology.policy import POLICY_NAMES, POLICY_NONE
from podfit.topology.scope import CONTAINER_SCOPE, POD_SCOPE

__all__ = ["suggest", "verify"]

_MAX_MACHINES = 3
_MAX_CPU_TRIES = 256


def verify(scenario: Scenario) -> AdmitResult | None:
    """The last event's result when the kubelet starts and admits that pod, else ``None``."""
    sim = simulate(scenario)
    if sim.error is not None or not sim.steps:
        return None
    last = sim.steps[-1]
    if isinstance(last, AdmitResult) and last.admitted:
        return last
    return None


def _variant(
    base: Scenario, index: int, pod: Pod, *, machine: Machine | None = None, config: object = None
) -> Scenario:
    return replace(
        base,
        machine=machine or base.machine,
        kubelet_config=config or base.kubelet_config,  # type: ignore[arg-type]
        events=(*base.events[:index], AddPod(pod)),
    )


def _aligned(r: AdmitResult) -> str:
    hints = [r.pod_hint] if r.pod_hint is not None else list((r.container_hints or {}).values())
    if not hints:
        return "no NUMA alignment asked"
    if all(h.preferred for h in hints):
        return "NUMA-aligned"
    return "admitted without a preferred NUMA alignment"


def _policies(base: Scenario, index: int, pod: Pod) -> Iterator[Suggestion]:
    config = base.kubelet_config
    for name in POLICY_NAMES[::-1]:
        if name == config.topology_manager_policy:
            continue
        scenario = _variant(base, index, pod, config=replace(config, topology_manager_policy=name))
        result = verify(scenario)
        if result is not None:
            summary = (
                f"topologyManagerPolicy: {name} (instead of {config.topology_manager_policy}) "
                f"admits it — {_aligned(result)}"
            )
            yield Suggestion("topology-policy", summary, {"topologyManagerPolicy": name}, scenario, result)


def _scopes(base: Scenario, index: int, pod: Pod) -> Iterator[Suggestion]:
    config = base.kubelet_config
    if config.topology_manager_policy == POLICY_NONE:
        return
    other = POD_SCOPE if config.topology_manager_scope == CONTAINER_SCOPE else CONTAINER_SCOPE
    scenario = _variant(base, index, pod, config=replace(config, topology_manager_scope=other))
    result = verify(scenario)
    if result is not None:
        summary = (
            f"topologyManagerScope: {other} (instead of {config.topology_manager_scope}) "
            f"admits it — {_aligned(result)}"
        )
        yield Suggestion("topology-scope", summary, {"topologyManagerScope": other}, scenario, result)


def _set_cpu(res: ResourceRequirements, n: int) -> ResourceRequirements:
    req = dict(res.requests)
    lim = dict(res.limits)
    for m in (req, lim):
        if RESOURCE_CPU in m:
            m[RESOURCE_CPU] = n * 1000
    return ResourceRequirements(requests=req, limits=lim)


def with_cpus(pod: Pod, container: str | None, n: int) -> Pod:
    """``pod`` with ``n`` whole CPUs for ``container`` (requests and limits), or for the pod-level
    resources when ``container`` is None."""
    if container is None:
        assert pod.resources is not None
        return replace(pod, resources=_set_cpu(pod.resources, n))

    def fix(cs: tuple[Container, ...]) -> tuple[Container, ...]:
        return tuple(replace(c, resources=_set_cpu(c.resources, n)) if c.name == container else c for c in cs)

    return replace(pod, init_containers=fix(pod.init_containers), containers=fix(pod.containers))


def _cpu_target(
    pod: Pod, base: Scenario, merges: Sequence[MergeTrace], log: TraceLog
) -> tuple[str | None, int]:
    """Whose CPU count to change (a container name, None = pod-level) and its current count."""
    gates = base.kubelet_config.feature_gates
    if gates.enabled("PodLevelResourceManagers") and is_pod_level_resources_set(pod):
        return None, pod_guaranteed_cpus(pod, gates)
    named = [m.container for m in merges if not m.admit and m.container is not None]
    named += [t.container for t in log.cpu_takes if t.error is not None and t.container is not None]
    named += [c for c, _ in log.smt if c is not None]
    counts = {c.name: guaranteed_cpus(pod, c, gates) for c in pod.all_containers()}
    for name in named:
        if counts.get(name, 0) > 0:
            return name, counts[name]
    if not counts:
        return None, 0
    best = max(counts, key=lambda k: counts[k])
    return best, counts[best]


def _fewer_cpus(
    base: Scenario, index: int, pod: Pod, target: str | None, current: int, skip: set[int]
) -> Iterator[Suggestion]:
    for n in range(current - 1, max(0, current - 1 - _MAX_CPU_TRIES), -1):
        scenario = _variant(base, index, with_cpus(pod, target, n))
        result = verify(scenario)
        if result is None:
            continue
        if n not in skip:
            who = "the pod-level budget" if target is None else f"container {target}"
            summary = f"{n} CPUs for {who} (instead of {current}) is the largest count that fits"
            change = {"container": target or "(pod)", "cpu": str(n)}
            yield Suggestion("fewer-cpus", summary, change, scenario, result)
        return


def _smt_even(
    base: Scenario, index: int, pod: Pod, target: str | None, current: int, per_core: int
) -> Iterator[Suggestion]:
    down = current - current % per_core
    for n in (down, down + per_core):
        if n <= 0 or n == current:
            continue
        scenario = _variant(base, index, with_cpus(pod, target, n))
        result = verify(scenario)
        if result is not None:
            who = "the pod-level budget" if target is None else f"container {target}"
            summary = f"{n} CPUs for {who}: a multiple of {per_core} threads per core (full-pcpus-only)"
            change = {"container": target or "(pod)", "cpu": str(n)}
            yield Suggestion("smt-even-cpus", summary, change, scenario, result)


def _extended(pod: Pod) -> set[str]:
    names: set[str] = set()
    for c in pod.all_containers():
        names.update(r for r in (*c.resources.requests, *c.resources.limits) if "/" in r)
    return names


def _preset_with_devices(name: str, base: Machine) -> Machine | None:
    """The preset, carrying the scenario machine's devices (None when their NUMA nodes do not exist)."""
    machine = preset_machine(name)
    if not base.devices:
        return machine
    try:
        return replace(machine, devices=base.devices)
    except ValueError:
        return None


def _machines(base: Scenario, index: int, pod: Pod) -> Iterator[Suggestion]:
    found: list[tuple[int, str, Suggestion]] = []
    wanted = _extended(pod)
    for name in sorted(PRESETS):
        if PRESETS[name].description.startswith("kubelet test"):
            continue  # the kubelet's unit-test topologies are not machines anyone buys
        machine = _preset_with_devices(name, base.machine)
        if machine is None or machine == base.machine:
            continue
        if not wanted <= {d.resource for d in machine.devices}:
            continue  # the scheduler would never send the pod there
        scenario = _variant(base, index, pod, machine=machine)
        result = verify(scenario)
        if result is not None:
            shape = (
                f"{machine.num_sockets} socket(s), {machine.num_numa_nodes} NUMA node(s), "
                f"{machine.num_cpus} CPUs"
            )
            summary = f"machine preset {name} ({shape}) admits it — {_aligned(result)}"
            found.append(
                (machine.num_cpus, name, Suggestion("machine", summary, {"preset": name}, scenario, result))
            )
    for _, _, s in sorted(found, key=lambda t: (t[0], t[1]))[:_MAX_MACHINES]:
        yield s


def _budget(pod: Pod) -> dict[str, int]:
    """The pod's aggregate container resources (the larger of requests and limits), CPU and memory."""
    req, lim = aggregate_container_requests(pod), aggregate_container_limits(pod)
    names = [n for n in {*req, *lim} if n in (RESOURCE_CPU, RESOURCE_MEMORY) or is_hugepage_resource(n)]
    return {n: max(req.get(n, 0), lim.get(n, 0)) for n in sorted(names)}


def _quantity(name: str, value: int) -> str:
    return format_quantity(name, value, binary=name != RESOURCE_CPU)


def _pod_level(base: Scenario, index: int, pod: Pod) -> Iterator[Suggestion]:
    """KEP-5526: the same containers under one pod-level budget (pod scope, gates on)."""
    config = base.kubelet_config
    if (
        is_pod_level_resources_set(pod)
        or config.topology_manager_policy == POLICY_NONE
        or config.cpu_manager_policy != "static"
    ):
        return
    budget = _budget(pod)
    cpu = -(-budget.get(RESOURCE_CPU, 0) // 1000)
    if cpu == 0 or RESOURCE_MEMORY not in budget:
        return
    gates: Mapping[str, bool] = {
        **config.feature_gates.overrides,
        "PodLevelResources": True,
        "PodLevelResourceManagers": True,
    }
    changed = replace(
        config,
        feature_gates=FeatureGates(MappingProxyType(dict(gates)), config.release),
        topology_manager_scope=POD_SCOPE,
    )
    per_core = base.machine.cpus_per_core
    for n in dict.fromkeys((cpu, -(-cpu // per_core) * per_core, cpu + 1)):
        resources = {**budget, RESOURCE_CPU: n * 1000}
        moved = replace(pod, resources=ResourceRequirements(requests=resources, limits=resources))
        scenario = _variant(base, index, moved, config=changed)
        result = verify(scenario)
        if result is None:
            continue
        spec = ", ".join(f"{k} {_quantity(k, v)}" for k, v in resources.items())
        summary = (
            f"pod-level resources (KEP-5526): spec.resources {spec}, topologyManagerScope pod, "
            f"gates PodLevelResources and PodLevelResourceManagers on — {_aligned(result)}"
        )
        change = {
            "featureGates": "PodLevelResources=true,PodLevelResourceManagers=true",
            "topologyManagerScope": POD_SCOPE,
            **{f"spec.resources.{k}": _quantity(k, v) for k, v in resources.items()},
        }
        yield Suggestion("pod-level", summary, change, scenario, result)
        return


def _set_amount(res: ResourceRequirements, name: str, value: int) -> ResourceRequirements:
    req, lim = dict(res.requests), dict(res.limits)
    for m in (req, lim):
        if name in m:
            m[name] = value
    return ResourceRequirements(requests=req, limits=lim)


def _with_pod_amount(pod: Pod, name: str, value: int) -> Pod:
    assert pod.resources is not None
    return replace(pod, resources=_set_amount(pod.resources, name, value))


_MEMORY_STEPS = (256 << 20, 1 << 30, 4 << 30)


def _budget_fixes(base: Scenario, index: int, pod: Pod, pools: Sequence[EmptyPool]) -> Iterator[Suggestion]:
    """An empty pod shared pool: a pod budget above what the exclusive containers take, or one
    exclusive container asking for less (each verified)."""
    for pool in pools:
        steps = (1000,) if pool.resource == RESOURCE_CPU else _MEMORY_STEPS
        unit = 1000 if pool.resource == RESOURCE_CPU else 1
        for step in steps:
            value = pool.taken * unit + step
            scenario = _variant(base, index, _with_pod_amount(pod, pool.resource, value))
            result = verify(scenario)
            if result is None:
                continue
            shown = _quantity(pool.resource, value)
            summary = (
                f"pod-level {pool.resource} {shown} (instead of {pool.amount(pool.budget)}): the exclusive "
                f"containers take {pool.amount(pool.taken)}, the rest is the pod's shared pool — "
                f"{_aligned(result)}"
            )
            change = {f"spec.resources.{pool.resource}": shown}
            yield Suggestion("pod-budget", summary, change, scenario, result)
            break
        if pool.resource == RESOURCE_CPU and pool.exclusive:
            name, n = max(pool.exclusive, key=lambda e: e[1])
            if n > 1:
                scenario = _variant(base, index, with_cpus(pod, name, n - 1))
                result = verify(scenario)
                if result is not None:
                    summary = (
                        f"{n - 1} CPUs for container {name} (instead of {n}): one CPU of the budget is "
                        f"left for the pod's shared pool — {_aligned(result)}"
                    )
                    change = {"container": name, "cpu": str(n - 1)}
                    yield Suggestion("fewer-cpus", summary, change, scenario, result)


_PAGE_SIZES = {"hugepages-2Mi": 2 << 20, "hugepages-1Gi": 1 << 30}
_HUGEPAGE_KEYS = {"hugepages-2Mi": "hugepages2MiPerNUMANode", "hugepages-1Gi": "hugepages1GiPerNUMANode"}
_HUGEPAGE_FLAGS = {"hugepages-2Mi": "--hugepages-2Mi-per-numa", "hugepages-1Gi": "--hugepages-1Gi-per-numa"}


def _hugepage_requests(pod: Pod) -> dict[str, int]:
    wanted = dict(aggregate_container_requests(pod))
    if pod.resources is not None:
        for name, value in pod.resources.requests.items():
            wanted[name] = max(wanted.get(name, 0), value)
    return {n: v for n, v in wanted.items() if n in _PAGE_SIZES and v > 0}


def _hugepages_on_node(base: Scenario, index: int, pod: Pod) -> Iterator[Suggestion]:
    """Machine-side: hugepages the pod needs and the node lacks (what no pod change can fix)."""
    machine = base.machine
    for name, want in sorted(_hugepage_requests(pod).items()):
        page = _PAGE_SIZES[name]
        have = max((n.hugepage_bytes(page) for n in machine.numa_nodes), default=0)
        if have >= want:
            continue
        per_numa = -(-want // page) * page
        for total in dict.fromkeys((per_numa, 2 * per_numa)):
            try:
                changed = apply_overrides(machine, {_HUGEPAGE_KEYS[name]: total})
            except InputError:
                continue  # more hugepages than the NUMA node's memory
            scenario = _variant(base, index, pod, machine=changed)
            result = verify(scenario)
            if result is None:
                continue
            shown = format_bytes(total)
            summary = (
                f"the node with {shown} of {name} per NUMA node (it has {format_bytes(have)} at most): "
                f"a machine-side change (kernel hugepages; {_HUGEPAGE_FLAGS[name]} {shown} to try it) — "
                f"{_aligned(result)}"
            )
            change = {_HUGEPAGE_KEYS[name]: shown}
            yield Suggestion("machine-hugepages", summary, change, scenario, result)
            break


def suggest(
    base: Scenario,
    index: int,
    pod: Pod,
    merges: Sequence[MergeTrace],
    log: TraceLog,
    pools: Sequence[EmptyPool] = (),
) -> tuple[Suggestion, ...]:
    """Verified changes that admit ``pod`` (the event at ``index`` of ``base``); ``pools``: the
    resources whose pod budget the exclusive containers use up (see :mod:`podfit.explain.empty_pool`)."""
    out: list[Suggestion] = []
    if pools:
        out.extend(_budget_fixes(base, index, pod, pools))
    out.extend(_policies(base, index, pod))
    out.extend(_scopes(base, index, pod))
    target, current = _cpu_target(pod, base, merges, log)
    even: set[int] = set()
    smt_odd = [e for _, e in log.smt if not e.caused_by_physical_cpus]
    if smt_odd and current > 0:
        for s in _smt_even(base, index, pod, target, current, smt_odd[0].cpus_per_core):
            even.add(int(s.change["cpu"]))
            out.append(s)
    if current > 1:
        out.extend(_fewer_cpus(base, index, pod, target, current, even))
    out.extend(_pod_level(base, index, pod))
    out.extend(_hugepages_on_node(base, index, pod))
    out.extend(_machines(base, index, pod))
    return tuple(out)
