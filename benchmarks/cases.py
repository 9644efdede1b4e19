"""The benchmark cases: each builds its input once and offers the fast call, the reference call
on the same input where it is feasible, and a check that the fast answer is the reference's.

Used by ``benchmarks/run.py`` (timed) and ``tests/benchmarks/test_smoke.py`` (run once, checked).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from podfit.api.machine_build import synthetic_machine
from podfit.api.presets import preset_machine
from podfit.api.scenario import scenario_from_dict
from podfit.cpu.hints import generate_cpu_topology_hints, generate_cpu_topology_hints_reference
from podfit.cpu.policy_static import StaticPolicy, new_static_policy
from podfit.kubelet.node import Node
from podfit.memory.policy_static import StaticPolicy as MemoryStaticPolicy
from podfit.model.machine import Machine
from podfit.model.policy_options import CPUManagerOptions, TopologyManagerOptions
from podfit.release import default_profile
from podfit.topology.hint import TopologyHint
from podfit.topology.numa_info import NUMAInfo
from podfit.topology.policy import new_policy


@dataclass
class Case:
    """One benchmark input. ``run`` is timed; ``reference`` (if any) is timed for the ratio;
    ``check`` raises AssertionError unless the fast answer equals the reference's."""

    run: Callable[[], object]
    check: Callable[[], None]
    reference: Callable[[], object] | None = None
    ops: Callable[[], Iterator[Callable[[], object]]] | None = None  # per-op timing (p50/p99)
    note: str = ""


@dataclass(frozen=True)
class Benchmark:
    name: str
    target: str  # the target, as written there
    limit_ns: float | None  # median must be <= this (None: no target, reported only)
    build: Callable[[bool], Case]  # quick=True: a smaller smoke-test variant where it matters
    p99_limit_ns: float | None = None
    throughput_per_s: float | None = None  # target as cycles per second instead of a time


# ----- topology manager merge ---------------------------------------------------------------
def _merge_case(
    numa: int,
    providers: list[list[TopologyHint]],
    policy: str,
    ref_ok: bool,
    expected: TopologyHint | None,
    small: tuple[int, list[list[TopologyHint]]] | None = None,
) -> Case:
    info = NUMAInfo(nodes=tuple(range(numa)))
    opts = TopologyManagerOptions(max_allowable_numa_nodes=64)
    provider_hints = [{f"r{i}": hs} for i, hs in enumerate(providers)]
    fast = new_policy(policy, info, opts)
    ref = new_policy(policy, info, opts, exact_reference=True)

    def check() -> None:
        got = fast.merge(provider_hints)
        if ref_ok:
            assert got == ref.merge(provider_hints)
        elif small is not None:
            # the product is too large for the reference: the same shape, 2 providers, <= 8 NUMA
            s_info = NUMAInfo(nodes=tuple(range(small[0])))
            s_hints = [{f"r{i}": hs} for i, hs in enumerate(small[1])]
            s_fast = new_policy(policy, s_info, opts).merge(s_hints)
            assert s_fast == new_policy(policy, s_info, opts, exact_reference=True).merge(s_hints)
        if expected is not None:
            assert got[0] == expected, got

    return Case(
        run=lambda: fast.merge(provider_hints),
        check=check,
        reference=(lambda: ref.merge(provider_hints)) if ref_ok else None,
    )


def _all_masks(numa: int, preferred: Callable[[int], bool]) -> list[TopologyHint]:
    return [TopologyHint(m, preferred(m)) for m in range(1, 1 << numa)]


def merge_typical(quick: bool) -> Case:
    hints = [TopologyHint(0b01, True), TopologyHint(0b10, True), TopologyHint(0b11, False)]
    return _merge_case(2, [hints, hints, hints], "restricted", True, TopologyHint(0b01, True))


def merge_many(numa: int, quick: bool, preferred: bool = True) -> Case:
    n = min(numa, 6) if quick else numa
    single = (lambda m: m.bit_count() == 1) if preferred else (lambda m: False)
    hints = _all_masks(n, single)
    expected = TopologyHint(1, True) if preferred else None
    small_n = min(n, 8)
    small = (small_n, [_all_masks(small_n, single)] * 2)
    return _merge_case(n, [hints] * 4, "best-effort", False, expected, small)


