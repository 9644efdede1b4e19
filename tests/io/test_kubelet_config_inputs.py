"""The kubelet's configuration in every form users have it (tests/data/kubelet-config/), read as
the kubelet reads it: lenient decoding with a warning per ignored thing, ``--strict`` refusing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.cli.main import main
from podfit.errors import InputError
from podfit.model.diagnostics import Diagnostic

DATA = Path(__file__).resolve().parents[1] / "data" / "kubelet-config"
POD = """apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  containers:
  - name: db
    image: db
    resources:
      limits: {cpu: "2", memory: 1Gi}
"""


def _simulate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, config: Path, *extra: str
) -> tuple[int, dict[str, Any] | None, list[str]]:
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    args = ["simulate", "--preset", "xeon-gold-6230-2s", "--kubelet-config", str(config), "-f", str(pod)]
    code = main([*args, "-o", "json", *extra])
    out = capsys.readouterr()
    doc = json.loads(out.out) if code == 0 else None
    return code, doc, out.err.splitlines()


# file -> (reserved CPUs, the db container's CPUs, warning codes, a note that must be printed)
CASES: dict[str, tuple[str, str | None, list[str], str | None]] = {
    "openshift-kubeletconfig.yaml": ("0,40", "1,41", [], None),
    "openshift-kubeletconfig-autosizing.yaml": ("", None, [], "autoSizingReserved: the node computes"),
    "openshift-kubeletconfig-static-only.yaml": (
        "0",
        "1,41",
        [],
        "OpenShift's node sizing drop-in sets systemReserved cpu=500m, memory=1Gi",
    ),
    "kind-cluster.yaml": ("0,40", "1,41", [], "the kubelet of nodes[1] (role worker)"),
    "kind-patch.yaml": ("0", "1,41", ["MissingAPIVersion"], None),
    "configz.json": ("0,40", "1,41", [], None),
    "kubeadm-config.yaml": ("0,40", "1,41", [], "skipped ClusterConfiguration (kubeadm.k8s.io/v1beta4)"),
    "kubelet-config-configmap.yaml": ("0-1", "2,42", [], None),
    "gke-system-config.yaml": ("0", "1,41", [], "a GKE node system configuration"),
    "eks-nodeconfig.yaml": ("0,40", "1,41", [], "kubelet flags of spec.kubelet.flags read"),
    "openshift-machineconfig.yaml": ("0,40", "1,41", ["FeatureGateIgnored"], None),
    "openshift-template.yaml": ("0-1", "2,42", [], None),
    "kubelet-go-template.yaml": ("0,40", "1,41", [], "a Go template, not YAML as it is"),
    "kind-kubelet-flags.yaml": (
        "0,40",
        "1,41",
        [],
        "not read (not about the resource managers): --node-labels",
    ),
    "capi-cluster-template.yaml": (
        "0,40",
        "1,41",
        [],
        "Cluster API KubeadmConfigTemplate/db-md-0: the kubelet of a worker (1 other",
    ),
    "capi-kubeadmcontrolplane-v1beta1.yaml": ("0-1", "2,42", [], "the first control-plane node"),
    "kops-cluster.yaml": ("0,40", "1,41", [], "then InstanceGroup/nodes-db (role Node) spec.kubelet"),
    "talos-worker.yaml": ("0,40", "1,41", [], "a Talos machine configuration (machine.type worker)"),
    "talos-patch.yaml": ("0", "1,41", [], "Talos's systemReserved cpu=50m"),
    "k3s-config.yaml": ("0", "1,41", [], "over k3s's own --eviction-hard"),
    "performance-profile.yaml": ("0-1,40-41", "2,42", [], "an OpenShift PerformanceProfile"),
    "aks-kubeletconfig.json": ("0", "1,41", [], "an AKS custom kubelet configuration"),
    "eks-userdata-mime.txt": ("0,40", "1,41", [], "2 NodeConfigs merged in order, as nodeadm merges them"),
    "kubeadm-flags.env": ("0,40", "1,41", [], "kubelet command-line flags: every other field at its default"),
    "kubelet-dropin.conf": (
        "0",
        "1,41",
        [],
        "--config /var/lib/kubelet/config.yaml: that file is not in this one",
    ),
    "kubespray-k8s-cluster.yml": ("0,40", "1,41", [], "Kubespray inventory variables"),
    "lenient.yaml": (
        "0",
        "1,41",
        ["DuplicateKey", "LenientDecoding", "LenientDecoding"],
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_form_goes_in(name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    reserved, cpus, codes, note = CASES[name]
    code, doc, err = _simulate(capsys, tmp_path, DATA / name)
    assert code == 0, err
    assert doc is not None and doc["error"] is None
    assert doc["node"]["reservedCPUs"] == reserved
    (step,) = doc["steps"]
    assert step["admitted"] and step["containers"][0]["cpus"] == cpus
    assert [w["code"] for w in doc["warnings"]] == codes
    assert len([line for line in err if line.startswith("podfit: warning: ")]) == len(codes)
    if note is not None:
        assert any(note in line for line in err if line.startswith("podfit: note: ")), err


@pytest.mark.parametrize(
    ("doc", "error", "codes"),
    [
        # upstream: an unknown gate is the kubelet's start-up refusal, strict or not
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
          "featureGates": {"CPUManager": True}},
         "unrecognized feature gate: CPUManager", []),
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
          "featureGates": {"InPlacePodVerticalScaling": False}},
         "cannot set feature gate InPlacePodVerticalScaling to false, feature is locked to true", []),
        # set to false, a gate the release does not know is what its absence means: a warning
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
          "featureGates": {"CPUManager": False}},
         None, ["FeatureGateIgnored"]),
        # OpenShift's kubelet logs an unknown gate and goes on; a locked one still refuses
        ({"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "KubeletConfig",
          "spec": {"kubeletConfig": {"featureGates": {"RouteExternalCertificate": True}}}},
         None, ["FeatureGateIgnored"]),
        ({"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "KubeletConfig",
          "spec": {"kubeletConfig": {"featureGates": {"InPlacePodVerticalScaling": False}}}},
         "cannot set feature gate InPlacePodVerticalScaling to false, feature is locked to true", []),
    ],
)  # fmt: skip
def test_feature_gates_the_release_refuses(
    doc: dict[str, Any],
    error: str | None,
    codes: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path = tmp_path / "kubelet.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    for strict in ((), ("--strict",)):
        code, out, err = _simulate(capsys, tmp_path, path, *strict)
        assert code == 0, err
        assert out is not None
        assert (out["error"] or {}).get("message") == error
        if error is not None:
            assert out["error"]["reason"] == "KubeletConfigInvalid"
        assert [w["code"] for w in out["warnings"]] == codes


def test_every_data_file_has_a_case() -> None:
    files = {p.name for p in DATA.iterdir() if p.suffix != ".md"}
    assert files == set(CASES)


def test_the_lenient_warnings_name_what_the_kubelet_ignores(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, doc, err = _simulate(capsys, tmp_path, DATA / "lenient.yaml")
    assert doc is not None
    by_field = {w["field"]: w for w in doc["warnings"]}
    assert 'did you mean "topologyManagerPolicy"?' in by_field["TopologyManagerPolicy"]["message"]
    assert "the kubelet ignores it" in by_field["nodefs.available"]["message"]
    dup = next(w for w in doc["warnings"] if w["code"] == "DuplicateKey")
    assert dup["message"].startswith('line 7: duplicate key "maxPods"')
    assert all(w["source"] == str(DATA / "lenient.yaml") for w in doc["warnings"])
    # the wrongly cased field is ignored, as the kubelet ignores it: the policy stays "none"
    assert doc["steps"][0]["containerHints"] is None and doc["steps"][0]["podHint"] is None
    assert err[0].startswith(f"podfit: warning: {DATA / 'lenient.yaml'}: line 7: duplicate key")


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("lenient.yaml", 'duplicate key "maxPods"'),
        ("kind-patch.yaml", "apiVersion: Object 'apiVersion' is missing"),
    ],
)
def test_strict_refuses(name: str, expect: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _simulate(capsys, tmp_path, DATA / name, "--strict")
    assert code == 2
    assert len(err) == 1 and expect in err[0], err


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "bogus": 1}, "bogus",
         "unknown field"),
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
          "reservedMemory": [{"numaNode": 0, "limit": {}}]}, "reservedMemory[0].limit", "unknown field"),
        ({"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "KubeletConfig",
          "spec": {"kubeletConfig": {"cpuManagerPolcy": "static"}}}, "spec.kubeletConfig.cpuManagerPolcy",
         "unknown field"),
    ],
)  # fmt: skip
def test_lenient_api_warns_where_strict_refuses(doc: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        kubelet_config_from_dict(doc, strict=True)
    assert err.value.field == field and message in err.value.message
    found: list[Diagnostic] = []
    kubelet_config_from_dict(doc, strict=False, warnings=found)
    assert [w.field for w in found if w.code != "MissingAPIVersion"] == [field]


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        ({"kind": "Pod"}, "kind", 'expected "KubeletConfiguration", got "Pod"'),
        ({"apiVersion": "kubelet.config.k8s.io/v1alpha1", "kind": "KubeletConfiguration"}, "apiVersion",
         'no kind "KubeletConfiguration" is registered for version "kubelet.config.k8s.io/v1alpha1"'),
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "maxPods": "32"},
         "maxPods", 'expected an integer, got string "32"'),
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
          "maxPods": 99999999999}, "maxPods", "number 99999999999 does not fit an int32 field"),
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
          "podPidsLimit": 99999999999}, "", ""),
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
          "kubeReserved": {"memory": None}}, "kubeReserved.memory",
         "unexpected value null for a map of strings"),
        ({"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "KubeletConfig",
          "spec": {"kubeletConfig": ["x"]}}, "spec.kubeletConfig", 'expected an object, got array ["x"]'),
    ],
)  # fmt: skip
def test_errors_speak_kubernetes(doc: dict[str, Any], field: str, message: str) -> None:
    """Wrong types stay errors in lenient mode too (the kubelet's lenient decoding fails on them),
    worded with JSON's names for values: no Python ``None``, ``list`` or quotes. (No field: the
    document is valid, e.g. an int64 field holding what an int32 field could not.)"""
    if not field:
        kubelet_config_from_dict(doc, strict=False, warnings=[])
        return
    with pytest.raises(InputError) as err:
        kubelet_config_from_dict(doc, strict=False, warnings=[])
    assert err.value.field == field
    assert message in err.value.message
    for python in ("None", "NoneType", "'", "dict", "list"):
        assert python not in err.value.message.replace("kubelet.config", ""), err.value.message


def test_a_scenario_names_the_kubelet_config_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    doc = {
        "kind": "Scenario",
        "node": {"preset": "xeon-gold-6230-2s"},
        "kubeletConfig": str(DATA / "openshift-kubeletconfig.yaml"),
        "pods": [yaml.safe_load(POD)],
    }
    scenario.write_text(yaml.safe_dump(doc))
    assert main(["simulate", str(scenario), "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["node"]["reservedCPUs"] == "0,40"
    assert doc["steps"][0]["podHint"] == {"numaAffinity": [0], "preferred": True}


def test_kubelet_flags_of_a_kubeadm_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """kubeadm v1beta4 writes kubeletExtraArgs as a list of {name, value}; a worker's kubelet gets
    its JoinConfiguration's flags, which override the KubeletConfiguration document."""
    config = tmp_path / "kubeadm.yaml"
    config.write_text(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\nnodeRegistration:\n"
        "  kubeletExtraArgs:\n  - {name: reserved-cpus, value: '0-1'}\n"
        "  - {name: feature-gates, value: 'PodLevelResourceManagers=true'}\n"
        "  - {name: reserved-memory, value: '0:memory=1Gi;1:memory=1Gi'}\n---\n"
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncpuManagerPolicy: static\n"
        "reservedSystemCPUs: '0,40'\n"
    )
    code, doc, err = _simulate(capsys, tmp_path, config)
    assert code == 0, err
    assert doc is not None and doc["node"]["reservedCPUs"] == "0-1"
    assert any("--reserved-cpus, --feature-gates, --reserved-memory" in line for line in err), err


