"""A kubelet restart from its checkpoint files restores the same state (issue: checkpoints).

The node's CPU and memory states after random pod sequences are written as the kubelet's
``cpu_manager_state`` / ``memory_manager_state`` and read back; the restored state equals the
original and passes the policies' start-up validation (as a restarted kubelet's would).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfit.io.checkpoints import (
    read_cpu_checkpoint,
    read_memory_checkpoint,
    write_cpu_checkpoint,
    write_memory_checkpoint,
)
from podfit.io.scenario import load_default_scenario
from podfit.kubelet.node import Node


def _run_default(upto: int) -> Node:
    scenario = load_default_scenario()
    node = Node(scenario.machine, scenario.kubelet_config)
    for event in scenario.events[:upto]:
        node.apply(event)
    return node


@settings(max_examples=7, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(upto=st.integers(0, 6), gate=st.booleans())
def test_restart_restores_the_state(tmp_path: Path, upto: int, gate: bool) -> None:
    node = _run_default(upto)
    cpu, memory = node.managers.cpu, node.managers.memory
    has_pod_entries = bool(cpu.state.get_pod_cpu_assignments())
    pod_level_gate = gate or has_pod_entries  # a gate-off kubelet never holds pod entries
    write_cpu_checkpoint(tmp_path, cpu.state, cpu.policy.name(), pod_level_gate=pod_level_gate)
    write_memory_checkpoint(tmp_path, memory.state, memory.policy.name(), pod_level_gate=pod_level_gate)
    cpu_back = read_cpu_checkpoint(tmp_path, policy_name=cpu.policy.name(), pod_level_gate=pod_level_gate)
    mem_back = read_memory_checkpoint(
        tmp_path, policy_name=memory.policy.name(), pod_level_gate=pod_level_gate
    )
    assert cpu_back is not None and mem_back is not None
    # the checkpoint holds the kubelet's state; the policies' in-memory reuse maps are not in it
    assert replace(cpu_back.snapshot(), cpus_to_reuse={}) == replace(cpu.state.snapshot(), cpus_to_reuse={})
    assert replace(mem_back.snapshot(), reusable=()) == replace(memory.state.snapshot(), reusable=())
    assert cpu.policy.start(cpu_back) is None
    assert memory.policy.start(mem_back) is None
