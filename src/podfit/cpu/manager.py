"""Building the CPU Manager's policy, or the kubelet's refusal to start with its configuration.

Mirrors: cpumanager/cpu_manager.go ``NewManager`` (the policy switch and its error wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from podfit.cpu.guaranteed import FeatureGateReader
from podfit.cpu.policy_none import POLICY_NONE, NonePolicy, new_none_policy
from podfit.cpu.policy_options import parse_cpu_manager_options
from podfit.cpu.policy_static import StaticPolicy, new_static_policy
from podfit.cpu.reserved import num_reserved_cpus
from podfit.errors import PolicyOptionError
from podfit.model.admission import REFUSAL_CPU_MANAGER, ConfigRefusal
from podfit.model.machine import Machine

__all__ = ["POLICY_NONE", "POLICY_STATIC", "new_cpu_policy"]

POLICY_STATIC: Final = "static"


def new_cpu_policy(
    machine: Machine,
    policy_name: str,
    options: Mapping[str, str],
    gates: FeatureGateReader,
    reserved_millicores: int | None,
    reserved_system_cpus: int,
    topology_manager_policy: str,
    restore_fixes: bool = False,
) -> StaticPolicy | NonePolicy | ConfigRefusal:
    """The CPU Manager's policy, or the kubelet's refusal.

    ``reserved_millicores``: the node-allocatable CPU reservation (kube + system reserved; ``None``
    when nothing is reserved); ``reserved_system_cpus``: ``reservedSystemCPUs`` (a CPU mask, 0 when
    not set), which wins over the count when given. ``restore_fixes``: the release's restart
    re-admission fixes (:attr:`podfit.cpu.policy_static.StaticPolicy.restore_fixes`).

    Mirrors: cpumanager/cpu_manager.go NewManager
    """
    if policy_name == POLICY_NONE:
        none = new_none_policy(options)
        if isinstance(none, ConfigRefusal):
            return ConfigRefusal(REFUSAL_CPU_MANAGER, f"new none policy error: {none.message}")
        return none
    if policy_name != POLICY_STATIC:
        return ConfigRefusal(REFUSAL_CPU_MANAGER, f'unknown policy: "{policy_name}"')
    count = num_reserved_cpus(reserved_millicores)
    if isinstance(count, ConfigRefusal):
        return count
    try:
        opts = parse_cpu_manager_options(options, gates)
    except PolicyOptionError as exc:
        return ConfigRefusal(REFUSAL_CPU_MANAGER, f"new static policy error: {exc.message}")
    policy = new_static_policy(
        machine, count, reserved_system_cpus, opts, gates, topology_manager_policy, restore_fixes
    )
    if isinstance(policy, ConfigRefusal):
        return ConfigRefusal(REFUSAL_CPU_MANAGER, f"new static policy error: {policy.message}")
    return policy
