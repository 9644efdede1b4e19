"""Building the Topology Manager, or the kubelet's refusal to start with its configuration.

Mirrors: topologymanager/topology_manager.go ``NewManager``.
"""

from __future__ import annotations

from collections.abc import Mapping

from podfit.errors import PolicyOptionError
from podfit.model.admission import REFUSAL_TOPOLOGY_MANAGER, ConfigRefusal
from podfit.model.machine import Machine
from podfit.topology.numa_info import numa_info_from_machine
from podfit.topology.policy import POLICY_NAMES, Policy, new_policy
from podfit.topology.policy_options import FeatureGates, parse_topology_manager_options
from podfit.topology.scope import CONTAINER_SCOPE, POD_SCOPE, check_numa_node_count

__all__ = ["new_topology_manager"]


def new_topology_manager(
    machine: Machine,
    policy_name: str,
    scope_name: str,
    options: Mapping[str, str],
    gates: FeatureGates,
) -> Policy | ConfigRefusal:
    """The Topology Manager's policy on ``machine`` (the scope is ``scope_name``), or the refusal.

    Checks in the kubelet's order: the options, the NUMA node count, the policy name, the scope.

    Mirrors: topologymanager/topology_manager.go NewManager
    """
    try:
        opts = parse_topology_manager_options(options, gates)
    except PolicyOptionError as exc:
        return ConfigRefusal(REFUSAL_TOPOLOGY_MANAGER, exc.message)
    too_many = check_numa_node_count(policy_name, machine.num_numa_nodes, opts.max_allowable_numa_nodes)
    if too_many is not None:
        return ConfigRefusal(REFUSAL_TOPOLOGY_MANAGER, too_many)
    if policy_name not in POLICY_NAMES:
        return ConfigRefusal(REFUSAL_TOPOLOGY_MANAGER, f'unknown policy: "{policy_name}"')
    if scope_name not in (CONTAINER_SCOPE, POD_SCOPE):
        return ConfigRefusal(REFUSAL_TOPOLOGY_MANAGER, f'unknown Scope: "{scope_name}"')
    return new_policy(policy_name, numa_info_from_machine(machine, opts), opts)