# ----- full admissions through the node ---------------------------------------------------
def _scenario(machine: dict[str, Any], config: dict[str, Any]) -> tuple[Machine, Any]:
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "bench"},
        "node": machine,
        "kubeletConfig": {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            **config,
        },
        "events": [],
    }
    sc = scenario_from_dict(doc)
    return sc.machine, sc.kubelet_config


def _pod(name: str, containers: list[dict[str, str]]) -> Any:
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "p"},
        "node": {"machine": {"sockets": 1, "coresPerNUMANode": 1, "threadsPerCore": 1}},
        "kubeletConfig": {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"},
        "events": [
            {
                "add": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": name},
                    "spec": {
                        "containers": [
                            {"name": f"c{i}", "resources": {"limits": limits}}
                            for i, limits in enumerate(containers)
                        ]
                    },
                }
            }
        ],
    }
    return scenario_from_dict(doc).events[0].pod


@contextmanager
def reference_mode(node: Node) -> Iterator[None]:
    """The node with every fast path swapped for its literal reference (benchmark use only): the
    Topology Manager's permutation merge and the enumerating CPU, memory and device hint
    generators (each provider's ``exact_reference`` switch; nothing is patched, so this works the
    same on a mypyc-compiled core)."""
    m = node.managers
    saved_policy, saved_cpu = m.topology_policy, m.cpu.policy
    m.topology_policy = dataclasses.replace(saved_policy, exact_reference=True)
    if isinstance(saved_cpu, StaticPolicy):
        m.cpu.policy = dataclasses.replace(saved_cpu, exact_reference=True)
    memory_policy = m.memory.policy
    if isinstance(memory_policy, MemoryStaticPolicy):
        memory_policy.exact_reference = True
    m.devices.exact_reference = True
    try:
        yield
    finally:
        m.topology_policy, m.cpu.policy = saved_policy, saved_cpu
        if isinstance(memory_policy, MemoryStaticPolicy):
            memory_policy.exact_reference = False
        m.devices.exact_reference = False


def _cycle(node: Node, pod: Any) -> object:
    result = node.admit(pod)
    node.remove(uid=pod.uid)
    return result


def _admission_case(machine: Machine, config: Any, pod: Any, ref_ok: bool) -> Case:
    node = Node(machine, config)

    def reference() -> object:
        with reference_mode(node):
            return _cycle(node, pod)

    def check() -> None:
        got = _cycle(node, pod)
        if ref_ok:
            assert got == reference()

    return Case(run=lambda: _cycle(node, pod), check=check, reference=reference if ref_ok else None)


GB200_CONFIG = {
    "cpuManagerPolicy": "static",
    "reservedSystemCPUs": "0",
    "memoryManagerPolicy": "Static",
    "kubeReserved": {"memory": "1Gi"},
    "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
    "topologyManagerPolicy": "restricted",
    "topologyManagerScope": "pod",
    "topologyManagerPolicyOptions": {"max-allowable-numa-nodes": "64"},
}
GPU_POD = [{"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": "1"}]
# needs both Grace sockets: no preferred merge exists, so the non-preferred (family) path runs
GPU_POD_WIDE = [{"cpu": "100", "memory": "8Gi", "nvidia.com/gpu": "3"}]


def gb200_admission(
    quick: bool, pod_spec: list[dict[str, str]] = GPU_POD, policy: str = "restricted"
) -> Case:
    full = preset_machine("gb200-tray")
    machine, config = _scenario({"preset": "gb200-tray"}, {**GB200_CONFIG, "topologyManagerPolicy": policy})
    assert machine.num_numa_nodes == full.num_numa_nodes == 34
    case = _admission_case(machine, config, _pod("gpu", pod_spec), ref_ok=False)
    # the reference enumerates 2^34 device masks: check on the same tray cut to 10 NUMA nodes
    small = dataclasses.replace(full, numa_nodes=full.numa_nodes[:10], name="gb200-10")
    small_case = _admission_case(small, config, _pod("gpu", pod_spec), ref_ok=True)

    def check() -> None:
        got = _cycle(Node(machine, config), _pod("gpu", pod_spec))
        small_case.check()
        # same decision on 34 nodes as on the 10-node cut (the extra nodes are memory-only)
        assert got == _cycle(Node(small, config), _pod("gpu", pod_spec))

    case.check = check
    case.note = "reference (2^34 device masks) infeasible; checked against the reference on a 10-NUMA cut"
    return case


