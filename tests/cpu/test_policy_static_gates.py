"""podfit's own tests of the static/none policies: pod-level-resources early returns, refusals,
admission wrapping, the reserved CPU count and the reuse book-keeping."""

from __future__ import annotations

import pytest
from tests.cpu.cpumanager_fixtures import build_pod, gates_of
from tests.upstream.cpumanager.topologies import load_topology

from podfit.cpu.policy_none import NonePolicy, new_none_policy
from podfit.cpu.policy_static import StaticPolicy, new_static_policy, validate_static_policy_options
from podfit.cpu.reserved import num_reserved_cpus
from podfit.cpu.state import CPUState
from podfit.model.admission import (
    REFUSAL_CPU_MANAGER,
    ConfigRefusal,
    Rejection,
    SMTAlignmentRejection,
    get_pod_admit_result,
    smt_alignment_rejection,
)
from podfit.model.cpuset import parse_cpuset
from podfit.model.policy_options import CPUManagerOptions
from podfit.topology.hint import TopologyHint

DUAL = load_topology("topoDualSocketHT")


def _policy(gates: dict[str, bool] | None = None, **opts: bool) -> StaticPolicy:
    p = new_static_policy(DUAL, 1, 0, CPUManagerOptions(**opts), gates_of(gates))
    assert isinstance(p, StaticPolicy)
    return p


def _started(p: StaticPolicy) -> CPUState:
    s = CPUState()
    assert p.start(s) is None
    return s


def _pod_level_pod(pod_cpu: str = "2", ctr_cpu: str | None = "2") -> object:
    app = [{"name": "c", "request": ctr_cpu, "limit": ctr_cpu}] if ctr_cpu else [{"name": "c"}]
    return build_pod(
        {
            "make": "makePodWithContainersAndPodLevelResources",
            "name": "plr",
            "pod_request": pod_cpu,
            "pod_limit": pod_cpu,
            "app": app,
        }
    )


@pytest.mark.parametrize(
    "gates",
    [{}, {"PodLevelResources": False}, {"PodLevelResources": True, "PodLevelResourceManagers": False}],
    ids=["defaults", "PLR off", "PLR on, PLRM off"],
)
def test_pod_level_resources_without_plrm_are_left_in_the_shared_pool(gates: dict[str, bool]) -> None:
    p = _policy(gates)
    s = _started(p)
    pod = _pod_level_pod()
    ctr = pod.containers[0]  # type: ignore[attr-defined]
    assert p.guaranteed_cpus(pod, ctr) == 2  # type: ignore[arg-type]
    assert p.get_topology_hints(s, pod, ctr) is None  # type: ignore[arg-type]
    assert p.get_pod_topology_hints(s, pod) is None  # type: ignore[arg-type]
    before = s.snapshot()
    assert p.allocate(s, pod, ctr) is None  # type: ignore[arg-type]
    assert s.snapshot() == before


def test_plrm_pod_hints_use_the_pod_budget_and_refuse_an_empty_shared_pool() -> None:
    gates = {"PodLevelResources": True, "PodLevelResourceManagers": True}
    p = _policy(gates)
    s = _started(p)
    ok = _pod_level_pod("3", "1")
    assert p.pod_guaranteed_cpus(ok) == 3  # type: ignore[arg-type]
    hints = p.get_pod_topology_hints(s, ok)  # type: ignore[arg-type]
    assert hints is not None and hints["cpu"] == [
        TopologyHint(0b01, True),
        TopologyHint(0b10, True),
        TopologyHint(0b11, False),
    ]
    full = build_pod(
        {
            "make": "makePodWithContainersAndPodLevelResources",
            "name": "full",
            "pod_request": "2",
            "pod_limit": "2",
            "app": [{"name": "g", "request": "2", "limit": "2"}, {"name": "shared"}],
        }
    )
    assert p.get_pod_topology_hints(s, full) == {"cpu": []}


def test_admission_wrapping() -> None:
    err = Rejection("not enough cpus available to satisfy request: requested=8, available=7")
    assert get_pod_admit_result(err) == Rejection(
        "Allocate failed due to not enough cpus available to satisfy request: requested=8, available=7, "
        "which is unexpected",
        "UnexpectedAdmissionError",
    )
    smt = SMTAlignmentRejection(3, 2)
    assert smt_alignment_rejection(smt) == Rejection(smt.error(), "SMTAlignmentError", smt)
    assert get_pod_admit_result(smt_alignment_rejection(smt)) == smt_alignment_rejection(smt)


def test_none_policy() -> None:
    assert new_none_policy({"full-pcpus-only": "true", "align-by-socket": "true"}) == ConfigRefusal(
        REFUSAL_CPU_MANAGER,
        "None policy: received unsupported options=map[align-by-socket:true full-pcpus-only:true]",
    )
    p = new_none_policy(None)
    assert isinstance(p, NonePolicy) and p.name() == "none"
    s = CPUState(parse_cpuset("0-3"))
    pod = build_pod({"make": "makePod", "uid": "u", "container": "c", "request": "2", "limit": "2"})
    assert p.allocate(s, pod, pod.containers[0]) is None
    assert p.get_topology_hints(s, pod, pod.containers[0]) is None
    assert p.get_allocatable_cpus(s) == 0
    assert s.get_cpu_assignments() == {}


