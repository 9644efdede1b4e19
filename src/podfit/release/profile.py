"""The release profile: one frozen value per kubelet release, read by the managers like feature gates.

Today podfit models one release, 1.36 (the code of v1.36.2); the profiles of the other releases
fill this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_RELEASE", "ReleaseProfile", "release_profile"]

DEFAULT_RELEASE: Final = "1.36"


@dataclass(frozen=True, slots=True)
class ReleaseProfile:
    """What one kubelet release does, where releases differ."""

    version: str  # the minor release, e.g. "1.36"
    source: str  # the code the profile was read from


_PROFILES: Final = {
    "1.36": ReleaseProfile("1.36", "kubernetes v1.36.2 (openshift/microshift 8e16b12f)"),
}


def release_profile(version: str = DEFAULT_RELEASE) -> ReleaseProfile | None:
    """The profile of ``version`` (``None``: a release podfit does not model)."""
    return _PROFILES.get(version)