def admit_release_cycle(quick: bool) -> Case:
    machine, config = _scenario(
        {"machine": {"sockets": 2, "coresPerNUMANode": 8, "threadsPerCore": 2, "memoryPerNUMANode": "64Gi"}},
        {
            "cpuManagerPolicy": "static",
            "reservedSystemCPUs": "0",
            "memoryManagerPolicy": "Static",
            "kubeReserved": {"memory": "1Gi"},
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
            "topologyManagerPolicy": "restricted",
            "topologyManagerScope": "pod",
        },
    )
    pod = _pod("g", [{"cpu": "2", "memory": "1Gi"}, {"cpu": "2", "memory": "1Gi"}])
    return _admission_case(machine, config, pod, ref_ok=True)


# ----- CPU manager --------------------------------------------------------------------------
def cpu_hints(numa: int, quick: bool, fragmented: bool = False) -> Case:
    machine = synthetic_machine(
        sockets=2, numa_nodes_per_socket=max(1, numa // 2), cores_per_numa_node=4, threads_per_core=2
    )
    opts = CPUManagerOptions()
    available = machine.all_cpus & ~1
    if fragmented:
        # node i keeps i % 8 free CPUs: masks of every size need their own free-CPU check
        available = 0
        for i, cpus in sorted(machine.numa_cpus.items()):
            keep = i % 8
            while keep and cpus:
                low = cpus & -cpus
                available |= low
                cpus ^= low
                keep -= 1

    def args() -> tuple[Any, ...]:
        return (machine, opts, available, 0, 6)

    def check() -> None:
        assert generate_cpu_topology_hints(*args()) == generate_cpu_topology_hints_reference(*args())

    return Case(
        run=lambda: generate_cpu_topology_hints(*args()),
        check=check,
        reference=lambda: generate_cpu_topology_hints_reference(*args()),
    )


class _NoGates:
    release = default_profile()

    def enabled(self, name: str) -> bool:
        return False


CPU_OPTION_SETS = {
    "packed": CPUManagerOptions(),
    "full-pcpus-only": CPUManagerOptions(full_physical_cpus_only=True),
    "distribute-cpus-across-numa": CPUManagerOptions(distribute_cpus_across_numa=True),
    "distribute-cpus-across-numa+full-pcpus-only": CPUManagerOptions(
        distribute_cpus_across_numa=True, full_physical_cpus_only=True
    ),
    "distribute-cpus-across-cores": CPUManagerOptions(distribute_cpus_across_cores=True),
    "prefer-align-cpus-by-uncorecache": CPUManagerOptions(prefer_align_by_uncore_cache=True),
    "align-by-socket": CPUManagerOptions(align_by_socket=True),
}
CPU_REQUESTS = (2, 4, 8, 6, 16, 2, 32, 4, 10, 2, 12, 8, 24, 4, 2, 64, 6, 2, 8, 4)


def cpu_allocation(quick: bool) -> Case:
    machine = preset_machine("topoDualSocketMultiNumaPerSocketHTLarge")
    assert (machine.num_sockets, machine.num_numa_nodes, machine.num_cpus) == (2, 8, 256)
    policies: list[StaticPolicy] = []
    for opts in CPU_OPTION_SETS.values():
        p = new_static_policy(machine, 0, 0, opts, _NoGates())
        assert isinstance(p, StaticPolicy), p
        policies.append(p)
    rounds = 1 if quick else 5

    def ops() -> Iterator[Callable[[], object]]:
        # a deterministic allocate/free sequence per option set: each op is one takeByTopology
        for policy in policies:
            free = machine.all_cpus
            held: list[int] = []
            for _ in range(rounds):
                for n in CPU_REQUESTS:
                    while held and free.bit_count() < n:
                        free |= held.pop(0)
                    avail = free

                    def op(policy: StaticPolicy = policy, avail: int = avail, n: int = n) -> int:
                        return policy.take_by_topology(avail, n)

                    got = op()
                    assert got.bit_count() == n and got & ~avail == 0
                    free &= ~got
                    held.append(got)
                    yield op

    def run() -> object:
        return [op() for op in ops()]

    def check() -> None:
        run()

    return Case(run=run, check=check, ops=ops, note="no separate reference: one kubelet-order implementation")


# ----- memory manager -----------------------------------------------------------------------
def memory_allocation(quick: bool) -> Case:
    machine, config = _scenario(
        {
            "machine": {
                "sockets": 2,
                "coresPerNUMANode": 4,
                "threadsPerCore": 2,
                "memoryPerNUMANode": "64Gi",
                "hugepages2MiPerNUMANode": "4Gi",
            }
        },
        {
            "cpuManagerPolicy": "none",
            "memoryManagerPolicy": "Static",
            "kubeReserved": {"memory": "1Gi"},
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
            "topologyManagerPolicy": "single-numa-node",
        },
    )
    node = Node(machine, config)
    mm = node.managers.memory
    pod = _pod("m", [{"cpu": "1", "memory": "2Gi", "hugepages-2Mi": "512Mi"}])
    container = pod.containers[0]
    hint = TopologyHint(0b01, True)

    def allocate() -> object:
        return mm.policy.allocate(mm.state, pod, container, hint)

    def release() -> None:
        mm.policy.remove_container(mm.state, pod.uid, container.name)

    def ops() -> Iterator[Callable[[], object]]:
        for _ in range(1 if quick else 200):
            release()
            yield allocate
        release()

    def check() -> None:
        assert allocate() is None
        blocks = mm.state.get_memory_blocks(pod.uid, container.name)
        assert [tuple(b.numa_affinity) for b in blocks] == [(0,), (0,)], blocks
        release()

    return Case(run=allocate, check=check, ops=ops, note="timed: Allocate only (the release is not timed)")


# ----- fleet scheduler ------------------------------------------------------------------------
def fleet_scheduler_filtered(quick: bool) -> Case:
    """As :func:`fleet_scheduler_step` on a cluster with four labelled pools and one node in ten
    tainted ``nvidia.com/gpu:NoSchedule``: each decision is for a pod requiring a pool by node
    affinity, half of them tolerating the GPU taint (the filters are evaluated per node class,
    memoised per pod signature)."""
    import random

    from podfit.fleet.scheduler import Scheduler
    from podfit.fleet.values import SelectorRequirement, SelectorTerm, Taint, Toleration

    n = 400 if quick else 4000
    alloc = [(190_000, 766 << 30, 0, 110)] * n
    labels = [(("pool", f"p{i % 4}"),) for i in range(n)]
    gpu = Taint("nvidia.com/gpu", "present", "NoSchedule")
    taints = [(gpu,) if i % 10 == 0 else () for i in range(n)]
    sched = Scheduler(alloc, labels, most_allocated=False, taints=taints)
    tolerate = (Toleration("nvidia.com/gpu", "Exists"),)
    rng = random.Random(16)
    sizes = [1000, 2000, 4000, 8000, 16000]

    def affinity(pool: int) -> tuple[SelectorTerm, ...]:
        return (SelectorTerm((SelectorRequirement("pool", "In", (f"p{pool}",)),)),)

    for _ in range(n * 21):  # ~70 % of the CPUs requested
        c = rng.choice(sizes)
        req = (c, c * (4 << 20), 0)
        node = sched.pick(req, affinity=affinity(rng.randrange(4)), tolerations=tolerate)
        if node >= 0:
            sched.add(node, req)
    probes = [
        ((s, s * (4 << 20), 0), affinity(i % 4), tolerate if i % 2 else ()) for i, s in enumerate(sizes)
    ]

    def step() -> object:
        out = 0
        for req, aff, tol in probes:
            node = sched.pick(req, affinity=aff, tolerations=tol)
            if node >= 0:
                sched.add(node, req)
                sched.remove(node, req)
            out += node
        return out

    def scan() -> object:
        return sum(sched.pick_by_scan(req, affinity=aff, tolerations=tol) for req, aff, tol in probes)

    def check() -> None:
        for req, aff, tol in probes:
            assert (
                sched.pick(req, affinity=aff, tolerations=tol)
                == sched.pick_by_scan(req, affinity=aff, tolerations=tol)
                >= 0
            )

    return Case(
        run=step,
        check=check,
        reference=scan,
        note="timed: 5 decisions (pick + add + remove) per run, each with pool affinity, 2 with the "
        "GPU toleration; reference: filter and score every node",
    )


def fleet_scheduler_step(quick: bool) -> Case:
    """NodeResourcesFit on 4,000 nodes (2 sockets x 48 cores, SMT: 190 allocatable CPUs) loaded
    to about 70 % with a seeded mix of pods: one scheduling decision (pick + add + remove)."""
    import random

    from podfit.fleet.scheduler import Scheduler

    n = 400 if quick else 4000
    alloc = [(190_000, 766 << 30, 0, 110)] * n
    sched = Scheduler(alloc, [()] * n, most_allocated=False)
    rng = random.Random(16)
    sizes = [1000, 2000, 4000, 8000, 16000]
    for _ in range(n * 21):  # ~70 % of the CPUs requested (6.2 CPUs per pod on average)
        req = (rng.choice(sizes), 0, 0)
        req = (req[0], req[0] * (4 << 20), 0)
        node = sched.pick(req)
        if node >= 0:
            sched.add(node, req)
    probes = [(s, s * (4 << 20), 0) for s in sizes]

    def step() -> object:
        out = 0
        for req in probes:
            node = sched.pick(req)
            if node >= 0:
                sched.add(node, req)
                sched.remove(node, req)
            out += node
        return out

    def scan() -> object:
        return sum(sched.pick_by_scan(req) for req in probes)

    def check() -> None:
        for req in probes:
            assert sched.pick(req) == sched.pick_by_scan(req) >= 0

    return Case(
        run=step,
        check=check,
        reference=scan,
        note="timed: 5 decisions (pick + add + remove) per run; reference: filter and score every node",
    )


# ----- the page of podfit render ---------------------------------------------------------------
def page_steps(quick: bool) -> Case:
    """The data behind the page: the timeline of differences and the page's JSON, against the
    full frames of every step (the literal reference, what the page was built from before)."""
    from benchmarks.page_scenario import page_scenario
    from podfit.kubelet.simulation import simulate
    from podfit.report.frames import build_frames, build_timeline, topology_rows
    from podfit.report.frames_reference import build_frames_reference
    from podfit.report.json_result import result_to_json
    from podfit.report.page_data import page_data

    pods, cpus, numa = (60, 64, 2) if quick else (300, 128, 4)
    doc = result_to_json(simulate(scenario_from_dict(page_scenario(pods, cpus=cpus, numa=numa))))
    rows = topology_rows(doc)

    def check() -> None:
        assert build_frames(doc) == build_frames_reference(doc)

    return Case(
        run=lambda: page_data(build_timeline(doc), rows),
        check=check,
        reference=lambda: build_frames_reference(doc),
        note="fast: timeline + page JSON; reference: every frame in full (no JSON); "
        "the whole page: python -m benchmarks.page",
    )


# ----- -o yaml ---------------------------------------------------------------------------------
def yaml_out_simulate(quick: bool) -> Case:
    """``simulate -o yaml``'s text of the page scenario: podfit.io.yaml_out (libyaml's emitter inside
    its rule) against PyYAML's pure emitter (the reference), which must write the same bytes."""
    import yaml

    from benchmarks.page_scenario import page_scenario
    from podfit.io.yaml_out import safe_dump
    from podfit.kubelet.simulation import simulate
    from podfit.report.json_result import result_to_json

    pods, cpus, numa = (60, 64, 2) if quick else (300, 128, 4)
    doc = result_to_json(simulate(scenario_from_dict(page_scenario(pods, cpus=cpus, numa=numa))))
    options: dict[str, Any] = {"sort_keys": False, "default_flow_style": None, "width": 120}

    def check() -> None:
        assert safe_dump(doc, **options) == yaml.safe_dump(doc, **options)

    return Case(
        run=lambda: safe_dump(doc, **options),
        check=check,
        reference=lambda: yaml.safe_dump(doc, **options),
        note="fast: podfit.io.yaml_out (libyaml when its rule allows); reference: PyYAML's pure emitter",
    )


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("merge: 2 NUMA, 3 providers x 3 hints", "<= 5 us", 5e3, merge_typical),
    Benchmark(
        "merge: 8 NUMA, 4 providers x 255 hints (upstream shape)",
        "<= 5 ms (Go: 258 s)",
        5e6,
        lambda q: merge_many(8, q),
    ),
    Benchmark(
        "merge: 8 NUMA, 4 x 255 hints, none preferred (extra)",
        "-",
        None,
        lambda q: merge_many(8, q, preferred=False),
    ),
    Benchmark("merge: 16 NUMA, 4 providers x 65,535 hints", "<= 250 ms", 250e6, lambda q: merge_many(16, q)),
    Benchmark(
        "full admission: 34 NUMA GB200 tray, max-allowable-numa-nodes=64 (admit+release)",
        "<= 10 ms",
        10e6,
        gb200_admission,
    ),
    Benchmark(
        "full admission: 34 NUMA GB200 tray, 3 GPUs + 100 CPUs across both sockets, best-effort (extra)",
        "-",
        None,
        lambda q: gb200_admission(q, GPU_POD_WIDE, "best-effort"),
    ),
    Benchmark("CPU hints: 2 NUMA", "<= 5 us", 5e3, lambda q: cpu_hints(2, q)),
    Benchmark("CPU hints: 8 NUMA", "<= 100 us", 100e3, lambda q: cpu_hints(8, q)),
    Benchmark("CPU hints: 16 NUMA", "<= 20 ms", 20e6, lambda q: cpu_hints(16 if not q else 6, q)),
    Benchmark(
        "CPU hints: 16 NUMA, fragmented free CPUs (per-mask checks) (extra)",
        "-",
        None,
        lambda q: cpu_hints(16 if not q else 6, q, fragmented=True),
    ),
    Benchmark(
        "static CPU allocation: 2 sockets / 8 NUMA / 256 CPUs, every option",
        "p50 <= 30 us, p99 <= 200 us",
        30e3,
        cpu_allocation,
        p99_limit_ns=200e3,
    ),
    Benchmark("memory manager Allocate: memory + hugepages-2Mi, 2 NUMA", "<= 15 us", 15e3, memory_allocation),
    Benchmark(
        "admit + release: 2-container Guaranteed pod, pod scope, 2 NUMA",
        ">= 20,000 cycles/s",
        1e9 / 20000,
        admit_release_cycle,
        throughput_per_s=20000,
    ),
    Benchmark(
        "fleet scheduler: 5 decisions on 4,000 nodes at ~70 % (indexes, not scans)",
        "<= 50 us per pod (250 us per run)",
        5 * 50e3,
        fleet_scheduler_step,
    ),
    Benchmark(
        "fleet scheduler: the same with 4 pools by node affinity and 1 node in 10 tainted",
        "<= 50 us per pod (250 us per run)",
        5 * 50e3,
        fleet_scheduler_filtered,
    ),
    Benchmark(
        "page data: 300 pods arriving and leaving on a 128-CPU node, steps as differences (extra)",
        "-",
        None,
        page_steps,
    ),
    Benchmark(
        "simulate -o yaml: 300 pods on a 128-CPU node, libyaml where it writes PyYAML's text (extra)",
        "-",
        None,
        yaml_out_simulate,
    ),
)
