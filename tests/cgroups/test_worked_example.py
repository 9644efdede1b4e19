"""The hand-checked pod-level example of docs/cgroups.md (examples/memory-qos-resize-pod-level.yaml):
every Memory QoS value of the two pods, the QoS-class cgroups and the gauges, in each release and
reservation policy, computed by hand from the kubelet's formulas (the oracle cannot run Memory QoS
or resize: it has no cgroup or runtime layer)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from podfit.io.scenario import load_scenario
from podfit.kubelet.cgroup_view import node_cgroup_tree
from podfit.kubelet.simulation import simulate
from podfit.model.scenario import Scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "memory-qos-resize-pod-level.yaml"
GI = 1 << 30
DB = "/kubepods/pod6f1c2c1e-0000-4000-8000-000000000001"
WEB = "/kubepods/burstable/pod6f1c2c1e-0000-4000-8000-000000000002"
HIGH_ALLOC = "121869697024"  # floor((1Gi + (135291469824 - 1Gi) * 0.9) / 4096) * 4096
MEMQOS = ("memory.min", "memory.low", "memory.high")


def _scenario(release: str, **config: Any) -> Scenario:
    s = load_scenario(EXAMPLE)
    fields = dict(s.kubelet_config.fields)
    doc = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", **fields}
    for key, value in config.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    from podfit.api.kubelet_config import kubelet_config_from_dict
    from podfit.release.profile import release_profile

    # read as the kubelet reads its file: a release before 1.36 drops memoryReservationPolicy
    config = kubelet_config_from_dict(doc, release_profile(release), strict=False)
    return replace(s, kubelet_version=release, kubelet_config=config)


def _files(s: Scenario, step: int) -> dict[str, dict[str, str]]:
    result = simulate(replace(s, events=s.events[:step]))
    assert result.node is not None
    tree = node_cgroup_tree(result.node)
    return {tree.path(n): dict(n.files) for n in tree.nodes}


def _qos(files: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in files.items() if k in MEMQOS}


# (release, config overrides) -> the expected Memory QoS entries after both pods are admitted
COLUMNS: dict[str, tuple[str, dict[str, Any], dict[str, dict[str, str]]]] = {
    "1.33-1.35": (
        "1.35",
        {},
        {
            f"{DB}/database": {"memory.min": str(12 * GI)},
            f"{DB}/backup-agent": {"memory.min": str(GI), "memory.high": HIGH_ALLOC},
            f"{DB}/metrics-exporter": {},
            DB: {"memory.min": str(16 * GI)},
            f"{WEB}/app": {"memory.min": str(GI), "memory.high": HIGH_ALLOC},
            WEB: {"memory.min": str(2 * GI)},
            "/kubepods": {"memory.min": str(18 * GI)},
            "/kubepods/burstable": {"memory.min": str(2 * GI)},
        },
    ),
    "1.36 Tiered": (
        "1.36",
        {},
        {
            f"{DB}/database": {"memory.min": str(12 * GI)},
            f"{DB}/backup-agent": {"memory.min": str(GI), "memory.high": HIGH_ALLOC},
            f"{DB}/metrics-exporter": {"memory.min": "0", "memory.low": "0"},
            DB: {"memory.min": str(16 * GI)},
            f"{WEB}/app": {"memory.low": str(GI), "memory.high": HIGH_ALLOC},
            WEB: {"memory.low": str(2 * GI)},
            "/kubepods": {"memory.min": str(18 * GI)},
            "/kubepods/burstable": {"memory.low": str(2 * GI)},
        },
    ),
    "1.36 None": (
        "1.36",
        {"memoryReservationPolicy": "None"},
        {
            f"{DB}/database": {"memory.min": "0", "memory.low": "0"},
            f"{DB}/backup-agent": {"memory.min": "0", "memory.low": "0", "memory.high": HIGH_ALLOC},
            f"{DB}/metrics-exporter": {"memory.min": "0", "memory.low": "0"},
            DB: {},
            f"{WEB}/app": {"memory.min": "0", "memory.low": "0", "memory.high": HIGH_ALLOC},
            WEB: {},
            "/kubepods": {"memory.min": "0"},
            "/kubepods/burstable": {"memory.low": "0"},
        },
    ),
    "1.37 defaults": (
        "1.37",
        {"memoryReservationPolicy": None, "memoryThrottlingFactor": None},
        {
            f"{DB}/database": {"memory.min": "0", "memory.low": "0"},
            f"{DB}/backup-agent": {"memory.min": "0", "memory.low": "0"},
            f"{DB}/metrics-exporter": {"memory.min": "0", "memory.low": "0"},
            DB: {},
            f"{WEB}/app": {"memory.min": "0", "memory.low": "0"},
            WEB: {},
            "/kubepods": {"memory.min": "0"},
            "/kubepods/burstable": {"memory.low": "0"},
        },
    ),
    "1.37 factor 0.9 Tiered": (
        "1.37",
        {},
        {
            f"{DB}/database": {"memory.min": str(12 * GI)},
            # the pod-level limit 16Gi is memory.high's base (PR #140262); BestEffort-style 0/0
            # containers get memory.high too (PR #138139)
            f"{DB}/backup-agent": {"memory.min": str(GI), "memory.high": "15569256448"},
            f"{DB}/metrics-exporter": {"memory.min": "0", "memory.low": "0", "memory.high": "15461879808"},
            DB: {"memory.min": str(16 * GI)},
            f"{WEB}/app": {"memory.low": str(GI), "memory.high": "3972841472"},
            WEB: {"memory.low": str(2 * GI)},
            "/kubepods": {"memory.min": str(18 * GI)},
            "/kubepods/burstable": {"memory.low": str(2 * GI)},
        },
    ),
}


@pytest.mark.parametrize("column", list(COLUMNS))
def test_memory_qos_values(column: str) -> None:
    release, overrides, want = COLUMNS[column]
    files = _files(_scenario(release, **overrides), 2)
    for path, entries in want.items():
        assert _qos(files[path]) == entries, path
    assert files[DB]["cpu.weight"] == "313"  # 8192 shares, the kubelet's linear formula
    assert files[f"{DB}/database"]["cpu.weight"] == "235"  # linear runtime (quadratic: 421)
    assert files[f"{DB}/database"]["memory.max"] == str(12 * GI)
    assert files[f"{WEB}/app"]["memory.max"] == str(4 * GI)  # the pod-level limit


def test_gauges_and_protection_line() -> None:
    result = simulate(_scenario("1.36"))
    p = result.memory_protection[1]
    assert (p.kubepods_min, p.burstable_low, p.gauge_min_bytes, p.gauge_low_bytes) == (
        18 * GI,
        2 * GI,
        16 * GI,
        2 * GI,
    )
    assert simulate(_scenario("1.35")).memory_protection[1].gauge_min_bytes is None  # not registered
    off = simulate(_scenario("1.36", featureGates={"PodLevelResources": True}))
    assert off.memory_protection == ()


def test_the_database_cpuset_is_the_shared_pool_with_pod_level_resources_and_no_plrm() -> None:
    files = _files(_scenario("1.36"), 2)
    assert files[f"{DB}/database"]["cpuset.cpus"] == "0-31"


RESIZE_WRITES_136 = [
    ("pod", "memory.max", str(16 * GI), str(20 * GI)),
    ("container:metrics-exporter", "memory.max", str(16 * GI), str(20 * GI)),
    ("container:backup-agent", "memory.max", str(16 * GI), str(20 * GI)),
    ("pod", "cpu.max", "800000 100000", "1000000 100000"),
    ("pod", "cpu.weight", "313", "391"),
    ("container:metrics-exporter", "cpu.max", "800000 100000", "1000000 100000"),
    ("container:metrics-exporter", "cpu.weight", "313", "391"),
    ("container:backup-agent", "cpu.max", "800000 100000", "1000000 100000"),
    ("container:backup-agent", "cpu.weight", "313", "391"),
]


@pytest.mark.parametrize(
    ("release", "outcome", "message"),
    [
        ("1.33", "Rejected", ": Forbidden: pods with pod-level resources cannot be resized"),
        ("1.34", "Rejected", ": Forbidden: pods with pod-level resources cannot be resized"),
        ("1.35", "Rejected", "InPlacePodLevelResourcesVerticalScalingEnabled feature gate is disabled"),
        ("1.36", "InProgress", None),
        ("1.37", "InProgress", None),
    ],
)
def test_pod_level_resize(release: str, outcome: str, message: str | None) -> None:
    result = simulate(_scenario(release))
    step = result.steps[-1]
    decision = step.decision  # type: ignore[union-attr]
    assert decision.outcome == outcome
    if message is not None:
        assert decision.message.startswith('Pod "orders-db-0" is invalid: ')
        assert message in decision.message
        return
    writes = [(w.target, w.file, w.old, w.new) for w in decision.actuation]
    want = list(RESIZE_WRITES_136)
    if release == "1.37":  # memory.high follows the pod-level limit (PR #140262)
        want[1:1] = [("container:metrics-exporter", "memory.high", "15461879808", "19327352832")]
        want[3:3] = [("container:backup-agent", "memory.high", "15569256448", "19434725376")]
    assert writes == want
    after = _files(_scenario(release), 4)
    # 1.36 keeps the pod's memory.min of its creation; 1.37 rewrites it (PR #140262)
    assert after[DB]["memory.min"] == str((16 if release == "1.36" else 20) * GI)
    assert after["/kubepods"]["memory.min"] == str(22 * GI)
