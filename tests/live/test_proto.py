"""podfit's PodResources .proto: wire-compatible with the kubelet's v1 API, and the committed
generated modules equal a fresh generation."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ("api_pb2.py", "api_pb2.pyi", "api_pb2_grpc.py")
PKG = ROOT / "src" / "podfit" / "live" / "podresources"

pb2 = pytest.importorskip("podfit.live.podresources.api_pb2", reason="the 'live' extra is not installed")

# The kubelet's wire format, as data: (message, field, number, type, repeated). Source: the
# api.proto of k8s.io/kubelet v1.36 (staging/src/k8s.io/kubelet/pkg/apis/podresources/v1) and, for
# PodResources.cpu_ids / memory, kubernetes/kubernetes PR #138738 (v1.37; the PR author's branch,
# KevinTMtz/kubernetes ca25cabf, and the PR's release note name the fields).
I64, U64, STR, MSG = 3, 4, 9, 11  # FieldDescriptor.TYPE_*
WIRE = [
    ("ListPodResourcesResponse", "pod_resources", 1, MSG, True),
    ("AllocatableResourcesResponse", "devices", 1, MSG, True),
    ("AllocatableResourcesResponse", "cpu_ids", 2, I64, True),
    ("AllocatableResourcesResponse", "memory", 3, MSG, True),
    ("GetPodResourcesRequest", "pod_name", 1, STR, False),
    ("GetPodResourcesRequest", "pod_namespace", 2, STR, False),
    ("GetPodResourcesResponse", "pod_resources", 1, MSG, False),
    ("PodResources", "name", 1, STR, False),
    ("PodResources", "namespace", 2, STR, False),
    ("PodResources", "containers", 3, MSG, True),
    ("PodResources", "cpu_ids", 4, I64, True),
    ("PodResources", "memory", 5, MSG, True),
    ("ContainerResources", "name", 1, STR, False),
    ("ContainerResources", "devices", 2, MSG, True),
    ("ContainerResources", "cpu_ids", 3, I64, True),
    ("ContainerResources", "memory", 4, MSG, True),
    ("ContainerResources", "dynamic_resources", 5, MSG, True),
    ("ContainerMemory", "memory_type", 1, STR, False),
    ("ContainerMemory", "size", 2, U64, False),
    ("ContainerMemory", "topology", 3, MSG, False),
    ("ContainerDevices", "resource_name", 1, STR, False),
    ("ContainerDevices", "device_ids", 2, STR, True),
    ("ContainerDevices", "topology", 3, MSG, False),
    ("TopologyInfo", "nodes", 1, MSG, True),
    ("NUMANode", "ID", 1, I64, False),
    ("DynamicResource", "claim_name", 2, STR, False),
    ("DynamicResource", "claim_namespace", 3, STR, False),
    ("DynamicResource", "claim_resources", 4, MSG, True),
    ("ClaimResource", "cdi_devices", 1, MSG, True),
    ("ClaimResource", "driver_name", 2, STR, False),
    ("ClaimResource", "pool_name", 3, STR, False),
    ("ClaimResource", "device_name", 4, STR, False),
    ("ClaimResource", "share_id", 5, STR, False),
    ("CDIDevice", "name", 1, STR, False),
]


@pytest.mark.parametrize(("message", "name", "number", "kind", "repeated"), WIRE)
def test_field_matches_the_kubelet_wire_format(
    message: str, name: str, number: int, kind: int, repeated: bool
) -> None:
    field = pb2.DESCRIPTOR.message_types_by_name[message].fields_by_name[name]
    assert (field.number, field.type, field.is_repeated) == (number, kind, repeated)


def test_no_field_beyond_the_kubelet_ones() -> None:
    known = {(m, n) for m, n, *_ in WIRE}
    ours = {(m.name, f.name) for m in pb2.DESCRIPTOR.message_types_by_name.values() for f in m.fields}
    assert ours == known


def test_service_and_method_paths() -> None:
    service = pb2.DESCRIPTOR.services_by_name["PodResourcesLister"]
    assert pb2.DESCRIPTOR.package == "v1"
    assert {m.name: (m.input_type.name, m.output_type.name) for m in service.methods} == {
        "List": ("ListPodResourcesRequest", "ListPodResourcesResponse"),
        "GetAllocatableResources": ("AllocatableResourcesRequest", "AllocatableResourcesResponse"),
        "Get": ("GetPodResourcesRequest", "GetPodResourcesResponse"),
    }
    assert service.full_name == "v1.PodResourcesLister"


def test_known_bytes_decode() -> None:
    """Bytes laid out by hand from the field numbers decode to the expected message."""
    # PodResources{name: "p", namespace: "ns", containers: [{name: "c", cpu_ids: [2, 3]}], cpu_ids: [1]}
    container = b"\x0a\x01c" + b"\x1a\x02\x02\x03"
    data = b"\x0a\x01p" + b"\x12\x02ns" + b"\x1a" + bytes([len(container)]) + container + b"\x22\x01\x01"
    msg = pb2.PodResources.FromString(data)
    assert (msg.name, msg.namespace, list(msg.cpu_ids)) == ("p", "ns", [1])
    assert [(c.name, list(c.cpu_ids)) for c in msg.containers] == [("c", [2, 3])]


def test_committed_code_equals_a_fresh_generation(tmp_path: Path) -> None:
    if importlib.util.find_spec("grpc_tools") is None:
        pytest.skip("grpcio-tools is not installed (pip install -e '.[dev]')")
    script = ROOT / "tools" / "gen_podresources.sh"
    proc = subprocess.run(
        ["bash", str(script), sys.executable, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    fresh = tmp_path / "podfit" / "live" / "podresources"
    for name in GENERATED:
        assert (fresh / name).read_text() == (PKG / name).read_text(), (
            f"{name}: run tools/gen_podresources.sh"
        )
