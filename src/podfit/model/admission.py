"""The kubelet's admission vocabulary, defined once: what a resource manager answers when it
refuses a pod, and what the kubelet answers when it refuses to start.

::

    AdmitResult (podfit.kubelet.result)     one pod: admitted, or rejected with reason + message,
      ^                                     plus the views of what it got
      | get_pod_admit_result
    Rejection(message, reason, smt)         what every hint provider, allocation and scope step
                                            returns on refusal (None: no refusal)
      reason None  -> UnexpectedAdmissionError, "Allocate failed due to <message>, which is unexpected"
      reason set   -> reported as it is: TopologyAffinityError, SMTAlignmentError (smt: the
                      typed details), EmptyPodSharedPoolError, OutOfcpu, OutOfmemory, ...

    ConfigRefusal(reason, message)          the kubelet refuses to start (invalid configuration,
                                            a manager that cannot be built, a checkpoint it rejects)

Reason strings are the kubelet's own and appear in the output exactly as it spells them.
Exceptions are never rejections: see :mod:`podfit.errors` for the exception tree.

Mirrors: pkg/kubelet/cm/admission/errors.go (GetPodAdmitResult, the admission error interface,
NewEmptyPodSharedPoolError) and cpumanager/policy_static.go SMTAlignmentError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CONFIG_INVALID",
    "REASON_EMPTY_POD_SHARED_POOL",
    "REASON_SMT_ALIGNMENT",
    "REASON_TOPOLOGY_AFFINITY",
    "REASON_UNEXPECTED",
    "REFUSAL_CPU_MANAGER",
    "REFUSAL_MEMORY_MANAGER",
    "REFUSAL_TOPOLOGY_MANAGER",
    "ConfigRefusal",
    "Rejection",
    "SMTAlignmentRejection",
    "empty_pod_shared_pool_rejection",
    "get_pod_admit_result",
    "smt_alignment_rejection",
]

REASON_UNEXPECTED: Final = "UnexpectedAdmissionError"
REASON_TOPOLOGY_AFFINITY: Final = "TopologyAffinityError"
REASON_SMT_ALIGNMENT: Final = "SMTAlignmentError"
REASON_EMPTY_POD_SHARED_POOL: Final = "EmptyPodSharedPoolError"
CONFIG_INVALID: Final = "KubeletConfigInvalid"
REFUSAL_TOPOLOGY_MANAGER: Final = "TopologyManagerError"
REFUSAL_CPU_MANAGER: Final = "CPUManagerError"
REFUSAL_MEMORY_MANAGER: Final = "MemoryManagerError"


@dataclass(frozen=True, slots=True)
class SMTAlignmentRejection:
    """The details of a ``full-pcpus-only`` refusal (the typed error the CPU Manager returns).

    Mirrors: cpumanager/policy_static.go SMTAlignmentError
    """

    requested_cpus: int
    cpus_per_core: int
    available_physical_cpus: int = 0
    caused_by_physical_cpus: bool = False

    def error(self) -> str:
        """Mirrors: cpumanager/policy_static.go SMTAlignmentError.Error"""
        if self.caused_by_physical_cpus:
            return (
                "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = "
                f"{self.available_physical_cpus}, requested CPUs = {self.requested_cpus}, "
                f"CPUs per core = {self.cpus_per_core}"
            )
        return (
            f"SMT Alignment Error: requested {self.requested_cpus} cpus not multiple cpus per core = "
            f"{self.cpus_per_core}"
        )

    def type(self) -> str:
        """Mirrors: cpumanager/policy_static.go SMTAlignmentError.Type"""
        return REASON_SMT_ALIGNMENT


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refusal by a resource manager or the Topology Manager.

    ``message`` is the error text (Go's ``err.Error()``); ``reason`` the admission error type when
    the error has one (``None``: any other error, which the kubelet reports as
    ``UnexpectedAdmissionError``); ``smt`` the typed details of an SMT alignment refusal.
    """

    message: str
    reason: str | None = None
    smt: SMTAlignmentRejection | None = None

    @property
    def admit_reason(self) -> str:
        """The reason the pod status shows."""
        return self.reason if self.reason is not None else REASON_UNEXPECTED

    @property
    def admit_message(self) -> str:
        """The message the pod status shows.

        Mirrors: pkg/kubelet/cm/admission/errors.go unexpectedAdmissionError.Error
        """
        if self.reason is not None:
            return self.message
        return f"Allocate failed due to {self.message}, which is unexpected"


def get_pod_admit_result(rejection: Rejection | None) -> Rejection | None:
    """The rejection as the pod status reports it (reason always set), or None (admitted).

    Mirrors: pkg/kubelet/cm/admission/errors.go GetPodAdmitResult
    """
    if rejection is None or rejection.reason is not None:
        return rejection
    return Rejection(rejection.admit_message, REASON_UNEXPECTED)


def smt_alignment_rejection(smt: SMTAlignmentRejection) -> Rejection:
    """Mirrors: cpumanager/policy_static.go SMTAlignmentError (as an admission error)"""
    return Rejection(smt.error(), REASON_SMT_ALIGNMENT, smt)


def empty_pod_shared_pool_rejection(message: str) -> Rejection:
    """Mirrors: pkg/kubelet/cm/admission/errors.go NewEmptyPodSharedPoolError"""
    return Rejection(message, REASON_EMPTY_POD_SHARED_POOL)


@dataclass(frozen=True, slots=True)
class ConfigRefusal:
    """The kubelet refuses to start: ``reason`` names the refusing part (``KubeletConfigInvalid``,
    ``TopologyManagerError``, ``CPUManagerError``, ``MemoryManagerError``), ``message`` is the
    kubelet's error text."""

    reason: str
    message: str
