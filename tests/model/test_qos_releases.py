"""The QoS class of each kubelet release, pod-level stanza by pod-level stanza.

v1.33.5 to v1.36.2 (``pkg/apis/core/v1/helper/qos/qos.go`` and its internal twin, one algorithm in
the four releases): with ``PodLevelResources`` on, any non-nil ``spec.resources`` decides, so an
empty one (``{}``, ``{requests: {}}``, ``{limits: {}}``) makes the pod BestEffort whatever its
containers ask (the real CPU Manager of v1.34.2 / v1.35.3 / v1.36.2 pins nothing for such a pod:
tests/golden/oracle-v*/qos-empty-stanza.jsonl). 1.37 (PR #137150): with
``PodLevelResourcesFixKubeletQOSClass`` (beta, on, depends on ``PodLevelResources``) the stanza
decides only when it names a supported resource. The gate lives in the release's gate table, so
each release computes its own class through ``qos_gates(config.feature_gates)``.

The releases up to 1.36 sum requests and limits over the containers; 1.37 classifies each set of
requirements and combines the classes. :func:`summing_form` below is an independent reading of the
older form; the property test shows both give the same class for every pod whose requests do not
exceed its limits (what API validation guarantees), which is why podfit needs one function.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.api.pods import pod_from_dict
from podfit.api.scenario import scenario_from_dict
from podfit.kubelet.simulation import simulate
from podfit.model.features import FeatureGates
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.qos import QOS_FIX_GATE, QOSGates, compute_pod_qos, get_pod_qos, qos_gates
from podfit.release import SUPPORTED_RELEASES, release_profile

GI = 1 << 30
KC = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
EMPTY_STANZAS: dict[str, Any] = {
    "absent": None,
    "empty": {},
    "empty-requests": {"requests": {}},
    "empty-limits": {"limits": {}},
}


def _gates(release: str, **overrides: bool) -> FeatureGates:
    profile = release_profile(release)
    assert profile is not None
    return FeatureGates(overrides, profile)


def _manifest(stanza: Any, cpu: str = "2") -> dict[str, Any]:
    res = {"cpu": cpu, "memory": "1Gi"}
    spec: dict[str, Any] = {"containers": [{"name": "app", "resources": {"requests": res, "limits": res}}]}
    if stanza is not None:
        spec["resources"] = stanza
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "uid": "p"}, "spec": spec}


# ----- the gate per release ---------------------------------------------------------------------


@pytest.mark.parametrize("release", SUPPORTED_RELEASES)
def test_the_fix_gate_is_a_1_37_gate(release: str) -> None:
    profile = release_profile(release)
    assert profile is not None
    spec = profile.gates.spec(QOS_FIX_GATE)
    if release != "1.37":
        assert spec is None  # not registered: reads as off
        assert not _gates(release).enabled(QOS_FIX_GATE)
        return
    assert spec is not None and spec.default and spec.depends_on == ("PodLevelResources",)
    assert _gates(release).enabled(QOS_FIX_GATE)
    assert (
        "PodLevelResourcesFixKubeletQOSClass is enabled, but depends on features that are disabled: "
        "[PodLevelResources]" in _gates(release, PodLevelResources=False).errors()
    )


@pytest.mark.parametrize("stanza", sorted(EMPTY_STANZAS))
@pytest.mark.parametrize("release", SUPPORTED_RELEASES)
def test_an_empty_pod_level_stanza_per_release(release: str, stanza: str) -> None:
    """A pod of Guaranteed containers with an empty ``spec.resources``: BestEffort up to 1.36
    (``PodLevelResources`` on; alpha, so set, in 1.33), Guaranteed from 1.37; without the gate
    the containers decide in every release."""
    pod = pod_from_dict(_manifest(EMPTY_STANZAS[stanza]))
    empty = stanza != "absent"
    on = qos_gates(_gates(release, PodLevelResources=True))
    want = "BestEffort" if empty and release != "1.37" else "Guaranteed"
    assert compute_pod_qos(pod, on) == want
    assert compute_pod_qos(pod, qos_gates(_gates(release, PodLevelResources=False))) == "Guaranteed"
    if release == "1.37":  # the fix gate turned off: as 1.36
        off = qos_gates(_gates(release, PodLevelResources=True, PodLevelResourcesFixKubeletQOSClass=False))
        assert compute_pod_qos(pod, off) == ("BestEffort" if empty else "Guaranteed")


@pytest.mark.parametrize("release", SUPPORTED_RELEASES)
def test_other_pod_level_stanzas_per_release(release: str) -> None:
    """A stanza that names cpu or memory decides in every release. Requests only (containers with
    limits): Burstable up to 1.36; the 1.37 API server defaults the pod limits from the containers'
    (PR #140514), so Guaranteed. cpu only, requests = limits: Burstable (no memory limit). The
    cluster runs the kubelet's release, PodLevelResources on (set for 1.33's alpha gate)."""
    profile = release_profile(release)
    gates = _gates(release, PodLevelResources=True)
    api = {"PodLevelResources": True, "PodLevelResourcesFixUpdateDefaulting": release == "1.37"}
    requests_only = pod_from_dict(
        _manifest({"requests": {"cpu": "2", "memory": "1Gi"}}), feature_gates=api, release=profile
    )
    assert compute_pod_qos(requests_only, qos_gates(gates)) == (
        "Guaranteed" if release == "1.37" else "Burstable"
    )
    cpu_only = pod_from_dict(_manifest({"requests": {"cpu": "2"}, "limits": {"cpu": "2"}}), feature_gates=api)
    assert compute_pod_qos(cpu_only, qos_gates(gates)) == "Burstable"
    # an ephemeral-storage-only stanza is refused by the API server of every release; a kubelet
    # given one computes BestEffort up to 1.36 and lets the containers decide from 1.37
    res = ResourceRequirements({"cpu": 2000, "memory": GI}, {"cpu": 2000, "memory": GI})
    storage = ResourceRequirements({"ephemeral-storage": GI}, {})
    pod = Pod("ns", "p", "u", containers=(Container("c", "app", res),), resources=storage)
    assert compute_pod_qos(pod, qos_gates(gates)) == ("Guaranteed" if release == "1.37" else "BestEffort")


@pytest.mark.parametrize("release", SUPPORTED_RELEASES)
def test_status_qos_class_still_wins(release: str) -> None:
    """The kubelet reads ``status.qosClass`` first (GetPodQOS): the API server's class."""
    doc = _manifest({})
    doc["status"] = {"qosClass": "Guaranteed"}
    pod = pod_from_dict(doc)
    assert get_pod_qos(pod, qos_gates(_gates(release, PodLevelResources=True))) == "Guaranteed"


