"""Independent review: CPU Manager, Topology Manager scopes, devices and the admission chain for
pods without pod-level resources, end to end through ``simulate``.

Every expected value was derived by hand from the upstream Go code (kubernetes/kubernetes, code
index file ids below) and then compared with podfit:

* ``cpumanager/policy_static.go`` id 3556663868 (the version with ``AllocatePod``):
  ``Allocate``, ``allocateCPUs``, ``updateCPUsToReuse``, ``podGuaranteedCPUs``,
  ``GetTopologyHints``/``GetPodTopologyHints``, ``generateCPUTopologyHints``,
  ``enforceSMTAlignment``, ``getAlignedCPUs``, ``RemoveContainer``;
* ``topologymanager/scope_pod.go`` id 70153190744 (newest; its ``pod.Spec.NUMANode`` branch is
  post-1.37 and not exercised), ``scope_container.go`` id 54116211167;
* ``devicemanager/topology_hints.go`` id 55549223 (``GetTopologyHints``,
  ``getContainerDeviceRequest``, ``generateDeviceTopologyHints``);
* ``kubelet.go`` id 38813120616 (admit handlers: resource allocation before the predicate),
  scheduler ``noderesources/fit.go`` ``fitsRequest`` id 39188908 (pods first, then cpu, memory,
  ephemeral-storage, scalar resources).

Machine used unless stated: 2 sockets x 1 NUMA x 4 cores x 2 threads, so NUMA 0 = CPUs 0-3,8-11,
NUMA 1 = CPUs 4-7,12-15, siblings i / i+8; reservedSystemCPUs "0".
"""

from __future__ import annotations

from typing import Any

from podfit.api.scenario import scenario_from_dict
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

ALPHA = {"CPUManagerPolicyAlphaOptions": True, "CPUManagerPolicyBetaOptions": True}


def _machine(sockets: int = 2, nps: int = 1, cores: int = 4, threads: int = 2, **kw: Any) -> dict[str, Any]:
    return {
        "sockets": sockets,
        "numaNodesPerSocket": nps,
        "coresPerNUMANode": cores,
        "threadsPerCore": threads,
        "memoryPerNUMANode": "16Gi",
        **kw,
    }


def _kc(**kw: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cpuManagerPolicy": "static",
        "reservedSystemCPUs": "0",
        "topologyManagerPolicy": "single-numa-node",
        "topologyManagerScope": "container",
        **kw,
    }


MEMORY_STATIC = {
    "memoryManagerPolicy": "Static",
    "kubeReserved": {"memory": "1Gi"},
    "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
}


def _ctr(
    name: str,
    cpu: str | None,
    mem: str | None = "1Gi",
    requests: dict[str, str] | None = None,
    sidecar: bool = False,
    **extra: str,
) -> dict[str, Any]:
    limits = {k: v for k, v in (("cpu", cpu), ("memory", mem)) if v is not None}
    limits.update(extra)
    res: dict[str, Any] = {"limits": limits} if limits else {}
    if requests is not None:
        res["requests"] = requests
    c: dict[str, Any] = {"name": name, "image": "x", "resources": res}
    if sidecar:
        c["restartPolicy"] = "Always"
    return c


def _pod(
    name: str, containers: list[dict[str, Any]], init: tuple[dict[str, Any], ...] = (), **spec: Any
) -> Any:
    return {
        "add": {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": name},
            "spec": {"containers": containers, "initContainers": list(init), **spec},
        }
    }


def _run(machine: dict[str, Any], config: dict[str, Any], events: list[Any]) -> list[dict[str, Any]]:
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "review"},
        "node": {"machine": machine},
        "kubeletConfig": config,
        "events": events,
    }
    out = result_to_json(simulate(scenario_from_dict(doc)))
    assert out["error"] is None
    steps: list[dict[str, Any]] = out["steps"]
    return steps


def _cpus(step: dict[str, Any]) -> dict[str, tuple[str, str | None, str]]:
    return {c["name"]: (c["kind"], c["cpus"], c["assignment"]) for c in step["containers"]}


def _hint(numa: list[int], preferred: bool) -> dict[str, Any]:
    return {"numaAffinity": numa, "preferred": preferred}


# ----- init containers, sidecars and CPU reuse -------------------------------------------------

