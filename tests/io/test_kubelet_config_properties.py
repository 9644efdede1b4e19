"""Whatever shape a kubelet configuration file has, reading it is a configuration or one
InputError naming the field: never another exception (exit 1 is for bugs)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.api.kubelet_config_fields import FIELDS
from podfit.errors import InputError
from podfit.io.kubelet_config_file import kubelet_config_document
from podfit.model.diagnostics import Diagnostic

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.sampled_from(
        [
            "static", "Static", "pod", "single-numa-node", "0-1", "1Gi", "10%", "5s", "v1",
            "kind: KubeletConfiguration\ncpuManagerPolicy: static\n", "kind: JoinConfiguration", "a: [",
            "Cluster", "ConfigMap", "KubeletConfig", "NodeConfig", "worker",
            "kind.x-k8s.io/v1alpha4", "machineconfiguration.openshift.io/v1", "node.eks.aws/v1alpha1",
            "MachineConfig", "Template", "template.openshift.io/v1", "/etc/kubernetes/kubelet.conf",
            "data:,kind%3A%20KubeletConfiguration", "data:;base64,!!", "${X}", "${{X}}", "{{ .X }}",
        ]
    ),
)  # fmt: skip
_KEYS = st.sampled_from(
    [
        *sorted(FIELDS)[:40], "featureGates", "reservedMemory", "kind", "apiVersion", "spec", "kubeletConfig",
        "kubeletconfig", "nodes", "role", "kubeadmConfigPatches", "data", "kubelet", "nodeRegistration",
        "kubeletExtraArgs", "config", "flags", "numaNode", "limits", "memory", "topologyManager",
        "storage", "files", "contents", "source", "inline", "path", "objects", "parameters", "name", "value",
    ]
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_VALUES, max_size=3), st.booleans())
def test_any_file_is_a_configuration_or_an_input_error(docs: list[Any], strict: bool) -> None:
    warnings: list[Diagnostic] = []
    try:
        doc = kubelet_config_document(docs, "f.yaml", [], None if strict else warnings)
        kubelet_config_from_dict(doc, strict=strict, warnings=warnings)
    except InputError:
        pass