@pytest.mark.parametrize(
    ("flag", "value", "expect"),
    [
        ("max-pods", "many", 'strconv.Atoi: parsing "many": invalid syntax'),
        ("max-pods", "99999999999", 'strconv.ParseInt: parsing "99999999999": value out of range'),
        ("kube-reserved", "cpu", 'malformed pair "cpu"'),
        ("feature-gates", "A=yes", 'strconv.ParseBool: parsing "yes": invalid syntax'),
        ("reserved-memory", "memory=1Gi", '"memory=1Gi": expected <NUMA node>:<resource>=<quantity>'),
    ],
)
def test_bad_kubelet_flags(
    flag: str, value: str, expect: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "kubeadm.yaml"
    config.write_text(
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nnodeRegistration:\n"
        f"  kubeletExtraArgs: {{{flag}: '{value}'}}\n"
    )
    code, _, err = _simulate(capsys, tmp_path, config)
    assert code == 2 and len(err) == 1, err
    assert f"InitConfiguration.kubeletExtraArgs: --{flag}: {expect}" in err[0], err


def test_a_templated_file_entry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The Machine Config Operator's templates: a file entry whose contents are a Go template."""
    entry = tmp_path / "kubelet.yaml"
    entry.write_text(
        'mode: 0644\npath: "/etc/kubernetes/kubelet.conf"\ncontents:\n  inline: |\n'
        "    kind: KubeletConfiguration\n    apiVersion: kubelet.config.k8s.io/v1beta1\n"
        "    clusterDNS:\n      - {{.ClusterDNSIP}}\n    cpuManagerPolicy: static\n"
        "    reservedSystemCPUs: '0'\n    tlsCipherSuites:\n      {{- range .TLSCipherSuites }}\n"
        "        - {{ . }}\n      {{- end }}\n"
    )
    code, doc, err = _simulate(capsys, tmp_path, entry)
    assert code == 0, err
    assert doc is not None and doc["node"]["reservedCPUs"] == "0"
    assert any("is a Go template" in line for line in err), err


def test_a_dependant_gate_is_switched_off_unless_strict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """v1.36: PodLevelResources off leaves InPlacePodLevelResourcesVerticalScaling on by default,
    which the kubelet refuses; podfit switches it off with a warning, --strict keeps the refusal."""
    path = tmp_path / "kubelet.yaml"
    doc = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cpuManagerPolicy": "static",
        "reservedSystemCPUs": "0",
        "featureGates": {"PodLevelResources": False},
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, out, err = _simulate(capsys, tmp_path, path)
    assert code == 0 and out is not None and out["error"] is None, err
    (w,) = out["warnings"]
    assert w["code"] == "FeatureGateSwitchedOff"
    assert w["field"] == "featureGates.InPlacePodLevelResourcesVerticalScaling"
    code, out, _ = _simulate(capsys, tmp_path, path, "--strict")
    assert code == 0 and out is not None
    assert out["error"] == {
        "reason": "KubeletConfigInvalid",
        "message": "InPlacePodLevelResourcesVerticalScaling is enabled, but depends on features that are "
        "disabled: [PodLevelResources]",
    }
