"""The CPU Manager ``none`` policy: no exclusive CPUs, every container in the shared pool.

Mirrors: pkg/kubelet/cm/cpumanager/policy_none.go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from podfit.cpu.state import CPUState
from podfit.model.admission import REFUSAL_CPU_MANAGER, ConfigRefusal, Rejection
from podfit.model.pod import Container, Pod
from podfit.topology.hint import TopologyHint

__all__ = ["POLICY_NONE", "NonePolicy", "new_none_policy"]

POLICY_NONE: Final = "none"


def new_none_policy(cpu_policy_options: Mapping[str, str] | None = None) -> NonePolicy | ConfigRefusal:
    """The policy, or the kubelet's refusal when options are given.

    Mirrors: cpumanager/policy_none.go NewNonePolicy
    """
    if cpu_policy_options:
        shown = " ".join(f"{k}:{v}" for k, v in sorted(cpu_policy_options.items()))
        return ConfigRefusal(REFUSAL_CPU_MANAGER, f"None policy: received unsupported options=map[{shown}]")
    return NonePolicy()


@dataclass(frozen=True, slots=True)
class NonePolicy:
    """Mirrors: cpumanager/policy_none.go nonePolicy"""

    def name(self) -> str:
        """Mirrors: cpumanager/policy_none.go nonePolicy.Name"""
        return POLICY_NONE

    def start(self, s: CPUState) -> ConfigRefusal | None:
        """Mirrors: cpumanager/policy_none.go nonePolicy.Start"""
        return None

    def allocate(
        self, s: CPUState, pod: Pod, container: Container, affinity: TopologyHint | None = None
    ) -> Rejection | None:
        """Mirrors: cpumanager/policy_none.go nonePolicy.Allocate"""
        return None

    def allocate_pod(self, s: CPUState, pod: Pod, affinity: TopologyHint | None = None) -> Rejection | None:
        """Mirrors: cpumanager/policy_none.go nonePolicy.AllocatePod"""
        return None

    def remove_container(self, s: CPUState, pod_uid: str, container_name: str) -> None:
        """Mirrors: cpumanager/policy_none.go nonePolicy.RemoveContainer"""
        return None

    def get_topology_hints(
        self, s: CPUState, pod: Pod, container: Container
    ) -> dict[str, list[TopologyHint]] | None:
        """Mirrors: cpumanager/policy_none.go nonePolicy.GetTopologyHints"""
        return None

    def get_pod_topology_hints(self, s: CPUState, pod: Pod) -> dict[str, list[TopologyHint]] | None:
        """Mirrors: cpumanager/policy_none.go nonePolicy.GetPodTopologyHints"""
        return None

    def get_allocatable_cpus(self, s: CPUState) -> int:
        """No CPU is exclusively allocatable.

        Mirrors: cpumanager/policy_none.go nonePolicy.GetAllocatableCPUs
        """
        return 0
