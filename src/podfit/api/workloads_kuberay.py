"""KubeRay's RayCluster and RayJob (``ray.io/v1``) → the pods the KubeRay operator creates.

A RayCluster makes one head pod from ``headGroupSpec.template`` and, per ``workerGroupSpecs[]``
entry, ``replicas`` (clamped to ``minReplicas``..``maxReplicas``; 0 when the group is suspended)
times ``numOfHosts`` worker pods. KubeRay names them with ``generateName`` (``<cluster>-head-`` and
``<cluster>-<group>-worker-``): the five-character suffix is random in a cluster, podfit's is a
hash. With ``enableInTreeAutoscaling`` the head pod gets the ``autoscaler`` container (requests =
limits: cpu 500m, memory 512Mi, unless ``autoscalerOptions.resources``); every worker pod gets the
``wait-gcs-ready`` init container (requests = limits: cpu 200m, memory 256Mi; not copied from the
Ray container). A RayJob makes a RayCluster ``<job>-<5 chars>`` from ``rayClusterSpec`` and, in
``K8sJobMode`` (its default), a submitter Job ``<job>`` whose default container
``ray-job-submitter`` requests cpu 500m, memory 200Mi and is limited to cpu 1, memory 1Gi; in
``SidecarMode`` that container joins the head pod. The ``/dev/shm`` memory-backed emptyDir, env,
ports, probes and the generated ``ray start`` command are left out (no node resource manager reads
them). Operator options are at their defaults (init container injection on, no extra sidecars,
RayMultiHostIndexing on, RayClusterMTLS off). Read in ray-project/kuberay v1.7.0 (59d663ae).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from podfit.api.workloads_jobs import job_pods
from podfit.api.workloads_names import generate_name, random_suffix, unique_names
from podfit.api.workloads_pods import (
    CustomResource,
    WorkloadPods,
    count_field,
    mapping_field,
    new_pod,
    object_uid,
)
from podfit.errors import InputError
from podfit.model.gotext import json_text

__all__ = [
    "AUTOSCALER_RESOURCES",
    "RAY_API_VERSION",
    "SUBMITTER_LIMITS",
    "SUBMITTER_REQUESTS",
    "WAIT_GCS_RESOURCES",
    "ray_cluster_pods",
    "ray_job_pods",
]

RAY_API_VERSION: Final = "ray.io/v1"
AUTOSCALER_RESOURCES: Final = {"cpu": "500m", "memory": "512Mi"}  # common/pod.go BuildAutoscalerContainer
WAIT_GCS_RESOURCES: Final = {"cpu": "200m", "memory": "256Mi"}  # common/pod.go DefaultWorkerPodTemplate
SUBMITTER_REQUESTS: Final = {"cpu": "500m", "memory": "200Mi"}  # common/job.go GetDefaultSubmitterContainer
SUBMITTER_LIMITS: Final = {"cpu": "1", "memory": "1Gi"}
_MAX_INT32: Final = 2147483647


def _containers(template: Mapping[str, Any], path: str) -> list[Any]:
    spec = mapping_field(template, "spec", f"{path}.spec") or {}
    containers = spec.get("containers")
    if containers is not None and not isinstance(containers, list):
        raise InputError(f"{path}.spec.containers", "expected a list")
    return containers or []


def _refusal(spec: Mapping[str, Any], path: str) -> str:
    """What the operator's validation refuses (it then creates no pod), or ``""``.

    Mirrors: kuberay ray-operator/controllers/ray/utils/validation.go ValidateRayClusterSpec
    (v1.7.0; the replica checks; the CRD defaults minReplicas 0, maxReplicas 2147483647)."""
    head = mapping_field(spec, "headGroupSpec", f"{path}.headGroupSpec") or {}
    if not _containers(mapping_field(head, "template", f"{path}.headGroupSpec.template") or {}, path):
        return "headGroupSpec should have at least one container"
    for i, group in enumerate(_groups(spec, path)):
        gpath = f"{path}.workerGroupSpecs[{i}]"
        if not _containers(mapping_field(group, "template", f"{gpath}.template") or {}, gpath):
            return "workerGroupSpec should have at least one container"
        least = count_field(group, "minReplicas", f"{gpath}.minReplicas", 0) or 0
        most = count_field(group, "maxReplicas", f"{gpath}.maxReplicas", _MAX_INT32) or 0
        if least > most:
            name = group.get("groupName")
            return f"worker group {name} has minReplicas {least} greater than maxReplicas {most}"
    return ""


def _groups(spec: Mapping[str, Any], path: str) -> list[Mapping[str, Any]]:
    groups = spec.get("workerGroupSpecs") or []
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise InputError(f"{path}.workerGroupSpecs", f"expected a list of objects, got {json_text(groups)}")
    return groups


def _desired(group: Mapping[str, Any], gpath: str) -> tuple[int, int]:
    """``(replicas, numOfHosts)`` of a worker group.

    Mirrors: kuberay ray-operator/controllers/ray/utils/util.go GetWorkerGroupDesiredReplicas (v1.7.0)."""
    if group.get("suspend") is True:
        return 0, 1
    least = count_field(group, "minReplicas", f"{gpath}.minReplicas", 0) or 0
    most = count_field(group, "maxReplicas", f"{gpath}.maxReplicas", _MAX_INT32) or 0
    replicas = count_field(group, "replicas", f"{gpath}.replicas", None)
    hosts = count_field(group, "numOfHosts", f"{gpath}.numOfHosts", 1) or 1
    if replicas is None or replicas < least:
        return least, hosts
    return min(replicas, most), hosts


def _labels(node: str, cluster: str, group: str, template: Mapping[str, Any], extra: Any) -> dict[str, str]:
    """Mirrors: kuberay ray-operator/controllers/ray/common/pod.go labelPod, mergeLabels (v1.7.0)."""
    found = template.get("metadata")
    meta: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    given = {**(meta.get("labels") or {}), **(extra if isinstance(extra, Mapping) else {})}
    labels = {
        "ray.io/is-ray-node": "yes",
        "ray.io/cluster": cluster,
        "ray.io/node-type": node,
        "ray.io/group": group,
        "ray.io/identifier": f"{cluster}-{node}"[-63:],
        "app.kubernetes.io/name": "kuberay",
        "app.kubernetes.io/created-by": "kuberay-operator",
    }
    fixed = ("ray.io/node-type", "ray.io/group", "ray.io/cluster")
    labels.update({str(k): str(v) for k, v in given.items() if k not in fixed})
    return labels


def _head_pod(
    cluster: CustomResource, spec: Mapping[str, Any], path: str, sidecar: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The head pod; ``sidecar``: a RayJob's submitter container (SidecarMode).

    Mirrors: kuberay ray-operator/controllers/ray/common/pod.go DefaultHeadPodTemplate,
    BuildAutoscalerContainer, mergeAutoscalerOverrides; raycluster_controller.go buildHeadPod and
    utils/util.go PodName (v1.7.0)."""
    hpath = f"{path}.headGroupSpec"
    head = mapping_field(spec, "headGroupSpec", hpath) or {}
    template = mapping_field(head, "template", f"{hpath}.template") or {}
    pod_spec = mapping_field(template, "spec", f"{hpath}.template.spec") or {}
    containers = list(_containers(template, f"{hpath}.template"))
    fields: dict[str, Any] = {}
    options = mapping_field(spec, "autoscalerOptions", f"{path}.autoscalerOptions") or {}
    if spec.get("enableInTreeAutoscaling") is True:
        ray = containers[0] if isinstance(containers[0], Mapping) else {}
        resources = options.get("resources")
        if resources is None:
            resources = {"limits": dict(AUTOSCALER_RESOURCES), "requests": dict(AUTOSCALER_RESOURCES)}
        containers.append(
            {
                "name": "autoscaler",
                "image": options.get("image") or ray.get("image"),
                "imagePullPolicy": options.get("imagePullPolicy") or "IfNotPresent",
                "resources": resources,
            }
        )
        if options.get("version") == "v2":
            fields["restartPolicy"] = "Never"
    if sidecar is not None:
        containers.append(dict(sidecar))
        fields["restartPolicy"] = "Never"
    fields["containers"] = containers
    if not isinstance(pod_spec.get("containers"), list):
        fields = {}
    prefix = f"{cluster.name[:50]}-head-".lower()
    return new_pod(
        template,
        f"{hpath}.template",
        name=generate_name(prefix, f"{cluster.namespace}/{prefix}"),
        namespace=cluster.namespace,
        generate_name=prefix,
        labels=_labels("head", cluster.name, "headgroup", template, head.get("labels")),
        owner=cluster.owner(),
        spec_fields=fields,
    )


