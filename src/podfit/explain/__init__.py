"""``podfit explain``: why a pod landed where it did, or why the kubelet rejected it.

Pure: the explanation is data the engine returns on request (each provider's hints, the merged
hint and the compare rule that chose it, the CPU-taking steps, the memory NUMA choice, the
shortfall) plus changes that would admit a rejected pod, each verified by re-running the engine.
"""

from podfit.explain.api import explain, find_pod_event, node_before, traced_merges
from podfit.explain.serialize import explanation_to_json
from podfit.explain.tracing import TraceLog, trace_admission
from podfit.explain.values import (
    Candidate,
    CPUTake,
    Demand,
    Explanation,
    MemoryChoice,
    MergeTrace,
    ResourceHints,
    Suggestion,
)

__all__ = [
    "CPUTake",
    "Candidate",
    "Demand",
    "Explanation",
    "MemoryChoice",
    "MergeTrace",
    "ResourceHints",
    "Suggestion",
    "TraceLog",
    "explain",
    "explanation_to_json",
    "find_pod_event",
    "node_before",
    "trace_admission",
    "traced_merges",
]
