"""Feature-gate specs: what one release registers, and what ``SetFromMap`` refuses.

Mirrors: staging/src/k8s.io/component-base/featuregate/feature_gate.go ``unsafeSetFromMap``
(upstream, not the OpenShift carry that only warns about an unknown gate), ``Enabled`` and
``AddDependencies`` (1.35+), read in v1.33.5, v1.34.2, v1.35.3 and v1.36.2.

The per-release tables are generated data (``gates_1_33`` … ``gates_1_37``, written by
``tools/gen_release_gates.py`` from the gate lists extracted from each release's code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ALL_ALPHA",
    "ALL_BETA",
    "ALPHA",
    "BETA",
    "DEPRECATED",
    "GA",
    "GateSpec",
    "GateTable",
    "dependency_errors",
    "disabled_dependencies",
    "gate_errors",
]

ALPHA: Final = "ALPHA"
BETA: Final = "BETA"
GA: Final = "GA"
DEPRECATED: Final = "DEPRECATED"
ALL_ALPHA: Final = "AllAlpha"
ALL_BETA: Final = "AllBeta"


@dataclass(frozen=True, slots=True)
class GateSpec:
    """A gate as one release registers it: default, maturity, lock, and (1.35+) the gates it
    depends on."""

    name: str
    default: bool
    stage: str
    locked: bool = False
    depends_on: tuple[str, ...] = ()


def _go_bool(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True, slots=True)
class GateTable:
    """Every gate one kubelet release registers, by name, and what a gate it does not register
    reads as (``absent``: the value of a gate this release predates or has removed)."""

    specs: Mapping[str, GateSpec]
    absent: Mapping[str, bool]  # gates removed after GA (their locked value); all others: off
    dependencies: bool  # AddDependencies exists (1.35+): dependants of a disabled gate refuse to start

    def spec(self, name: str) -> GateSpec | None:
        """The release's spec of ``name``, or None when the release does not register it."""
        return self.specs.get(name)

    def value(self, name: str, overrides: Mapping[str, bool]) -> bool:
        """The gate's value under ``overrides`` (a ``featureGates`` map the release accepted).

        Mirrors: feature_gate.go featureGate.Enabled, with ``AllAlpha`` / ``AllBeta`` switching
        every unlocked alpha / beta gate that is not set explicitly.
        """
        spec = self.specs.get(name)
        if spec is None:
            return self.absent.get(name, False)
        if name in overrides:
            return overrides[name]
        if not spec.locked and name not in (ALL_ALPHA, ALL_BETA):
            if spec.stage == ALPHA and ALL_ALPHA in overrides:
                return overrides[ALL_ALPHA]
            if spec.stage == BETA and ALL_BETA in overrides:
                return overrides[ALL_BETA]
        return spec.default


def gate_errors(table: GateTable, overrides: Mapping[str, bool]) -> list[str]:
    """What ``SetFromMap`` returns for ``overrides``: an unknown gate set to true alone (upstream
    returns at once), else one error per locked gate set to the other value, in name order (Go
    walks the map in random order), else the dependency errors.

    A gate the release does not register set to *false* asks for what its absence means and is
    not an error here (docs/versions.md, "Feature gates a release does not know"): the kubelet
    builds podfit is checked against (the OpenShift-built managers of each release) ignore it, and
    a configuration written for several releases (``PodLevelResourceManagers: false`` on 1.34 and
    1.35) says the same thing on each; an upstream kubelet refuses it. One set to true stays the
    refusal: it asks for a feature the release does not have.

    Mirrors: feature_gate.go unsafeSetFromMap
    """
    for name in sorted(overrides):
        if table.spec(name) is None and overrides[name]:
            return [f"unrecognized feature gate: {name}"]
    errors: list[str] = []
    for name in sorted(overrides):
        spec = table.specs.get(name)
        if spec is None:
            continue  # an unknown gate set to false (above)
        value = overrides[name]
        if spec.locked and value != spec.default:
            errors.append(
                f"cannot set feature gate {name} to {_go_bool(value)}, "
                f"feature is locked to {_go_bool(spec.default)}"
            )
    if errors:
        return errors
    return dependency_errors(table, overrides)


def disabled_dependencies(table: GateTable, overrides: Mapping[str, bool]) -> list[tuple[str, list[str]]]:
    """Enabled gates whose dependencies are disabled (1.35+), in name order, each with those
    dependencies."""
    if not table.dependencies:
        return []
    found: list[tuple[str, list[str]]] = []
    for name in sorted(table.specs):
        spec = table.specs[name]
        if not spec.depends_on or not table.value(name, overrides):
            continue
        off = [d for d in spec.depends_on if not table.value(d, overrides)]
        if off:
            found.append((name, off))
    return found


def dependency_errors(table: GateTable, overrides: Mapping[str, bool]) -> list[str]:
    """:func:`disabled_dependencies` as ``SetFromMap`` words them (the disabled dependencies
    sorted, space-separated).

    Mirrors: feature_gate.go unsafeSetFromMap (the dependency check after every set succeeded)
    """
    return [
        f"{name} is enabled, but depends on features that are disabled: [{' '.join(off)}]"
        for name, off in disabled_dependencies(table, overrides)
    ]