def _worker_pods(cluster: CustomResource, spec: Mapping[str, Any], path: str) -> tuple[list[Any], list[str]]:
    """Each worker group's pods, group by group.

    Mirrors: kuberay ray-operator/controllers/ray/raycluster_controller.go reconcilePods,
    reconcileMultiHostWorkerGroup, buildWorkerPod and common/pod.go DefaultWorkerPodTemplate
    (v1.7.0, RayMultiHostIndexing on: its default)."""
    pods: list[Any] = []
    paths: list[str] = []
    autoscaler_v2 = spec.get("enableInTreeAutoscaling") is True and (
        (mapping_field(spec, "autoscalerOptions", f"{path}.autoscalerOptions") or {}).get("version") == "v2"
    )
    for i, group in enumerate(_groups(spec, path)):
        gpath = f"{path}.workerGroupSpecs[{i}]"
        name = str(group.get("groupName") or "")
        if not name:
            raise InputError(f"{gpath}.groupName", "Required value")
        template = mapping_field(group, "template", f"{gpath}.template") or {}
        containers = _containers(template, f"{gpath}.template")
        ray = containers[0] if isinstance(containers[0], Mapping) else {}
        init = mapping_field(template, "spec", f"{gpath}.template.spec") or {}
        given = init.get("initContainers") or []
        wait: dict[str, Any] = {"name": "wait-gcs-ready", "image": ray.get("image")}
        if ray.get("imagePullPolicy"):
            wait["imagePullPolicy"] = ray["imagePullPolicy"]
        wait["resources"] = {"limits": dict(WAIT_GCS_RESOURCES), "requests": dict(WAIT_GCS_RESOURCES)}
        fields: dict[str, Any] = {"initContainers": [*given, wait]} if isinstance(given, list) else {}
        if autoscaler_v2:
            fields["restartPolicy"] = "Never"
        replicas, hosts = _desired(group, gpath)
        prefix = f"{f'{cluster.name}-{name}'[:50]}-worker-".lower()
        names = unique_names(prefix, f"{cluster.namespace}/{prefix}", replicas * hosts)
        for r in range(replicas):
            replica_name = f"{name}-{random_suffix(f'{cluster.namespace}/{cluster.name}/{name}/{r}')}"
            for h in range(hosts):
                labels = _labels("worker", cluster.name, name, template, group.get("labels"))
                labels["ray.io/worker-group-replica-index"] = str(r)
                if hosts > 1:
                    labels["ray.io/worker-group-replica-name"] = replica_name
                    labels["ray.io/replica-host-index"] = str(h)
                pods.append(
                    new_pod(
                        template,
                        f"{gpath}.template",
                        name=names[r * hosts + h],
                        namespace=cluster.namespace,
                        generate_name=prefix,
                        labels=labels,
                        owner=cluster.owner(),
                        spec_fields=fields,
                    )
                )
                paths.append(f"{gpath}.template")
    return pods, paths


