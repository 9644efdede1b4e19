"""A Volcano Job (``batch.volcano.sh/v1alpha1``) → the pods its job controller creates.

Each ``tasks[]`` entry makes ``replicas`` pods ``<job>-<task>-<index>`` straight from the task's
template, with the controller's ``volcano.sh/*`` labels and annotations and the job's scheduler
(default ``volcano``). The admission webhook names an unnamed task ``default<position>``. Of the
job plugins, ``svc`` sets each pod's hostname (its name) and subdomain (the job's name) and the
``pytorch`` plugin, with ``--wait-master-enabled``, adds an init container ``wait-for-master``
without resources to every worker pod (no such pod is then Guaranteed). Environment variables,
ports, ConfigMap and SSH-secret volumes the plugins add, and ``spec.volumes`` claims, are left out:
no node resource manager reads them. A task's ``topologyPolicy`` becomes the
``volcano.sh/numa-topology-policy`` annotation Volcano's scheduler reads (the kubelet does not).
Read in volcano-sh/volcano v1.15.1 (0a56ed33).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from podfit.api.workloads_pods import CustomResource, WorkloadPods, count_field, mapping_field, new_pod
from podfit.errors import InputError
from podfit.model.gotext import json_text
from podfit.model.quantity import parse_quantity

__all__ = ["VOLCANO_API_VERSION", "WAIT_FOR_MASTER_CONTAINER", "volcano_job_pods"]

VOLCANO_API_VERSION: Final = "batch.volcano.sh/v1alpha1"
_DEFAULT_SCHEDULER: Final = "volcano"  # webhook-manager --scheduler-name default
_DEFAULT_QUEUE: Final = "default"
_DEFAULT_TASK: Final = "default"
_PLUGINS: Final = ("ssh", "env", "svc", "tensorflow", "mpi", "pytorch", "hcclrank", "ray")
# The pytorch plugin's defaults: pkg/controllers/job/plugins/distributed-framework/pytorch/pytorch.go.
WAIT_FOR_MASTER_CONTAINER: Final = "wait-for-master"
_WAIT_MASTER_IMAGE: Final = "busybox:1.36.1"
_QUALIFIED_NAME: Final = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def _tasks(cr: CustomResource) -> list[tuple[str, int, Mapping[str, Any]]]:
    """``(name, replicas, task)`` of each task, unnamed ones named as the webhook names them, and
    what the webhook refuses about them.

    Mirrors: volcano pkg/webhooks/admission/jobs/mutate/mutate_job.go mutateSpec and
    pkg/webhooks/admission/jobs/validate/admit_job.go validateJobCreate (v1.15.1)."""
    tasks = cr.spec.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise InputError("spec.tasks", "No task specified in job spec")
    out: list[tuple[str, int, Mapping[str, Any]]] = []
    seen: set[str] = set()
    total = 0
    for i, task in enumerate(tasks):
        path = f"spec.tasks[{i}]"
        if not isinstance(task, Mapping):
            raise InputError(path, f"expected an object, got {json_text(task)}")
        name = task.get("name") or f"{_DEFAULT_TASK}{i}"
        if not isinstance(name, str):
            raise InputError(f"{path}.name", f"expected a string, got {json_text(name)}")
        if name in seen:
            raise InputError(f"{path}.name", f"duplicated task name {name}")
        seen.add(name)
        replicas = count_field(task, "replicas", f"{path}.replicas", 0) or 0
        least = count_field(task, "minAvailable", f"{path}.minAvailable", None)
        if least is not None and least > replicas:
            raise InputError(
                f"{path}.minAvailable", f"'minAvailable' is greater than 'replicas' in task: {name}"
            )
        pod_name = f"{cr.name}-{name}-{i}"
        if len(pod_name) > 63 or not _QUALIFIED_NAME.match(pod_name):
            raise InputError(f"{path}.name", f"create pod with name {pod_name} validate failed")
        template = mapping_field(task, "template", f"{path}.template") or {}
        _check_topology_policy(task, template, path, i)
        total += replicas
        out.append((name, replicas, template))
    least_job = count_field(cr.spec, "minAvailable", "spec.minAvailable", 0) or 0
    if least_job > total:
        raise InputError(
            "spec.minAvailable", "job 'minAvailable' should not be greater than total replicas in tasks"
        )
    plugins = mapping_field(cr.spec, "plugins", "spec.plugins") or {}
    for plugin in plugins:
        if plugin not in _PLUGINS:
            raise InputError(f"spec.plugins.{plugin}", f"unable to find job plugin: {plugin}")
    return out


def _check_topology_policy(task: Mapping[str, Any], template: Mapping[str, Any], path: str, i: int) -> None:
    """Under a task ``topologyPolicy`` other than ``none``, every container and init container must
    request a whole number of CPUs (requests unset: its limits).

    Mirrors: volcano pkg/webhooks/admission/jobs/validate/admit_job.go validateTaskTopoPolicy,
    guaranteedCPUs (v1.15.1)."""
    policy = task.get("topologyPolicy")
    if not policy or policy == "none":
        return
    spec = mapping_field(template, "spec", f"{path}.template.spec") or {}
    containers: list[Mapping[str, Any]] = []
    for key in ("containers", "initContainers"):
        listed = spec.get(key)  # not a list: the pod's own validation names the field
        containers += [c for c in listed if isinstance(c, Mapping)] if isinstance(listed, list) else []
    for ci, container in enumerate(containers):
        given = container.get("resources")
        resources: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        requests = resources.get("requests") or resources.get("limits") or {}
        cpu = requests.get("cpu") if isinstance(requests, Mapping) else None
        try:
            millis = parse_quantity(str(cpu)).milli_value() if cpu is not None else 0
        except ValueError:
            return  # the pod's own validation names the field
        if millis == 0 or millis % 1000:
            raise InputError(
                f"{path}.template.spec",
                f"the cpu request isn't an integer in spec.task[{i}] container[{ci}]",
            )


def _go_flags(args: Any, field: str) -> dict[str, str]:
    """A plugin's arguments as Go's flag package reads them (``-name``, ``--name=value``)."""
    if not isinstance(args, list):
        raise InputError(field, f"expected a list, got {json_text(args)}")
    flags: dict[str, str] = {}
    for arg in args:
        text = str(arg)
        if not text.startswith("-") or text in ("-", "--"):
            break  # the flag package stops at the first non-flag argument
        key, sep, value = text.lstrip("-").partition("=")
        flags[key] = value if sep else "true"
    return flags


def _wait_for_master(plugins: Mapping[str, Any], task_names: list[str]) -> tuple[str, str]:
    """``(worker task, image)`` when the pytorch plugin adds ``wait-for-master`` to that task's pods.

    Mirrors: volcano pkg/controllers/job/plugins/distributed-framework/pytorch/pytorch.go addFlags,
    OnPodCreate, addWaitForMasterInitContainer (v1.15.1)."""
    if "pytorch" not in plugins:
        return "", ""
    flags = _go_flags(plugins["pytorch"] or [], "spec.plugins.pytorch")
    if flags.get("wait-master-enabled", "false").lower() not in ("true", "1", "t"):
        return "", ""
    if flags.get("master", "master") not in task_names:
        return "", ""  # the plugin logs the missing master and adds nothing
    return flags.get("worker", "worker"), flags.get("wait-master-image", _WAIT_MASTER_IMAGE)


def volcano_job_pods(cr: CustomResource, override: int | None) -> WorkloadPods:
    """The pods of every task, task by task, index by index (the controller creates them in
    parallel once the job's PodGroup is admitted). ``override`` (``--replicas``) is not applied (a
    note): a Volcano job's size is its tasks' replicas.

    Mirrors: volcano pkg/controllers/job/job_controller_actions.go syncJob,
    pkg/controllers/job/job_controller_util.go createJobPod, pkg/controllers/job/helpers/helpers.go
    PodNameFmt, pkg/controllers/job/plugins/svc/svc.go OnPodCreate and
    pkg/webhooks/admission/jobs/mutate/mutate_job.go patchDefaultQueue, patchDefaultScheduler,
    patchDefaultPlugins (v1.15.1)."""
    shown = f"{cr.kind}/{cr.name}"
    notes: list[str] = []
    if override is not None:
        notes.append(f"{shown}: --replicas not applied (set tasks[].replicas)")
    tasks = _tasks(cr)
    plugins = dict(mapping_field(cr.spec, "plugins", "spec.plugins") or {})
    if any(p in plugins for p in ("tensorflow", "mpi", "pytorch", "ray")):
        plugins.setdefault("svc", [])  # the webhook adds the svc plugin these depend on
    worker, image = _wait_for_master(plugins, [t[0] for t in tasks])
    scheduler = cr.spec.get("schedulerName") or _DEFAULT_SCHEDULER
    queue = cr.spec.get("queue") or _DEFAULT_QUEUE
    priority = cr.spec.get("priorityClassName")
    pods: list[dict[str, Any]] = []
    paths: list[str] = []
    added = 0
    for i, (name, replicas, template) in enumerate(tasks):
        tpath = f"spec.tasks[{i}].template"
        spec = mapping_field(template, "spec", f"{tpath}.spec") or {}
        policy = cr.spec["tasks"][i].get("topologyPolicy")
        for index in range(replicas):
            pod_name = f"{cr.name}-{name}-{index}"
            fields: dict[str, Any] = {}
            if not spec.get("schedulerName"):
                fields["schedulerName"] = scheduler
            if not spec.get("priorityClassName") and priority:
                fields["priorityClassName"] = priority
            if "svc" in plugins:
                fields["hostname"] = spec.get("hostname") or pod_name
                fields["subdomain"] = spec.get("subdomain") or cr.name
            if name == worker:
                given = spec.get("initContainers") or []
                if isinstance(given, list) and not any(
                    isinstance(c, Mapping) and c.get("name") == WAIT_FOR_MASTER_CONTAINER for c in given
                ):
                    fields["initContainers"] = [*given, {"name": WAIT_FOR_MASTER_CONTAINER, "image": image}]
                    added += 1
            labels = {
                "volcano.sh/task-index": str(index),
                "volcano.sh/job-name": cr.name,
                "volcano.sh/task-spec": name,
                "volcano.sh/job-namespace": cr.namespace,
                "volcano.sh/queue-name": str(queue),
            }
            annotations = {
                "volcano.sh/task-index": str(index),
                "volcano.sh/task-spec": name,
                "scheduling.k8s.io/group-name": f"{cr.name}-{cr.uid}",
                "volcano.sh/job-name": cr.name,
                "volcano.sh/queue-name": str(queue),
                "volcano.sh/job-version": "0",
                "volcano.sh/template-uid": f"{cr.name}-{name}",
                "volcano.sh/job-retry-count": "0",
            }
            if policy:
                annotations["volcano.sh/numa-topology-policy"] = str(policy)
            pods.append(
                new_pod(
                    template,
                    tpath,
                    name=pod_name,
                    namespace=cr.namespace,
                    labels=labels,
                    annotations=annotations,
                    owner=cr.owner(),
                    spec_fields=fields,
                )
            )
            paths.append(tpath)
        depends = cr.spec["tasks"][i].get("dependsOn")
        after = depends.get("name") if isinstance(depends, Mapping) else None
        if isinstance(after, list) and after:
            tasks_after = ", ".join(str(t) for t in after)
            notes.append(f"{shown}: task {name} starts after {tasks_after}: its pods are added after")
    if added:
        notes.append(
            f"{shown}: the pytorch plugin adds init container {WAIT_FOR_MASTER_CONTAINER} (no resources) "
            f"to each {worker} pod: no such pod is Guaranteed (volcano v1.15.1)"
        )
    if not pods:
        notes.append(f"no pods from {shown}: replicas is 0")
    return WorkloadPods(cr.kind, cr.name, tuple(pods), "", tuple(notes), pod_paths=tuple(paths))
