"""The API server's answers to resize requests, per release, and what the resource managers do on a
resize — including v1.36's pod-level resource managers under the pod scope (mirrored with their
defects: Deferred by the empty pod hint; under best-effort a second AllocatePod)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.pod_resize import apply_resize_patch, validate_pod_resize
from podfit.api.scenario import scenario_from_dict
from podfit.explain.resize import explain_resize
from podfit.io.scenario import load_scenario
from podfit.kubelet.simulation import simulate
from podfit.model.features import FeatureGates
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.scenario import AddPod, ResizePod, ResourcePatch
from podfit.release.node_features import node_features

GI = 1 << 30
KEP = Path(__file__).resolve().parents[2] / "examples" / "kep5526-tightly-coupled-database.yaml"
RETRY = KEP.with_name("resize-deferred-and-retried.yaml")


def _pod(requests: dict[str, int], limits: dict[str, int], policy: tuple[tuple[str, str], ...] = ()) -> Pod:
    c = Container("app", "app", ResourceRequirements(requests, limits), resize_policy=policy)
    return Pod("default", "web", "u1", containers=(c,))


def _validate(
    release: str, old: Pod, patch: ResourcePatch, gates: dict[str, bool] | None = None
) -> str | None:
    new = apply_resize_patch(old, ResizePod(key=old.key, containers=(("app", patch),)))
    refusal = validate_pod_resize(node_features(release), FeatureGates(gates or {}), old, new, plr_gate=True)
    return None if refusal is None else refusal.message


BURSTABLE = _pod({"cpu": 1000, "memory": GI}, {"memory": 2 * GI})


@pytest.mark.parametrize(
    ("release", "patch", "want"),
    [
        # a QoS class change (Burstable -> Guaranteed)
        (
            "1.36",
            ResourcePatch(limits=(("cpu", 1000), ("memory", GI))),
            'Pod "web" is invalid: spec: Invalid value: "Burstable": '
            "Pod QOS Class may not change as a result of resizing",
        ),
        # a removed limit
        (
            "1.36",
            ResourcePatch(limits=(("memory", None),)),
            'Pod "web" is invalid: spec.containers[0].resources.limits: '
            "Forbidden: resource limits cannot be removed",
        ),
        # 1.33: a memory limit may not decrease with the default NotRequired policy; 1.34+ may
        (
            "1.33",
            ResourcePatch(limits=(("memory", GI + GI // 2),)),
            'Pod "web" is invalid: spec.containers[0].resources.limits[memory]: '
            "Forbidden: memory limits cannot be decreased unless resizePolicy is RestartContainer",
        ),
        ("1.34", ResourcePatch(limits=(("memory", GI + GI // 2),)), None),
        # only cpu and memory are mutable
        (
            "1.36",
            ResourcePatch(requests=(("ephemeral-storage", GI),)),
            'Pod "web" is invalid: spec: Forbidden: only cpu and memory resources are mutable',
        ),
        # requests above limits (the new spec's own validation)
        (
            "1.36",
            ResourcePatch(requests=(("memory", 3 * GI),)),
            'Pod "web" is invalid: spec.containers[0].resources.requests: '
            'Invalid value: "3Gi": must be less than or equal to memory limit of 2Gi',
        ),
    ],
)
def test_validate_pod_resize(release: str, patch: ResourcePatch, want: str | None) -> None:
    assert _validate(release, BURSTABLE, patch) == want


def test_restart_container_policy_allows_a_memory_limit_decrease_in_133() -> None:
    old = _pod({"cpu": 1000, "memory": GI}, {"memory": 2 * GI}, (("memory", "RestartContainer"),))
    assert _validate("1.33", old, ResourcePatch(limits=(("memory", GI + GI // 2),))) is None


def test_static_and_pod_level_refusals() -> None:
    static = replace(BURSTABLE, static=True)
    assert _validate("1.36", static, ResourcePatch(requests=(("cpu", 500),))) == (
        'Pod "web" is invalid: : Forbidden: static pods cannot be resized'
    )
    pod_level = replace(BURSTABLE, resources=ResourceRequirements({"cpu": 2000}))
    assert "pods with pod-level resources cannot be resized" in (
        _validate("1.34", pod_level, ResourcePatch(requests=(("cpu", 500),))) or ""
    )
    off = {"InPlacePodLevelResourcesVerticalScaling": False}
    assert "feature gate is disabled" in (
        _validate("1.36", pod_level, ResourcePatch(requests=(("cpu", 500),)), off) or ""
    )
    assert _validate("1.36", pod_level, ResourcePatch(requests=(("cpu", 500),))) is None


def _kep(policy: str) -> Any:
    s = load_scenario(KEP)
    doc = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
    doc.update(dict(s.kubelet_config.fields))
    doc["topologyManagerPolicy"] = policy
    first = s.events[0]
    assert isinstance(first, AddPod)
    budget = (("cpu", 10_000), ("memory", 16 * GI))
    grow = ResizePod(key=first.pod.key, pod_resources=ResourcePatch(requests=budget, limits=budget))
    return simulate(replace(s, events=(first, grow), kubelet_config=kubelet_config_from_dict(doc)))


def test_plrm_pod_scope_resize_is_deferred_by_the_empty_pod_hint() -> None:
    """v1.36.2 with PodLevelResourceManagers, pod scope, single-numa-node: the pod's state entries
    make the pod hint empty (a shared container's pool size != its guaranteed CPUs)."""
    result = _kep("single-numa-node")
    d = result.steps[-1].decision
    assert (d.outcome, d.handler_reason) == ("Deferred", "TopologyAffinityError")
    assert (
        d.message
        == "Pod Scope pod with pod-level resources failed admission under pod-scope topology manager"
    )
    assert d.exclusive["podCPUs"] == result.steps[0].pod_cpus  # the bubble is kept
    assert d.warnings == ()


def test_plrm_pod_scope_best_effort_reallocates_and_does_not_roll_back() -> None:
    """Under best-effort AllocatePod runs again: a new bubble from the free CPUs, the old one leaked
    (#140989's root cause), no rollback when the Memory Manager then refuses."""
    result = _kep("best-effort")
    before = result.steps[0].pod_cpus
    d = result.steps[-1].decision
    assert d.outcome == "Deferred"
    assert d.exclusive["podCPUs"] != before
    assert any("#140989" in w for w in d.warnings)
    assert any("no rollback" in w for w in d.warnings)


@pytest.mark.parametrize("release", ["1.33", "1.34", "1.35", "1.36"])
def test_a_resize_cannot_change_the_resize_policy(release: str) -> None:
    """The resize strategy keeps ``resizePolicy`` but ValidatePodResize compares the whole container:
    a changed policy is refused in every release; the same entries (any order) are no change."""
    old = _pod(
        {"cpu": 1000, "memory": GI}, {"memory": 2 * GI}, (("memory", "NotRequired"), ("cpu", "NotRequired"))
    )
    grow = ResourcePatch(requests=(("cpu", 1500),))
    changed = ResizePod(
        key=old.key, containers=(("app", grow),), resize_policy=(("app", (("memory", "RestartContainer"),)),)
    )
    new = apply_resize_patch(old, changed)
    assert new.containers[0].resize_policy == (("memory", "RestartContainer"),)  # an atomic list
    refusal = validate_pod_resize(node_features(release), FeatureGates({}), old, new, plr_gate=True)
    assert refusal is not None
    assert (
        refusal.message == 'Pod "web" is invalid: spec: Forbidden: only cpu and memory resources are mutable'
    )
    same = ResizePod(
        key=old.key,
        containers=(("app", grow),),
        resize_policy=(("app", (("cpu", "NotRequired"), ("memory", "NotRequired"))),),
    )
    new = apply_resize_patch(old, same)
    assert new.containers[0].resize_policy == old.containers[0].resize_policy
    assert validate_pod_resize(node_features(release), FeatureGates({}), old, new, plr_gate=True) is None


@pytest.mark.parametrize(
    ("release", "refused"), [("1.33", False), ("1.34", False), ("1.35", True), ("1.36", True)]
)
def test_adding_another_resource_to_an_unset_list(release: str, refused: bool) -> None:
    """v1.33.5 / v1.34.2 do not compare a requests (limits) list the old container did not set: any
    resource may be added to it; PR #135084 (1.35) forbids it."""
    old = _pod({}, {"cpu": 1000, "memory": GI})
    patch = ResourcePatch(requests=(("ephemeral-storage", GI),))
    got = _validate(release, old, patch)
    if refused:
        assert got == 'Pod "web" is invalid: spec: Forbidden: only cpu and memory resources are mutable'
    else:
        assert got is None
    # a list that was set is compared in every release
    assert _validate(release, BURSTABLE, patch) is not None


def test_the_resize_strategy_drops_a_pod_level_patch_without_the_gate() -> None:
    """1.33/1.34 (and 1.35+ with InPlacePodLevelResourcesVerticalScaling off): the resize strategy
    keeps only the containers' resources, so a pod-level patch on a pod without pod-level resources
    is dropped silently (no change), not refused."""
    patch = ResourcePatch(requests=(("cpu", 2000),))
    event = ResizePod(key=BURSTABLE.key, pod_resources=patch)
    assert apply_resize_patch(BURSTABLE, event, pod_level=False) == BURSTABLE
    assert apply_resize_patch(BURSTABLE, event).resources == ResourceRequirements({"cpu": 2000})
    doc = yaml.safe_load(RETRY.read_text())
    doc["node"]["kubeletVersion"] = "1.34"
    doc["events"] = [
        doc["events"][1],
        {"resize": {"pod": "default/web", "resources": {"requests": {"cpu": "2"}}}},
    ]
    result = simulate(scenario_from_dict(doc))
    d = result.steps[-1].decision
    assert d is not None and d.outcome == "NoChange"
    doc["node"]["kubeletVersion"] = "1.36"  # the gate is on: the pod-level stanza is added
    d = simulate(scenario_from_dict(doc)).steps[-1].decision
    assert d is not None and d.outcome == "InProgress"


def test_explain_suggests_creating_the_pod_with_restart_container() -> None:
    """1.33 refuses a memory-limit decrease without RestartContainer; a resize cannot set the
    policy, so the suggestion recreates the pod with it (verified: then InProgress)."""
    doc = yaml.safe_load(RETRY.read_text())
    doc["node"]["kubeletVersion"] = "1.33"
    doc["events"] = [
        doc["events"][1],
        {"resize": {"pod": "default/web", "containers": {"app": {"limits": {"memory": "1536Mi"}}}}},
    ]
    explained = explain_resize(scenario_from_dict(doc), "default/web")
    assert explained.decision.outcome == "Rejected"
    assert "memory limits cannot be decreased unless resizePolicy is RestartContainer" in (
        explained.decision.message or ""
    )
    found = [s for s in explained.suggestions if "RestartContainer" in s.change]
    assert [(s.change, s.outcome) for s in found] == [
        ("create the pod with resizePolicy: {memory: RestartContainer}", "InProgress")
    ]