def _cluster_pods(
    cluster: CustomResource, spec: Mapping[str, Any], path: str, sidecar: Mapping[str, Any] | None
) -> tuple[list[Any], list[str], str]:
    """The head pod then the worker pods, or a note why there are none."""
    shown = f"{cluster.kind}/{cluster.name}"
    refusal = _refusal(spec, path)
    if refusal:
        return [], [], f"no pods from {shown}: KubeRay refuses it: {refusal}"
    if spec.get("suspend") is True:
        return [], [], f"no pods from {shown}: suspended"
    head = _head_pod(cluster, spec, path, sidecar)
    workers, paths = _worker_pods(cluster, spec, path)
    return [head, *workers], [f"{path}.headGroupSpec.template", *paths], ""


def _added_notes(shown: str, spec: Mapping[str, Any], workers: int) -> list[str]:
    notes = []
    if spec.get("enableInTreeAutoscaling") is True:
        options = spec.get("autoscalerOptions")
        if not (isinstance(options, Mapping) and options.get("resources") is not None):
            notes.append(
                f"{shown}: KubeRay adds container autoscaler (requests = limits: cpu 500m, memory 512Mi) "
                "to the head pod (kuberay v1.7.0)"
            )
    if workers:
        notes.append(
            f"{shown}: KubeRay adds init container wait-gcs-ready (requests = limits: cpu 200m, "
            "memory 256Mi) to each worker pod (kuberay v1.7.0)"
        )
    return notes


def ray_cluster_pods(cr: CustomResource, override: int | None) -> WorkloadPods:
    """A RayCluster's head pod then its worker pods. ``override`` (``--replicas``) is not applied
    (a note): set the worker groups' replicas."""
    shown = f"{cr.kind}/{cr.name}"
    notes: list[str] = []
    if override is not None:
        notes.append(f"{shown}: --replicas not applied (set workerGroupSpecs[].replicas)")
    pods, paths, why = _cluster_pods(cr, cr.spec, "spec", None)
    if why:
        return WorkloadPods(cr.kind, cr.name, notes=(*notes, why))
    notes.extend(_added_notes(shown, cr.spec, len(pods) - 1))
    return WorkloadPods(cr.kind, cr.name, tuple(pods), "", tuple(notes), pod_paths=tuple(paths))