INIT_SIDECAR_POD = _pod(
    "p",
    [_ctr("app", "2")],
    init=(_ctr("init1", "4"), _ctr("side", "2", sidecar=True), _ctr("init2", "3")),
)
INIT_SIDECAR_CPUS = {
    "init1": ("init", "1-2,9-10", "node_exclusive"),
    "side": ("sidecar", "1,9", "node_exclusive"),
    "init2": ("init", "2,8,10", "node_exclusive"),
    "app": ("app", "2,10", "node_exclusive"),
}


def test_container_scope_reuses_init_cpus_but_not_sidecar_cpus() -> None:
    """policy_static.go (3556663868) ``updateCPUsToReuse``: a regular init container's CPUs join the
    pod's reusable set, a restartable (sidecar) or app container's CPUs leave it; ``allocateCPUs``
    takes from available ∪ reusable. init1 {1,2,9,10} -> side reuses {1,9} -> init2 gets reusable
    {2,10} + free 8 (fewest-free core first) -> app reuses {2,10}. CPU 8 stays with init2."""
    (step,) = _run(_machine(), _kc(), [INIT_SIDECAR_POD])
    assert step["admitted"] is True
    assert _cpus(step) == INIT_SIDECAR_CPUS
    assert step["containerHints"] == {n: _hint([0], True) for n in ("init1", "side", "init2", "app")}
    assert step["defaultCPUSet"] == "0,3-7,11-15"


def test_pod_scope_non_pod_level_one_hint_then_per_container_allocate() -> None:
    """scope_pod.go (70153190744) ``admitUsingContainerResources``: one pod hint from
    ``GetPodTopologyHints`` (podGuaranteedCPUs = max(side+init2 = 5, app+side = 4) = 5 -> NUMA 0
    fits), then ``Allocate`` per container in init/app order with that hint: same CPUs."""
    (step,) = _run(_machine(), _kc(topologyManagerScope="pod"), [INIT_SIDECAR_POD])
    assert step["podHint"] == _hint([0], True)
    assert step["containerHints"] is None
    assert _cpus(step) == INIT_SIDECAR_CPUS


def test_policy_none_still_allocates_exclusive_cpus_without_a_hint() -> None:
    """scope.go ``admitPolicyNone``: Allocate with the empty hint; the static CPU policy still pins
    (``allocateCPUs`` with nil affinity takes by topology from everything available)."""
    (step,) = _run(_machine(), _kc(topologyManagerPolicy="none"), [INIT_SIDECAR_POD])
    assert (step["podHint"], step["containerHints"]) == (None, None)
    assert _cpus(step) == INIT_SIDECAR_CPUS


SIDECAR_HEAVY = _pod("p", [_ctr("app", "5")], init=(_ctr("init1", "4"), _ctr("side", "3", sidecar=True)))


def test_pod_scope_hint_uses_the_kep753_effective_request() -> None:
    """policy_static.go ``podGuaranteedCPUs``: max(sidecars-so-far + init = 4, apps + sidecars = 8)
    = 8 > 7 free on NUMA 0, so the pod hint is NUMA 1. Per-container allocation on NUMA 1: init1
    {4,5,12,13}; the sidecar reuses them (whole core 4 + CPU 5); the app gets the one CPU still
    reusable (13) plus the 4 free CPUs of NUMA 1."""
    (step,) = _run(_machine(), _kc(topologyManagerScope="pod"), [SIDECAR_HEAVY])
    assert step["podHint"] == _hint([1], True)
    assert _cpus(step) == {
        "init1": ("init", "4-5,12-13", "node_exclusive"),
        "side": ("sidecar", "4-5,12", "node_exclusive"),
        "app": ("app", "6-7,13-15", "node_exclusive"),
    }
    assert step["defaultCPUSet"] == "0-3,8-11"


def test_container_scope_same_pod_is_rejected_when_reuse_pins_the_app_to_numa0() -> None:
    """Container scope: init1 and the sidecar land on NUMA 0; the app's reusable CPU lies on NUMA 0
    so every hint must contain NUMA 0 (``generateCPUTopologyHints``), and NUMA 0 alone holds 4 < 5:
    only {0,1} (not preferred) remains and single-numa-node rejects."""
    (step,) = _run(_machine(), _kc(), [SIDECAR_HEAVY])
    assert (step["admitted"], step["reason"]) == (False, "TopologyAffinityError")
    assert step["message"] == "Resources cannot be allocated with Topology locality"
    assert step["containerHints"]["app"] == _hint([], False)
    assert step["defaultCPUSet"] == "0-15"


