"""Typed allocation errors of the Memory Manager and their admission wording.

Most policy errors are plain texts (``str``); the kubelet reports them as
``UnexpectedAdmissionError`` "Allocate failed due to <err>, which is unexpected". The pod-level
"empty shared pool" refusal of KEP-5526 is typed: its reason is ``EmptyPodSharedPoolError`` and its
message is the refusal text itself.

Mirrors: pkg/kubelet/cm/admission/errors.go ``EmptyPodSharedPoolError``,
``NewEmptyPodSharedPoolError``, ``GetPodAdmitResult`` (v1.36).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from podfit.topology.errors import AdmissionError

__all__ = [
    "ERROR_REASON_EMPTY_POD_SHARED_POOL",
    "ERROR_REASON_UNEXPECTED",
    "AllocationResult",
    "EmptyPodSharedPoolError",
    "admission_error",
]

ERROR_REASON_UNEXPECTED: Final = "UnexpectedAdmissionError"
ERROR_REASON_EMPTY_POD_SHARED_POOL: Final = "EmptyPodSharedPoolError"


@dataclass(frozen=True, slots=True)
class EmptyPodSharedPoolError:
    """The pod's exclusive requests leave no memory for the containers of its shared pool.

    Mirrors: pkg/kubelet/cm/admission/errors.go EmptyPodSharedPoolError (v1.36)
    """

    message: str

    @property
    def reason(self) -> str:
        """Mirrors: pkg/kubelet/cm/admission/errors.go EmptyPodSharedPoolError.Type (v1.36)"""
        return ERROR_REASON_EMPTY_POD_SHARED_POOL


AllocationResult = str | EmptyPodSharedPoolError | None
"""What ``allocate`` / ``allocate_pod`` return: ``None`` on success, else the error."""


def admission_error(err: str | EmptyPodSharedPoolError) -> AdmissionError:
    """The error as the Topology Manager's admission handler sees it: a typed error keeps its
    reason and message; a plain text gets no reason (``UnexpectedAdmissionError`` later).

    Mirrors: pkg/kubelet/cm/admission/errors.go GetPodAdmitResult (v1.36), first half
    """
    if isinstance(err, EmptyPodSharedPoolError):
        return AdmissionError(err.message, err.reason)
    return AdmissionError(err)
