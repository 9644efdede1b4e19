"""Review: KEP-5526 pod scope through the whole node (admission chain, CPU + memory AllocatePod,
container start, removal) against the newest upstream code in the code index.

Upstream read (kubernetes/kubernetes, code index file ids):
* cpumanager/policy_static.go 3556663868 -- AllocatePod, validatePodScopeResources,
  podGuaranteedCPUs, guaranteedCPUs, enforceSMTAlignment, allocateCPUs, RemoveContainer;
* memorymanager/policy_static.go 4195507488 -- AllocatePod, validatePodScopeResources,
  getPodRequestedResources, getContainerRequestedResources, calculateHints, getDefaultHint,
  extendTopologyManagerHint, updateMachineState, releaseMemory, RemoveContainer;
* memorymanager/memory_manager.go 144290491 -- AddContainer (regular init containers released);
* topologymanager/scope_pod.go 70153190744 -- Admit / admitUsingPodResources;
* cm/admission/errors.go 55674531428 -- EmptyPodSharedPoolError, unexpectedAdmissionError.

Machine: see memory_podlevel_helpers (topoDualSocketHT with other CPU numbers: upstream CPUs
2, 8, 6, 4, 10 of NUMA 0 are 1, 7, 6, 2, 8 here).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.review.memory_podlevel_helpers import GI, MI, containers, ctr, kubelet, mem, numa_memory, pod, run

POD_LEVEL_MESSAGE = "Pod Scope pod with pod-level resources failed admission under pod-scope topology manager"
FRESH_NUMA0 = 6 * GI  # 8Gi - 1Gi reserved - 1Gi of 2Mi hugepages
FRESH_NUMA1 = 7 * GI


def _view(step: dict) -> dict[str, tuple]:
    return {n: (c["cpus"], c["assignment"]) for n, c in containers(step).items()}


def _mem_bytes(step: dict, name: str) -> dict[str, int] | None:
    m = mem(step, name)
    return None if m is None else {**m["bytes"], "numa": m["numaAffinity"]}


def test_e5_init_sidecar_app_mix(tmp_path: Path) -> None:
    """TestStaticPolicyAllocatePod E5 (spec §3.7) through the node, plus memory.
    CPU AllocatePod (3556663868): bubble = full core {1,7} + CPU 6 (sibling of reserved 0); the
    exclusive sidecar takes 6 for good; a shared standard init container gets bubble minus the
    sidecars declared before it; app slices come from bubble minus sidecars; the shared app gets
    the final pool. Memory AllocatePod (4195507488): same walk by quantity; the node is charged once
    (4Gi); AddContainer (144290491) drops the init entries without releasing anything; removal of
    the last container returns the bubble."""
    p = pod(
        "e5",
        {"cpu": "3", "memory": "4Gi"},
        apps=[ctr("gu-app", "1", "1Gi"), ctr("ngu-app")],
        init=[ctr("ngu-init-1"), ctr("gu-sidecar", "1", "1Gi", sidecar=True), ctr("ngu-init-3")],
    )
    add, rm = run(tmp_path, kubelet(), [{"add": p}, {"remove": "default/e5"}])["steps"]
    assert add["admitted"] is True
    assert add["podHint"] == {"numaAffinity": [0], "preferred": True}
    assert add["podCPUs"] == "1,6-7"
    assert _view(add) == {
        "ngu-init-1": ("1,6-7", "pod_shared"),
        "gu-sidecar": ("6", "pod_exclusive"),
        "ngu-init-3": ("1,7", "pod_shared"),
        "gu-app": ("1", "pod_exclusive"),
        "ngu-app": ("7", "pod_shared"),
    }
    assert {n: _mem_bytes(add, n) for n in containers(add)} == {
        "ngu-init-1": {"memory": 4 * GI, "numa": [0]},
        "gu-sidecar": {"memory": 1 * GI, "numa": [0]},
        "ngu-init-3": {"memory": 3 * GI, "numa": [0]},
        "gu-app": {"memory": 1 * GI, "numa": [0]},
        "ngu-app": {"memory": 2 * GI, "numa": [0]},
    }
    assert numa_memory(add, 0) == {"allocatable": FRESH_NUMA0, "reserved": 4 * GI, "free": 2 * GI}
    assert add["defaultCPUSet"] == "0,2-5,8-11"
    assert rm["defaultCPUSet"] == "0-11"
    assert numa_memory(rm, 0) == {"allocatable": FRESH_NUMA0, "reserved": 0, "free": FRESH_NUMA0}


def test_e5_cgroups(tmp_path: Path) -> None:
    """GetResourceIsolationLevel (cpu_manager.go, references copy 55401190579): exclusive slices
    are level "container" (CFS quota off), pod-shared containers level "pod" (quota from the
    pod-level limit, 3 CPUs); cpuset.mems = the pod's NUMA node for everyone (GetMemoryNUMANodes)."""
    p = pod(
        "e5",
        {"cpu": "3", "memory": "4Gi"},
        apps=[ctr("gu-app", "1", "1Gi"), ctr("ngu-app")],
        init=[ctr("ngu-init-1"), ctr("gu-sidecar", "1", "1Gi", sidecar=True)],
    )
    (add,) = run(tmp_path, kubelet(), [{"add": p}])["steps"]
    cg = {n: c["cgroup"] for n, c in containers(add).items()}
    assert cg["gu-app"]["cpuQuotaUs"] == -1 and cg["gu-sidecar"]["cpuQuotaUs"] == -1
    assert cg["ngu-app"]["cpuQuotaUs"] == 300000 and cg["ngu-init-1"]["cpuQuotaUs"] == 300000
    assert cg["ngu-app"]["memoryLimitBytes"] == 4 * GI  # the pod-level limit
    assert cg["gu-app"]["memoryLimitBytes"] == 1 * GI
    assert {c["cpusetMems"] for c in cg.values()} == {"0"}


