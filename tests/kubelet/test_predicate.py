"""The kubelet's resource-fit predicate (lifecycle predicateAdmitHandler + noderesources fitsRequest)."""

from __future__ import annotations

import pytest

from podfit.kubelet.allocatable import Insufficient, hugepage_resource_name, predicate_admit

ALLOC = {"cpu": 4000, "memory": 8 << 30, "pods": 3, "hugepages-2Mi": 1 << 30, "example.com/nic": 2}


@pytest.mark.parametrize(
    ("request_", "others", "expected"),
    [
        ({"cpu": 1000}, [], None),
        ({"cpu": 2000}, [{"cpu": 3000}], Insufficient("cpu", 2000, 3000, 4000)),
        ({"memory": 9 << 30}, [], Insufficient("memory", 9 << 30, 0, 8 << 30)),
        # pods are checked first, even when nothing else fits either
        ({"cpu": 9000}, [{}, {}, {}], Insufficient("pods", 1, 3, 3)),
        # a pod without requests only needs a pod slot
        ({}, [{"cpu": 4000}], None),
        # cpu before memory
        ({"cpu": 5000, "memory": 9 << 30}, [], Insufficient("cpu", 5000, 0, 4000)),
        ({"hugepages-2Mi": 2 << 30}, [], Insufficient("hugepages-2Mi", 2 << 30, 0, 1 << 30)),
        ({"hugepages-1Gi": 1 << 30}, [], Insufficient("hugepages-1Gi", 1 << 30, 0, 0)),
        # extended resources the node does not advertise are dropped (removeMissingExtendedResources)
        ({"vendor.io/fpga": 1}, [], None),
        ({"example.com/nic": 3}, [], Insufficient("example.com/nic", 3, 0, 2)),
        # exactly full is fine
        ({"cpu": 1000}, [{"cpu": 3000}], None),
    ],
)
def test_predicate(
    request_: dict[str, int], others: list[dict[str, int]], expected: Insufficient | None
) -> None:
    assert predicate_admit(request_, others, ALLOC) == expected


def test_message_and_reason_are_the_kubelets() -> None:
    miss = Insufficient("cpu", 2000, 3000, 4000)
    assert miss.reason == "OutOfcpu"
    assert (
        miss.message == "Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000"
    )
    assert Insufficient("hugepages-2Mi", 1, 0, 0).reason == "OutOfhugepages-2Mi"


@pytest.mark.parametrize(
    ("size", "name"), [(2 << 20, "hugepages-2Mi"), (1 << 30, "hugepages-1Gi"), (64 << 10, "hugepages-64Ki")]
)
def test_hugepage_resource_name(size: int, name: str) -> None:
    assert hugepage_resource_name(size) == name
