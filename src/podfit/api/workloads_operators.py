"""Operators' custom resources → the pods their controllers create (dispatch by API group and kind).

Each kind's module mirrors its operator's source at a named release: Kubeflow's training jobs
(:mod:`podfit.api.workloads_kubeflow`), JobSet (:mod:`podfit.api.workloads_jobset`), Volcano's
Job (:mod:`podfit.api.workloads_volcano`), LeaderWorkerSet (:mod:`podfit.api.workloads_lws`),
KubeRay's RayCluster and RayJob (:mod:`podfit.api.workloads_kuberay`). A kind podfit knows
under another apiVersion is skipped with a note naming the versions it expands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from podfit.api.workloads_jobset import JOBSET_API_VERSION, jobset_pods
from podfit.api.workloads_kubeflow import KUBEFLOW_KINDS, mpi_job_pods, training_job_pods
from podfit.api.workloads_kuberay import RAY_API_VERSION, ray_cluster_pods, ray_job_pods
from podfit.api.workloads_lws import LWS_API_VERSION, leader_worker_set_pods
from podfit.api.workloads_pods import CustomResource, WorkloadPods, mapping_field
from podfit.api.workloads_volcano import VOLCANO_API_VERSION, volcano_job_pods

__all__ = ["OPERATOR_KINDS", "expand_operator", "operator_kind"]

_Expander = Callable[[CustomResource, int | None], WorkloadPods]

# (API group, kind) → the apiVersions podfit expands and how.
OPERATOR_KINDS: Final[dict[tuple[str, str], tuple[tuple[str, ...], _Expander]]] = {
    **{
        ("kubeflow.org", kind): ((version,), mpi_job_pods if kind == "MPIJob" else training_job_pods)
        for kind, version in KUBEFLOW_KINDS.items()
    },
    ("jobset.x-k8s.io", "JobSet"): ((JOBSET_API_VERSION,), jobset_pods),
    ("batch.volcano.sh", "Job"): ((VOLCANO_API_VERSION,), volcano_job_pods),
    ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"): ((LWS_API_VERSION,), leader_worker_set_pods),
    ("ray.io", "RayCluster"): ((RAY_API_VERSION,), ray_cluster_pods),
    ("ray.io", "RayJob"): ((RAY_API_VERSION,), ray_job_pods),
}


def operator_kind(api_version: str, kind: str) -> str | None:
    """``""`` when podfit expands this custom resource; a reason to skip it when podfit knows the
    kind under other apiVersions; ``None`` when it is no operator kind podfit knows."""
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    known = OPERATOR_KINDS.get((group, kind))
    if known is None:
        return None
    if api_version in known[0]:
        return ""
    versions = ", ".join(known[0])
    return f"a custom resource ({api_version}): podfit makes the pods of {kind} {versions} only"


def expand_operator(
    manifest: Mapping[str, Any], identity: tuple[str, str, str], override: int | None
) -> WorkloadPods:
    """The pods of a custom resource :func:`operator_kind` accepts; ``identity``: its name,
    namespace and UID as the API server has them."""
    kind = str(manifest.get("kind"))
    api_version = str(manifest.get("apiVersion"))
    group = api_version.split("/", 1)[0]
    spec = mapping_field(manifest, "spec", "spec") or {}
    name, namespace, uid = identity
    cr = CustomResource(kind, api_version, name, namespace, uid, spec)
    return OPERATOR_KINDS[(group, kind)][1](cr, override)
