"""Review: pod-level pods across NUMA nodes, policies, scopes and lifecycles, and the memory
manager's init-container reuse, through the whole node.

Upstream read (kubernetes/kubernetes, code index file ids): memorymanager/policy_static.go
4195507488 (AllocatePod, Allocate, calculateHints, updateMachineState, releaseMemory,
isAffinityViolatingNUMAAllocations, updatePodReusableMemory, updateInitContainersMemoryBlocks,
RemoveContainer); memorymanager/memory_manager.go 144290491 (AddContainer);
cpumanager/policy_static.go 3556663868 (AllocatePod, enforceSMTAlignment, Allocate,
RemoveContainer); topologymanager/scope_pod.go 70153190744.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.review.memory_podlevel_helpers import GI, containers, ctr, kubelet, mem, numa_memory, pod, run

UNEXPECTED = "Allocate failed due to {}, which is unexpected"
NO_DEFAULT = (
    "[memorymanager] failed to get the default NUMA affinity, no NUMA nodes with enough memory is available"
)
NO_EXTEND = "[memorymanager] failed to find NUMA nodes to extend the current topology hint"
VIOLATES = "[memorymanager] preferred hint violates NUMA node allocation"
FRESH_NUMA0, FRESH_NUMA1 = 6 * GI, 7 * GI


def _renamed(p: dict, name: str) -> dict:
    return {**p, "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"}}


def _cpus(step: dict) -> dict[str, str | None]:
    return {n: c["cpus"] for n, c in containers(step).items()}


def test_multi_numa_memory_budget_and_groups(tmp_path: Path) -> None:
    """A 10Gi budget fits only NUMA {0,1} (calculateHints: minAffinitySize 2). best-effort: bubble
    memory on [0,1], updateMachineState fills NUMA 0 (6Gi) then NUMA 1 (4Gi), both cells [0,1].
    A second 1Gi pod can no longer use a single node of the group (single-NUMA masks skipped when
    the node is grouped) and lands on [0,1] too (charged to NUMA 1, NUMA 0 has no free memory).
    Removing the first pod releases 10Gi: releaseMemory empties NUMA 0 first (6Gi) and takes 4Gi
    from NUMA 1, so the small pod's 1Gi stays charged to NUMA 1; the group survives (count 1),
    so a third small pod again lands on [0,1], now charged to NUMA 0."""
    big = pod("big", {"cpu": "2", "memory": "10Gi"}, [ctr("gu", "1", "4Gi"), ctr("ngu")])
    small = pod("small", {"cpu": "2", "memory": "1Gi"}, [ctr("a", "1", "512Mi"), ctr("b")])
    events = [{"add": big}, {"add": small}, {"remove": "default/big"}, {"add": _renamed(small, "small2")}]
    s1, s2, s3, s4 = run(tmp_path, kubelet("best-effort"), events)["steps"]
    assert s1["admitted"] and s1["podHint"] == {"numaAffinity": [0, 1], "preferred": False}
    assert mem(s1, "gu") == {"numaAffinity": [0, 1], "bytes": {"memory": 4 * GI}}
    assert mem(s1, "ngu") == {"numaAffinity": [0, 1], "bytes": {"memory": 6 * GI}}
    assert numa_memory(s1, 0) == {"allocatable": FRESH_NUMA0, "reserved": 6 * GI, "free": 0}
    assert numa_memory(s1, 1) == {"allocatable": FRESH_NUMA1, "reserved": 4 * GI, "free": 3 * GI}
    assert s2["admitted"] and mem(s2, "a")["numaAffinity"] == [0, 1]
    assert numa_memory(s2, 1)["reserved"] == 5 * GI
    assert (numa_memory(s3, 0)["reserved"], numa_memory(s3, 1)["reserved"]) == (0, 1 * GI)
    assert s4["admitted"] and mem(s4, "a")["numaAffinity"] == [0, 1]
    assert (numa_memory(s4, 0)["reserved"], numa_memory(s4, 1)["reserved"]) == (1 * GI, 1 * GI)
    assert s4["podCPUs"] == "1,7"


@pytest.mark.parametrize("policy", ["restricted", "single-numa-node"])
def test_multi_numa_memory_budget_rejected_by_strict_policies(tmp_path: Path, policy: str) -> None:
    """No preferred merged hint (CPU wants one node, memory two): pod-level TopologyAffinityError."""
    big = pod("big", {"cpu": "2", "memory": "10Gi"}, [ctr("gu", "1", "4Gi"), ctr("ngu")])
    (s,) = run(tmp_path, kubelet(policy), [{"add": big}])["steps"]
    assert (s["admitted"], s["reason"]) == (False, "TopologyAffinityError")
    assert s["message"].startswith("Pod Scope pod with pod-level resources")


def test_full_pcpus_only_checks_the_pod_total(tmp_path: Path) -> None:
    """enforceSMTAlignment(totalPodCPUs) (3556663868, A-10): 3 CPUs is refused; 2 CPUs take a whole
    core and the 1-CPU slice inside it is not SMT-checked."""
    kc = kubelet(cpu_options={"full-pcpus-only": "true"})
    odd = pod("p3", {"cpu": "3", "memory": "1Gi"}, [ctr("gu", "1", "512Mi"), ctr("ngu")])
    even = pod("p2", {"cpu": "2", "memory": "1Gi"}, [ctr("gu", "1", "512Mi"), ctr("ngu")])
    s1, s2 = run(tmp_path, kc, [{"add": odd}, {"add": even}])["steps"]
    assert (s1["reason"], s1["message"]) == (
        "SMTAlignmentError",
        "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2",
    )
    assert numa_memory(s1, 0)["reserved"] == 0
    assert s2["admitted"] and s2["podCPUs"] == "1,7"
    assert _cpus(s2) == {"gu": "1", "ngu": "7"}


def test_removal_releases_the_bubble_for_the_next_pod(tmp_path: Path) -> None:
    """RemoveContainer (CPU and memory): the last container entry returns the whole bubble; a later
    pod-level pod takes the same CPUs (KEP "sequential resource recycle")."""
    a = pod("a", {"cpu": "4", "memory": "2Gi"}, [ctr("gu", "2", "1Gi"), ctr("ngu")])
    b = pod("b", {"cpu": "2", "memory": "1Gi"}, [ctr("gu", "1", "512Mi"), ctr("ngu")])
    c = pod("c", {"cpu": "4", "memory": "2Gi"}, [ctr("x", "1", "1Gi"), ctr("y")])
    s1, s2, s3, s4 = run(tmp_path, kubelet(), [{"add": a}, {"add": b}, {"remove": "default/a"}, {"add": c}])[
        "steps"
    ]
    assert (s1["podCPUs"], _cpus(s1)) == ("1-2,7-8", {"gu": "1,7", "ngu": "2,8"})
    assert s2["podHint"]["numaAffinity"] == [1] and s2["podCPUs"] == "3,9"
    assert s3["defaultCPUSet"] == "0-2,4-8,10-11" and numa_memory(s3, 0)["reserved"] == 0
    assert (s4["podCPUs"], _cpus(s4)) == ("1-2,7-8", {"x": "1", "y": "2,7-8"})


def test_cpu_ok_memory_fails_rolls_back(tmp_path: Path) -> None:
    """CPU AllocatePod succeeds on NUMA 0; memory cannot hold 14Gi anywhere (no hints = no
    preference), so memory AllocatePod fails extending the hint: UnexpectedAdmissionError, and the
    CPU bubble is not kept (the kubelet's stale-state cleanup removes it)."""
    huge = pod("huge", {"cpu": "2", "memory": "14Gi"}, [ctr("gu", "1", "1Gi"), ctr("ngu")])
    (s,) = run(tmp_path, kubelet("best-effort"), [{"add": huge}])["steps"]
    assert (s["reason"], s["message"]) == ("UnexpectedAdmissionError", UNEXPECTED.format(NO_EXTEND))
    assert s["defaultCPUSet"] == "0-11" and numa_memory(s, 0)["reserved"] == 0


def test_single_numa_node_no_memory_hint_fails_the_default_hint(tmp_path: Path) -> None:
    """Decision "mem": no memory hints + fractional CPU -> single-numa-node merges to the nil hint;
    getDefaultHint finds no NUMA node -> UnexpectedAdmissionError at allocation."""
    huge = pod("hf", {"cpu": "1500m", "memory": "14Gi"}, [ctr("gu", "500m", "1Gi"), ctr("ngu")])
    (s,) = run(tmp_path, kubelet("single-numa-node"), [{"add": huge}])["steps"]
    assert (s["reason"], s["message"]) == ("UnexpectedAdmissionError", UNEXPECTED.format(NO_DEFAULT))


GU_FIRST = pod("gn", {"cpu": "4", "memory": "4Gi"}, [ctr("gu", "2", "1Gi"), ctr("ngu")])
NGU_FIRST = pod("ng", {"cpu": "4", "memory": "4Gi"}, [ctr("ngu"), ctr("gu", "2", "1Gi")])


@pytest.mark.parametrize("policy", ["best-effort", "restricted"])
def test_container_scope_a6_order_matters(tmp_path: Path, policy: str) -> None:
    """A-6 (Allocate, 4195507488, pre-#138770): the non-eligible container is not skipped; its
    empty request gets no hints (= any NUMA, preferred); Allocate then checks the {0,1} hint
    against single-NUMA allocations. gu first: NUMA 0 already holds gu's block -> violation ->
    rejected. ngu first: nothing allocated yet -> an empty entry, then gu on NUMA 0 (node_exclusive,
    2 CPUs from the node pool); no bubble, no empty-pool check."""
    s1, s2 = run(tmp_path, kubelet(policy, "container"), [{"add": GU_FIRST}, {"add": NGU_FIRST}])["steps"]
    assert (s1["reason"], s1["message"]) == ("UnexpectedAdmissionError", UNEXPECTED.format(VIOLATES))
    assert s2["admitted"] and s2["podCPUs"] is None
    assert s2["containerHints"]["ngu"] == {"numaAffinity": [0, 1], "preferred": True}
    c = containers(s2)
    assert (c["gu"]["cpus"], c["gu"]["assignment"], c["gu"]["cgroup"]["cpuQuotaUs"]) == (
        "1,7",
        "node_exclusive",
        -1,
    )
    assert (c["ngu"]["cpus"], c["ngu"]["assignment"], c["ngu"]["memory"]) == (None, "node_shared", None)
    assert c["ngu"]["cgroup"]["cpuQuotaUs"] == 400000  # the pod-level limit
    assert numa_memory(s2, 0)["reserved"] == 1 * GI


def test_container_scope_a6_single_numa_node(tmp_path: Path) -> None:
    """A-6 under single-numa-node: the non-eligible container's merged hint is nil, getDefaultHint
    on an empty request has no hints -> UnexpectedAdmissionError, whatever the order."""
    s1, s2 = run(tmp_path, kubelet("single-numa-node", "container"), [{"add": GU_FIRST}, {"add": NGU_FIRST}])[
        "steps"
    ]
    for s in (s1, s2):
        assert (s["reason"], s["message"]) == ("UnexpectedAdmissionError", UNEXPECTED.format(NO_DEFAULT))
        assert s["defaultCPUSet"] == "0-11"


def test_container_scope_no_empty_pool_check(tmp_path: Path) -> None:
    """Container scope ignores the pod budget for allocation: exclusive sum == budget is fine."""
    allgu = pod("all", {"cpu": "4", "memory": "4Gi"}, [ctr("gu", "2", "1Gi"), ctr("gu2", "2", "3Gi")])
    (s,) = run(tmp_path, kubelet("best-effort", "container"), [{"add": allgu}])["steps"]
    assert s["admitted"] and _cpus(s) == {"gu": "1,7", "gu2": "2,8"}
    assert numa_memory(s, 0)["reserved"] == 4 * GI


def test_policy_none_a2(tmp_path: Path) -> None:
    """A-2: policy none -> none scope, per-container Allocate with an empty hint. Eligible
    containers are pinned from the node pool (node_exclusive) and their memory goes to the default
    hint; under Memory Static a non-eligible container fails getDefaultHint (A-6); with memory
    policy None the same pod is admitted."""
    allgu = pod("all", {"cpu": "4", "memory": "4Gi"}, [ctr("gu", "2", "1Gi"), ctr("gu2", "2", "3Gi")])
    s1, s2 = run(tmp_path, kubelet("none"), [{"add": GU_FIRST}, {"add": allgu}])["steps"]
    assert (s1["reason"], s1["message"]) == ("UnexpectedAdmissionError", UNEXPECTED.format(NO_DEFAULT))
    assert s2["admitted"] and s2["podHint"] is None and s2["podCPUs"] is None
    assert {n: (c["cpus"], c["assignment"]) for n, c in containers(s2).items()} == {
        "gu": ("1,7", "node_exclusive"),
        "gu2": ("2,8", "node_exclusive"),
    }
    assert mem(s2, "gu2") == {"numaAffinity": [0], "bytes": {"memory": 3 * GI}}
    (s3,) = run(tmp_path, kubelet("none", memory_policy="None"), [{"add": GU_FIRST}])["steps"]
    assert s3["admitted"] and _cpus(s3) == {"gu": "1,7", "ngu": None}


def test_gate_off_pod_level_pod_runs_unpinned(tmp_path: Path) -> None:
    """PodLevelResourceManagers off: both managers skip a pod with pod-level resources (no hints,
    no allocation), a normal Guaranteed pod is unaffected."""
    plr = pod("off", {"cpu": "2", "memory": "2Gi"}, [ctr("gu", "1", "1Gi"), ctr("ngu")])
    normal = pod("ga", None, [ctr("c", "2", "1Gi")])
    s1, s2 = run(tmp_path, kubelet(plrm=False), [{"add": plr}, {"add": normal}])["steps"]
    assert s1["admitted"] and s1["podCPUs"] is None and _cpus(s1) == {"gu": None, "ngu": None}
    assert mem(s1, "gu") is None and numa_memory(s1, 0)["reserved"] == 0
    assert _cpus(s2) == {"c": "1,7"} and numa_memory(s2, 0)["reserved"] == 1 * GI


@pytest.mark.parametrize("scope", ["container", "pod"])
def test_init_container_memory_reuse_and_release(tmp_path: Path, scope: str) -> None:
    """Normal pods: the app reuses the init container's memory (no extra charge up to the init
    size, updateInitContainersMemoryBlocks shrinks the init block), then AddContainer (the ``start``
    event) releases the init container's (shrunk) block. init 2Gi / app 1Gi: 2Gi charged, 1Gi
    released -> 1Gi. init 512Mi / app 1Gi: 1Gi charged, the init block shrinks to 0 -> +1Gi."""
    n = pod("n", None, [ctr("app", "1", "1Gi")], init=[ctr("init", "2", "2Gi")])
    n2 = pod("n2", None, [ctr("app", "1", "1Gi")], init=[ctr("init", "1", "512Mi")])
    events = [
        {"add": n},
        {"start": "default/n"},
        {"add": n2},
        {"start": "default/n2"},
        {"remove": "default/n"},
    ]
    s1, t1, s2, t2, s3 = run(tmp_path, kubelet("single-numa-node", scope), events)["steps"]
    assert mem(s1, "init") == {"numaAffinity": [0], "bytes": {"memory": 1 * GI}}
    assert numa_memory(s1, 0)["reserved"] == 2 * GI  # admitted: nothing started yet
    assert t1["op"] == "start" and t1["started"] and numa_memory(t1, 0)["reserved"] == 1 * GI
    assert mem(s2, "init") == {"numaAffinity": [0], "bytes": {"memory": 0}}
    assert numa_memory(s2, 0)["reserved"] == 2 * GI
    assert numa_memory(t2, 0)["reserved"] == 2 * GI  # the shrunk init block is empty
    assert numa_memory(s3, 0)["reserved"] == 1 * GI
    assert _cpus(s2) == {"init": "2", "app": "2"}  # the app reuses the init container's CPU


def test_init_container_memory_kept_until_start(tmp_path: Path) -> None:
    """Without a ``start`` the init container's entry stays (the kubelet admits pods back to back
    before any of their containers start; issue 14): 2Gi for n, +1Gi for n2, n's 2Gi released on
    removal -> 1Gi."""
    n = pod("n", None, [ctr("app", "1", "1Gi")], init=[ctr("init", "2", "2Gi")])
    n2 = pod("n2", None, [ctr("app", "1", "1Gi")], init=[ctr("init", "1", "512Mi")])
    s1, s2, s3 = run(tmp_path, kubelet(), [{"add": n}, {"add": n2}, {"remove": "default/n"}])["steps"]
    assert [numa_memory(s, 0)["reserved"] for s in (s1, s2, s3)] == [2 * GI, 3 * GI, 1 * GI]


def test_pod_level_init_entry_dropped_without_release(tmp_path: Path) -> None:
    """Pod-level pods: AddContainer's RemoveContainer of a finished init container only deletes
    its entry (the pod entry exists); the node keeps the whole budget charged until the pod goes."""
    pl = pod(
        "pl",
        {"cpu": "2", "memory": "2Gi"},
        [ctr("app", "1", "1Gi"), ctr("ngu")],
        init=[ctr("init", "2", "2Gi")],
    )
    n2 = pod("n2", None, [ctr("app", "1", "1Gi")], init=[ctr("init", "1", "512Mi")])
    events = [
        {"add": pl},
        {"start": "default/pl"},
        {"add": n2},
        {"start": "default/n2"},
        {"remove": "default/pl"},
    ]
    s1, _, s2, _, s3 = run(tmp_path, kubelet(), events)["steps"]
    assert _cpus(s1) == {"init": "1,7", "app": "1", "ngu": "7"}
    assert mem(s1, "init") == {"numaAffinity": [0], "bytes": {"memory": 2 * GI}}
    assert numa_memory(s1, 0)["reserved"] == 2 * GI
    assert numa_memory(s2, 0)["reserved"] == 3 * GI
    assert numa_memory(s3, 0)["reserved"] == 1 * GI and s3["defaultCPUSet"] == "0-5,7-11"


def test_container_scope_eligibility(tmp_path: Path) -> None:
    """Container scope, pod-level Guaranteed pod (guaranteedCPUs / getContainerRequestedResources /
    IsContainerEquivalentQOSGuaranteed): a burstable container (cpu 1/2) gets nothing and runs in the
    node pool with its own limit (allocated first, its empty request passes the NUMA check);
    an equivalent-Guaranteed container with 500m CPU gets no CPUs but an exclusive 1Gi block on
    NUMA 0; an integral one gets 1 node-exclusive CPU (the free sibling of reserved CPU 0)."""
    p = pod(
        "e",
        {"cpu": "4", "memory": "4Gi"},
        [ctr("burst", "1", "1Gi", cpu_limit="2"), ctr("frac", "500m", "1Gi"), ctr("int", "1", "1Gi")],
    )
    (s,) = run(tmp_path, kubelet("best-effort", "container"), [{"add": p}])["steps"]
    c = containers(s)
    assert {n: (x["cpus"], x["assignment"]) for n, x in c.items()} == {
        "burst": (None, "node_shared"),
        "frac": (None, "node_shared"),
        "int": ("6", "node_exclusive"),
    }
    assert c["burst"]["memory"] is None
    assert mem(s, "frac") == {"numaAffinity": [0], "bytes": {"memory": GI}}
    assert [c[n]["cgroup"]["cpuQuotaUs"] for n in ("burst", "frac", "int")] == [200000, 50000, -1]
    assert numa_memory(s, 0)["reserved"] == 2 * GI
