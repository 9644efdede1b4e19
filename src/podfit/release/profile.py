"""The release profile: one frozen value per kubelet release, read by the managers like feature gates.

A scenario names its release as ``node.kubeletVersion`` (every command also takes
``--kubelet-version``); a patch level maps to its minor release (``1.35.3`` → ``1.35``) unless a
behaviour is known to differ by patch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_RELEASE",
    "SUPPORTED_RELEASES",
    "ReleaseProfile",
    "parse_kubelet_version",
    "release_profile",
]

DEFAULT_RELEASE: Final = "1.36"
SUPPORTED_RELEASES: Final = ("1.33", "1.34", "1.35", "1.36", "1.37")
_VERSION: Final = re.compile(r"^v?(1)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?$")


@dataclass(frozen=True, slots=True)
class ReleaseProfile:
    """What one kubelet release does, where releases differ."""

    version: str  # the minor release, e.g. "1.36"
    source: str  # what the profile rests on (the code read, or for 1.37 its PRs and docs)


_PROFILES: Final = {
    "1.33": ReleaseProfile("1.33", "kubernetes v1.33.5 (openshift/microshift 83d4040a)"),
    "1.34": ReleaseProfile("1.34", "kubernetes v1.34.2 (openshift/microshift c9e94e18)"),
    "1.35": ReleaseProfile("1.35", "kubernetes v1.35.3 (openshift/microshift d47c1ed9)"),
    "1.36": ReleaseProfile("1.36", "kubernetes v1.36.2 (openshift/microshift 8e16b12f)"),
    "1.37": ReleaseProfile("1.37", "kubernetes 1.37 pull requests, release notes and docs (no code read)"),
}


def parse_kubelet_version(text: str) -> str | None:
    """The minor release of a kubelet version string (``1.35``, ``v1.35.3``, ``1.36.2-gke.100``),
    or ``None`` when it is not one podfit models."""
    m = _VERSION.match(text.strip())
    if m is None:
        return None
    version = f"{m.group(1)}.{int(m.group(2))}"
    return version if version in _PROFILES else None


def release_profile(version: str = DEFAULT_RELEASE) -> ReleaseProfile | None:
    """The profile of ``version`` (``None``: a release podfit does not model)."""
    return _PROFILES.get(version)
