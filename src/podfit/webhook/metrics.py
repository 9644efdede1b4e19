"""The webhook's own metrics (Prometheus): requests, latency, decisions by rule, evaluation errors.

With several worker processes the series are kept in ``PROMETHEUS_MULTIPROC_DIR`` (set by
``podfit webhook serve`` before any worker starts) and ``/metrics`` sums them over the workers.
"""

from __future__ import annotations

import os
from typing import Any, Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)

__all__ = ["CONTENT_TYPE", "WebhookMetrics"]

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class WebhookMetrics:
    """The series one worker updates, and the exposition of all workers' series."""

    def __init__(self) -> None:
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # in multiprocess mode the values live in files; the registry only names the series
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        if not self.multiprocess:
            ProcessCollector(registry=r)  # process_resident_memory_bytes & co.
        self.requests = Counter(
            "podfit_webhook_requests",
            "HTTP requests answered, by route and status code.",
            ["path", "code"],
            registry=r,
        )
        self.latency = Histogram(
            "podfit_webhook_request_duration_seconds",
            "Time to answer a request, by route.",
            ["path"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.decisions = Counter(
            "podfit_webhook_decisions",
            "Admission decisions, by webhook and decision "
            "(allowed, denied, error_allowed, error_denied, patched).",
            ["webhook", "decision"],
            registry=r,
        )
        self.findings = Counter(
            "podfit_webhook_rule_findings",
            "Rule findings on evaluated pods, by rule and action (Deny, Warn).",
            ["rule", "action"],
            registry=r,
        )
        self.errors = Counter(
            "podfit_webhook_evaluation_errors",
            "Pods the policy could not evaluate, by kind (invalid_pod, deadline, internal).",
            ["kind"],
            registry=r,
        )
        self.cache = Counter(
            "podfit_webhook_evaluation_cache",
            "Evaluations answered from the cache (hit) or computed (miss).",
            ["result"],
            registry=r,
        )

    def child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, looked up once."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def exposition(self) -> bytes:
        """The text exposition of every worker's series (of this worker without multiprocess mode)."""
        if self.multiprocess:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)
