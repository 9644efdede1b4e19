"""The shortfall of each rejected pod of a simulation, for the page of ``podfit render``.

The words are ``podfit explain``'s (:func:`podfit.explain.shortfall.shortfall`, from a traced
replay of the admission). One replay of the scenario serves every rejection: the events run on a
fresh node as the simulation ran them, and each rejected ``add`` is traced instead of applied (a
rejected pod leaves no trace, and the tracer restores the node anyway). Only the first ``limit``
rejections are traced, and the replay stops after the last of them, so thousands of rejections
cost no more than one simulation.
"""

from __future__ import annotations

from collections.abc import Mapping

from podfit.explain.api import traced_merges
from podfit.explain.shortfall import shortfall
from podfit.explain.tracing import trace_admission
from podfit.kubelet.managers import RestoredState
from podfit.kubelet.node import start_node
from podfit.kubelet.result import AdmitResult
from podfit.kubelet.simulation import SimulationResult
from podfit.model.admission import ConfigRefusal
from podfit.model.scenario import AddPod, Scenario

__all__ = ["SHORTFALL_LIMIT", "Shortfalls", "rejection_shortfalls"]

SHORTFALL_LIMIT = 100

Shortfalls = Mapping[int, tuple[str, ...]]  # step index (1 = the first event) -> shortfall lines


def rejection_shortfalls(
    scenario: Scenario,
    result: SimulationResult,
    *,
    limit: int = SHORTFALL_LIMIT,
    restored: RestoredState | None = None,
) -> dict[int, tuple[str, ...]]:
    """What each of the first ``limit`` rejected pods of ``result`` (the simulation of
    ``scenario``) lacked, by step index; ``restored``: the states the simulation started from."""
    rejected = [i for i, s in enumerate(result.steps) if isinstance(s, AdmitResult) and not s.admitted][
        : max(limit, 0)
    ]
    if not rejected or result.error is not None:
        return {}
    node = start_node(scenario.machine, scenario.kubelet_config, restored)
    if isinstance(node, ConfigRefusal):
        return {}
    wanted = set(rejected)
    out: dict[int, tuple[str, ...]] = {}
    for i, event in enumerate(scenario.events[: rejected[-1] + 1]):
        if i not in wanted or not isinstance(event, AddPod):
            node.apply(event)
            continue
        traced, log = trace_admission(node, event.pod)
        if traced.admitted:  # cannot happen (the replay is the simulation): say nothing rather than guess
            continue
        merges, _ = traced_merges(node, log)
        out[i + 1] = shortfall(traced, merges, log, scenario.machine)
    return out
