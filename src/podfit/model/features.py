"""The kubelet's feature gates: one release's gates (:mod:`podfit.release`) with the ``featureGates``
map of a KubeletConfiguration applied on top.

Mirrors: component-base/featuregate/feature_gate.go ``SetFromMap`` / ``Enabled``. Which gates
exist, their defaults, locks and dependencies are the release's (``FeatureGates.release``); what
``SetFromMap`` refuses (an unknown gate, a locked gate set to the other value, a dependency left
off) is :meth:`FeatureGates.errors`, a start-up refusal of the kubelet.

The managers mirror the newest code, so they may read a gate an older release does not register:
it reads as that release's code behaves without it (off; a gate removed after GA keeps its value).
``AllAlpha`` / ``AllBeta`` switch every alpha / beta gate that is not set explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from podfit.release.gates import ALPHA, BETA, DEPRECATED, GA, GateSpec, gate_errors
from podfit.release.profile import SUPPORTED_RELEASES, ReleaseProfile, default_profile, release_profile

__all__ = ["ALPHA", "BETA", "DEPRECATED", "GA", "GATES", "KNOWN_GATES", "FeatureGates", "GateSpec"]


def _known() -> frozenset[str]:
    names: set[str] = set()
    for version in SUPPORTED_RELEASES:
        profile = release_profile(version)
        if profile is not None:
            names |= set(profile.gates.specs)
    return frozenset(names)


# the default release's gates (v1.36)
GATES: Final[Mapping[str, GateSpec]] = default_profile().gates.specs
# every gate any modelled release registers (reading another name is a programming error)
KNOWN_GATES: Final[frozenset[str]] = _known()


def _no_overrides() -> Mapping[str, bool]:
    return MappingProxyType({})


@dataclass(frozen=True)
class FeatureGates:
    """The kubelet's gates: the release's defaults overridden by ``featureGates`` of the
    configuration. ``overrides`` may name gates the release does not register or set a locked
    gate to the other value: :meth:`errors` is then the kubelet's refusal to start."""

    overrides: Mapping[str, bool] = field(default_factory=_no_overrides)
    release: ReleaseProfile = field(default_factory=default_profile)
    _lazy: dict[str, dict[str, bool]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def enabled(self, name: str) -> bool:
        """Mirrors: component-base/featuregate/feature_gate.go featureGate.Enabled."""
        value = self._resolved.get(name)
        return self._enabled(name) if value is None else value

    @property
    def _resolved(self) -> dict[str, bool]:
        """Every registered gate's value, resolved once (the overrides never change)."""
        got = self._lazy.get("_resolved")
        if got is None:
            got = self._lazy["_resolved"] = self._make_resolved()
        return got

    def _make_resolved(self) -> dict[str, bool]:
        return {name: self._enabled(name) for name in self.release.gates.specs}

    def _applied(self) -> Mapping[str, bool]:
        """The overrides ``SetFromMap`` applied (those naming gates of this release)."""
        specs = self.release.gates.specs
        return {k: v for k, v in self.overrides.items() if k in specs}

    def _enabled(self, name: str) -> bool:
        table = self.release.gates
        if table.spec(name) is None and name not in KNOWN_GATES:
            raise KeyError(f"feature {name!r} is not registered in FeatureGate")
        return table.value(name, self._applied())

    def errors(self) -> list[str]:
        """What ``SetFromMap`` refuses in the overrides, worded as it words it (empty: none).

        Mirrors: component-base/featuregate/feature_gate.go unsafeSetFromMap
        """
        return gate_errors(self.release.gates, self.overrides)

    def dependency_errors(self) -> list[str]:
        """Enabled gates whose dependencies are disabled, worded as SetFromMap words them."""
        errors = self.errors()
        return [e for e in errors if "depends on features that are disabled" in e]

    def for_release(self, release: ReleaseProfile) -> FeatureGates:
        """The same overrides on another release's gates."""
        return FeatureGates(self.overrides, release)