@pytest.mark.parametrize(
    ("name", "budget", "apps", "init", "pod_cpus", "expected"),
    [
        ("e1", "2", [ctr("container1", "1", "1Gi")], [], "1,7", {"container1": ("1", "pod_exclusive")}),
        ("e2", "1", [ctr("ngu")], [], "6", {"ngu": ("6", "pod_shared")}),
        (
            "e3",
            "3",
            [ctr("gu1", "1", "1Gi"), ctr("gu2", "1", "1Gi"), ctr("ngu")],
            [],
            "1,6-7",
            {"gu1": ("6", "pod_exclusive"), "gu2": ("1", "pod_exclusive"), "ngu": ("7", "pod_shared")},
        ),
        (
            "e4",
            "2",
            [ctr("app1", "1", "1Gi"), ctr("app2", "1", "1Gi")],
            [ctr("init1", "1", "1Gi"), ctr("init2", "1", "1Gi")],
            "1,7",
            {
                "init1": ("1", "pod_exclusive"),
                "init2": ("1", "pod_exclusive"),
                "app1": ("1", "pod_exclusive"),
                "app2": ("7", "pod_exclusive"),
            },
        ),
        (
            "e6",
            "3",
            [ctr("gu-app", "1", "1Gi"), ctr("ngu-app")],
            [ctr("ngu-init-1"), ctr("ngu-sidecar", sidecar=True), ctr("ngu-init-3")],
            "1,6-7",
            {
                "ngu-init-1": ("1,6-7", "pod_shared"),
                "ngu-sidecar": ("1,7", "pod_shared"),
                "ngu-init-3": ("1,6-7", "pod_shared"),
                "gu-app": ("6", "pod_exclusive"),
                "ngu-app": ("1,7", "pod_shared"),
            },
        ),
    ],
    ids=["E1", "E2", "E3", "E4", "E6"],
)
def test_upstream_examples_through_the_node(
    tmp_path: Path, name: str, budget: str, apps: list, init: list, pod_cpus: str, expected: dict
) -> None:
    """TestStaticPolicyAllocatePod (cpumanager policy_static_test.go) E1-E4, E6 of spec §3.7 via
    the node: same bubbles and slices (renumbered), every block on NUMA 0."""
    p = pod(name, {"cpu": budget, "memory": f"{int(budget) + 1}Gi"}, apps=apps, init=init)
    (add,) = run(tmp_path, kubelet(), [{"add": p}])["steps"]
    assert add["admitted"] is True
    assert add["podCPUs"] == pod_cpus
    assert _view(add) == expected
    assert all(c["memory"]["numaAffinity"] == [0] for c in add["containers"])


E7 = pod("e7", {"cpu": "2", "memory": "2Gi"}, [ctr("gu1", "1", "1Gi"), ctr("gu2", "1", "1Gi"), ctr("ngu")])
E7_FRACTIONAL = pod(
    "e7f", {"cpu": "2500m", "memory": "2Gi"}, [ctr("gu1", "1", "1Gi"), ctr("gu2", "1", "1Gi"), ctr("ngu")]
)
HUGEPAGES_ALL_EXCLUSIVE = pod(
    "hp",
    {"cpu": "2", "memory": "2Gi", "hugepages-2Mi": "512Mi"},
    [ctr("gu", "1", "1Gi", hugepages="512Mi"), ctr("ngu")],
)
SIDECAR_THEN_SHARED_INIT = pod(
    "si",
    {"cpu": "2", "memory": "2Gi"},
    [ctr("app")],
    init=[ctr("side", "2", "1Gi", sidecar=True), ctr("init")],
)
SIDECAR_THEN_SHARED_INIT_MEMORY = pod(
    "sim",
    {"cpu": "1500m", "memory": "2Gi"},
    [ctr("app")],
    init=[ctr("side", "500m", "2Gi", sidecar=True), ctr("init")],
)


