"""Result values of the CPU Manager policies: refusals at start-up and admission rejections.

A kubelet rejection is a value, never an exception. ``AllocationError`` carries what the kubelet's
admission handler puts in the pod status (reason + message) and the policy's own error text.

Mirrors: cpumanager/policy_static.go ``SMTAlignmentError`` and pkg/kubelet/cm/admission
``GetPodAdmitResult`` / ``unexpectedAdmissionError`` (v1.36).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from podfit.topology.errors import AdmissionError, get_pod_admit_result

__all__ = [
    "ERROR_REASON_EMPTY_POD_SHARED_POOL",
    "ERROR_REASON_UNEXPECTED",
    "ERROR_SMT_ALIGNMENT",
    "AllocationError",
    "PolicyError",
    "SMTAlignmentError",
    "admission_error",
]

ERROR_SMT_ALIGNMENT: Final = "SMTAlignmentError"
ERROR_REASON_UNEXPECTED: Final = "UnexpectedAdmissionError"
ERROR_REASON_EMPTY_POD_SHARED_POOL: Final = (
    "EmptyPodSharedPoolError"  # admission.EmptyPodSharedPoolError.Type()
)


@dataclass(frozen=True, slots=True)
class SMTAlignmentError:
    """A ``full-pcpus-only`` refusal.

    Mirrors: cpumanager/policy_static.go SMTAlignmentError (v1.36)
    """

    requested_cpus: int
    cpus_per_core: int
    available_physical_cpus: int = 0
    caused_by_physical_cpus: bool = False

    def error(self) -> str:
        """Mirrors: cpumanager/policy_static.go SMTAlignmentError.Error (v1.36)"""
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
        """Mirrors: cpumanager/policy_static.go SMTAlignmentError.Type (v1.36)"""
        return ERROR_SMT_ALIGNMENT


@dataclass(frozen=True, slots=True)
class AllocationError:
    """A failed ``Allocate``: ``error`` is the policy's error text; ``reason`` and ``message`` are
    what the kubelet's admission handler reports for it (``UnexpectedAdmissionError`` with
    "Allocate failed due to ..., which is unexpected", unless the error names its own type).
    ``smt`` holds the typed value for SMT alignment refusals."""

    reason: str
    message: str
    error: str
    smt: SMTAlignmentError | None = None


def admission_error(error: str | SMTAlignmentError) -> AllocationError:
    """Wrap a policy error the way the admission handler reports it.

    Mirrors: pkg/kubelet/cm/admission/errors.go GetPodAdmitResult (v1.36)
    """
    if isinstance(error, SMTAlignmentError):
        text = error.error()
        return AllocationError(reason=error.type(), message=text, error=text, smt=error)
    result = get_pod_admit_result(AdmissionError(error))
    return AllocationError(reason=result.reason, message=result.message, error=error)


@dataclass(frozen=True, slots=True)
class PolicyError:
    """The policy refused to be created or started (the kubelet does not start); ``message`` is
    the kubelet's error text."""

    message: str
