"""Parsing of ``topologyManagerPolicyOptions``: each option's maturity (the release's:
``release.options.topology``) and the feature gate it needs.

Mirrors: topologymanager/policy_options.go ``NewPolicyOptions``, ``CheckPolicyOptionAvailable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

from podfit.errors import PolicyOptionError
from podfit.model.gotext import parse_go_bool, parse_go_int
from podfit.model.policy_options import (
    DEFAULT_MAX_ALLOWABLE_NUMA_NODES,
    MAX_ALLOWABLE_NUMA_NODES,
    PREFER_CLOSEST_NUMA_NODES,
    TopologyManagerOptions,
)
from podfit.release.profile import ReleaseProfile, default_profile

__all__ = ["FeatureGates", "check_topology_policy_option_available", "parse_topology_manager_options"]

# topologymanager/policy_options.go at v1.36: both options are GA, no alpha/beta option exists
# (each release's sets: podfit.release.options).
TM_ALPHA_OPTIONS: Final[frozenset[str]] = default_profile().options.topology.alpha
TM_BETA_OPTIONS: Final[frozenset[str]] = default_profile().options.topology.beta
TM_STABLE_OPTIONS: Final = default_profile().options.topology.stable


class FeatureGates(Protocol):
    """Anything answering ``enabled(gate)`` with the kubelet ``release``
    (``podfit.model.features.FeatureGates`` fits)."""

    def enabled(self, name: str) -> bool: ...

    @property
    def release(self) -> ReleaseProfile: ...


def check_topology_policy_option_available(
    option: str,
    gates: FeatureGates,
    extra_alpha: frozenset[str] = frozenset(),
    extra_beta: frozenset[str] = frozenset(),
) -> str | None:
    """The refusal message, or None when ``option`` may be used.

    Mirrors: topologymanager/policy_options.go CheckPolicyOptionAvailable.
    """
    maturity = gates.release.options.topology
    alpha = maturity.alpha | extra_alpha
    beta = maturity.beta | extra_beta
    if option not in alpha and option not in beta and option not in maturity.stable:
        return f'unknown Topology Manager Policy option: "{option}"'
    if option in alpha and not gates.enabled("TopologyManagerPolicyAlphaOptions"):
        return f'topology manager policy alpha-level options not enabled, but option "{option}" provided'
    if option in beta and not gates.enabled("TopologyManagerPolicyBetaOptions"):
        return f'topology manager policy beta-level options not enabled, but option "{option}" provided'
    return None


def parse_topology_manager_options(
    opts: Mapping[str, str],
    gates: FeatureGates,
    extra_alpha: frozenset[str] = frozenset(),
    extra_beta: frozenset[str] = frozenset(),
) -> TopologyManagerOptions:
    """Parse ``topologyManagerPolicyOptions``; raises PolicyOptionError with the kubelet's message.

    ``extra_alpha``/``extra_beta`` register additional (valueless) options, as upstream tests do.
    Mirrors: topologymanager/policy_options.go NewPolicyOptions.
    """
    prefer_closest = False
    max_nodes = DEFAULT_MAX_ALLOWABLE_NUMA_NODES
    for name in sorted(opts):
        refusal = check_topology_policy_option_available(name, gates, extra_alpha, extra_beta)
        if refusal is not None:
            raise PolicyOptionError(refusal)
        value = opts[name]
        if name == PREFER_CLOSEST_NUMA_NODES:
            try:
                prefer_closest = parse_go_bool(value)
            except ValueError as exc:
                raise PolicyOptionError(f'bad value for option "{name}": {exc}') from None
        elif name == MAX_ALLOWABLE_NUMA_NODES:
            try:
                n = parse_go_int(value)
            except ValueError as exc:
                raise PolicyOptionError(
                    f'unable to convert policy option to integer "{name}": {exc}'
                ) from None
            if n < DEFAULT_MAX_ALLOWABLE_NUMA_NODES:
                raise PolicyOptionError(
                    f'the minimum value of "{name}" should not be less than '
                    f"{DEFAULT_MAX_ALLOWABLE_NUMA_NODES}"
                )
            max_nodes = n
    return TopologyManagerOptions(prefer_closest_numa=prefer_closest, max_allowable_numa_nodes=max_nodes)
