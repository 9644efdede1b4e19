"""A PodResources v1 client over the kubelet's unix socket, with time-outs (the ``live`` extra).

Every call returns the reply message itself (so a capture can keep its exact bytes) or raises
:class:`PodResourcesUnavailable` with a one-line reason: no socket, nothing answering within the
time-out, or the kubelet's own error (status code and message).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from podfit.live.podresources import load

__all__ = ["DEFAULT_SOCKET", "DEFAULT_TIMEOUT", "PodResourcesClient", "PodResourcesUnavailable"]

DEFAULT_SOCKET = "/var/lib/kubelet/pod-resources/kubelet.sock"
DEFAULT_TIMEOUT = 5.0
_MAX_MESSAGE = 16 * 1024 * 1024  # the kubelet's own client allows 16 MiB replies


class PodResourcesUnavailable(Exception):
    """The PodResources API could not be read; ``str()`` is the one-line reason."""


class PodResourcesClient:
    """``List``, ``GetAllocatableResources`` and ``Get`` on ``socket_path``, each bounded by
    ``timeout`` seconds (connecting included). Use as a context manager or call :meth:`close`."""

    def __init__(self, socket_path: Path | str = DEFAULT_SOCKET, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.pb, self._grpc_mod = load("reading the PodResources API")
        import grpc

        self._grpc = grpc
        self.socket_path = Path(socket_path)
        self.timeout = timeout
        self._channel: Any = None
        self._stub: Any = None

    def __enter__(self) -> PodResourcesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = self._stub = None

    def connect(self) -> Any:
        """Connect (bounded by the time-out); :class:`PodResourcesUnavailable` when nothing answers."""
        if self._stub is not None:
            return self._stub
        path = self.socket_path
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise PodResourcesUnavailable(f"{path}: no such socket (is the kubelet running?)") from None
        except OSError as exc:
            raise PodResourcesUnavailable(f"{path}: {exc.strerror}") from None
        if not stat.S_ISSOCK(mode):
            raise PodResourcesUnavailable(f"{path}: not a unix socket")
        grpc = self._grpc
        channel = grpc.insecure_channel(
            f"unix:{path}", options=[("grpc.max_receive_message_length", _MAX_MESSAGE)]
        )
        try:
            grpc.channel_ready_future(channel).result(timeout=self.timeout)
        except grpc.FutureTimeoutError:
            channel.close()
            raise PodResourcesUnavailable(
                f"{path}: no answer within {self.timeout:g}s (time-out connecting)"
            ) from None
        self._channel = channel
        self._stub = self._grpc_mod.PodResourcesListerStub(channel)
        return self._stub

    def _call(self, method: str, request: Any) -> Any:
        stub = self.connect()
        grpc = self._grpc
        try:
            return getattr(stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise PodResourcesUnavailable(
                    f"{self.socket_path}: {method}: no answer within {self.timeout:g}s (time-out)"
                ) from None
            name = code.name if code is not None else "UNKNOWN"
            raise PodResourcesUnavailable(f"{self.socket_path}: {method}: {name}: {exc.details()}") from None

    def list(self) -> Any:
        """The ``ListPodResourcesResponse``."""
        return self._call("List", self.pb.ListPodResourcesRequest())

    def allocatable(self) -> Any:
        """The ``AllocatableResourcesResponse``."""
        return self._call("GetAllocatableResources", self.pb.AllocatableResourcesRequest())

    def get(self, namespace: str, name: str) -> Any:
        """The ``GetPodResourcesResponse`` of one pod."""
        return self._call("Get", self.pb.GetPodResourcesRequest(pod_name=name, pod_namespace=namespace))