@pytest.mark.parametrize("release", ["1.34", "1.35", "1.36", "1.37"])
def test_the_cpu_manager_pins_by_the_release_class(release: str) -> None:
    """The static CPU Manager gives exclusive CPUs to a Guaranteed pod only: a pod with
    ``resources: {}`` gets none up to 1.36 (as the real v1.34.2-v1.36.2 managers do), two from
    1.37."""
    doc = {
        "node": {"machine": {"sockets": 1, "coresPerNUMANode": 4, "threadsPerCore": 2}},
        "kubeletConfig": {**KC, "cpuManagerPolicy": "static", "reservedSystemCPUs": "0"},
        "pods": [_manifest({})],
    }
    (step,) = simulate(scenario_from_dict(doc, release)).steps
    assert step.admitted
    fixed = release == "1.37"
    assert step.qos_class == ("Guaranteed" if fixed else "BestEffort")
    exclusive = {c.name: c.cpus for c in step.containers if c.assignment == "node_exclusive"}
    assert bool(exclusive) is fixed, exclusive


# ----- the 1.33-1.36 summing form and the 1.37 per-requirements form agree on valid pods -----------


def _positive(res: dict[str, int]) -> dict[str, int]:
    return {n: v for n, v in res.items() if n in ("cpu", "memory") and v > 0}


def summing_form(pod: Pod, pod_level_resources: bool) -> str:
    """ComputePodQOS as v1.33.5-v1.36.2 compute it (an independent reading for this test): sums of
    the positive cpu/memory requests and limits (of the pod-level stanza, when there is one and the
    gate is on, else of every container); Guaranteed needs cpu and memory limits everywhere and
    sums that match."""
    requests: dict[str, int] = {}
    limits: dict[str, int] = {}
    guaranteed = True
    if pod_level_resources and pod.resources is not None:
        groups = [pod.resources]
        need_limits = bool(pod.resources.limits)  # an empty limits list is not checked
    else:
        groups = [c.resources for c in pod.all_containers()]
        need_limits = True
    for res in groups:
        for n, v in _positive(dict(res.requests)).items():
            requests[n] = requests.get(n, 0) + v
        lims = _positive(dict(res.limits))
        for n, v in lims.items():
            limits[n] = limits.get(n, 0) + v
        if need_limits and not {"cpu", "memory"} <= set(lims):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and any(limits.get(n) != v for n, v in requests.items()):
        guaranteed = False
    return "Guaranteed" if guaranteed and len(requests) == len(limits) else "Burstable"


_VALUES = st.sampled_from([0, 500, 1000, 2000])


@st.composite
def _requirements(draw: st.DrawFn) -> ResourceRequirements:
    """Requests never above limits (API validation), some unset, some zero."""
    requests: dict[str, int] = {}
    limits: dict[str, int] = {}
    for name in ("cpu", "memory", "ephemeral-storage"):
        kind = draw(st.sampled_from(["none", "request", "limit", "both", *["both-equal"] * 6]))
        low, high = sorted((draw(_VALUES), draw(_VALUES)))
        if kind in ("request", "both"):
            requests[name] = low
        if kind in ("limit", "both"):
            limits[name] = high
        if kind == "both-equal":
            requests[name] = limits[name] = high
    return ResourceRequirements(requests, limits)


@st.composite
def _pods(draw: st.DrawFn) -> Pod:
    apps = draw(st.lists(_requirements(), min_size=1, max_size=2))
    inits = draw(st.lists(_requirements(), max_size=1))
    stanza = draw(st.one_of(st.none(), _requirements()))
    return Pod(
        "ns",
        "p",
        "u",
        init_containers=tuple(Container(f"i{i}", "init", r) for i, r in enumerate(inits)),
        containers=tuple(Container(f"c{i}", "app", r) for i, r in enumerate(apps)),
        resources=stanza,
    )


@settings(max_examples=400, deadline=None)
@given(_pods(), st.booleans())
def test_the_summing_form_equals_the_requirements_form(pod: Pod, plr: bool) -> None:
    assert compute_pod_qos(pod, QOSGates(plr, False)) == summing_form(pod, plr)
