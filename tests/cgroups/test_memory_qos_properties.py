"""Invariants of the Memory QoS formulas, the release switches, the start-up warnings, and a resize
that goes back restoring every cgroup value."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.cgroups.test_worked_example import EXAMPLE

from podfit.api.scenario import scenario_for_release
from podfit.io.scenario import load_scenario
from podfit.kubelet.cgroup_view import node_cgroup_tree
from podfit.kubelet.memory_qos import MemoryQoSConfig, container_memory_qos, memory_high, memory_qos_warnings
from podfit.kubelet.simulation import simulate
from podfit.model.node_os import NodeOS, parse_kernel_version
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import QOSGates
from podfit.model.scenario import ResizePod, ResourcePatch
from podfit.release.node_features import NODE_FEATURES, node_features
from podfit.release.profile import release_profile

MI, GI = 1 << 20, 1 << 30


@given(
    st.integers(min_value=0, max_value=64 * GI),
    st.integers(min_value=1, max_value=128 * GI),
    st.floats(min_value=0.01, max_value=1.0),
    st.sampled_from([4096, 16384, 65536]),
)
def test_memory_high_is_page_aligned_and_between_request_and_base(
    request: int, base: int, f: float, page: int
) -> None:
    high = memory_high(request, base, f, page)
    assert high % page == 0
    if base >= request:
        assert high <= base


@settings(max_examples=60)
@given(
    st.integers(min_value=0, max_value=8 * GI),
    st.integers(min_value=0, max_value=16 * GI),
    st.sampled_from(sorted(NODE_FEATURES)),
    st.booleans(),
)
def test_container_memory_high_exceeds_the_request(
    request: int, limit: int, release: str, tiered: bool
) -> None:
    f = node_features(release)
    cfg = MemoryQoSConfig(f, True, True, True, 0.9, tiered, 4096, 32 * GI, QOSGates(True, False))
    reqs = {"memory": request} if request else {}
    lims = {"memory": limit} if limit else {}
    c = Container("c", "app", ResourceRequirements(reqs, lims))
    got = dict(container_memory_qos(cfg, Pod("default", "p", "u", containers=(c,)), c))
    if "memory.high" in got:
        assert int(got["memory.high"]) > request
        assert int(got["memory.high"]) % 4096 == 0
    if request == limit and (request > 0 or not f.memory_high_skip_needs_positive):
        assert "memory.high" not in got


def test_release_table_shape() -> None:
    assert list(NODE_FEATURES) == ["1.33", "1.34", "1.35", "1.36", "1.37"]
    assert [f.memory_throttling_factor_default for f in NODE_FEATURES.values()] == [0.9, 0.9, 0.9, 0.9, None]
    assert [f.verified for f in NODE_FEATURES.values()] == [True, True, True, True, False]
    memory_qos = {r: release_profile(r).gates.value("MemoryQoS", {}) for r in NODE_FEATURES}
    assert memory_qos == {"1.33": False, "1.34": False, "1.35": False, "1.36": False, "1.37": True}
    assert [f.resize_capacity_check for f in NODE_FEATURES.values()] == [
        "status",
        "absolute",
        "absolute",
        "none",
        "none",
    ]


@pytest.mark.parametrize(
    ("release", "os_", "want"),
    [
        ("1.36", NodeOS(cgroup_version=1), "only works with cgroups v2"),
        (
            "1.36",
            NodeOS(kernel_version="5.8.0-63-generic"),
            'currentKernel="5.8.0-63-generic" minimumKernel="5.9"',
        ),
        ("1.35", NodeOS(kernel_version="5.8.0"), None),  # the kernel check is new in 1.36
        ("1.36", NodeOS(kernel_version="5.9"), None),
        ("1.36", NodeOS(kernel_version="6.8.0"), None),
    ],
)
def test_start_up_warnings(release: str, os_: NodeOS, want: str | None) -> None:
    cfg = MemoryQoSConfig(
        node_features(release),
        True,
        os_.cgroup_v2,
        os_.cgroup_v2,
        0.9,
        False,
        4096,
        GI,
        QOSGates(True, False),
    )
    got = memory_qos_warnings(cfg, os_)
    assert (want in got[0]) if want else got == ()


def test_kernel_versions() -> None:
    assert parse_kernel_version("5.8.0-63-generic") == (5, 8, 0)
    assert parse_kernel_version("6.1") == (6, 1)
    assert parse_kernel_version("linux") is None


def test_cgroup_v1_node_enforces_nothing() -> None:
    s = replace(load_scenario(EXAMPLE), node_os=NodeOS(cgroup_version=1))
    result = simulate(s)
    assert result.node is not None
    tree = node_cgroup_tree(result.node)
    assert not any(
        k.startswith(("memory.min", "memory.low", "memory.high")) for n in tree.nodes for k, _ in n.files
    )
    assert any("cgroup v1" in w for w in tree.warnings)
    assert result.warnings and "cgroups v1" in result.warnings[0].message


@pytest.mark.parametrize("release", ["1.36", "1.37"])
def test_resize_and_back_restores_every_cgroup_value(release: str) -> None:
    s = scenario_for_release(load_scenario(EXAMPLE), release)
    back = ResizePod(
        key="default/orders-db-0",
        pod_resources=ResourcePatch(
            requests=(("cpu", 8000), ("memory", 16 * GI)), limits=(("cpu", 8000), ("memory", 16 * GI))
        ),
    )
    before = simulate(replace(s, events=s.events[:3]))
    after = simulate(replace(s, events=(*s.events, back)))
    assert after.steps[-1].decision.outcome == "InProgress"  # type: ignore[union-attr]
    assert before.node is not None and after.node is not None
    a, b = node_cgroup_tree(before.node), node_cgroup_tree(after.node)
    assert {a.path(n): n.files for n in a.nodes} == {b.path(n): n.files for n in b.nodes}
