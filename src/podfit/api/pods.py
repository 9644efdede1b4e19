"""A Pod manifest, as the API server takes it: decoded, defaulted, validated, frozen into a ``Pod``.

Mirrors: the API server's handling of a pod create (pkg/apis/core/v1 defaulting,
pkg/apis/core/validation ValidatePodCreate) for the fields the kubelet's resource managers read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podfit.api import pod_validation
from podfit.api.pod_decode import RawContainer, RawResources, decode_pod
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.release.profile import ReleaseProfile, default_profile

__all__ = ["pod_from_dict"]


def _freeze_resources(res: RawResources) -> ResourceRequirements:
    return ResourceRequirements(
        requests={n: q.value for n, q in res.requests.items()},
        limits={n: q.value for n, q in res.limits.items()},
    )


def pod_from_dict(
    obj: Mapping[str, Any],
    *,
    feature_gates: Mapping[str, bool] | Any = None,
    release: ReleaseProfile | None = None,
) -> Pod:
    """A Pod manifest dict → ``Pod``, after API-server defaulting and validation.

    Raises ``InputError`` (field path + message) for anything the API server would reject and for
    unknown fields / wrong types. ``release``: the API server's release (default 1.36): its
    validation, its ``PodLevelResources`` default and whether it defaults pod-level limits (1.37).
    ``feature_gates`` (a ``{name: bool}`` map or a ``FeatureGates``) overrides those gates.
    """
    raw = decode_pod(obj)
    profile = release or default_profile()
    gates = pod_validation.gates_with_defaults(feature_gates, profile)
    pod_validation.default_and_validate(raw, gates, profile.node_features)

    def freeze(c: RawContainer) -> Container:
        return Container(
            name=c.name,
            kind=pod_validation.container_kind(c),
            resources=_freeze_resources(c.resources),
            restart_policy=c.restart_policy,
            resize_policy=c.resize_policy,
        )

    return Pod(
        namespace=raw.namespace,
        name=raw.name,
        uid=raw.uid,
        init_containers=tuple(freeze(c) for c in raw.init_containers),
        containers=tuple(freeze(c) for c in raw.containers),
        ephemeral_containers=tuple(freeze(c) for c in raw.ephemeral_containers),
        resources=_freeze_resources(raw.resources) if raw.resources is not None else None,
        restart_policy=raw.restart_policy or "Always",
        os_name=raw.os_name,
        overhead={n: q.value for n, q in raw.overhead.items()},
        qos_status=raw.qos_status,
        priority=raw.priority,
        static=raw.static,
    )
