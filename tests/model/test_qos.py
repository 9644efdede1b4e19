"""QoS class, equivalent-Guaranteed containers and effective pod requests (incl. hypothesis invariants)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import (
    QOSGates,
    compute_pod_qos,
    get_pod_qos,
    is_container_equivalent_qos_guaranteed,
    is_supported_pod_level_resource,
    pod_limits,
    pod_requests,
)

ON = QOSGates(pod_level_resources=True, fix_kubelet_qos_class=False)


def _c(
    name: str, kind: str = "app", req: dict[str, int] | None = None, lim: dict[str, int] | None = None
) -> Container:
    policy = "Always" if kind == "sidecar" else None
    return Container(name, kind, ResourceRequirements(req or {}, lim or {}), policy)  # type: ignore[arg-type]


# pkg/kubelet/cm/qos IsContainerEquivalentQOSGuaranteed (index id 4366408140): no upstream table
# test was found; cases follow the function's two checks (cpu, then memory: request == limit != 0).
@pytest.mark.parametrize(
    ("req", "lim", "expected"),
    [
        ({"cpu": 2000, "memory": 1 << 30}, {"cpu": 2000, "memory": 1 << 30}, True),
        ({"cpu": 100, "memory": 64 << 20}, {"cpu": 100, "memory": 64 << 20}, True),  # spec-kep5526 §2.5
        ({"cpu": 2000}, {"cpu": 2000}, False),  # "sets CPU 2/2 but no memory is not eligible"
        ({"cpu": 2000, "memory": 1 << 30}, {"cpu": 4000, "memory": 1 << 30}, False),
        ({"cpu": 2000, "memory": 1 << 30}, {"cpu": 2000, "memory": 2 << 30}, False),
        ({"cpu": 0, "memory": 0}, {"cpu": 0, "memory": 0}, False),
        ({}, {}, False),
    ],
)
def test_is_container_equivalent_qos_guaranteed(
    req: dict[str, int], lim: dict[str, int], expected: bool
) -> None:
    assert is_container_equivalent_qos_guaranteed(_c("c", req=req, lim=lim)) is expected


def test_get_pod_qos_prefers_status() -> None:
    pod = Pod("ns", "p", "u", containers=(_c("c"),), qos_status="Guaranteed")
    assert compute_pod_qos(pod, ON) == "BestEffort"
    assert get_pod_qos(pod, ON) == "Guaranteed"


def test_pod_level_overrides_containers_and_overhead_is_added() -> None:
    res = ResourceRequirements({"cpu": 4000, "memory": 4 << 30}, {"cpu": 4000, "memory": 4 << 30})
    pod = Pod("ns", "p", "u", containers=(_c("c", req={"cpu": 1000}),), resources=res, overhead={"cpu": 250})
    assert compute_pod_qos(pod, ON) == "Guaranteed"
    assert compute_pod_qos(pod, QOSGates(False, False)) == "Burstable"
    assert dict(pod_requests(pod)) == {"cpu": 4250, "memory": 4 << 30}
    assert dict(pod_limits(pod)) == {"cpu": 4250, "memory": 4 << 30}
    assert dict(pod_requests(pod, pod_level_resources=False, exclude_overhead=True)) == {"cpu": 1000}


@pytest.mark.parametrize(
    ("name", "supported"),
    [
        ("cpu", True),
        ("memory", True),
        ("hugepages-2Mi", True),
        ("hugepages-1Gi", True),
        ("ephemeral-storage", False),
        ("nvidia.com/gpu", False),
        ("storage", False),
    ],
)
def test_is_supported_pod_level_resource(name: str, supported: bool) -> None:
    assert is_supported_pod_level_resource(name) is supported


_NAMES = st.sampled_from(["cpu", "memory", "hugepages-2Mi", "example.com/gpu"])
_LIST = st.dictionaries(_NAMES, st.integers(min_value=0, max_value=10**6), max_size=4)
_KINDS = st.sampled_from(["init", "sidecar"])


@st.composite
def pods(draw: st.DrawFn) -> Pod:
    inits = draw(st.lists(st.tuples(_KINDS, _LIST, _LIST), max_size=4))
    apps = draw(st.lists(st.tuples(_LIST, _LIST), min_size=1, max_size=4))
    return Pod(
        "ns",
        "p",
        "u",
        init_containers=tuple(_c(f"i{i}", k, r, lim) for i, (k, r, lim) in enumerate(inits)),
        containers=tuple(_c(f"a{i}", "app", r, lim) for i, (r, lim) in enumerate(apps)),
        overhead=draw(_LIST),
    )


@settings(max_examples=200, deadline=None)
@given(pods())
def test_pod_requests_cover_every_container_and_the_running_set(pod: Pod) -> None:
    reqs = pod_requests(pod, exclude_overhead=True)
    lims = pod_limits(pod, exclude_overhead=True)
    for c in pod.all_containers():
        for name, value in c.resources.requests.items():
            assert reqs.get(name, 0) >= value
        for name, value in c.resources.limits.items():
            assert lims.get(name, 0) >= value
    running = [c for c in pod.all_containers() if c.kind in ("app", "sidecar")]
    for name in {n for c in running for n in c.resources.requests}:
        assert reqs.get(name, 0) >= sum(c.resources.request(name) for c in running)
    with_overhead = pod_requests(pod)
    for name, value in pod.overhead.items():
        assert with_overhead.get(name, 0) == reqs.get(name, 0) + value


@settings(max_examples=200, deadline=None)
@given(pods())
def test_qos_guaranteed_iff_every_container_guaranteed_shaped(pod: Pod) -> None:
    qos = compute_pod_qos(pod, ON)
    shapes = {
        "G"
        if is_container_equivalent_qos_guaranteed(c)
        else (
            "E" if not any(c.resources.request(n) or c.resources.limit(n) for n in ("cpu", "memory")) else "B"
        )
        for c in pod.all_containers()
    }
    assert (qos == "Guaranteed") == (shapes == {"G"})
    if qos == "BestEffort":
        assert shapes == {"E"}
