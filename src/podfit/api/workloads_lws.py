"""A LeaderWorkerSet (``leaderworkerset.x-k8s.io/v1``) → its StatefulSets → their pods.

``replicas`` groups (default 1) of ``size`` pods (default 1): the leader StatefulSet ``<lws>``
makes one leader pod ``<lws>-<group>`` per group from ``leaderTemplate`` (else ``workerTemplate``);
for each leader the pod controller makes a worker StatefulSet ``<lws>-<group>`` whose ordinals
start at 1: worker pods ``<lws>-<group>-<1..size-1>`` from ``workerTemplate``. Every pod gets the
``leaderworkerset.sigs.k8s.io/*`` labels and annotations of the controllers and of LWS's pod
webhook, hostname its name and subdomain the LWS's name (``UniquePerReplica``: the leader's name).
LWS adds no container; the ``LWS_*`` environment variables, the template-revision-hash label,
subgroup labels and the exclusive-placement affinity are left out (no node resource manager reads
them). Read in kubernetes-sigs/lws v0.10.0 (2161f38f).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, Final

from podfit.api.workloads_names import controller_revision_hash, controller_revision_name
from podfit.api.workloads_pods import (
    CustomResource,
    WorkloadPods,
    count_field,
    mapping_field,
    new_pod,
    object_uid,
    owner_reference,
)
from podfit.errors import InputError

__all__ = ["LWS_API_VERSION", "leader_worker_set_pods"]

LWS_API_VERSION: Final = "leaderworkerset.x-k8s.io/v1"
_PREFIX: Final = "leaderworkerset.sigs.k8s.io/"
_DNS1035_LABEL: Final = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def _sizes(cr: CustomResource, override: int | None) -> tuple[int, int]:
    """``(replicas, size)`` with the CRD's defaults, and what the webhook refuses.

    Mirrors: lws pkg/webhooks/leaderworkerset_webhook.go generalValidate (v0.10.0; the CRD
    defaults replicas and size to 1)."""
    if len(cr.name) > 63 or not _DNS1035_LABEL.match(cr.name):
        raise InputError("metadata.name", f'Invalid value: "{cr.name}": a DNS-1035 label is required')
    replicas = count_field(cr.spec, "replicas", "spec.replicas", 1) or 0
    if override is not None:
        replicas = override
    template = mapping_field(cr.spec, "leaderWorkerTemplate", "spec.leaderWorkerTemplate") or {}
    size = count_field(template, "size", "spec.leaderWorkerTemplate.size", 1)
    if not size:
        raise InputError(
            "spec.leaderWorkerTemplate.size", "Invalid value: 0: size must be equal or greater than 1"
        )
    return replicas, size


def _statefulset_pod(
    template: Mapping[str, Any],
    path: str,
    sts: tuple[str, str, str],
    ordinal: int,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
) -> dict[str, Any]:
    """The StatefulSet controller's pod ``<sts>-<ordinal>``: identity labels, hostname, subdomain
    (the StatefulSet's service). ``sts``: its name, namespace and service.

    Mirrors: pkg/controller/statefulset/stateful_set_utils.go newStatefulSetPod, initIdentity (v1.36)."""
    name, namespace, service = sts
    pod_name = f"{name}-{ordinal}"
    revision = controller_revision_name(name, controller_revision_hash(template))
    return new_pod(
        template,
        path,
        name=pod_name,
        namespace=namespace,
        labels={
            **labels,
            "statefulset.kubernetes.io/pod-name": pod_name,
            "apps.kubernetes.io/pod-index": str(ordinal),
            "controller-revision-hash": revision,
        },
        annotations=annotations,
        owner=owner_reference("apps/v1", "StatefulSet", name, object_uid("StatefulSet", namespace, name)),
        spec_fields={"hostname": pod_name, "subdomain": service},
    )


def leader_worker_set_pods(cr: CustomResource, override: int | None) -> WorkloadPods:
    """Every group's leader pod, then each group's worker pods. ``override`` (``--replicas``) sets
    the number of groups.

    Mirrors: lws pkg/controllers/leaderworkerset_controller.go
    constructLeaderStatefulSetApplyConfiguration, pkg/controllers/pod_controller.go
    constructWorkerStatefulSetApplyConfiguration, pkg/webhooks/pod_webhook.go Default,
    genGroupUniqueKey and pkg/webhooks/leaderworkerset_webhook.go Default (v0.10.0)."""
    shown = f"{cr.kind}/{cr.name}"
    replicas, size = _sizes(cr, override)
    lwt = mapping_field(cr.spec, "leaderWorkerTemplate", "spec.leaderWorkerTemplate") or {}
    wpath = "spec.leaderWorkerTemplate.workerTemplate"
    worker_template = mapping_field(lwt, "workerTemplate", wpath)
    if worker_template is None:
        raise InputError(wpath, "Required value")
    lpath = "spec.leaderWorkerTemplate.leaderTemplate"
    leader_template = mapping_field(lwt, "leaderTemplate", lpath)
    if leader_template is None:
        leader_template, lpath = worker_template, wpath
    network = mapping_field(cr.spec, "networkConfig", "spec.networkConfig") or {}
    unique = network.get("subdomainPolicy") == "UniquePerReplica"
    common = {f"{_PREFIX}size": str(size)}
    pods: list[dict[str, Any]] = []
    paths: list[str] = []
    leaders: list[tuple[str, str]] = []
    for group in range(replicas):
        leader = f"{cr.name}-{group}"
        key = hashlib.sha1(f"{cr.namespace}/{leader}".encode()).hexdigest()
        leaders.append((leader, key))
        labels = {
            f"{_PREFIX}worker-index": "0",
            f"{_PREFIX}name": cr.name,
            f"{_PREFIX}group-index": str(group),
            f"{_PREFIX}group-key": key,
        }
        annotations = dict(common)
        if unique:
            annotations[f"{_PREFIX}subdomainPolicy"] = "UniquePerReplica"
        sts = (cr.name, cr.namespace, leader if unique else cr.name)
        pods.append(_statefulset_pod(leader_template, lpath, sts, group, labels, annotations))
        paths.append(lpath)
    for group, (leader, key) in enumerate(leaders):
        sts = (leader, cr.namespace, leader if unique else cr.name)
        annotations = {**common, f"{_PREFIX}leader-name": leader}
        for index in range(1, size):
            labels = {
                f"{_PREFIX}group-index": str(group),
                f"{_PREFIX}name": cr.name,
                f"{_PREFIX}group-key": key,
                f"{_PREFIX}worker-index": str(index),
            }
            pods.append(_statefulset_pod(worker_template, wpath, sts, index, labels, annotations))
            paths.append(wpath)
    notes: list[str] = []
    if cr.spec.get("startupPolicy") == "LeaderReady" and size > 1 and pods:
        notes.append(
            f"{shown}: startupPolicy LeaderReady: each group's workers are created once its leader is ready"
        )
    if not pods:
        notes.append(f"no pods from {shown}: replicas is 0")
    return WorkloadPods(cr.kind, cr.name, tuple(pods), "", tuple(notes), pod_paths=tuple(paths))
