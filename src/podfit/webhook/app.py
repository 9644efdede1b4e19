"""The ASGI application (Starlette): the admission routes, metrics and health.

``POST /validate``                 the validating webhook (every rule of the policy)
``POST /mutate``                   the mutating webhook (every configured mutation)
``POST /mutate/{mutation}``        one mutation (each has its own namespaceSelector in the manifests)
``GET /metrics``                   Prometheus text exposition of the webhook's own series
``GET /healthz``, ``GET /readyz``  alive; ready once the policy's node shapes are started

A malformed, truncated, oversized (> 3 MiB), wrong-kind or wrong-version review is HTTP 400 with a
reason (a ``metav1.Status`` body); nothing is ever answered with a 500.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from podfit.admission_policy.decision import MUTATIONS
from podfit.errors import InputError, PodfitError, http_status
from podfit.io.policy import load_policy
from podfit.webhook.metrics import CONTENT_TYPE
from podfit.webhook.service import ReviewService
from podfit.webhook.settings import ServeSettings

__all__ = ["create_app", "factory"]

_JSON = "application/json"


def _status(code: int, message: str) -> Response:
    reason = {400: "BadRequest", 404: "NotFound", 413: "RequestEntityTooLarge"}.get(code, "InternalError")
    body = {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return Response(json.dumps(body), status_code=code, media_type=_JSON)


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise InputError("Content-Length", f"not a byte count: {length!r}")
        if int(length) > limit:
            raise InputError("", f"review of {int(length)} bytes is over the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise InputError("", f"review is over the limit of {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise InputError(
            "", "truncated review: the client closed the connection before the end of the body"
        ) from None
    if length is not None and size != int(length):
        raise InputError("", f"truncated review: {size} of {int(length)} bytes")
    return b"".join(chunks)


class _State:
    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.service: ReviewService | None = None


def create_app(settings: ServeSettings) -> Starlette:
    """The webhook for ``settings`` (the policy is loaded and its node shapes started at start-up)."""
    state = _State(settings)
    limit = settings.max_body_bytes

    def service() -> ReviewService:
        if state.service is None:  # requests before start-up finished (never with granian's lifespan)
            raise InputError("", "the webhook is not ready")
        return state.service

    def timed(
        path: str, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            start = time.perf_counter()
            try:
                response = await handler(request)
            except PodfitError as exc:
                response = _status(http_status(exc), str(exc))
            except Exception as exc:  # a bug must not take the request down with a 500 page
                response = _status(
                    400 if isinstance(exc, ValueError) else 500, f"{type(exc).__name__}: {exc}"
                )
            if state.service is not None:
                m = state.service.metrics
                m.child(m.requests, path, str(response.status_code)).inc()
                m.child(m.latency, path).observe(time.perf_counter() - start)
            return response

        return run

    def review(
        answer: Callable[[ReviewService, bytes], Awaitable[bytes]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            body = await _read_body(request, limit)
            return Response(await answer(service(), body), media_type=_JSON)

        return handler

    async def mutate_one(request: Request) -> Response:
        name = request.path_params["mutation"]
        svc = service()
        if name not in MUTATIONS or name not in svc.policy.mutations.names():
            return _status(
                404,
                f"no mutation {name!r} in the policy"
                f" (configured: {', '.join(svc.policy.mutations.names()) or 'none'})",
            )
        return await review(lambda s, b: s.mutate(b, (name,)))(request)

    async def metrics(request: Request) -> Response:
        return Response(service().metrics.exposition(), media_type=CONTENT_TYPE)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        if state.service is None:
            return PlainTextResponse("starting", status_code=503)
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        policy = load_policy(Path(settings.policy))
        state.service = ReviewService(policy, threads=settings.threads, cache_size=settings.cache_size)
        try:
            yield
        finally:
            state.service.close()

    routes = [
        Route("/validate", timed("/validate", review(lambda s, b: s.validate(b))), methods=["POST"]),
        Route("/mutate", timed("/mutate", review(lambda s, b: s.mutate(b))), methods=["POST"]),
        Route("/mutate/{mutation}", timed("/mutate/{mutation}", mutate_one), methods=["POST"]),
        Route("/metrics", timed("/metrics", metrics), methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def factory() -> Starlette:
    """The app of a worker process, from the settings ``podfit webhook serve`` put in its environment."""
    return create_app(ServeSettings.from_env())
