"""Typed values of the kubelet's resource-manager policy options (parsed once from the
KubeletConfiguration string maps). Parsing and validation live with the kubelet configuration.

Mirrors: cpumanager/policy_options.go ``StaticPolicyOptions`` and topologymanager/policy_options.go
``PolicyOptions`` (v1.36).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

__all__ = [
    "CPUManagerOptions",
    "PolicyOptionError",
    "TopologyManagerOptions",
    "check_cpu_policy_option_available",
    "check_topology_policy_option_available",
    "parse_cpu_manager_options",
    "parse_go_bool",
    "parse_topology_manager_options",
]


@dataclass(frozen=True, slots=True)
class CPUManagerOptions:
    """cpuManagerPolicyOptions of the ``static`` policy."""

    full_physical_cpus_only: bool = False  # full-pcpus-only
    distribute_cpus_across_numa: bool = False  # distribute-cpus-across-numa
    align_by_socket: bool = False  # align-by-socket
    distribute_cpus_across_cores: bool = False  # distribute-cpus-across-cores
    strict_cpu_reservation: bool = False  # strict-cpu-reservation
    prefer_align_by_uncore_cache: bool = False  # prefer-align-cpus-by-uncorecache


@dataclass(frozen=True, slots=True)
class TopologyManagerOptions:
    """topologyManagerPolicyOptions."""

    prefer_closest_numa: bool = False  # prefer-closest-numa-nodes
    max_allowable_numa_nodes: int = 8  # max-allowable-numa-nodes


# ----- parsing (added with the kubelet configuration) ---------------------------------------

# cpumanager/policy_options.go option names and maturity at v1.36.
FULL_PCPUS_ONLY: Final = "full-pcpus-only"
DISTRIBUTE_CPUS_ACROSS_NUMA: Final = "distribute-cpus-across-numa"
ALIGN_BY_SOCKET: Final = "align-by-socket"
DISTRIBUTE_CPUS_ACROSS_CORES: Final = "distribute-cpus-across-cores"
STRICT_CPU_RESERVATION: Final = "strict-cpu-reservation"
PREFER_ALIGN_BY_UNCORE_CACHE: Final = "prefer-align-cpus-by-uncorecache"

CPU_ALPHA_OPTIONS: Final = frozenset({ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES})
CPU_BETA_OPTIONS: Final = frozenset({DISTRIBUTE_CPUS_ACROSS_NUMA})
CPU_STABLE_OPTIONS: Final = frozenset({FULL_PCPUS_ONLY, STRICT_CPU_RESERVATION, PREFER_ALIGN_BY_UNCORE_CACHE})

_CPU_FIELDS: Final = {
    FULL_PCPUS_ONLY: "full_physical_cpus_only",
    DISTRIBUTE_CPUS_ACROSS_NUMA: "distribute_cpus_across_numa",
    ALIGN_BY_SOCKET: "align_by_socket",
    DISTRIBUTE_CPUS_ACROSS_CORES: "distribute_cpus_across_cores",
    STRICT_CPU_RESERVATION: "strict_cpu_reservation",
    PREFER_ALIGN_BY_UNCORE_CACHE: "prefer_align_by_uncore_cache",
}

# topologymanager/policy_options.go at v1.36: both options are GA, no alpha/beta option exists.
PREFER_CLOSEST_NUMA_NODES: Final = "prefer-closest-numa-nodes"
MAX_ALLOWABLE_NUMA_NODES: Final = "max-allowable-numa-nodes"
DEFAULT_MAX_ALLOWABLE_NUMA_NODES: Final = 8
TM_ALPHA_OPTIONS: Final[frozenset[str]] = frozenset()
TM_BETA_OPTIONS: Final[frozenset[str]] = frozenset()
TM_STABLE_OPTIONS: Final = frozenset({PREFER_CLOSEST_NUMA_NODES, MAX_ALLOWABLE_NUMA_NODES})


class PolicyOptionError(ValueError):
    """A policy option the kubelet refuses; the message is the kubelet's."""


class _Gates(Protocol):
    def enabled(self, name: str) -> bool: ...