def _submitter_container(cluster_spec: Mapping[str, Any]) -> dict[str, Any]:
    """Mirrors: kuberay ray-operator/controllers/ray/common/job.go GetDefaultSubmitterContainer (v1.7.0)."""
    head = cluster_spec.get("headGroupSpec") or {}
    containers = _containers(head.get("template") or {}, "spec.rayClusterSpec.headGroupSpec.template")
    image = containers[0].get("image") if containers and isinstance(containers[0], Mapping) else None
    return {
        "name": "ray-job-submitter",
        "image": image,
        "resources": {"limits": dict(SUBMITTER_LIMITS), "requests": dict(SUBMITTER_REQUESTS)},
    }


def ray_job_pods(cr: CustomResource, override: int | None) -> WorkloadPods:
    """A RayJob's RayCluster pods (none with ``clusterSelector``: it runs on an existing cluster),
    then, in ``K8sJobMode``, the submitter Job's pod (KubeRay creates it once the cluster is ready).

    Mirrors: kuberay ray-operator/controllers/ray/rayjob_controller.go constructRayClusterForRayJob,
    getSubmitterTemplate, createNewK8sJob and utils/util.go GenerateRayClusterName (v1.7.0)."""
    shown = f"{cr.kind}/{cr.name}"
    notes: list[str] = []
    if override is not None:
        notes.append(f"{shown}: --replicas not applied (set rayClusterSpec.workerGroupSpecs[].replicas)")
    if cr.spec.get("suspend") is True:
        return WorkloadPods(cr.kind, cr.name, notes=(*notes, f"no pods from {shown}: suspended"))
    mode = cr.spec.get("submissionMode") or "K8sJobMode"
    selector = cr.spec.get("clusterSelector")
    cluster_spec = mapping_field(cr.spec, "rayClusterSpec", "spec.rayClusterSpec") or {}
    pods: list[Any] = []
    paths: list[str] = []
    if selector:
        notes.append(f"{shown}: runs on an existing RayCluster (clusterSelector): no cluster pods")
    elif not cluster_spec:
        raise InputError("spec.rayClusterSpec", "Required value: one of rayClusterSpec or clusterSelector")
    else:
        name = f"{cr.name}-{random_suffix(f'{cr.namespace}/{cr.name}/raycluster')}"
        cluster = CustomResource(
            "RayCluster",
            RAY_API_VERSION,
            name,
            cr.namespace,
            object_uid("RayCluster", cr.namespace, name),
            {},
        )
        sidecar = _submitter_container(cluster_spec) if mode == "SidecarMode" else None
        pods, paths, why = _cluster_pods(cluster, cluster_spec, "spec.rayClusterSpec", sidecar)
        if why:
            return WorkloadPods(cr.kind, cr.name, notes=(*notes, why))
        notes.extend(_added_notes(shown, cluster_spec, len(pods) - 1))
        if sidecar is not None:
            notes.append(
                f"{shown}: SidecarMode: the head pod runs container ray-job-submitter "
                "(requests cpu 500m, memory 200Mi; limits cpu 1, memory 1Gi)"
            )
    if mode == "K8sJobMode":
        given = mapping_field(cr.spec, "submitterPodTemplate", "spec.submitterPodTemplate")
        template: dict[str, Any] = (
            dict(given)
            if given is not None
            else {"spec": {"containers": [_submitter_container(cluster_spec)], "restartPolicy": "Never"}}
        )
        meta = dict(template.get("metadata") or {})
        meta["labels"] = {
            **(meta.get("labels") or {}),
            "ray.io/originated-from-cr-name": cr.name,
            "ray.io/originated-from-crd": "RayJob",
            "app.kubernetes.io/created-by": "kuberay-operator",
        }
        template["metadata"] = meta
        backoff = (mapping_field(cr.spec, "submitterConfig", "spec.submitterConfig") or {}).get(
            "backoffLimit"
        )
        job_spec = {"template": template, "backoffLimit": 2 if backoff is None else backoff}
        job_uid = object_uid("Job", cr.namespace, cr.name)
        made, _ = job_pods(cr.name, cr.namespace, job_uid, job_spec, "spec.submitterPodTemplate", None)
        pods.extend(made)
        paths.extend("spec.submitterPodTemplate" for _ in made)
        if given is None:
            notes.append(
                f"{shown}: KubeRay's submitter Job {cr.name} runs container ray-job-submitter (requests cpu "
                "500m, memory 200Mi; limits cpu 1, memory 1Gi): its pod is Burstable (kuberay v1.7.0)"
            )
    if not pods:
        notes.append(f"no pods from {shown}: submissionMode {mode} runs no pod of its own")
    return WorkloadPods(cr.kind, cr.name, tuple(pods), "", tuple(notes), pod_paths=tuple(paths))
