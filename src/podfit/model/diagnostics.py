"""Warnings as values: what podfit tells a user beside the kubelet's answer, where the answer
alone would be silently misleading (a field the kubelet ignores, a duplicate pod the kubelet never
sees, a resource the node does not have, ...).

A :class:`Diagnostic` is made by the decoders (:mod:`podfit.api`, :mod:`podfit.io`) and by the
simulation (:mod:`podfit.kubelet.run_warnings`); the command line prints one ``podfit: warning: …``
line per value on stderr and the JSON result lists them under ``warnings``. Every ``code`` is
listed in docs/scenario-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from podfit.errors import field_under

__all__ = [
    "ALREADY_EXISTS",
    "CODES",
    "DEVICE_CHECKPOINT_UNREADABLE",
    "DUPLICATE_KEY",
    "DUPLICATE_POD",
    "FEATURE_GATE_IGNORED",
    "FEATURE_GATE_SWITCHED_OFF",
    "INVALID_UTF8",
    "KNOWN_ISSUE",
    "LENIENT_DECODING",
    "MEMORY_QOS_START_UP",
    "MISSING_API_VERSION",
    "POD_LEVEL_RESOURCES_GATE_OFF",
    "POD_LEVEL_RESOURCE_MANAGERS_OFF",
    "RESOURCE_NOT_ON_NODE",
    "TERMINATED_POD_SKIPPED",
    "Diagnostic",
]

# decoding (the input as the kubelet / kubectl read it)
LENIENT_DECODING: Final = "LenientDecoding"  # a KubeletConfiguration field the kubelet ignores
DUPLICATE_KEY: Final = "DuplicateKey"  # a YAML mapping key given twice: the last value is used
MISSING_API_VERSION: Final = "MissingAPIVersion"  # read as kubelet.config.k8s.io/v1beta1
FEATURE_GATE_IGNORED: Final = "FeatureGateIgnored"  # unknown or locked gate: ignored
FEATURE_GATE_SWITCHED_OFF: Final = "FeatureGateSwitchedOff"  # on, but a gate it needs is off
INVALID_UTF8: Final = "InvalidUTF8"  # bytes that are not UTF-8, read as U+FFFD (as kubectl does)
# the simulation
DUPLICATE_POD: Final = "DuplicatePod"  # a second pod with the same namespace/name
RESOURCE_NOT_ON_NODE: Final = "ResourceNotOnNode"  # an extended resource the node does not have
POD_LEVEL_RESOURCES_GATE_OFF: Final = "PodLevelResourcesGateOff"  # spec.resources dropped
POD_LEVEL_RESOURCE_MANAGERS_OFF: Final = "PodLevelResourceManagersOff"  # managers skip the pod
KNOWN_ISSUE: Final = "KnownIssue"  # a rejection that is a known kubelet defect of this release
MEMORY_QOS_START_UP: Final = "MemoryQoSStartUp"  # the kubelet's start-up warning on Memory QoS
# a restart whose device checkpoint was unreadable: running containers re-admitted holding no device
DEVICE_CHECKPOINT_UNREADABLE: Final = "DeviceCheckpointUnreadable"
# fleet: a cluster dump's terminated pod with no finish time is not replayed
TERMINATED_POD_SKIPPED: Final = "TerminatedPodSkipped"

CODES: Final = (
    LENIENT_DECODING,
    DUPLICATE_KEY,
    MISSING_API_VERSION,
    FEATURE_GATE_IGNORED,
    FEATURE_GATE_SWITCHED_OFF,
    INVALID_UTF8,
    DUPLICATE_POD,
    RESOURCE_NOT_ON_NODE,
    POD_LEVEL_RESOURCES_GATE_OFF,
    POD_LEVEL_RESOURCE_MANAGERS_OFF,
    KNOWN_ISSUE,
    MEMORY_QOS_START_UP,
    DEVICE_CHECKPOINT_UNREADABLE,
    TERMINATED_POD_SKIPPED,
)

# The API server's reason for a second object of the same name (StatusReasonAlreadyExists).
ALREADY_EXISTS: Final = "AlreadyExists"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One warning: a stable ``code`` (see :data:`CODES`), a one-line ``message``, and what it is
    about when known: the file (``source``), the field path, the pod (``namespace/name``)."""

    code: str
    message: str
    source: str | None = None
    field: str | None = None
    pod: str | None = None

    def line(self) -> str:
        """The text of the stderr line (after ``podfit: warning: ``)."""
        parts = [p for p in (self.source, self.field) if p]
        parts.append(self.message)
        return ": ".join(parts)

    def in_source(self, source: str) -> Diagnostic:
        """The same warning attributed to ``source`` unless it already names one."""
        if self.source:
            return self
        return Diagnostic(self.code, self.message, source, self.field, self.pod)

    def under(self, prefix: str) -> Diagnostic:
        """The same warning with ``prefix`` prepended to its field path."""
        if not prefix:
            return self
        return Diagnostic(self.code, self.message, self.source, field_under(prefix, self.field), self.pod)
