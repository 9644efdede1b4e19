"""Parsing of ``cpuManagerPolicyOptions``: each option's maturity (the release's:
``release.options.cpu``) and the feature gate it needs.

Mirrors: cpumanager/policy_options.go ``NewStaticPolicyOptions``, ``CheckPolicyOptionAvailable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

from podfit.errors import PolicyOptionError
from podfit.model.gotext import parse_go_bool
from podfit.model.policy_options import (
    ALIGN_BY_SOCKET,
    DISTRIBUTE_CPUS_ACROSS_CORES,
    DISTRIBUTE_CPUS_ACROSS_NUMA,
    FULL_PCPUS_ONLY,
    PREFER_ALIGN_BY_UNCORE_CACHE,
    STRICT_CPU_RESERVATION,
    CPUManagerOptions,
)
from podfit.release.profile import ReleaseProfile, default_profile

__all__ = [
    "CPU_ALPHA_OPTIONS",
    "CPU_BETA_OPTIONS",
    "CPU_STABLE_OPTIONS",
    "check_cpu_policy_option_available",
    "parse_cpu_manager_options",
]

# the default release's (v1.36) sets; each release's: podfit.release.options
CPU_ALPHA_OPTIONS: Final = default_profile().options.cpu.alpha
CPU_BETA_OPTIONS: Final = default_profile().options.cpu.beta
CPU_STABLE_OPTIONS: Final = default_profile().options.cpu.stable

_CPU_FIELDS: Final = {
    FULL_PCPUS_ONLY: "full_physical_cpus_only",
    DISTRIBUTE_CPUS_ACROSS_NUMA: "distribute_cpus_across_numa",
    ALIGN_BY_SOCKET: "align_by_socket",
    DISTRIBUTE_CPUS_ACROSS_CORES: "distribute_cpus_across_cores",
    STRICT_CPU_RESERVATION: "strict_cpu_reservation",
    PREFER_ALIGN_BY_UNCORE_CACHE: "prefer_align_by_uncore_cache",
}


class FeatureGates(Protocol):
    """Anything answering ``enabled(gate)``, with the kubelet ``release``."""

    def enabled(self, name: str) -> bool: ...

    @property
    def release(self) -> ReleaseProfile: ...


def check_cpu_policy_option_available(
    option: str,
    gates: FeatureGates,
    extra_alpha: frozenset[str] = frozenset(),
    extra_beta: frozenset[str] = frozenset(),
) -> str | None:
    """The refusal message, or None when ``option`` may be used.

    Mirrors: cpumanager/policy_options.go CheckPolicyOptionAvailable.
    """
    maturity = gates.release.options.cpu
    alpha = maturity.alpha | extra_alpha
    beta = maturity.beta | extra_beta
    if option not in alpha and option not in beta and option not in maturity.stable:
        return f'unknown CPU Manager Policy option: "{option}"'
    if option in alpha and not gates.enabled("CPUManagerPolicyAlphaOptions"):
        return f'CPU Manager Policy Alpha-level Options not enabled, but option "{option}" provided'
    if option in beta and not gates.enabled("CPUManagerPolicyBetaOptions"):
        return f'CPU Manager Policy Beta-level Options not enabled, but option "{option}" provided'
    return None


def parse_cpu_manager_options(opts: Mapping[str, str], gates: FeatureGates) -> CPUManagerOptions:
    """Parse ``cpuManagerPolicyOptions``; raises PolicyOptionError with the kubelet's message.

    Options are checked in sorted name order (Go iterates the map in random order).
    Mirrors: cpumanager/policy_options.go NewStaticPolicyOptions.
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
