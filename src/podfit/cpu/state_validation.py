"""The static policy's check of the state it starts from (a fresh state, or one restored from the
kubelet's checkpoint): the shared pool, the reserved CPUs, every container's CPUs (and, with the
pod-level resource managers, every pod's budget) must add up to the machine.

Mirrors: cpumanager/policy_static.go staticPolicy.validateState
"""

from __future__ import annotations

from podfit.cpu.state import CPUState
from podfit.model.admission import REFUSAL_CPU_MANAGER, ConfigRefusal
from podfit.model.cpuset import format_cpuset

__all__ = ["validate_state"]


def _refusal(message: str) -> ConfigRefusal:
    return ConfigRefusal(REFUSAL_CPU_MANAGER, message)


def validate_state(
    s: CPUState, all_cpus: int, reserved: int, strict: bool, pod_level: bool
) -> ConfigRefusal | None:
    """Validate (and, when empty, initialise) ``s``. ``reserved``: the reserved CPUs; ``strict``:
    ``strict-cpu-reservation`` (they leave the shared pool); ``pod_level``: the
    ``PodLevelResourceManagers`` gate (the pods' budgets count).

    Mirrors: cpumanager/policy_static.go staticPolicy.validateState
    """
    assignments = s.get_cpu_assignments()
    default = s.get_default_cpu_set()
    if strict:
        all_cpus &= ~reserved
    if default == 0:
        if assignments:
            return _refusal("default cpuset cannot be empty")
        s.set_default_cpu_set(all_cpus)
        return None
    fmt = format_cpuset
    if strict:
        overlap = reserved & default
        if overlap:
            return _refusal(
                f'some of strictly reserved cpus: "{fmt(overlap)}" '
                f'are present in defaultCpuSet: "{fmt(default)}"'
            )
    elif reserved & default != reserved:
        return _refusal(
            f'not all reserved cpus: "{fmt(reserved)}" are present in defaultCpuSet: "{fmt(default)}"'
        )
    for pod_uid in sorted(assignments):
        for ctr in sorted(assignments[pod_uid]):
            cset = assignments[pod_uid][ctr]
            if default & cset:
                return _refusal(
                    f'pod: {pod_uid}, container: {ctr} cpuset: "{fmt(cset)}" '
                    f'overlaps with default cpuset "{fmt(default)}"'
                )
    known = default
    for ctrs in assignments.values():
        for cset in ctrs.values():
            known |= cset
    if pod_level:
        for cset in s.get_pod_cpu_assignments().values():
            known |= cset
    if known != all_cpus:
        return _refusal(
            f'current set of available CPUs "{fmt(all_cpus)}" '
            f'doesn\'t match with CPUs in state "{fmt(known)}"'
        )
    return None
