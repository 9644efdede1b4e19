"""An :class:`Explanation` as plain JSON-ready data (``podfit explain --output json``).

Masks are lists of NUMA ids; CPU sets are kubelet cpuset strings ("0-3,8"); bytes are integers.
"""

from __future__ import annotations

from typing import Any

from podfit.cpu.accumulator import TakeStep
from podfit.explain.merge_trace import RULES
from podfit.explain.values import CPUTake, Demand, Explanation, MemoryChoice, MergeTrace, Suggestion
from podfit.kubelet.result import AdmitResult, Hint
from podfit.model.cpuset import format_cpuset
from podfit.topology.hint import TopologyHint

__all__ = ["explanation_to_json", "numa_list"]


def numa_list(mask: int | None) -> list[int] | None:
    """NUMA ids of a mask (``None`` = any NUMA node)."""
    if mask is None:
        return None
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def _hint(h: TopologyHint) -> dict[str, Any]:
    return {"numaAffinity": numa_list(h.numa_affinity), "preferred": h.preferred}


def _view_hint(h: Hint | None) -> dict[str, Any] | None:
    return None if h is None else {"numaAffinity": list(h.numa_affinity) or None, "preferred": h.preferred}


def _demand(d: Demand | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "requested": d.requested,
        "unit": d.unit,
        "free": {str(k): v for k, v in sorted(d.free.items())},
        "capacity": {str(k): v for k, v in sorted(d.capacity.items())},
        "reusable": d.reusable,
    }


def _merge(m: MergeTrace) -> dict[str, Any]:
    return {
        "container": m.container,
        "policy": m.policy,
        "providers": [
            {
                "provider": r.provider,
                "resource": r.resource,
                "hints": None if r.hints is None else [_hint(h) for h in r.hints],
                "hintsTotal": r.total,  # the full list's length when "hints" is its beginning
                "demand": _demand(r.demand),
            }
            for r in m.resources
        ],
        "bestNonPreferredAffinityCount": m.best_non_preferred_affinity_count,
        "compareBy": m.compare_by,
        "candidates": [{**_hint(c.hint), "rule": c.rule, "becameBest": c.became_best} for c in m.candidates],
        "candidatesTotal": m.candidates_total,
        "bestHint": _hint(m.best_hint),
        "winningRule": m.winning_rule,
        "winningRuleText": RULES.get(m.winning_rule, m.winning_rule),
        "admit": m.admit,
    }


def _step(s: TakeStep) -> dict[str, Any]:
    return {"phase": s.phase, "id": s.entity, "cpus": format_cpuset(s.cpus), "freeBefore": s.free}


def _take(t: CPUTake) -> dict[str, Any]:
    return {
        "container": t.container,
        "requested": t.requested,
        "numaAffinity": numa_list(t.numa_affinity),
        "pool": format_cpuset(t.pool),
        "alignedPool": None if t.aligned_pool is None else format_cpuset(t.aligned_pool),
        "algorithm": t.algorithm,
        "cpuSorting": t.cpu_sorting,
        "numaFirst": t.numa_first,
        "uncoreFirst": t.uncore,
        "alignedSteps": [_step(s) for s in t.aligned_steps],
        "restSteps": [_step(s) for s in t.rest_steps],
        "cpus": format_cpuset(t.result),
        "error": t.error,
        "slices": {k: format_cpuset(v) for k, v in t.slices.items()} or None,
    }


def _memory(c: MemoryChoice) -> dict[str, Any]:
    return {
        "container": c.container,
        "requested": dict(c.requested),
        "givenHint": None if c.given_hint is None else _hint(c.given_hint),
        "source": c.source,
        "numaAffinity": list(c.numa_affinity),
        "error": c.error,
    }


def _result(r: AdmitResult) -> dict[str, Any]:
    return {
        "admitted": r.admitted,
        "reason": r.reason,
        "message": r.message,
        "podHint": _view_hint(r.pod_hint),
        "containerHints": None
        if r.container_hints is None
        else {k: _view_hint(v) for k, v in r.container_hints.items()},
        "podCpus": None if r.pod_cpus is None else format_cpuset(r.pod_cpus),
        "containers": [
            {
                "name": c.name,
                "assignment": c.assignment,
                "cpus": None if c.cpus is None else format_cpuset(c.cpus),
                "memoryNuma": None if c.memory is None else list(c.memory.numa_affinity),
                "why": None if c.why is None else {"reason": c.why.reason, "message": c.why.message},
            }
            for c in r.containers
        ],
        "knownIssue": None
        if r.known_issue is None
        else {
            "id": r.known_issue.id,
            "summary": r.known_issue.summary,
            "fixedIn": r.known_issue.fixed_in,
            "issue": f"kubernetes#{r.known_issue.issue}" if r.known_issue.issue else None,
        },
    }


def _suggestion(s: Suggestion) -> dict[str, Any]:
    return {"kind": s.kind, "summary": s.summary, "change": dict(s.change), "verified": _result(s.result)}


def explanation_to_json(e: Explanation) -> dict[str, Any]:
    """The whole explanation as JSON-ready data."""
    return {
        "scenario": e.scenario,
        "pod": e.pod,
        "eventIndex": e.event_index,
        "topologyManager": {"policy": e.topology_policy, "scope": e.topology_scope},
        "cpuManagerPolicy": e.cpu_policy,
        "memoryManagerPolicy": e.memory_policy,
        "result": _result(e.result),
        "merges": [_merge(m) for m in e.merges],
        "cpuTakes": [_take(t) for t in e.cpu_takes],
        "memoryChoices": [_memory(c) for c in e.memory_choices],
        "shortfall": list(e.shortfall),
        "suggestionsTried": e.suggestions_tried,
        "suggestions": [_suggestion(s) for s in e.suggestions],
        "notes": list(e.notes),
    }