@pytest.mark.parametrize(
    ("millicores", "expected"),
    [
        (
            None,
            ConfigRefusal(
                REFUSAL_CPU_MANAGER,
                "[cpumanager] unable to determine reserved CPU resources for static policy",
            ),
        ),
        (
            0,
            ConfigRefusal(
                REFUSAL_CPU_MANAGER,
                "[cpumanager] the static policy requires systemreserved.cpu + kubereserved.cpu "
                "to be greater than zero",
            ),
        ),
        (1, 1),
        (1000, 1),
        (1001, 2),
        (2500, 3),
    ],
)
def test_num_reserved_cpus(millicores: int | None, expected: int | ConfigRefusal) -> None:
    assert num_reserved_cpus(millicores) == expected


def test_policy_refusals() -> None:
    opts = CPUManagerOptions(align_by_socket=True)
    assert validate_static_policy_options(opts, DUAL, "single-numa-node") == (
        "Topolgy manager single-numa-node policy is incompatible with CPUManager "
        "align-by-socket policy option"
    )
    many_sockets = load_topology("fakeTopoMultiSocketDualSocketPerNumaHT")
    assert new_static_policy(many_sockets, 1, 0, opts, gates_of()) == ConfigRefusal(
        REFUSAL_CPU_MANAGER,
        "Align by socket is not compatible with hardware where number of sockets are more than "
        "number of NUMA",
    )
    assert new_static_policy(DUAL, 1, parse_cpuset("20"), CPUManagerOptions(), gates_of()) == ConfigRefusal(
        REFUSAL_CPU_MANAGER,
        "[cpumanager] unable to build the reserved physical CPUs from the reserved set: unknown CPU ID: 20",
    )
    assert new_static_policy(DUAL, 13, 0, CPUManagerOptions(), gates_of()) == ConfigRefusal(
        REFUSAL_CPU_MANAGER,
        "[cpumanager] unable to reserve the required amount of CPUs (size of  did not equal 13)",
    )


def test_reserved_pools() -> None:
    p = new_static_policy(DUAL, 2, parse_cpuset("1,6"), CPUManagerOptions(), gates_of())
    assert isinstance(p, StaticPolicy)
    assert p.reserved_physical_cpus == parse_cpuset("0,1,6,7")
    assert p.get_allocatable_cpus(CPUState()) == parse_cpuset("0,2-5,7-11")
    s = _started(p)
    assert p.get_available_cpus(s) == parse_cpuset("0,2-5,7-11")
    assert p.get_available_physical_cpus(s) == parse_cpuset("2-5,8-11")


def test_init_container_cpus_are_reused_and_hinted() -> None:
    p = _policy()
    s = _started(p)
    pod = build_pod({"make": "makeMultiContainerPod", "init": [["4", "4"]], "app": [["2", "2"], ["2", "2"]]})
    init, app0, app1 = pod.all_containers()
    assert p.allocate(s, pod, init) is None
    reuse = s.get_cpu_set(pod.uid, init.name)
    assert reuse is not None and s.cpus_to_reuse(pod.uid) == reuse
    hints = p.get_topology_hints(s, pod, app0)
    assert hints is not None and all(h.numa_affinity is not None for h in hints["cpu"])
    assert p.allocate(s, pod, app0) is None
    assert p.allocate(s, pod, app1) is None
    a0, a1 = s.get_cpu_set(pod.uid, app0.name), s.get_cpu_set(pod.uid, app1.name)
    assert a0 is not None and a1 is not None
    assert (a0 | a1) == reuse  # both app containers live on the init container's CPUs
    assert s.cpus_to_reuse(pod.uid) == 0
    other = build_pod({"make": "makePod", "uid": "other", "container": "c", "request": "2", "limit": "2"})
    assert p.allocate(s, other, other.containers[0]) is None
    assert s.get_cpus_to_reuse() == {"other": 0}  # entries of other pods are dropped


def test_pod_level_bubble_is_released_with_the_last_container() -> None:
    gates = {"PodLevelResources": True, "PodLevelResourceManagers": True}
    p = _policy(gates)
    s = _started(p)
    before = s.snapshot()
    pod = build_pod(
        {
            "make": "makePodWithContainersAndPodLevelResources",
            "name": "bubble",
            "pod_request": "4",
            "pod_limit": "4",
            "init": [{"name": "i", "request": "2", "limit": "2"}],
            "app": [{"name": "g", "request": "2", "limit": "2"}, {"name": "shared"}],
        }
    )
    assert p.allocate_pod(s, pod) is None
    bubble = s.get_pod_cpu_set("bubble")
    assert bubble is not None and bubble.bit_count() == 4
    assert s.get_default_cpu_set() & bubble == 0
    g, shared = s.get_cpu_set("bubble", "g"), s.get_cpu_set("bubble", "shared")
    assert g is not None and shared is not None and g | shared == bubble and g & shared == 0
    assert p.start(s) is None  # pod-level sets count as known CPUs at restart
    for name in ("i", "g"):
        p.remove_container(s, "bubble", name)
        assert s.get_pod_cpu_set("bubble") == bubble  # not released while containers remain
    p.remove_container(s, "bubble", "shared")
    assert s.snapshot() == before


def test_pod_level_bubble_smt_refusal() -> None:
    gates = {"PodLevelResources": True, "PodLevelResourceManagers": True}
    p = _policy(gates, full_physical_cpus_only=True)
    s = _started(p)
    pod = _pod_level_pod("3", "1")
    err = p.allocate_pod(s, pod)  # type: ignore[arg-type]
    assert err is not None and err.smt == SMTAlignmentRejection(3, 2)
    assert s.get_pod_cpu_assignments() == {}