def test_removing_a_pod_with_init_containers_returns_every_cpu() -> None:
    """``RemoveContainer`` per container releases CPUs not held by siblings; after the last one the
    whole set is back and the next pod gets the same whole cores."""
    steps = _run(
        _machine(),
        _kc(),
        [
            _pod("p", [_ctr("app", "2")], init=(_ctr("init1", "4"), _ctr("side", "2", sidecar=True))),
            {"remove": "default/p"},
            _pod("q", [_ctr("app", "4")]),
        ],
    )
    assert steps[0]["defaultCPUSet"] == "0,3-8,11-15"
    assert steps[1]["defaultCPUSet"] == "0-15"
    assert _cpus(steps[2]) == {"app": ("app", "1-2,9-10", "node_exclusive")}


# ----- topology policies and devices -----------------------------------------------------------

TWO_NICS = [
    {"resource": "example.com/gpu", "numaNode": 1, "count": 1},
    {"resource": "example.com/gpu", "numaNode": 0, "count": 1},
]


def test_restricted_rejects_and_best_effort_admits_a_non_preferred_merge() -> None:
    """2 devices, one per NUMA node: the only device hint is {0,1} (preferred: no single node holds
    2). CPU hints {0},{1} preferred. Every merge is non-preferred -> restricted rejects
    (``canAdmitPodResult``), best-effort admits with {0,1} non-preferred and CPUs on NUMA 0."""
    m = _machine(devices=TWO_NICS)
    pod = _pod("a", [_ctr("c", "2", **{"example.com/gpu": "2"})])
    (restricted,) = _run(m, _kc(topologyManagerPolicy="restricted"), [pod])
    assert (restricted["admitted"], restricted["reason"]) == (False, "TopologyAffinityError")
    (best,) = _run(m, _kc(topologyManagerPolicy="best-effort"), [pod])
    assert best["admitted"] is True
    assert best["containerHints"] == {"c": _hint([0, 1], False)}
    assert _cpus(best) == {"c": ("app", "1,9", "node_exclusive")}


def test_device_on_numa1_pulls_the_cpus_to_numa1() -> None:
    """Device hints {1} preferred, {0,1} not; CPU hints {0},{1} preferred -> merged {1}; allocateCPUs
    takes the aligned CPUs of NUMA 1 first."""
    m = _machine(devices=[{"resource": "example.com/nic", "numaNode": 1, "count": 2}])
    (step,) = _run(m, _kc(), [_pod("a", [_ctr("c", "2", **{"example.com/nic": "1"})])])
    assert step["containerHints"] == {"c": _hint([1], True)}
    assert _cpus(step) == {"c": ("app", "4,12", "node_exclusive")}


def test_device_and_cpus_spanning_both_nodes_best_effort() -> None:
    """10 CPUs need both NUMA nodes (preferred {0,1} only); the device prefers one node: no merge is
    preferred, the non-preferred best is {0,1}; CPUs: all of NUMA 1 then whole core 1."""
    m = _machine(devices=TWO_NICS)
    (step,) = _run(
        m,
        _kc(topologyManagerPolicy="best-effort"),
        [_pod("a", [_ctr("c", "10", **{"example.com/gpu": "1"})])],
    )
    assert step["containerHints"] == {"c": _hint([0, 1], False)}
    assert _cpus(step) == {"c": ("app", "1,4-7,9,12-15", "node_exclusive")}


def test_zero_device_limit_still_yields_device_hints() -> None:
    """devicemanager topology_hints.go (55549223) ``getContainerDeviceRequest`` keeps a zero limit and
    ``GetTopologyHints`` generates hints for it: every mask qualifies, single nodes preferred, {0,1}
    not. With a 10-CPU container (only {0,1} preferred) the merge is no longer preferred: best-effort
    reports {0,1} non-preferred and restricted rejects. (podfit used to drop zero limits.)"""
    m = _machine(devices=TWO_NICS)
    pod = _pod("a", [_ctr("c", "10", **{"example.com/gpu": "0"})])
    (best,) = _run(m, _kc(topologyManagerPolicy="best-effort"), [pod])
    assert best["containerHints"] == {"c": _hint([0, 1], False)}
    (restricted,) = _run(m, _kc(topologyManagerPolicy="restricted"), [pod])
    assert (restricted["admitted"], restricted["reason"]) == (False, "TopologyAffinityError")
    (pod_scope,) = _run(m, _kc(topologyManagerPolicy="restricted", topologyManagerScope="pod"), [pod])
    assert (pod_scope["admitted"], pod_scope["reason"]) == (False, "TopologyAffinityError")


