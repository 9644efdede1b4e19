"""The admitted pod's views (``podfit.kubelet.assignments``) equal the plain computation.

``pod_assignments`` works out what depends on the configuration, the CPU policy and the pod once per
pod, captures the managers' raw answers at admission and builds the views when read; an
:class:`AdmitResult` given ``assigned`` builds them on first read. ``_plain_pod_assignments`` below
is the straightforward computation (every view built at admission, straight from the state): on
the documented examples and on random pods and configurations, both give the same values, read at
once or after the node has moved on.
"""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.compiled import COMPILED

import podfit.kubelet.node as node_module
from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.machines import build_machine
from podfit.api.pods import pod_from_dict
from podfit.io.scenario import load_scenario
from podfit.kubelet.assignments import pod_assignments
from podfit.kubelet.cgroups import container_cgroup, pod_cgroup
from podfit.kubelet.managers import ResourceManagers
from podfit.kubelet.memory_qos import container_memory_qos, pod_memory_qos
from podfit.kubelet.node import Node
from podfit.kubelet.restart import RestartResult
from podfit.kubelet.result import (
    NODE_EXCLUSIVE,
    NODE_SHARED,
    POD_EXCLUSIVE,
    POD_SHARED,
    AdmitResult,
    CgroupValues,
    ContainerAssignment,
    ContainerResourcesView,
    CPUQuota,
    DeviceView,
    MemoryAssignment,
    MemoryBlockView,
    PodResourcesView,
)
from podfit.kubelet.simulation import simulate
from podfit.kubelet.startup import kubelet_refusal
from podfit.kubelet.why import container_why
from podfit.model.cpuset import cpus as cpu_ids
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.pod import Container, Pod
from podfit.model.qos import is_pod_level_resources_set

Views = tuple[tuple[ContainerAssignment, ...], CgroupValues | None, PodResourcesView]


# ----- the plain computation ------------------------------------------------------------------
def _blocks(node: Node, pod: Pod, container: Container) -> tuple[MemoryBlockView, ...]:
    blocks = node.managers.memory.state.get_memory_blocks(pod.uid, container.name) or ()
    return tuple(MemoryBlockView(b.type, b.size, tuple(b.numa_affinity)) for b in blocks)


def _memory(blocks: tuple[MemoryBlockView, ...]) -> MemoryAssignment | None:
    if not blocks:
        return None
    sizes: dict[str, int] = {}
    for b in blocks:
        sizes[b.memory_type] = sizes.get(b.memory_type, 0) + b.size
    return MemoryAssignment(tuple(sorted({n for b in blocks for n in b.numa_nodes})), sizes)


def _devices(node: Node, pod: Pod, container: Container) -> tuple[DeviceView, ...]:
    dm = node.managers.devices
    held = dm.state.assigned.get(pod.uid, {}).get(container.name, frozenset())
    by_resource: dict[str, list[str]] = {}
    for d in sorted(held):
        by_resource.setdefault(d.split("#", 1)[0], []).append(d)
    out = []
    for resource, ids in sorted(by_resource.items()):
        numa = sorted({n for d in ids if (n := dm.devices[resource][d].numa) is not None})
        out.append(DeviceView(resource, tuple(ids), tuple(numa)))
    return tuple(out)


def _kind(cpus: int | None, eligible: bool, pod_level: bool) -> str:
    if cpus is None:
        return NODE_SHARED
    if pod_level:
        return POD_EXCLUSIVE if eligible else POD_SHARED
    return NODE_EXCLUSIVE


def _plain_pod_assignments(node: Node, pod: Pod, pod_level: bool) -> Views:
    cpu = node.managers.cpu
    policy = cpu.policy
    containers, views = [], []
    isolated: list[bool] = []
    for c in pod.all_containers():
        cpus = cpu.state.get_cpu_set(pod.uid, c.name)
        eligible = policy.guaranteed_cpus(pod, c) > 0 if hasattr(policy, "guaranteed_cpus") else False
        kind = _kind(cpus, eligible, pod_level)
        exclusive = kind in (NODE_EXCLUSIVE, POD_EXCLUSIVE)
        isolated.append(exclusive)
        blocks = _blocks(node, pod, c)
        memory = _memory(blocks)
        cgroup = container_cgroup(
            node.config,
            pod,
            c,
            exclusive=exclusive,
            cpuset_cpus=node.default_cpuset if cpus is None else cpus,
            cpuset_mems=memory.numa_affinity if memory is not None else None,
        )
        if node.mqos is not None:
            cgroup = replace(cgroup, memory_qos=container_memory_qos(node.mqos, pod, c))
        quota = (
            None if cgroup.cpu_quota_us is None else CPUQuota(cgroup.cpu_quota_us, cgroup.cpu_period_us or 0)
        )
        why = container_why(node.config, pod, c, kind)
        containers.append(ContainerAssignment(c.name, c.kind, cpus, kind, memory, quota, cgroup, why))
        own = not pod_level or eligible
        if c.kind == "init":
            continue
        views.append(
            ContainerResourcesView(
                c.name,
                tuple(cpu_ids(cpus)) if exclusive and cpus is not None else (),
                blocks if own else (),
                _devices(node, pod, c),
            )
        )
    pod_cpus = cpu.state.get_pod_cpu_set(pod.uid) if pod_level else None
    pod_blocks = node.managers.memory.state.get_pod_memory_blocks(pod.uid) if pod_level else None
    view = PodResourcesView(
        tuple(cpu_ids(pod_cpus)) if pod_cpus else (),
        tuple(MemoryBlockView(b.type, b.size, tuple(b.numa_affinity)) for b in pod_blocks or ()),
        tuple(views),
    )
    gates = node.config.feature_gates
    plr = gates.enabled("PodLevelResources") and gates.enabled("PodLevelResourceManagers")
    if plr and is_pod_level_resources_set(pod):
        has_exclusive = bool(isolated) and all(isolated)
    else:
        has_exclusive = any(isolated)
    found = pod_cgroup(node.config, pod, has_exclusive_cpus=has_exclusive)
    if found is not None and node.mqos is not None and node.mqos.enforce:
        found = replace(found, memory_qos=pod_memory_qos(node.mqos, pod))
    return tuple(containers), found, view