@pytest.mark.parametrize(
    ("p", "message"),
    [
        (
            E7,
            "pod rejected, sum of exclusive container cpu requests equals pod budget, "
            "leaving no cpus for shared containers",
        ),
        (
            E7_FRACTIONAL,
            "pod rejected, sum of exclusive container memory requests equals pod budget, "
            "leaving no memory for shared containers",
        ),
        (
            HUGEPAGES_ALL_EXCLUSIVE,
            "pod rejected, sum of exclusive container hugepages-2Mi requests equals pod budget, "
            "leaving no memory for shared containers",
        ),
        (
            SIDECAR_THEN_SHARED_INIT,
            "pod rejected, pod has shared init containers but no cpus available for them",
        ),
        (
            SIDECAR_THEN_SHARED_INIT_MEMORY,
            "pod rejected, pod has shared init containers but no memory available for them",
        ),
    ],
    ids=["E7-cpu", "E7-memory-fractional-cpu", "A-9-hugepages", "sidecar-then-shared-init", "same-memory"],
)
@pytest.mark.parametrize("policy", ["best-effort", "restricted"])
def test_empty_pod_shared_pool(tmp_path: Path, policy: str, p: dict, message: str) -> None:
    """validatePodScopeResources (3556663868 CPU, 4195507488 memory incl. hugepages, A-9): the pod
    hints are empty lists, so restricted rejects at the merge with the pod-level
    TopologyAffinityError (scope_pod.go admitUsingPodResources); best-effort admits the merge
    and AllocatePod returns EmptyPodSharedPoolError (CPU first: provider order device, CPU,
    memory; a fractional pod CPU skips the CPU AllocatePod). Nothing stays allocated."""
    (step,) = run(tmp_path, kubelet(policy), [{"add": p}])["steps"]
    assert step["admitted"] is False
    if policy == "restricted":
        assert (step["reason"], step["message"]) == ("TopologyAffinityError", POD_LEVEL_MESSAGE)
    else:
        assert (step["reason"], step["message"]) == ("EmptyPodSharedPoolError", message)
    assert step["defaultCPUSet"] == "0-11"
    assert numa_memory(step, 0)["reserved"] == 0 and numa_memory(step, 1)["reserved"] == 0
    assert step["nodeMemory"]["0"]["hugepages-2Mi"]["reserved"] == 0


def test_fractional_pod_cpu_aligns_memory_only(tmp_path: Path) -> None:
    """podGuaranteedCPUs returns 0 for a non-integral pod CPU (3556663868): no CPU hint, no bubble,
    every container in the node shared pool with its own / the pod's quota; memory AllocatePod
    still runs (pod Guaranteed): exclusive 1Gi for the equivalent-GU container (CPU need not be
    integral, getContainerRequestedResources), 1Gi pool for the other, both on NUMA 0."""
    p = pod("frac", {"cpu": "2500m", "memory": "2Gi"}, [ctr("gu", "500m", "1Gi"), ctr("ngu")])
    (add,) = run(tmp_path, kubelet(), [{"add": p}])["steps"]
    assert add["admitted"] is True and add["podCPUs"] is None
    assert add["podHint"] == {"numaAffinity": [0], "preferred": True}
    assert _view(add) == {"gu": (None, "node_shared"), "ngu": (None, "node_shared")}
    assert _mem_bytes(add, "gu") == {"memory": 1 * GI, "numa": [0]}
    assert _mem_bytes(add, "ngu") == {"memory": 1 * GI, "numa": [0]}
    cg = {n: c["cgroup"] for n, c in containers(add).items()}
    assert (cg["gu"]["cpuQuotaUs"], cg["ngu"]["cpuQuotaUs"]) == (50000, 250000)
    assert cg["gu"]["cpusetCpus"] == "0-11" and cg["gu"]["cpusetMems"] == "0"
    assert numa_memory(add, 0)["reserved"] == 2 * GI


def test_hugepages_budget_partitioned(tmp_path: Path) -> None:
    """Memory AllocatePod (4195507488) per memory type: the eligible container gets 1Gi memory +
    256Mi 2Mi-hugepages, the pool block per type is budget minus exclusive; the machine state is
    charged once per type (512Mi hugepages on NUMA 0) and released with the pod."""
    p = pod(
        "hp2",
        {"cpu": "2", "memory": "2Gi", "hugepages-2Mi": "512Mi"},
        [ctr("gu", "1", "1Gi", hugepages="256Mi"), ctr("ngu")],
    )
    add, rm = run(tmp_path, kubelet(), [{"add": p}, {"remove": "default/hp2"}])["steps"]
    assert add["admitted"] is True
    assert _mem_bytes(add, "gu") == {"memory": 1 * GI, "hugepages-2Mi": 256 * MI, "numa": [0]}
    assert _mem_bytes(add, "ngu") == {"memory": 1 * GI, "hugepages-2Mi": 256 * MI, "numa": [0]}
    assert add["nodeMemory"]["0"]["hugepages-2Mi"] == {
        "allocatable": GI,
        "reserved": 512 * MI,
        "free": 512 * MI,
    }
    assert numa_memory(add, 0)["reserved"] == 2 * GI
    assert rm["nodeMemory"]["0"]["hugepages-2Mi"]["reserved"] == 0 and numa_memory(rm, 0)["reserved"] == 0