# ----- CPU manager policy options through the node ---------------------------------------------


def test_strict_cpu_reservation_with_full_pcpus_only() -> None:
    """strict-cpu-reservation keeps CPU 0 out of the default set; full-pcpus-only: 6 CPUs = 3 whole
    cores of NUMA 0 (CPU 8, sibling of the reserved CPU, is never taken)."""
    opts = {"strict-cpu-reservation": "true", "full-pcpus-only": "true"}
    (step,) = _run(
        _machine(), _kc(cpuManagerPolicyOptions=opts, featureGates=ALPHA), [_pod("a", [_ctr("c", "6")])]
    )
    assert _cpus(step) == {"c": ("app", "1-3,9-11", "node_exclusive")}
    assert step["defaultCPUSet"] == "4-8,12-15"


def test_full_pcpus_only_counts_only_the_shared_pool_not_reusable_cpus() -> None:
    """``enforceSMTAlignment`` runs before reuse is considered and counts default - reserved
    physical CPUs: an app container that could reuse its init container's 6 CPUs is refused
    (1 socket x 4 cores x 2 threads, CPUs i / i+4 siblings, reserved {0} -> physical {0,4})."""
    m = _machine(sockets=1, cores=4)
    opts = {"full-pcpus-only": "true"}
    steps = _run(
        m,
        _kc(cpuManagerPolicyOptions=opts, topologyManagerPolicy="none"),
        [_pod("p", [_ctr("app", "6")], init=(_ctr("init", "6"),)), _pod("q", [_ctr("app", "3")])],
    )
    assert (steps[0]["admitted"], steps[0]["reason"]) == (False, "SMTAlignmentError")
    assert steps[0]["message"] == (
        "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = 0, "
        "requested CPUs = 6, CPUs per core = 2"
    )
    assert steps[0]["defaultCPUSet"] == "0-7"
    assert steps[1]["message"] == "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2"


def test_align_by_socket_expands_the_hint_to_the_socket() -> None:
    """2 sockets x 2 NUMA x 2 cores x 2 threads (NUMA n = cores 2n,2n+1). 6 CPUs: size-2 masks are
    preferred, the smallest is {1,2}; ``getAlignedCPUs`` expands it to both sockets, the packed
    take grabs free NUMA node 1 whole, then core 4 of socket 1."""
    m = _machine(sockets=2, nps=2, cores=2)
    cfg = _kc(
        cpuManagerPolicyOptions={"align-by-socket": "true"},
        topologyManagerPolicy="restricted",
        featureGates=ALPHA,
    )
    a, b = _run(m, cfg, [_pod("a", [_ctr("c", "2")]), _pod("b", [_ctr("c", "6")])])
    assert _cpus(a) == {"c": ("app", "1,9", "node_exclusive")}
    assert b["containerHints"] == {"c": _hint([1, 2], True)}
    assert _cpus(b) == {"c": ("app", "2-4,10-12", "node_exclusive")}


def test_distribute_cpus_across_numa_through_the_node() -> None:
    """1 socket x 2 NUMA x 4 cores x 2 threads. ``takeByTopologyNUMADistributed``: 4 CPUs fit one
    node; the lower std-dev of free CPUs afterwards picks NUMA 1; 6 CPUs only fit NUMA 0."""
    m = _machine(sockets=1, nps=2)
    cfg = _kc(
        cpuManagerPolicyOptions={"distribute-cpus-across-numa": "true"},
        topologyManagerPolicy="none",
        featureGates=ALPHA,
    )
    a, b = _run(m, cfg, [_pod("a", [_ctr("c", "4")]), _pod("b", [_ctr("c", "6")])])
    assert _cpus(a)["c"][1] == "4-5,12-13"
    assert _cpus(b)["c"][1] == "1-3,9-11"
    cfg["cpuManagerPolicyOptions"]["full-pcpus-only"] = "true"
    a, b = _run(m, cfg, [_pod("a", [_ctr("c", "4")]), _pod("b", [_ctr("c", "8")])])
    assert _cpus(b)["c"][1] == "1-2,6-7,9-10,14-15"


