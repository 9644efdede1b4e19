"""``benchmarks.cases.reference_mode`` really runs the literal references (each provider's
``exact_reference`` switch, nothing patched) and leaves the node as it found it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest
from benchmarks.cases import GB200_CONFIG, _pod, _scenario, reference_mode
from tests.compiled import COMPILED

from podfit.cpu import policy_static as cpu_policy_static
from podfit.devices.manager import DeviceManager
from podfit.kubelet.node import Node
from podfit.memory import hints as memory_hints
from podfit.topology import policy as topology_policy

GPU_POD = [{"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": "1"}]


def _node() -> Node:
    # 10 NUMA nodes with devices on two: every provider has hints to give
    machine, config = _scenario({"preset": "gb200-tray"}, GB200_CONFIG)
    small = dataclasses.replace(machine, numa_nodes=machine.numa_nodes[:10], name="gb200-10")
    return Node(small, config)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each reference (and each fast path) ran."""
    if COMPILED:
        pytest.skip("spies on module functions, which the compiled core binds at build time")
    seen: Counter[str] = Counter()

    def spy(module: Any, name: str) -> None:
        inner = getattr(module, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            seen[name] += 1
            return inner(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapped)

    spy(cpu_policy_static, "generate_cpu_topology_hints")
    spy(cpu_policy_static, "generate_cpu_topology_hints_reference")
    spy(memory_hints, "calculate_hints")
    spy(memory_hints, "calculate_hints_reference")
    spy(DeviceManager, "generate_hints")
    spy(DeviceManager, "generate_hints_reference")
    spy(topology_policy, "merge_fast")
    spy(topology_policy, "best_preferred_merge")
    spy(topology_policy, "new_hint_merger")
    return seen


def _admit_release(node: Node) -> Any:
    pod = _pod("gpu", GPU_POD)
    result = node.admit(pod)
    node.remove(uid=pod.uid)
    return result


def test_reference_mode_runs_every_reference_and_only_them(calls: Counter[str]) -> None:
    node = _node()
    with reference_mode(node):
        reference = _admit_release(node)
    assert reference.admitted
    assert calls["generate_cpu_topology_hints_reference"] >= 1
    assert calls["calculate_hints_reference"] >= 1
    assert calls["generate_hints_reference"] >= 1
    assert calls["new_hint_merger"] >= 1
    fast_paths = ("generate_cpu_topology_hints", "calculate_hints", "generate_hints")
    assert all(calls[name] == 0 for name in fast_paths), calls
    assert calls["merge_fast"] == calls["best_preferred_merge"] == 0
    calls.clear()
    fast = _admit_release(node)  # switched back: the fast paths again, the same answer
    assert fast == reference
    assert all(calls[name] >= 1 for name in fast_paths), calls
    assert calls["merge_fast"] + calls["best_preferred_merge"] >= 1
    assert calls["new_hint_merger"] == 0
    assert calls["generate_cpu_topology_hints_reference"] == calls["calculate_hints_reference"] == 0


def test_reference_mode_restores_the_node() -> None:
    node = _node()
    m = node.managers
    before = (m.topology_policy, m.cpu.policy, m.memory.policy, m.devices)
    with reference_mode(node):
        assert m.topology_policy.exact_reference
        assert m.cpu.policy.exact_reference  # type: ignore[union-attr]
        assert m.memory.policy.exact_reference  # type: ignore[union-attr]
        assert m.devices.exact_reference
    assert (m.topology_policy, m.cpu.policy, m.memory.policy, m.devices) == before
    assert m.topology_policy is before[0] and m.cpu.policy is before[1]
    assert not m.topology_policy.exact_reference
    assert not m.cpu.policy.exact_reference  # type: ignore[union-attr]
    assert not m.memory.policy.exact_reference  # type: ignore[union-attr]
    assert not m.devices.exact_reference
