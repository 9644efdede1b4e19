"""How many CPUs the static policy reserves, from the node-allocatable CPU reservation.

Mirrors: cpumanager/cpu_manager.go NewManager, ``case PolicyStatic``: the reservation is
``kubeReserved.cpu + systemReserved.cpu`` (the container manager's node-allocatable reservation);
it must exist and be non-zero, and its ceiling is the number of reserved CPUs. ``reservedSystemCPUs``
(an explicit list) bypasses the count (see :func:`podfit.cpu.policy_static.new_static_policy`).
"""

from __future__ import annotations

from podfit.model.admission import REFUSAL_CPU_MANAGER, ConfigRefusal

__all__ = ["num_reserved_cpus"]


def num_reserved_cpus(reserved_millicores: int | None) -> int | ConfigRefusal:
    """ceil(reserved millicores / 1000), or the kubelet's refusal (``None`` = no CPU reservation known).

    Mirrors: cpumanager/cpu_manager.go NewManager, the reserved CPU count of the static policy
    """
    if reserved_millicores is None:
        return ConfigRefusal(
            REFUSAL_CPU_MANAGER, "[cpumanager] unable to determine reserved CPU resources for static policy"
        )
    if reserved_millicores == 0:
        return ConfigRefusal(
            REFUSAL_CPU_MANAGER,
            "[cpumanager] the static policy requires systemreserved.cpu + kubereserved.cpu "
            "to be greater than zero",
        )
    return -(-reserved_millicores // 1000)