def test_prefer_align_cpus_by_uncorecache_through_the_node() -> None:
    """1 socket x 1 NUMA x 8 cores x 2 threads, 2 uncore caches (cores 0-3, 4-7). ``takeUncoreCache``:
    caches sorted by free CPUs; a partial take needs exactly the first N cores' free CPUs (core 0
    counts through CPU 8), else the next cache; an odd need drops the last sorted CPU."""
    m = _machine(sockets=1, cores=8, uncoreCachesPerNUMANode=2)
    cfg = _kc(
        cpuManagerPolicyOptions={"prefer-align-cpus-by-uncorecache": "true"},
        topologyManagerPolicy="none",
        featureGates=ALPHA,
    )
    a, b, c = _run(
        m, cfg, [_pod("a", [_ctr("c", "4")]), _pod("b", [_ctr("c", "6")]), _pod("c", [_ctr("c", "3")])]
    )
    assert [_cpus(s)["c"][1] for s in (a, b, c)] == ["4-5,12-13", "1-3,9-11", "6-7,14"]


# ----- the admission chain: managers, then the allocatable predicate ---------------------------


def test_predicate_runs_after_the_cpu_manager_and_rolls_back() -> None:
    """kubelet.go (38813120616): the resource-allocation handler precedes the predicate. maxPods=1:
    the second pod passes the CPU manager and is refused ``OutOfpods`` (checked first by
    ``fitsRequest``); its CPUs go back. A pod the CPU manager cannot serve is refused by it first."""
    steps = _run(
        _machine(),
        _kc(maxPods=1, topologyManagerPolicy="none"),
        [_pod("a", [_ctr("c", "2")]), _pod("b", [_ctr("c", "2")]), _pod("c", [_ctr("c", "20")])],
    )
    a, b, c = steps
    assert (b["admitted"], b["reason"]) == (False, "OutOfpods")
    assert b["message"] == "Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1"
    assert b["defaultCPUSet"] == a["defaultCPUSet"] == "0,2-8,10-15"
    assert (c["reason"], c["message"]) == (
        "UnexpectedAdmissionError",
        "Allocate failed due to not enough cpus available to satisfy request: requested=20, "
        "available=13, which is unexpected",
    )


def test_pod_overhead_counts_in_the_predicate() -> None:
    """Overhead is part of the pod's request (PodRequests) but not of the CPU manager's: 2 CPUs
    pinned, then OutOfcpu with 2000 + 14000 > 15000 allocatable (16 CPUs - 1 reserved)."""
    pod = _pod("a", [_ctr("c", "2")], overhead={"cpu": "14", "memory": "1Gi"})
    (step,) = _run(_machine(), _kc(topologyManagerPolicy="none"), [pod])
    assert (step["reason"], step["message"]) == (
        "OutOfcpu",
        "Node didn't have enough resource: cpu, requested: 16000, used: 0, capacity: 15000",
    )
    assert step["defaultCPUSet"] == "0-15"


def test_hugepages_are_checked_by_the_predicate() -> None:
    m = _machine(hugepages2MiPerNUMANode="64Mi")
    steps = _run(
        m,
        _kc(topologyManagerPolicy="none"),
        [
            _pod("a", [_ctr("c", "2", **{"hugepages-2Mi": "100Mi"})]),
            _pod("b", [_ctr("c", "2", **{"hugepages-2Mi": "200Mi"})]),
        ],
    )
    assert steps[0]["admitted"] is True
    assert (steps[1]["reason"], steps[1]["message"]) == (
        "OutOfhugepages-2Mi",
        "Node didn't have enough resource: hugepages-2Mi, requested: 209715200, used: 104857600, "
        "capacity: 134217728",
    )


def test_memory_manager_rejection_rolls_back_the_cpus_of_earlier_containers() -> None:
    """Container scope: c1 gets CPUs 1,9 and 2Gi on NUMA 0; c2 (20Gi) has no memory hint (NUMA 0 is
    in a single-node group, {0,1} excluded) -> the memory provider returns no hints = "don't care",
    the merge picks NUMA 0 and the memory manager's Allocate fails (UnexpectedAdmissionError).
    The kubelet drops the rejected pod's CPUs (stale state) before the next pod: it gets 1,9 again."""
    steps = _run(
        _machine(),
        _kc(**MEMORY_STATIC),
        [_pod("a", [_ctr("c1", "2", mem="2Gi"), _ctr("c2", "2", mem="20Gi")]), _pod("b", [_ctr("c", "2")])],
    )
    a, b = steps
    assert (a["admitted"], a["reason"]) == (False, "UnexpectedAdmissionError")
    assert a["defaultCPUSet"] == "0-15"
    assert _cpus(b) == {"c": ("app", "1,9", "node_exclusive")}


