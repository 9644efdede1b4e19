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


# ----- admission policy: a node shape's kubeletConfig is read by the shape's release -------------


def test_admission_policy_shape_config_is_read_by_its_release() -> None:
    """memoryReservationPolicy is a 1.36 field: a 1.35 shape's strict decoding refuses it (it was
    read as a 1.36 configuration, then silently dropped)."""
    from podfit.admission_policy.decode import policy_from_dict
    from podfit.errors import InputError
    from podfit.io.policy import resolved_policy_document

    doc = copy.deepcopy(resolved_policy_document(EXAMPLES / "webhook" / "policy.yaml"))
    shape = doc["spec"]["nodeShapes"][1]
    assert shape["kubeletVersion"].startswith("1.35")
    shape.setdefault("kubeletConfig", dict(KC))["memoryReservationPolicy"] = "None"
    with pytest.raises(InputError) as err:
        policy_from_dict(doc)
    assert "memoryReservationPolicy: unknown field to the 1.35 kubelet (a field of 1.36 and later)" in str(
        err.value
    )
    shape["kubeletVersion"] = "1.36"
    assert policy_from_dict(doc).node_shapes[1].config.release.version == "1.36"


# ----- inspect: --kubelet-version is the release that reads the captured files ------------------


def test_inspect_reads_the_bundle_as_the_given_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 1.37 node's files (pod-level resource managers on): a 1.36 kubelet refuses to restart on
    them (it charges the pod-level pods twice, #140906), 1.37 restarts. ``--kubelet-version`` was
    read by ``--restart`` / ``--add`` only; plain ``inspect`` always read the files as 1.36."""
    import json

    from tests.live.test_inspect import node_dir

    from podfit.cli.main import main

    doc = yaml.safe_load((EXAMPLES / "kep5526-tightly-coupled-database.yaml").read_text())
    doc["node"]["kubeletVersion"] = "1.37"
    source = tmp_path / "s.yaml"
    source.write_text(yaml.safe_dump(doc))
    node, _ = node_dir(tmp_path / "node", source)
    restart: dict[str, Any] = {}
    for release in ("1.36", "1.37"):
        capsys.readouterr()
        assert main(["inspect", str(node), "--kubelet-version", release, "-o", "json"]) == 0
        restart[release] = json.loads(capsys.readouterr().out)["restart"]
    assert restart["1.37"] == {"ok": True, "reason": None, "message": None}
    assert (restart["1.36"]["ok"], restart["1.36"]["reason"]) == (False, "MemoryManagerError")


# ----- upgrade: each variant runs its own release's configuration --------------------------------


@pytest.mark.parametrize("policy", ["single-numa-node", "best-effort"])
def test_upgrade_variants_run_their_release(policy: str) -> None:
    """A pod-level pod with a container without exclusive memory (PR #138770): the 1.36 kubelet
    rejects it, 1.37 admits it. Every variant ran with the scenario's (1.36) configuration."""
    from tests.release.test_switches import _b5_scenario

    from podfit.compare.upgrade import upgrade

    compared = upgrade(scenario_from_dict(_b5_scenario("1.36", policy)), ["1.36", "1.37"], gates="on")
    assert [r.variant.version for r in compared.runs] == ["1.36", "1.37"]
    assert [r.result.node.release for r in compared.runs if r.result.node is not None] == ["1.36", "1.37"]
    (pod,) = compared.pods
    assert [o.admitted if o is not None else None for o in pod.outcomes] == [False, True]


# ----- pod_from_dict: the API server's gate defaults are its release's -----------------------------


@pytest.mark.parametrize("release", ["1.33", "1.34", "1.35", "1.36", "1.37"])
def test_pod_decoding_defaults_follow_the_release(release: str) -> None:
    """Without explicit gates, a pod is decoded by the API server of ``release``: 1.33 drops
    ``spec.resources`` (PodLevelResources alpha, off), only 1.37 defaults pod-level limits from the
    containers' (PR #140514). The defaults were 1.37's for every release (limits defaulted)."""
    from podfit.api.pods import pod_from_dict
    from podfit.release import release_profile

    limits = {"cpu": "2", "memory": "4Gi"}
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "resources": {"requests": {"cpu": "4", "memory": "8Gi"}},
            "containers": [{"name": f"c{i}", "resources": {"limits": limits}} for i in range(2)],
        },
    }
    pod = pod_from_dict(manifest, release=release_profile(release))
    if release == "1.33":
        assert pod.resources is None
        return
    assert pod.resources is not None
    want = {"cpu": 4000, "memory": 8 << 30} if release == "1.37" else {}
    assert dict(pod.resources.limits) == want
