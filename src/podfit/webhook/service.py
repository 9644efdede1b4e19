"""Answering reviews: decode, evaluate (on a pool of started node shapes, in threads, cut at the
policy's deadline), mutate, cache, count. Every outcome is a response; nothing here raises to the
server except a malformed review (:class:`~podfit.errors.InputError`: HTTP 400).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from podfit.admission_policy.decision import (
    MUTATIONS,
    evaluate_request,
    mutate_request,
    mutation_response,
    validation_response,
)
from podfit.admission_policy.review import ReviewRequest, decode_review, review_response
from podfit.admission_policy.shapes import ShapeSet
from podfit.admission_policy.values import DENY, AdmissionPolicy, Evaluation
from podfit.errors import InputError
from podfit.webhook.metrics import WebhookMetrics

__all__ = ["ReviewService", "parse_review"]

_DEADLINE_ERROR: Final = "evaluation passed its deadline"
_UID: Final = "@@podfit-review-uid@@"


def _dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


class _Answer:
    """A validation answer kept in the cache: the response around its uid, and its counters."""

    __slots__ = ("counters", "head", "tail")

    def __init__(self, head: bytes, tail: bytes, counters: tuple[Any, ...]) -> None:
        self.head, self.tail, self.counters = head, tail, counters


def parse_review(body: bytes) -> ReviewRequest:
    """The request of a posted AdmissionReview (``InputError`` for anything else: HTTP 400)."""
    if not body:
        raise InputError("", "empty body: expected an AdmissionReview (JSON)")
    try:
        doc = json.loads(body)
    except UnicodeDecodeError:
        raise InputError("", "the body is not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            "", f"malformed or truncated JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    return decode_review(doc)


class _ShapePool:
    """Started node shapes, one set per concurrent evaluation (an evaluation cut at its deadline
    keeps its set until its thread finishes)."""

    def __init__(self, policy: AdmissionPolicy, keep: int) -> None:
        self._policy = policy
        self._keep = keep
        self._free: list[ShapeSet] = [ShapeSet(policy.node_shapes)]
        self._lock = threading.Lock()

    def acquire(self) -> ShapeSet:
        with self._lock:
            if self._free:
                return self._free.pop()
        return ShapeSet(self._policy.node_shapes)

    def release(self, shapes: ShapeSet) -> None:
        with self._lock:
            if len(self._free) < self._keep:
                self._free.append(shapes)


class ReviewService:
    """The webhook's logic for one worker process."""

    def __init__(self, policy: AdmissionPolicy, *, threads: int = 4, cache_size: int = 4096) -> None:
        self.policy = policy
        self.metrics = WebhookMetrics()
        self._pool = _ShapePool(policy, keep=threads + 1)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="podfit-eval")
        self._cache: dict[str, _Answer] = {}
        self._cache_size = cache_size

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ----- validation ----------------------------------------------------------------------
    def _evaluate_blocking(self, request: ReviewRequest, expired: Callable[[], bool]) -> Evaluation:
        shapes = self._pool.acquire()
        try:
            return evaluate_request(self.policy, shapes, request, expired)
        except Exception as exc:  # a bug: answered per onError, never a 500
            print(f"podfit webhook: internal error evaluating {request.uid}: {exc!r}", file=sys.stderr)
            return Evaluation(error=f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self._pool.release(shapes)

    async def _evaluate(self, request: ReviewRequest) -> Evaluation:
        deadline = self.policy.deadline_seconds
        end = time.monotonic() + deadline
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            self._executor, self._evaluate_blocking, request, lambda: time.monotonic() > end
        )
        try:
            return await asyncio.wait_for(future, timeout=deadline)
        except TimeoutError:
            return Evaluation(error=f"{_DEADLINE_ERROR} of {deadline:g}s")

    def _cache_key(self, request: ReviewRequest) -> str | None:
        obj = request.obj or {}
        try:
            return json.dumps([obj.get("spec"), obj.get("status")], separators=(",", ":"))
        except (TypeError, ValueError):
            return None

    def _answer(self, evaluation: Evaluation) -> _Answer:
        """The response to ``evaluation`` (serialised once, the request's uid spliced in per request)
        and the counters it increments."""
        m = self.metrics
        counters = []
        if evaluation.error is not None:
            kind = (
                "invalid_pod"
                if evaluation.error.startswith("invalid pod")
                else "deadline"
                if _DEADLINE_ERROR in evaluation.error
                else "internal"
            )
            counters.append(m.child(m.errors, kind))
            decision = "error_denied" if self.policy.on_error == DENY else "error_allowed"
        else:
            decision = "denied" if evaluation.denials else "allowed"
            counters.extend(m.child(m.findings, f.rule, f.action) for f in evaluation.findings)
        counters.append(m.child(m.decisions, "validate", decision))
        text = json.dumps(validation_response(self.policy, _UID, evaluation), separators=(",", ":"))
        head, _, tail = text.partition(json.dumps(_UID))
        return _Answer(head.encode(), tail.encode(), tuple(counters))

    async def validate(self, body: bytes) -> bytes:
        """The AdmissionReview (JSON) answering a validating review (``InputError``: a malformed review)."""
        request = parse_review(body)
        m = self.metrics
        if not request.evaluated:
            m.child(m.decisions, "validate", "allowed").inc()
            return _dumps(review_response(request.uid, True))
        key = self._cache_key(request)
        answer = self._cache.get(key) if key is not None else None
        if answer is not None:
            m.child(m.cache, "hit").inc()
        else:
            m.child(m.cache, "miss").inc()
            evaluation = await self._evaluate(request)
            answer = self._answer(evaluation)
            cacheable = evaluation.error is None or evaluation.error.startswith("invalid pod")
            if key is not None and cacheable and self._cache_size:
                if len(self._cache) >= self._cache_size:
                    self._cache.pop(next(iter(self._cache)))  # the oldest entry
                self._cache[key] = answer
        for counter in answer.counters:
            counter.inc()
        return answer.head + json.dumps(request.uid).encode() + answer.tail

    # ----- mutation ------------------------------------------------------------------------
    async def mutate(self, body: bytes, names: tuple[str, ...] = MUTATIONS) -> bytes:
        """The AdmissionReview (JSON) answering a mutating review with the mutations in ``names``."""
        request = parse_review(body)
        m = self.metrics
        if not request.evaluated:
            m.child(m.decisions, "mutate", "allowed").inc()
            return _dumps(review_response(request.uid, True))
        try:
            result = mutate_request(self.policy, request, names)
        except Exception as exc:  # a bug: let the pod through unchanged, say so
            print(f"podfit webhook: internal error mutating {request.uid}: {exc!r}", file=sys.stderr)
            m.child(m.errors, "internal").inc()
            return _dumps(
                review_response(request.uid, True, warnings=[f"podfit could not mutate this pod: {exc}"])
            )
        m.child(m.decisions, "mutate", "patched" if result.ops else "allowed").inc()
        return _dumps(mutation_response(request.uid, result))