def test_burstable_and_zero_cpu_pods_are_not_pinned() -> None:
    """``guaranteedCPUs``: QoS must be Guaranteed (a container with cpu limit 0 makes the pod
    Burstable: zero quantities do not count as set) and the request integral."""
    burstable = _pod("a", [_ctr("c", "2", mem="2Gi", requests={"cpu": "1", "memory": "1Gi"})])
    zero = _pod("b", [_ctr("c1", "2"), _ctr("c2", "0")])
    fractional = _pod("c", [_ctr("c", "1500m")])
    steps = _run(_machine(), _kc(**MEMORY_STATIC), [burstable, zero, fractional])
    for step in steps:
        assert step["admitted"] is True
        assert {c["assignment"] for c in step["containers"]} == {"node_shared"}
        assert step["defaultCPUSet"] == "0-15"
    assert steps[0]["containers"][0]["memory"] is None


def test_pod_scope_device_request_is_the_kep753_pod_limit() -> None:
    """devicemanager ``getPodDeviceRequest`` (55549223) = ``PodLimits`` without overhead: a sidecar
    (1 GPU) started before a regular init container (2 GPUs) makes the init phase need 3 > the 2
    GPUs of one NUMA node: single-numa-node rejects the pod in pod scope; in container scope every
    container fits one node (the app reuses the init container's GPUs, so it follows it to NUMA 1)."""
    m = _machine(
        devices=[
            {"resource": "example.com/gpu", "numaNode": 1, "count": 2},
            {"resource": "example.com/gpu", "numaNode": 0, "count": 2},
        ]
    )
    gpu = {"example.com/gpu": "1"}
    pod = _pod(
        "a",
        [_ctr("app", "2", **gpu)],
        init=(_ctr("side", "2", sidecar=True, **gpu), _ctr("init", "2", **{"example.com/gpu": "2"})),
    )
    (pod_scope,) = _run(m, _kc(topologyManagerScope="pod"), [pod])
    assert (pod_scope["admitted"], pod_scope["reason"]) == (False, "TopologyAffinityError")
    (container_scope,) = _run(m, _kc(), [pod])
    assert container_scope["containerHints"] == {
        "side": _hint([0], True),
        "init": _hint([1], True),
        "app": _hint([1], True),
    }
    assert _cpus(container_scope) == {
        "side": ("sidecar", "1,9", "node_exclusive"),
        "init": ("init", "4,12", "node_exclusive"),
        "app": ("app", "4,12", "node_exclusive"),
    }


def test_ephemeral_containers_are_not_seen_by_the_managers() -> None:
    """The scopes walk init then app containers only (scope_container.go 54116211167)."""
    pod = _pod("a", [_ctr("c", "2")], ephemeralContainers=[{"name": "debug", "image": "x"}])
    (step,) = _run(_machine(), _kc(), [pod])
    assert step["containerHints"] == {"c": _hint([0], True)}
    assert _cpus(step) == {"c": ("app", "1,9", "node_exclusive")}


def test_reserved_cpus_from_kube_and_system_reserved() -> None:
    """No reservedSystemCPUs: ceil(kubeReserved.cpu + systemReserved.cpu) = 3 CPUs taken by topology
    from all CPUs (``NewStaticPolicy``): whole core 0 then CPU 1; allocatable cpu = 16 - 3."""
    cfg = _kc(kubeReserved={"cpu": "2"}, systemReserved={"cpu": "1"}, topologyManagerPolicy="none")
    del cfg["reservedSystemCPUs"]
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "r"},
        "node": {"machine": _machine()},
        "kubeletConfig": cfg,
    }
    doc["events"] = [
        _pod("a", [_ctr("c", "14", mem=None, requests={"cpu": "13500m"})]),
        _pod("b", [_ctr("c", "13")]),
    ]
    out = result_to_json(simulate(scenario_from_dict(doc)))
    assert out["node"]["reservedCPUs"] == "0-1,8"
    a, b = out["steps"]
    assert (a["reason"], a["message"]) == (
        "OutOfcpu",
        "Node didn't have enough resource: cpu, requested: 13500, used: 0, capacity: 13000",
    )
    assert _cpus(b) == {"c": ("app", "2-7,9-15", "node_exclusive")}