def parse_go_bool(value: str) -> bool:
    """Go strconv.ParseBool; raises ValueError worded as Go's error."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{value}": invalid syntax')


def _parse_go_int(value: str) -> int:
    """Go strconv.Atoi (base 10, optional sign, no spaces or underscores)."""
    body = value[1:] if value[:1] in ("+", "-") else value
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f'strconv.Atoi: parsing "{value}": invalid syntax')
    n = int(value)
    if not -(2**63) <= n < 2**63:
        raise ValueError(f'strconv.Atoi: parsing "{value}": value out of range')
    return n


def check_cpu_policy_option_available(
    option: str,
    gates: _Gates,
    extra_alpha: frozenset[str] = frozenset(),
    extra_beta: frozenset[str] = frozenset(),
) -> str | None:
    """The refusal message, or None when ``option`` may be used.

    Mirrors: cpumanager/policy_options.go CheckPolicyOptionAvailable (v1.36).
    """
    alpha = CPU_ALPHA_OPTIONS | extra_alpha
    beta = CPU_BETA_OPTIONS | extra_beta
    if option not in alpha and option not in beta and option not in CPU_STABLE_OPTIONS:
        return f'unknown CPU Manager Policy option: "{option}"'
    if option in alpha and not gates.enabled("CPUManagerPolicyAlphaOptions"):
        return f'CPU Manager Policy Alpha-level Options not enabled, but option "{option}" provided'
    if option in beta and not gates.enabled("CPUManagerPolicyBetaOptions"):
        return f'CPU Manager Policy Beta-level Options not enabled, but option "{option}" provided'
    return None


def parse_cpu_manager_options(opts: Mapping[str, str], gates: _Gates) -> CPUManagerOptions:
    """Parse ``cpuManagerPolicyOptions``; raises PolicyOptionError with the kubelet's message.

    Options are checked in sorted name order (Go iterates the map in random order).
    Mirrors: cpumanager/policy_options.go NewStaticPolicyOptions (v1.36).
    """
    values: dict[str, bool] = {}
    for name in sorted(opts):
        refusal = check_cpu_policy_option_available(name, gates)
        if refusal is not None:
            raise PolicyOptionError(refusal)
        try:
            values[_CPU_FIELDS[name]] = parse_go_bool(opts[name])
        except ValueError as exc:
            raise PolicyOptionError(f'bad value for option "{name}": {exc}') from None
    out = CPUManagerOptions(**values)
    pairs = (
        (
            out.full_physical_cpus_only and out.distribute_cpus_across_cores,
            FULL_PCPUS_ONLY,
            DISTRIBUTE_CPUS_ACROSS_CORES,
        ),
        (
            out.distribute_cpus_across_numa and out.distribute_cpus_across_cores,
            DISTRIBUTE_CPUS_ACROSS_NUMA,
            DISTRIBUTE_CPUS_ACROSS_CORES,
        ),
        (
            out.prefer_align_by_uncore_cache and out.distribute_cpus_across_cores,
            PREFER_ALIGN_BY_UNCORE_CACHE,
            DISTRIBUTE_CPUS_ACROSS_CORES,
        ),
        (
            out.prefer_align_by_uncore_cache and out.distribute_cpus_across_numa,
            PREFER_ALIGN_BY_UNCORE_CACHE,
            DISTRIBUTE_CPUS_ACROSS_NUMA,
        ),
    )
    for clash, a, b in pairs:
        if clash:
            raise PolicyOptionError(f"static policy options {a} and {b} can not be used at the same time")
    return out


def check_topology_policy_option_available(
    option: str,
    gates: _Gates,
    extra_alpha: frozenset[str] = frozenset(),
    extra_beta: frozenset[str] = frozenset(),
) -> str | None:
    """The refusal message, or None when ``option`` may be used.

    Mirrors: topologymanager/policy_options.go CheckPolicyOptionAvailable (v1.36).
    """
    alpha = TM_ALPHA_OPTIONS | extra_alpha
    beta = TM_BETA_OPTIONS | extra_beta
    if option not in alpha and option not in beta and option not in TM_STABLE_OPTIONS:
        return f'unknown Topology Manager Policy option: "{option}"'
    if option in alpha and not gates.enabled("TopologyManagerPolicyAlphaOptions"):
        return f'topology manager policy alpha-level options not enabled, but option "{option}" provided'
    if option in beta and not gates.enabled("TopologyManagerPolicyBetaOptions"):
        return f'topology manager policy beta-level options not enabled, but option "{option}" provided'
    return None


def parse_topology_manager_options(
    opts: Mapping[str, str],
    gates: _Gates,
    extra_alpha: frozenset[str] = frozenset(),
    extra_beta: frozenset[str] = frozenset(),
) -> TopologyManagerOptions:
    """Parse ``topologyManagerPolicyOptions``; raises PolicyOptionError with the kubelet's message.

    ``extra_alpha``/``extra_beta`` register additional (valueless) options, as upstream tests do.
    Mirrors: topologymanager/policy_options.go NewPolicyOptions (v1.36).
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
                n = _parse_go_int(value)
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
