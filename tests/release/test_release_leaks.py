"""Places that must follow the scenario's (the configuration's) kubelet release and once took the
default release (1.36) instead: each test runs another release and fails with the leak."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.explain.resize import explain_resize

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KC = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}


# ----- explain resize: the suggested gate is tried on the scenario's release ----------------------


def _resize_doc(release: str, memory_static: bool, cpu_static: bool, patch: dict[str, Any]) -> dict[str, Any]:
    base = yaml.safe_load((EXAMPLES / "resize-deferred-and-retried.yaml").read_text())
    doc = copy.deepcopy(base)
    doc["node"]["kubeletVersion"] = release
    kc = doc["kubeletConfig"]
    if memory_static:
        kc.update(
            memoryManagerPolicy="Static",
            kubeReserved={"memory": "1Gi"},
            reservedMemory=[{"numaNode": 0, "limits": {"memory": "1124Mi"}}],
        )
    if not cpu_static:
        kc["cpuManagerPolicy"] = "none"
        kc.pop("reservedSystemCPUs")
    doc["events"] = [base["events"][0], {"resize": {"pod": "default/db", "containers": {"db": patch}}}]
    return doc


CPU_AND_MEMORY = {"requests": {"cpu": "3", "memory": "3Gi"}, "limits": {"cpu": "3", "memory": "3Gi"}}
MEMORY = {"requests": {"memory": "3Gi"}, "limits": {"memory": "3Gi"}}


@pytest.mark.parametrize("release", ["1.33", "1.34", "1.35", "1.36", "1.37"])
def test_explain_resize_tries_the_gate_on_the_scenario_release(release: str) -> None:
    """A cpu+memory resize of a Guaranteed pod under the static CPU and Memory policies: turning
    InPlacePodVerticalScalingExclusiveCPUs on lifts both checks in 1.33 (its memory check sits
    behind that gate), only the CPU one from 1.34 (ExclusiveMemory guards the other)."""
    doc = _resize_doc(release, memory_static=True, cpu_static=True, patch=CPU_AND_MEMORY)
    explained = explain_resize(scenario_from_dict(doc), "default/db")
    assert (explained.decision.outcome, explained.decisive) == (
        "Infeasible",
        "Guaranteed pod, CPU Manager static",
    )
    (tried,) = explained.suggestions
    assert tried.change == "featureGates: {InPlacePodVerticalScalingExclusiveCPUs: true}"
    assert tried.outcome == ("InProgress" if release == "1.33" else "Infeasible")


@pytest.mark.parametrize("release", ["1.33", "1.34", "1.36"])
def test_explain_resize_suggests_a_gate_the_release_has(release: str) -> None:
    """A memory resize under the Memory Manager's Static policy: ExclusiveMemory from 1.34; 1.33
    has no such gate (its kubelet refuses to start with it), its check sits behind ExclusiveCPUs."""
    doc = _resize_doc(release, memory_static=True, cpu_static=False, patch=MEMORY)
    explained = explain_resize(scenario_from_dict(doc), "default/db")
    assert explained.decisive == "Guaranteed pod, Memory Manager Static"
    (tried,) = explained.suggestions
    gate = (
        "InPlacePodVerticalScalingExclusiveCPUs"
        if release == "1.33"
        else "InPlacePodVerticalScalingExclusiveMemory"
    )
    assert (tried.change, tried.outcome) == (f"featureGates: {{{gate}: true}}", "InProgress")
