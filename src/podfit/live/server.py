"""A real PodResources gRPC server on a unix socket, answering from a :class:`PodResourcesSource`
(``podfit serve-podresources``: a simulated node that tools reading PodResources can be tested
against).

Mirrors: pkg/kubelet/apis/podresources/server_v1.go (v1.33-v1.36) — ``Get`` of an unknown pod
fails with the handler's plain error, which gRPC-Go sends as status ``UNKNOWN`` with the error text
as message; and pkg/kubelet/server's ListenAndServePodResources (a unix socket, a stale socket file
removed first).
"""

from __future__ import annotations

import os
import stat
from concurrent import futures
from pathlib import Path
from typing import Any

from podfit.errors import InputError
from podfit.live.messages import allocatable_message, pod_message
from podfit.live.podresources import load
from podfit.live.values import PodResourcesSource

__all__ = ["MAX_SOCKET_PATH", "PodResourcesServicer", "serve"]

MAX_SOCKET_PATH = 107  # sockaddr_un.sun_path holds 108 bytes with the terminating NUL


class PodResourcesServicer:
    """The three methods of ``v1.PodResourcesLister`` over a fixed source (it can be swapped with
    :meth:`update`)."""

    def __init__(self, source: PodResourcesSource) -> None:
        self.pb, _ = load("serve-podresources")
        self.source = source
        self.calls: dict[str, int] = {"List": 0, "GetAllocatableResources": 0, "Get": 0}

    def update(self, source: PodResourcesSource) -> None:
        self.source = source

    def List(self, request: Any, context: Any) -> Any:
        self.calls["List"] += 1
        pb = self.pb
        return pb.ListPodResourcesResponse(pod_resources=[pod_message(pb, p) for p in self.source.pods])

    def GetAllocatableResources(self, request: Any, context: Any) -> Any:
        self.calls["GetAllocatableResources"] += 1
        return allocatable_message(self.pb, self.source.allocatable)

    def Get(self, request: Any, context: Any) -> Any:
        import grpc

        self.calls["Get"] += 1
        found = self.source.get(request.pod_namespace, request.pod_name)
        if isinstance(found, str):
            context.abort(grpc.StatusCode.UNKNOWN, found)  # raises: the handler's plain error
            raise AssertionError("unreachable")
        return self.pb.GetPodResourcesResponse(pod_resources=pod_message(self.pb, found))


def _prepare_socket(path: Path) -> None:
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise InputError("--socket", f"{path}: a unix socket path is at most {MAX_SOCKET_PATH} bytes")
    if not path.parent.is_dir():
        raise InputError("--socket", f"{path.parent}: no such directory")
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise InputError("--socket", f"{path}: exists and is not a socket (not replacing it)")
    path.unlink()  # a stale socket, as the kubelet removes it before listening


def serve(
    source: PodResourcesSource, socket_path: Path, *, workers: int = 4
) -> tuple[Any, PodResourcesServicer]:
    """Start a gRPC server for ``source`` on the unix socket ``socket_path``; return it (call
    ``stop(grace)`` on it) and its servicer."""
    _, pb_grpc = load("serve-podresources")
    import grpc

    _prepare_socket(socket_path)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    servicer = PodResourcesServicer(source)
    pb_grpc.add_PodResourcesListerServicer_to_server(servicer, server)
    port = server.add_insecure_port(f"unix:{socket_path}")
    if port == 0:
        raise InputError("--socket", f"{socket_path}: cannot listen on this unix socket")
    server.start()
    return server, servicer
