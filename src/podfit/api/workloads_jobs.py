"""A Job's running pods: how many run at once, their names and the labels the API server and the
Job controller add (also for the Job a CronJob starts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from podfit.api.workloads_names import pod_generate_name_with_index, unique_names
from podfit.api.workloads_pods import count_field, new_pod, owner_reference
from podfit.errors import InputError

__all__ = ["job_pods"]

JOB_NAME_LABEL: Final = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL: Final = "job-name"
CONTROLLER_UID_LABEL: Final = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL: Final = "controller-uid"
JOB_COMPLETION_INDEX: Final = "batch.kubernetes.io/job-completion-index"
JOB_TRACKING_FINALIZER: Final = "batch.kubernetes.io/job-tracking"
_MODES: Final = ("NonIndexed", "Indexed")


def _selector_labels(job_name: str, job_uid: str, template: Mapping[str, Any]) -> dict[str, str]:
    """The labels the API server adds to a Job's template unless ``manualSelector`` (a label the
    template already has is kept).

    Mirrors: pkg/registry/batch/job/strategy.go generateSelector (v1.36)."""
    meta = template.get("metadata")
    given = meta.get("labels") if isinstance(meta, Mapping) else None
    given = given if isinstance(given, Mapping) else {}
    wanted = {
        LEGACY_JOB_NAME_LABEL: job_name,
        JOB_NAME_LABEL: job_name,
        LEGACY_CONTROLLER_UID_LABEL: job_uid,
        CONTROLLER_UID_LABEL: job_uid,
    }
    return {k: v for k, v in wanted.items() if k not in given}


def running_count(spec: Mapping[str, Any], path: str, override: int | None) -> tuple[int, int | None]:
    """How many pods the Job controller keeps running at the start, and ``completions``.

    Defaulting: both unset → 1 and 1; ``parallelism`` unset → 1. Without ``completions`` (a work
    queue) ``parallelism`` pods run; with it, ``min(parallelism, completions)``. ``override``
    (``--replicas``) stands for ``parallelism``.

    Mirrors: pkg/apis/batch/v1/defaults.go SetDefaults_Job and pkg/controller/job/job_controller.go
    manageJob (wantActive, nothing succeeded yet) (v1.36)."""
    completions = count_field(spec, "completions", f"{path}.completions", None)
    parallelism = count_field(spec, "parallelism", f"{path}.parallelism", 1)
    if override is not None:
        parallelism = override
    want = parallelism or 0
    if completions is not None:
        want = min(want, completions)
    return want, completions


def job_pods(
    job_name: str,
    namespace: str,
    job_uid: str,
    spec: Mapping[str, Any],
    path: str,
    override: int | None,
) -> tuple[tuple[dict[str, Any], ...], str]:
    """The Job's first running pods, and why there are none when there are none.

    NonIndexed pods are ``<job>-<suffix>``; Indexed ones ``<job>-<index>-<suffix>`` for the first
    indexes, with the completion index label, annotation and hostname ``<job>-<index>``.

    Mirrors: pkg/controller/job/job_controller.go manageJob and indexed_job_utils.go
    addCompletionIndexAnnotation, addCompletionIndexLabel (v1.36)."""
    mode = spec.get("completionMode") or "NonIndexed"
    if mode not in _MODES:
        supported = ", ".join(f'"{m}"' for m in _MODES)
        raise InputError(
            f"{path}.completionMode", f'Unsupported value: "{mode}": supported values: {supported}'
        )
    count, completions = running_count(spec, path, override)
    if mode == "Indexed" and completions is None:
        raise InputError(f"{path}.completions", "Required value: when completion mode is Indexed")
    if count == 0:
        why = "completions is 0" if completions == 0 else "parallelism is 0"
        return (), why
    template = spec["template"]
    tpath = f"{path}.template"
    labels = {} if spec.get("manualSelector") is True else _selector_labels(job_name, job_uid, template)
    owner = owner_reference("batch/v1", "Job", job_name, job_uid)
    common: dict[str, Any] = {
        "namespace": namespace,
        "finalizers": (JOB_TRACKING_FINALIZER,),
        "owner": owner,
    }
    if mode == "NonIndexed":
        names = unique_names(f"{job_name}-", f"{namespace}/Job/{job_name}", count)
        return tuple(
            new_pod(template, tpath, name=n, generate_name=f"{job_name}-", labels=labels, **common)
            for n in names
        ), ""
    pods = []
    for index in range(count):
        prefix = pod_generate_name_with_index(job_name, index)
        (name,) = unique_names(prefix, f"{namespace}/Job/{job_name}/{index}", 1)
        pods.append(
            new_pod(
                template,
                tpath,
                name=name,
                generate_name=prefix,
                labels={**labels, JOB_COMPLETION_INDEX: str(index)},
                annotations={JOB_COMPLETION_INDEX: str(index)},
                spec_fields={"hostname": f"{job_name}-{index}"},
                **common,
            )
        )
    return tuple(pods), ""
