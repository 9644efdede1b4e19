"""The same workload on several kubelet releases (``podfit upgrade``): per pod, what differs between
releases (admitted or rejected, CPUs, NUMA nodes, assignment types), and the rolling upgrade itself
— the running pods carried through ``restart`` events from each release to the next.

Every release (and, where the release has it, each setting of the ``PodLevelResourceManagers``
gate) runs the scenario through the same core (:func:`podfit.kubelet.simulation.simulate`), so a
release differs exactly where ``podfit.release`` says it does. A release without the gate runs the
configuration without it (a kubelet of that release would refuse to start on a gate it does not
know).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from podfit.api.features import feature_gates_from_dict
from podfit.api.scenario import scenario_for_release
from podfit.errors import InputError
from podfit.kubelet.restart import RestartResult
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.simulation import SimulationResult, simulate
from podfit.model.cpuset import format_cpuset
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.scenario import AddPod, RestartKubelet, Scenario
from podfit.release.checkpoint_formats import checkpoint_formats
from podfit.release.profile import SUPPORTED_RELEASES

__all__ = [
    "GATE_CHOICES",
    "ContainerOutcome",
    "PodComparison",
    "PodOutcome",
    "UpgradeChain",
    "UpgradeComparison",
    "Variant",
    "VariantRun",
    "upgrade",
    "variant_config",
    "variants_for",
]

PLRM: Final = "PodLevelResourceManagers"
GATE_CHOICES: Final = ("both", "on", "off", "config")


@dataclass(frozen=True, slots=True)
class Variant:
    """One release, with the pod-level gate on or off (``None``: the release has no such gate, or
    the configuration's own setting is kept). Its label: ``1.36 PLRM on`` (PLRM: the
    ``PodLevelResourceManagers`` gate)."""

    version: str
    plrm: bool | None

    @property
    def label(self) -> str:
        if self.plrm is None:
            return self.version
        return f"{self.version} PLRM {'on' if self.plrm else 'off'}"


def variants_for(versions: Sequence[str], gates: str = "both") -> tuple[Variant, ...]:
    """The variants of ``versions`` in order: ``both`` runs each release that has the gate with it
    on and off, ``on`` / ``off`` with that setting, ``config`` as the configuration sets it."""
    if gates not in GATE_CHOICES:
        raise InputError("--gate", f"expected one of {', '.join(GATE_CHOICES)}, got {gates!r}")
    out: list[Variant] = []
    for v in versions:
        if v not in SUPPORTED_RELEASES:
            raise InputError("--kubelet-versions", f"unsupported kubelet version {v!r}")
        if not checkpoint_formats(v).plrm_gate or gates == "config":
            out.append(Variant(v, None))
        elif gates == "both":
            out.extend((Variant(v, True), Variant(v, False)))
        else:
            out.append(Variant(v, gates == "on"))
    return tuple(out)


def variant_config(config: KubeletConfig, variant: Variant) -> KubeletConfig:
    """The configuration the variant's kubelet runs with: the gate set as the variant says, and
    left out for a release that does not know it (on the configuration's own release)."""
    overrides = dict(config.feature_gates.overrides)
    if not checkpoint_formats(variant.version).plrm_gate:
        overrides.pop(PLRM, None)
    elif variant.plrm is not None:
        overrides[PLRM] = variant.plrm
    if overrides == dict(config.feature_gates.overrides):
        return config
    return replace(config, feature_gates=feature_gates_from_dict(overrides, config.release))


def _variant_scenario(scenario: Scenario, variant: Variant) -> Scenario:
    moved = scenario_for_release(scenario, variant.version)
    return replace(moved, kubelet_config=variant_config(moved.kubelet_config, variant))


# ----- per pod -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ContainerOutcome:
    name: str
    cpus: str | None  # None: the node's shared pool
    numa: tuple[int, ...]  # the memory's NUMA nodes (empty: none pinned)
    assignment: str


@dataclass(frozen=True, slots=True)
class PodOutcome:
    """A pod's admission under one variant."""

    admitted: bool
    reason: str | None = None
    message: str | None = None
    pod_cpus: str | None = None
    containers: tuple[ContainerOutcome, ...] = ()

    @staticmethod
    def of(step: AdmitResult) -> PodOutcome:
        containers = tuple(
            ContainerOutcome(
                c.name,
                None if c.cpus is None else format_cpuset(c.cpus),
                c.memory.numa_affinity if c.memory is not None else (),
                c.assignment,
            )
            for c in step.containers
        )
        pod_cpus = None if step.pod_cpus is None else format_cpuset(step.pod_cpus)
        return PodOutcome(step.admitted, step.reason, step.message, pod_cpus, containers)


@dataclass(frozen=True, slots=True)
class PodComparison:
    """One pod across the variants (``None``: the variant's kubelet did not start)."""

    pod: str
    outcomes: tuple[PodOutcome | None, ...]
    changes: tuple[str, ...]  # one line per difference from the first variant (the baseline)

    @property
    def differs(self) -> bool:
        return bool(self.changes)


def _describe(o: PodOutcome | None) -> str:
    if o is None:
        return "kubelet refuses to start"
    if not o.admitted:
        return f"rejected ({o.reason})"
    return "admitted"


def _container(c: ContainerOutcome) -> str:
    return f"{c.assignment} {c.cpus or 'shared pool'} NUMA {_numa(c.numa)}"


def _changes(labels: Sequence[str], outcomes: Sequence[PodOutcome | None]) -> tuple[str, ...]:
    """What each variant does differently from the first (the baseline), one line per change."""
    out: list[str] = []
    base = outcomes[0] if outcomes else None
    for label, o in zip(labels[1:], outcomes[1:], strict=True):
        if base is None or o is None or base.admitted != o.admitted or not o.admitted:
            if _describe(base) != _describe(o):
                out.append(f"{label}: {_describe(base)} -> {_describe(o)}")
            continue
        if base.pod_cpus != o.pod_cpus:
            out.append(f"{label}: pod CPUs {base.pod_cpus or 'none'} -> {o.pod_cpus or 'none'}")
        before = {c.name: c for c in base.containers}
        for c in o.containers:
            b = before.get(c.name)
            if b is not None and b != c:
                out.append(f"{label}: {c.name} {_container(b)} -> {_container(c)}")
    return tuple(out)


def _numa(numa: tuple[int, ...]) -> str:
    return ",".join(map(str, numa)) or "-"


# ----- runs and chains -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VariantRun:
    variant: Variant
    result: SimulationResult

    @property
    def admitted(self) -> int:
        return sum(1 for s in self.result.steps if isinstance(s, AdmitResult) and s.admitted)

    @property
    def rejected(self) -> int:
        return sum(1 for s in self.result.steps if isinstance(s, AdmitResult) and not s.admitted)


@dataclass(frozen=True)
class UpgradeChain:
    """The rolling upgrade: the workload on the first variant, then one ``restart`` per next one."""

    variants: tuple[Variant, ...]
    result: SimulationResult

    @property
    def label(self) -> str:
        return " -> ".join(v.label for v in self.variants)

    @property
    def restarts(self) -> tuple[RestartResult, ...]:
        return tuple(s for s in self.result.steps if isinstance(s, RestartResult))


@dataclass(frozen=True)
class UpgradeComparison:
    scenario: str
    runs: tuple[VariantRun, ...]
    pods: tuple[PodComparison, ...]
    chains: tuple[UpgradeChain, ...]


def _first_admissions(result: SimulationResult) -> dict[str, AdmitResult]:
    out: dict[str, AdmitResult] = {}
    for step in result.steps:
        if isinstance(step, AdmitResult) and step.pod not in out:
            out[step.pod] = step
    return out


def _chains(variants: Sequence[Variant]) -> list[tuple[Variant, ...]]:
    """One chain per gate setting (variants without the gate belong to every chain)."""
    settings = sorted({v.plrm for v in variants if v.plrm is not None}, reverse=True)
    if not settings:
        return [tuple(variants)] if len(variants) > 1 else []
    out = []
    for setting in settings:
        chain = tuple(v for v in variants if v.plrm is None or v.plrm == setting)
        if len(chain) > 1:
            out.append(chain)
    return out


def _chain(scenario: Scenario, chain: tuple[Variant, ...]) -> UpgradeChain:
    first = _variant_scenario(scenario, chain[0])
    restarts = tuple(
        RestartKubelet(kubelet_version=v.version, kubelet_config=variant_config(scenario.kubelet_config, v))
        for v in chain[1:]
    )
    return UpgradeChain(chain, simulate(replace(first, events=(*first.events, *restarts))))


def upgrade(scenario: Scenario, versions: Sequence[str], gates: str = "both") -> UpgradeComparison:
    """``scenario`` on each release of ``versions`` (and gate setting), per pod what differs, and
    the rolling upgrade along ``versions``."""
    variants = variants_for(versions, gates)
    runs = tuple(VariantRun(v, simulate(_variant_scenario(scenario, v))) for v in variants)
    labels = [v.label for v in variants]
    firsts = [_first_admissions(r.result) for r in runs]
    names = list(dict.fromkeys(e.pod.key for e in scenario.events if isinstance(e, AddPod)))
    pods = []
    for name in names:
        outcomes = tuple(
            None if run.result.error is not None or name not in first else PodOutcome.of(first[name])
            for run, first in zip(runs, firsts, strict=True)
        )
        pods.append(PodComparison(name, outcomes, _changes(labels, outcomes)))
    chains = tuple(_chain(scenario, c) for c in _chains(variants))
    return UpgradeComparison(scenario.name, runs, tuple(pods), chains)
