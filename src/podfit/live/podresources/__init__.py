"""podfit's PodResources v1 gRPC modules, generated from ``api.proto`` (podfit's own text,
wire-compatible with the kubelet's API) by ``tools/gen_podresources.sh``.

Import them through :func:`load`: grpcio and protobuf are the optional extra ``live``.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["load"]


def load(feature: str = "the PodResources API") -> tuple[ModuleType, ModuleType]:
    """``(api_pb2, api_pb2_grpc)``, or :class:`~podfit.extras.MissingExtraError` when the ``live``
    extra is not installed."""
    from podfit.extras import require

    require("live", "google.protobuf", "grpc", feature=feature)
    try:
        from podfit.live.podresources import api_pb2, api_pb2_grpc
    except Exception as exc:  # the runtime is older than the generated code asks for
        from podfit.errors import InputError

        message = " ".join(str(exc).split())
        raise InputError(
            "",
            f"{feature}: the installed grpcio/protobuf cannot load podfit's generated code ({message}): "
            "pip install -U 'podfit[live]'",
        ) from None
    return api_pb2, api_pb2_grpc
