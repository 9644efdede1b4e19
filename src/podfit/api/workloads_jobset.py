"""A JobSet (``jobset.x-k8s.io/v1alpha2``) → its Jobs → their pods.

Each ``replicatedJobs[]`` entry makes ``replicas`` (default 1) Jobs ``<jobset>-<name>-<index>`` from
its Job template, labelled and annotated by the JobSet controller, their pods with subdomain the
JobSet's name (``network.subdomain`` when set, none when ``network.enableDNSHostnames`` is false);
the JobSet's webhook defaults each Job to ``completionMode: Indexed`` and its pods to ``restartPolicy:
OnFailure``. The Jobs' pods are then the Job controller's (:func:`podfit.api.workloads_jobs.job_pods`).
JobSet adds no container. Read in kubernetes-sigs/jobset v0.12.0 (b16bcb1b).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from podfit.api.workloads_jobs import job_pods
from podfit.api.workloads_pods import CustomResource, WorkloadPods, count_field, mapping_field, object_uid
from podfit.errors import InputError
from podfit.model.gotext import json_text

__all__ = ["JOBSET_API_VERSION", "jobset_pods"]

JOBSET_API_VERSION: Final = "jobset.x-k8s.io/v1alpha2"
_PREFIX: Final = "jobset.sigs.k8s.io/"


def _replicated_jobs(cr: CustomResource) -> list[tuple[str, int, str, Mapping[str, Any]]]:
    """``(name, replicas, groupName, Job spec)`` of each replicated job, with their defaults."""
    entries = cr.spec.get("replicatedJobs")
    if not isinstance(entries, list) or not entries:
        raise InputError("spec.replicatedJobs", "Required value: must have at least one replicated job")
    out = []
    for i, entry in enumerate(entries):
        path = f"spec.replicatedJobs[{i}]"
        if not isinstance(entry, Mapping):
            raise InputError(path, f"expected an object, got {json_text(entry)}")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"{path}.name", "Required value")
        replicas = count_field(entry, "replicas", f"{path}.replicas", 1) or 0
        group = entry.get("groupName") or "default"
        template = mapping_field(entry, "template", f"{path}.template") or {}
        job_spec = mapping_field(template, "spec", f"{path}.template.spec") or {}
        out.append((name, replicas, str(group), job_spec))
    return out


def _labels(
    cr: CustomResource, jobs: list[tuple[str, int, str, Mapping[str, Any]]], i: int, index: int
) -> dict[str, str]:
    """The labels (and annotations: the same) the controller sets on a Job and its pod template,
    without a restart (``restart-attempt`` 0) and with the RestartJob gate off (its default).

    Mirrors: jobset pkg/controllers/jobset_controller.go labelAndAnnotateObject, jobHashKey,
    globalReplicas, globalJobIndex, groupReplicas, groupJobIndex (v0.12.0)."""
    name, replicas, group, _ = jobs[i]
    job_name = f"{cr.name}-{name}-{index}"
    before = sum(r for _, r, _, _ in jobs[:i])
    group_before = sum(r for _, r, g, _ in jobs[:i] if g == group)
    return {
        f"{_PREFIX}jobset-name": cr.name,
        f"{_PREFIX}jobset-uid": cr.uid,
        f"{_PREFIX}replicatedjob-name": name,
        f"{_PREFIX}restart-attempt": "0",
        f"{_PREFIX}replicatedjob-replicas": str(replicas),
        f"{_PREFIX}global-replicas": str(sum(r for _, r, _, _ in jobs)),
        f"{_PREFIX}job-index": str(index),
        f"{_PREFIX}job-key": hashlib.sha1(f"{cr.namespace}/{job_name}".encode()).hexdigest(),
        f"{_PREFIX}job-global-index": str(before + index),
        f"{_PREFIX}group-name": group,
        f"{_PREFIX}group-replicas": str(sum(r for _, r, g, _ in jobs if g == group)),
        f"{_PREFIX}job-group-index": str(group_before + index),
    }


def _subdomain(cr: CustomResource) -> str:
    """Mirrors: jobset pkg/controllers/jobset_controller.go dnsHostnamesEnabled, GetSubdomain and
    pkg/webhooks/jobset_webhook.go Default (v0.12.0: DNS hostnames on by default)."""
    network = mapping_field(cr.spec, "network", "spec.network") or {}
    if network.get("enableDNSHostnames") is False:
        return ""
    subdomain = network.get("subdomain")
    return subdomain if isinstance(subdomain, str) and subdomain else cr.name


def _job_spec(
    cr: CustomResource, job_spec: Mapping[str, Any], path: str, labels: Mapping[str, str]
) -> dict[str, Any]:
    """The Job the controller creates: the template's spec with the webhook's defaults and the
    controller's labels, annotations and subdomain on its pod template.

    Mirrors: jobset pkg/controllers/jobset_controller.go constructJob and
    pkg/webhooks/jobset_webhook.go Default (v0.12.0); pkg/apis/batch/v1/defaults.go SetDefaults_Job
    (Kubernetes v1.36: neither parallelism nor completions: both 1)."""
    tpath = f"{path}.template"
    template = mapping_field(job_spec, "template", tpath) or {}
    meta = mapping_field(template, "metadata", f"{tpath}.metadata") or {}
    pod_spec = dict(mapping_field(template, "spec", f"{tpath}.spec") or {})
    pod_spec["restartPolicy"] = pod_spec.get("restartPolicy") or "OnFailure"
    subdomain = _subdomain(cr)
    if subdomain:
        pod_spec["subdomain"] = subdomain
    given_labels = mapping_field(meta, "labels", f"{tpath}.metadata.labels") or {}
    given_annotations = mapping_field(meta, "annotations", f"{tpath}.metadata.annotations") or {}
    spec = dict(job_spec)
    spec["template"] = {
        **template,
        "metadata": {
            **meta,
            "labels": {**given_labels, **labels},
            "annotations": {**given_annotations, **labels},
        },
        "spec": pod_spec,
    }
    spec["completionMode"] = spec.get("completionMode") or "Indexed"
    if spec.get("parallelism") is None and spec.get("completions") is None:
        spec["completions"] = 1
    return spec


def jobset_pods(cr: CustomResource, override: int | None) -> WorkloadPods:
    """The pods of every Job of the JobSet, replicated job by replicated job, Job by Job.
    ``override`` (``--replicas``) is not applied (a note): a JobSet's size is its replicated jobs'
    replicas times their Jobs' parallelism. ``dependsOn`` is noted: those pods start later.

    Mirrors: jobset pkg/controllers/jobset_controller.go constructJobsFromTemplate, constructJob,
    pkg/util/placement/placement.go GenJobName (v0.12.0)."""
    shown = f"{cr.kind}/{cr.name}"
    notes: list[str] = []
    if override is not None:
        notes.append(
            f"{shown}: --replicas not applied (set replicatedJobs[].replicas or the Jobs' parallelism)"
        )
    jobs = _replicated_jobs(cr)
    if cr.spec.get("suspend") is True:
        return WorkloadPods(cr.kind, cr.name, notes=(*notes, f"no pods from {shown}: suspended"))
    pods: list[Mapping[str, Any]] = []
    paths: list[str] = []
    entries = cr.spec["replicatedJobs"]
    for i, (name, replicas, _, job_spec) in enumerate(jobs):
        path = f"spec.replicatedJobs[{i}].template.spec"
        if "template" not in job_spec:
            raise InputError(f"{path}.template", "Required value")
        for index in range(replicas):
            job_name = f"{cr.name}-{name}-{index}"
            spec = _job_spec(cr, job_spec, path, _labels(cr, jobs, i, index))
            made, _ = job_pods(
                job_name, cr.namespace, object_uid("Job", cr.namespace, job_name), spec, path, None
            )
            pods.extend(made)
            paths.extend(f"{path}.template" for _ in made)
        depends = entries[i].get("dependsOn")
        if isinstance(depends, list) and depends:
            after = ", ".join(
                f"{d.get('name')} is {d.get('status')}" for d in depends if isinstance(d, Mapping)
            )
            notes.append(f"{shown}: replicated job {name} starts when {after}: its pods are added after")
    if not pods:
        notes.append(f"no pods from {shown}: replicas is 0")
    return WorkloadPods(cr.kind, cr.name, tuple(pods), "", tuple(notes), pod_paths=tuple(paths))
