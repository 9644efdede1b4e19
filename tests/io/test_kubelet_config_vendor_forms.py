"""The provisioning tools' node definitions read as the kubelet configuration they produce: an
OpenShift PerformanceProfile (the Node Tuning Operator's KubeletConfig), Cluster API kubeadm
bootstrap objects, kops, Talos, k3s / RKE2. The PerformanceProfile rows were checked against the
KubeletConfigs the operator's own `render` command wrote for its e2e profiles
(test/e2e/performanceprofile/testdata/render-expected-output: every field podfit sets matched)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from podfit.errors import InputError
from podfit.io.kubelet_config_capi import from_cluster_api
from podfit.io.kubelet_config_distros import from_k3s, from_kops, from_talos
from podfit.io.kubelet_config_performance_profile import from_performance_profile


def _profile(spec: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "p"}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "performance.openshift.io/v2",
        "kind": "PerformanceProfile",
        "metadata": meta,
        "spec": spec,
    }


EVICTION = {
    "memory.available": "100Mi",
    "nodefs.available": "10%",
    "imagefs.available": "15%",
    "nodefs.inodesFree": "5%",
}

# (spec, annotations) -> the KubeletConfiguration fields the operator writes
PROFILE_CASES: list[tuple[str, dict[str, Any], dict[str, str] | None, dict[str, Any]]] = [
    (
        "reserved only: best-effort, no memory manager",
        {"cpu": {"reserved": "2-3", "isolated": "0-1,4-7"}},
        None,
        {
            "cpuManagerPolicy": "static",
            "cpuManagerReconcilePeriod": "5s",
            "topologyManagerPolicy": "best-effort",
            "reservedSystemCPUs": "2-3",
            "evictionHard": EVICTION,
            "kubeReserved": {"memory": "500Mi"},
            "systemReserved": {"memory": "500Mi"},
        },
    ),
    (
        "single-numa-node: Static memory manager, 1100Mi on NUMA 0, full-pcpus-only",
        {"cpu": {"reserved": "0", "isolated": "1-3"}, "numa": {"topologyPolicy": "single-numa-node"}},
        None,
        {
            "topologyManagerPolicy": "single-numa-node",
            "memoryManagerPolicy": "Static",
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1100Mi"}}],
            "cpuManagerPolicyOptions": {"full-pcpus-only": "true"},
        },
    ),
    (
        "restricted: Static memory manager, no full-pcpus-only",
        {"cpu": {"reserved": "0-1"}, "numa": {"topologyPolicy": "restricted"}},
        None,
        {
            "memoryManagerPolicy": "Static",
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1100Mi"}}],
        },
    ),
    (
        "the snippet's reservations go into the reserved memory (1Gi + 500Mi + 100Mi)",
        {"cpu": {"reserved": "0"}, "numa": {"topologyPolicy": "single-numa-node"}},
        {
            "kubeletconfig.experimental": json.dumps(
                {
                    "kubeReserved": {"memory": "1Gi"},
                    "cpuManagerPolicyOptions": {"full-pcpus-only": "false"},
                }
            )
        },
        {
            "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1624Mi"}}],
            "cpuManagerPolicyOptions": {"full-pcpus-only": "false"},
            "kubeReserved": {"memory": "1Gi"},
        },
    ),
    (
        "mixed CPUs: the shared CPUs are reserved too",
        {"cpu": {"reserved": "0-1", "shared": "2-3"}, "workloadHints": {"mixedCpus": True}},
        None,
        {"reservedSystemCPUs": "0-3"},
    ),
    (
        "DRA resource management: every manager off",
        {"cpu": {"reserved": "0-1"}, "numa": {"topologyPolicy": "single-numa-node"}},
        {"performance.openshift.io/dra-resource-management": "true"},
        {
            "cpuManagerPolicy": "none",
            "cpuManagerPolicyOptions": {},
            "topologyManagerPolicy": "none",
            "memoryManagerPolicy": "None",
        },
    ),
]


@pytest.mark.parametrize(
    ("case", "spec", "annotations", "expect"), PROFILE_CASES, ids=[c[0] for c in PROFILE_CASES]
)
def test_performance_profile(
    case: str, spec: dict[str, Any], annotations: dict[str, str] | None, expect: dict[str, Any]
) -> None:
    out = from_performance_profile(_profile(spec, annotations), "pp.yaml", [])
    assert out["kind"] == "KubeletConfig"
    config = out["spec"]["kubeletConfig"]
    assert {k: config.get(k) for k in expect} == expect
    if "dra" in case.lower():
        assert "reservedSystemCPUs" not in config


@pytest.mark.parametrize(
    ("annotations", "field", "message"),
    [
        (
            {"kubeletconfig.experimental": "{nope"},
            "metadata.annotations.kubeletconfig.experimental",
            "not JSON",
        ),
        (
            {"kubeletconfig.experimental": '{"evictionHard": {"memory.available": "5%"}}'},
            "metadata.annotations.kubeletconfig.experimental",
            "cannot add it",
        ),
    ],
)
def test_performance_profile_errors(annotations: dict[str, str], field: str, message: str) -> None:
    spec = {"cpu": {"reserved": "0"}, "numa": {"topologyPolicy": "restricted"}}
    with pytest.raises(InputError) as info:
        from_performance_profile(_profile(spec, annotations), "pp.yaml", [])
    assert info.value.field == field and message in info.value.message


def _kcp_template(files: list[dict[str, Any]], join: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1",
        "kind": "KubeadmConfigTemplate",
        "metadata": {"name": "w"},
        "spec": {"template": {"spec": {"files": files, "joinConfiguration": join}}},
    }


def test_cluster_api_patch_order_types_and_encodings() -> None:
    import base64

    patches = "/etc/kubernetes/patches"
    files = [
        {
            "path": f"{patches}/kubeletconfiguration1+json.json",
            "content": json.dumps([{"op": "replace", "path": "/reservedSystemCPUs", "value": "0-1"}]),
        },
        {
            "path": f"{patches}/kubeletconfiguration0+merge.yaml",
            "encoding": "base64",
            "content": base64.b64encode(b"reservedSystemCPUs: '0'\ncpuManagerPolicy: static\n").decode(),
        },
        {"path": f"{patches}/kube-apiserver0+merge.yaml", "content": "x: 1"},
        {
            "path": f"{patches}/kubeletconfiguration2.yaml",
            "contentFrom": {"secret": {"name": "s", "key": "k"}},
        },
    ]
    notes: list[str] = []
    config = from_cluster_api(
        [_kcp_template(files, {"patches": {"directory": patches}})], "c.yaml", notes, []
    )
    assert config["cpuManagerPolicy"] == "static" and config["reservedSystemCPUs"] == "0-1"
    assert any("comes from a Secret" in n for n in notes)


def test_cluster_api_errors_name_the_field() -> None:
    doc = _kcp_template([], {"nodeRegistration": {"kubeletExtraArgs": [{"value": "x"}]}})
    with pytest.raises(InputError) as info:
        from_cluster_api([doc], "c.yaml", [], [])
    assert info.value.field == "spec.template.spec.joinConfiguration.nodeRegistration.kubeletExtraArgs[0]"


def test_kops_control_plane_group_reads_control_plane_kubelet() -> None:
    cluster = {
        "apiVersion": "kops.k8s.io/v1alpha2",
        "kind": "Cluster",
        "metadata": {"name": "c"},
        "spec": {
            "kubelet": {"maxPods": 50},
            "masterKubelet": {"maxPods": 30, "featureGates": {"PodLevelResources": "true"}},
        },
    }
    group = {
        "apiVersion": "kops.k8s.io/v1alpha2",
        "kind": "InstanceGroup",
        "metadata": {"name": "cp"},
        "spec": {"role": "Master"},
    }
    config = from_kops([cluster, group], "k.yaml", [])
    assert config["maxPods"] == 30 and config["featureGates"] == {"PodLevelResources": True}
    assert config["evictionHard"]["memory.available"] == "100Mi"


def test_talos_control_plane_and_own_system_reserved() -> None:
    cp = {"version": "v1alpha1", "machine": {"type": "controlplane", "kubelet": {}}}
    assert from_talos([cp], "t.yaml", [])["systemReserved"]["memory"] == "512Mi"
    own = {"machine": {"kubelet": {"extraConfig": {"systemReserved": {"cpu": "2"}}}}}
    assert from_talos([own], "t.yaml", [])["systemReserved"] == {"cpu": "2"}


def test_k3s_user_flag_replaces_k3s_default() -> None:
    config = from_k3s({"kubelet-arg": "eviction-hard=memory.available<500Mi"}, "k.yaml", [])
    assert config["evictionHard"] == {"memory.available": "500Mi"}


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--kube-reserved=cpu=1", "kube-reserved=memory=1Gi"], {"kube-reserved": "cpu=1,memory=1Gi"}),
        (["max-pods=10", "--max-pods=20"], {"max-pods": "20"}),
        (
            ["reserved-memory=0:memory=1Gi", "reserved-memory=1:memory=2Gi"],
            {"reserved-memory": "0:memory=1Gi;1:memory=2Gi"},
        ),
        (["feature-gates=A=true", "feature-gates=B=false"], {"feature-gates": "A=true,B=false"}),
        (["node-labels=a=b", "node-labels=c=d"], {"node-labels": "c=d"}),  # not read: last value
    ],
)
def test_a_flag_given_twice(args: list[str], expect: dict[str, str]) -> None:
    from podfit.api.kubelet_flags import flags_from_args

    assert flags_from_args(args) == expect


def test_aks_names_and_a_plain_patch_is_not_aks() -> None:
    from podfit.io.kubelet_config_distros import from_aks, is_aks

    config = from_aks(
        {"podMaxPids": 100, "containerLogMaxSizeMB": 20, "seccompDefault": "RuntimeDefault"}, "a", []
    )
    assert (config["podPidsLimit"], config["containerLogMaxSize"], config["seccompDefault"]) == (
        100,
        "20Mi",
        True,
    )
    assert config["kubeReserved"] == {"cpu": "100m"}
    assert not is_aks({"cpuManagerPolicy": "static"})  # a KubeletConfiguration patch without apiVersion
    assert not is_aks({"podMaxPids": 1, "maxPods": 10})  # a KubeletConfiguration field AKS has not


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (
            {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig", "spec": {"kubelet": {"flags": 3}}},
            "spec.kubelet.flags",
        ),
        (
            {
                "apiVersion": "template.openshift.io/v1",
                "kind": "Template",
                "parameters": -1,
                "objects": [{"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "KubeletConfig"}],
            },
            "parameters",
        ),
    ],
)
def test_wrong_types_are_input_errors(doc: dict[str, Any], field: str) -> None:
    """Found by replacing each value of tests/data/kubelet-config/* by values of other JSON types
    (an internal error before)."""
    from podfit.io.kubelet_config_file import kubelet_config_document

    with pytest.raises(InputError) as info:
        kubelet_config_document([doc], "f.yaml", [], [])
    assert info.value.field == field


@pytest.mark.parametrize(
    ("name", "note"),
    [
        (
            "capi-kubeadmcontrolplane-v1beta1.yaml",
            "KubeadmControlPlane spec.version v1.33.4: give --kubelet-version 1.33",
        ),
        ("kops-cluster.yaml", "spec.kubernetesVersion v1.35.2: give --kubelet-version 1.35"),
        (
            "talos-worker.yaml",
            "machine.kubelet.image ghcr.io/siderolabs/kubelet:v1.36.0: give --kubelet-version 1.36",
        ),
    ],
)
def test_the_release_a_node_definition_names(name: str, note: str) -> None:
    from pathlib import Path

    from podfit.io.kubelet_config_file import load_kubelet_config

    notes: list[str] = []
    load_kubelet_config(Path(__file__).resolve().parents[1] / "data" / "kubelet-config" / name, notes, [])
    assert any(note in n for n in notes), notes


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        # ps -ef: a flag and its value as two words
        (
            "root 1 0 /usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --cpu-manager-policy static "
            "--reserved-cpus=0-1\n",
            {"cpuManagerPolicy": "static", "reservedSystemCPUs": "0-1"},
        ),
        # AKS /etc/default/kubelet: every flag in KUBELET_FLAGS, other variables beside it
        (
            "KUBELET_OPTS=\nKUBELET_FLAGS=--kube-reserved=cpu=180m,memory=2662Mi --max-pods=110 "
            "--eviction-hard=memory.available<750Mi,nodefs.available<10%\nKUBELET_NODE_LABELS=agentpool=np1\n",
            {"kubeReserved": {"cpu": "180m", "memory": "2662Mi"}, "maxPods": 110},
        ),
        # a variable this file does not set is no value
        ("ExecStart=/usr/bin/kubelet --max-pods $MAX_PODS --pods-per-core=10\n", {"podsPerCore": 10}),
    ],
)
def test_command_lines(text: str, expect: dict[str, Any]) -> None:
    from podfit.io.kubelet_config_cmdline import from_command_line, looks_like_flags

    assert looks_like_flags(text)
    config = from_command_line(text, "f", [])
    assert {k: config.get(k) for k in expect} == expect


def test_a_document_with_no_kubelet_field_is_refused() -> None:
    """An Ignition/MCO systemd unit entry is no kubelet configuration (was: read as a patch of
    unknown fields, every field at its default)."""
    from podfit.io.kubelet_config_file import kubelet_config_document

    unit = {"name": "kubelet.service", "enabled": True, "contents": "[Unit]\n"}
    with pytest.raises(InputError, match="no KubeletConfiguration field in this file"):
        kubelet_config_document([unit], "u.yaml", [], [])
