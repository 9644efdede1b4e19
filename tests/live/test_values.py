"""PodResources values: proto3 JSON and protobuf messages round-trip exactly; bad JSON is one
InputError naming the field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podfit.errors import InputError
from podfit.live.values import (
    AllocatableResources,
    ContainerResources,
    DeviceEntry,
    MemoryEntry,
    PodResources,
    allocatable_from_json,
    allocatable_to_json,
    pods_from_json,
    pods_to_json,
)

_name = st.text("abcdefghij-", min_size=1, max_size=8)
_ids = st.lists(st.integers(0, 1023), max_size=6).map(tuple)
_numa = st.lists(st.integers(0, 7), max_size=3).map(tuple)
_memory = st.builds(
    MemoryEntry,
    st.sampled_from(["memory", "hugepages-2Mi", "hugepages-1Gi"]),
    st.integers(0, 2**64 - 1),
    _numa,
)
_device = st.builds(DeviceEntry, _name, st.lists(_name, max_size=3).map(tuple), _numa)
_container = st.builds(
    ContainerResources,
    _name,
    _ids,
    st.lists(_memory, max_size=2).map(tuple),
    st.lists(_device, max_size=2).map(tuple),
)
_pod = st.builds(
    PodResources,
    _name,
    _name,
    st.lists(_container, max_size=3).map(tuple),
    _ids,
    st.lists(_memory, max_size=2).map(tuple),
)
_alloc = st.builds(
    AllocatableResources,
    _ids,
    st.lists(_memory, max_size=3).map(tuple),
    st.lists(_device, max_size=3).map(tuple),
)


@given(st.lists(_pod, max_size=4).map(tuple))
def test_list_json_round_trips(pods: tuple[PodResources, ...]) -> None:
    assert pods_from_json(json.loads(json.dumps(pods_to_json(pods)))) == pods


@given(_alloc)
def test_allocatable_json_round_trips(a: AllocatableResources) -> None:
    assert allocatable_from_json(json.loads(json.dumps(allocatable_to_json(a)))) == a


def test_protobuf_json_format_reads_our_json_and_we_read_its() -> None:
    pytest.importorskip("google.protobuf", reason="the 'live' extra is not installed")
    from google.protobuf import json_format

    from podfit.live.messages import pod_from_message, pod_message
    from podfit.live.podresources import load

    pb, _ = load()
    pod = PodResources(
        "p",
        "ns",
        (
            ContainerResources(
                "c", (1, 2), (MemoryEntry("memory", 1 << 40, (0,)),), (DeviceEntry("d", ("x",), (1,)),)
            ),
        ),
        (1, 2, 3),
    )
    ours = pods_to_json((pod,))
    msg = json_format.ParseDict(ours, pb.ListPodResourcesResponse())
    assert pod_from_message(msg.pod_resources[0]) == pod
    theirs = json_format.MessageToDict(pb.ListPodResourcesResponse(pod_resources=[pod_message(pb, pod)]))
    assert pods_from_json(theirs) == (pod,)


@given(_pod)
def test_message_round_trips(pod: PodResources) -> None:
    pytest.importorskip("google.protobuf", reason="the 'live' extra is not installed")
    from podfit.live.messages import pod_from_message, pod_message
    from podfit.live.podresources import load

    pb, _ = load()
    wire = pod_message(pb, pod).SerializeToString()
    assert pod_from_message(pb.PodResources.FromString(wire)) == pod


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([], ""),
        ({"podResources": {}}, "podResources"),
        ({"podResources": [{"name": 3}]}, "podResources[0].name"),
        ({"podResources": [{"containers": [{"cpuIds": ["x"]}]}]}, "podResources[0].containers[0].cpuIds[0]"),
        ({"podResources": [{"cpuIds": [True]}]}, "podResources[0].cpuIds[0]"),
        ({"podResources": [{"memory": [{"size": "-1"}]}]}, "podResources[0].memory[0].size"),
        (
            {"podResources": [{"memory": [{"topology": {"nodes": [{"ID": "a"}]}}]}]},
            "podResources[0].memory[0].topology.nodes[0].ID",
        ),
    ],
)
def test_bad_json_names_the_field(doc: object, field: str) -> None:
    with pytest.raises(InputError) as info:
        pods_from_json(doc)
    assert info.value.field == field