# ----- both, side by side -----------------------------------------------------------------------
Seen = list[tuple[Any, Views]]


PATCHES = "patches node.pod_assignments, which the compiled core binds at build time"


def _capture(mp: pytest.MonkeyPatch) -> Seen:
    """Every admission's ``pod_assignments`` answer, with the plain computation made at the same moment."""
    pairs: Seen = []

    def both(
        managers: ResourceManagers, config: KubeletConfig, pod: Pod, pod_level: bool, **kwargs: Any
    ) -> Any:
        got = pod_assignments(managers, config, pod, pod_level, **kwargs)
        node = SimpleNamespace(
            managers=managers,
            config=config,
            default_cpuset=managers.default_cpuset,
            mqos=kwargs.get("memory_qos"),
        )
        pairs.append((got, _plain_pod_assignments(node, pod, pod_level)))  # type: ignore[arg-type]
        return got

    mp.setattr(node_module, "pod_assignments", both)
    return pairs


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Seen:
    if COMPILED:
        pytest.skip(PATCHES)
    return _capture(monkeypatch)


def _views(a: Any) -> Views:
    return a.containers, a.pod_cgroup, a.pod_resources


def _check(pairs: Seen, results: list[AdmitResult]) -> None:
    """Read late (the node has moved on): the captured answers still give the plain views."""
    admitted = [r for r in results if r.admitted]
    assert len(admitted) == len(pairs)
    for result, (got, plain) in zip(admitted, pairs, strict=True):
        assert _views(got) == plain
        assert repr(_views(got)) == repr(plain)
        assert _views(result) == plain
        assert repr(_views(result)) == repr(plain)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIOS = sorted(
    p
    for p in EXAMPLES.glob("*.yaml")
    if not p.name.endswith(".expected.yaml") and "kind: Scenario" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_examples_give_the_plain_views(path: Path, seen: Seen) -> None:
    result = simulate(load_scenario(path))
    adds = [s for s in result.steps if isinstance(s, AdmitResult)]
    restarts = [s for s in result.steps if isinstance(s, RestartResult)]
    if not restarts:
        _check(seen, adds)
        return
    # a restart also reads each running pod's views before admitting it again (node.held)
    for got, plain in seen:
        assert _views(got) == plain
    plains = [plain for _, plain in seen]
    for r in adds + [p.step for s in restarts for p in s.pods]:
        if r.admitted:
            assert _views(r) in plains


# ----- random pods and configurations -----------------------------------------------------------
def _config(cpu: str, memory: str, scope: str, gates: dict[str, bool], quota: bool) -> Any:
    doc: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cpuManagerPolicy": cpu,
        "memoryManagerPolicy": memory,
        "topologyManagerPolicy": "best-effort",
        "topologyManagerScope": scope,
        "featureGates": gates,
        "cpuCFSQuota": quota,
    }
    if gates["CustomCPUCFSQuotaPeriod"]:
        doc["cpuCFSQuotaPeriod"] = "50ms"
    if cpu == "static":
        doc["reservedSystemCPUs"] = "0"
    if memory == "Static":
        doc["kubeReserved"] = {"memory": "1Gi"}
        doc["reservedMemory"] = [{"numaNode": 0, "limits": {"memory": "1124Mi"}}]
    return kubelet_config_from_dict(doc)


def _ctr(name: str, cpu: int, mem: int, guaranteed: bool) -> dict[str, Any]:
    if cpu == 0:
        return {"name": name}
    q = {"cpu": f"{cpu}" if guaranteed else f"{cpu * 500}m", "memory": f"{mem}Mi"}
    return {"name": name, "resources": {"requests": q, "limits": q if guaranteed else {}}}


