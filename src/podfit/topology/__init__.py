"""podfit.topology: the kubelet Topology Manager (NUMA masks, hints, merge, policies, scopes).

Mirrors: pkg/kubelet/cm/topologymanager
"""

from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.merge import HintMerger, filter_providers_hints, new_hint_merger
from podfit.topology.numa_info import NUMAInfo, new_numa_info
from podfit.topology.policy import (
    POLICY_BEST_EFFORT,
    POLICY_NAMES,
    POLICY_NONE,
    POLICY_RESTRICTED,
    POLICY_SINGLE_NUMA_NODE,
    Policy,
    new_policy,
)
from podfit.topology.scope import (
    CONTAINER_SCOPE,
    NONE_SCOPE,
    POD_SCOPE,
    HintProvider,
    MergeStep,
    ScopeAdmitResult,
    admit,
    check_numa_node_count,
    scope_for,
)

__all__ = [
    "CONTAINER_SCOPE",
    "NONE_SCOPE",
    "POD_SCOPE",
    "POLICY_BEST_EFFORT",
    "POLICY_NAMES",
    "POLICY_NONE",
    "POLICY_RESTRICTED",
    "POLICY_SINGLE_NUMA_NODE",
    "HintMerger",
    "HintProvider",
    "MergeStep",
    "NUMAInfo",
    "Policy",
    "ProviderHints",
    "ScopeAdmitResult",
    "TopologyHint",
    "admit",
    "check_numa_node_count",
    "filter_providers_hints",
    "new_hint_merger",
    "new_numa_info",
    "new_policy",
    "scope_for",
]