def _random_pod(i: int, apps: list[Any], inits: list[Any], pod_level: int) -> Pod:
    spec: dict[str, Any] = {"containers": [_ctr(f"c{j}", *c) for j, c in enumerate(apps)]}
    if inits:
        spec["initContainers"] = [
            {**_ctr(f"i{j}", *c[1:]), **({"restartPolicy": "Always"} if c[0] == "sidecar" else {})}
            for j, c in enumerate(inits)
        ]
    if pod_level:  # a budget that holds every container
        every = [c[:2] for c in apps] + [c[1:3] for c in inits]
        cpu, mem = sum(c for c, _ in every) + pod_level, sum(m for _, m in every) + 1024
        budget = {"cpu": str(cpu), "memory": f"{mem}Mi"}
        spec["resources"] = {"requests": budget, "limits": budget}
    return pod_from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"}, "spec": spec})


app = st.tuples(st.integers(0, 3), st.sampled_from([64, 512]), st.booleans())
init = st.tuples(
    st.sampled_from(["init", "sidecar"]), st.integers(0, 2), st.sampled_from([64, 256]), st.booleans()
)
pods = st.lists(
    st.tuples(st.lists(app, min_size=1, max_size=3), st.lists(init, max_size=2), st.integers(0, 2)),
    min_size=1,
    max_size=6,
)
gate_names = ["PodLevelResourceManagers", "DisableCPUQuotaWithExclusiveCPUs", "CustomCPUCFSQuotaPeriod"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.skipif(COMPILED, reason=PATCHES)
@given(
    cpu=st.sampled_from(["none", "static"]),
    memory=st.sampled_from(["None", "Static"]),
    scope=st.sampled_from(["container", "pod"]),
    gates=st.fixed_dictionaries({g: st.booleans() for g in gate_names}),
    quota=st.booleans(),
    specs=pods,
)
def test_random_pods_give_the_plain_views(
    cpu: str, memory: str, scope: str, gates: dict[str, bool], quota: bool, specs: list[Any]
) -> None:
    machine = build_machine(
        {"machine": {"sockets": 2, "coresPerNUMANode": 3, "threadsPerCore": 2, "memoryPerNUMANode": "8Gi"}}
    )
    config = _config(cpu, memory, scope, gates, quota)
    assume(kubelet_refusal(config, machine) is None)
    node = Node(machine, config)
    with pytest.MonkeyPatch.context() as mp:
        pairs = _capture(mp)
        results = [node.admit(_random_pod(i, *spec)) for i, spec in enumerate(specs)]
        for pod in list(node.pods)[::2]:
            node.remove(uid=pod.uid)
    _check(pairs, results)


# ----- the lazy AdmitResult ---------------------------------------------------------------------
def _admitted(node: Node) -> tuple[AdmitResult, Pod]:
    pod = _random_pod(0, [(2, 512, True), (0, 64, False)], [("init", 1, 64, True)], 0)
    result = node.admit(pod)
    assert result.admitted
    return result, pod


def _node() -> Node:
    machine = build_machine(
        {"machine": {"sockets": 2, "coresPerNUMANode": 3, "threadsPerCore": 2, "memoryPerNUMANode": "8Gi"}}
    )
    return Node(machine, _config("static", "Static", "container", dict.fromkeys(gate_names, False), True))


def test_a_lazy_result_reads_compares_and_prints_as_an_eager_one() -> None:
    node = _node()
    result, pod = _admitted(node)
    assigned = pod_assignments(node.managers, node.config, pod, False)
    eager = AdmitResult(
        pod=result.pod,
        uid=result.uid,
        admitted=True,
        qos_class=result.qos_class,
        container_hints=result.container_hints,
        containers=assigned.containers,
        default_cpuset=result.default_cpuset,
        pod_cgroup=assigned.pod_cgroup,
        pod_resources=assigned.pod_resources,
    )
    lazy = replace(eager, containers=(), pod_cgroup=None, pod_resources=None, assigned=assigned)
    node.remove(uid=pod.uid)  # the state moves on; the captured answers do not
    _admitted(node)
    assert lazy.assigned is assigned
    assert lazy == eager and eager == lazy
    assert repr(lazy) == repr(eager)
    assert lazy.containers is lazy.containers  # built once, kept
    assert replace(lazy, numa_memory=None) == eager
    assert copy.copy(lazy) == eager
    assert pickle.loads(pickle.dumps(lazy)) == eager
    assert copy.deepcopy(lazy) == eager
    with pytest.raises(AttributeError):
        _ = lazy.no_such_field  # type: ignore[attr-defined]
    assert not hasattr(lazy, "no_such_field")


def test_views_given_explicitly_win_over_assigned() -> None:
    node = _node()
    result, pod = _admitted(node)
    assigned = pod_assignments(node.managers, node.config, pod, False)
    kept = AdmitResult(pod=result.pod, uid=result.uid, admitted=True, containers=(), assigned=assigned)
    assert kept.containers == assigned.containers  # () is "not given"
    given_ = AdmitResult(
        pod=result.pod, uid=result.uid, admitted=True, containers=assigned.containers[:1], assigned=assigned
    )
    assert given_.containers == assigned.containers[:1]
    assert given_.pod_resources is None
