"""Kubeflow's training jobs → the pods their operators create.

The Training Operator v1 (``kubeflow.org/v1``: PyTorchJob, TFJob, XGBoostJob, PaddleJob, JAXJob)
makes one pod per replica, ``<job>-<replica type, lower case>-<index>``, straight from the replica
type's template; for a PyTorchJob with a Master it adds an init container to every Worker pod,
whose requests are below its limits (no Worker pod is then Guaranteed). The MPI Operator's MPIJob
(``kubeflow.org/v2beta1``) makes worker pods ``<job>-worker-<index>`` and a launcher Job
``<job>-launcher`` (its pod named by the Job controller).

Read in training-operator release-1.9 (078ec30f, v1.9.0 and later) and mpi-operator v0.8.2
(caa3c47f). Environment variables, ports, SSH volumes and DNS settings the operators add are left
out: they change nothing a node's resource managers read. What the API server's admission webhook
refuses is an error; what the MPI operator's own validation refuses runs no pod (a note).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from podfit.api.workloads_jobs import job_pods
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

__all__ = ["KUBEFLOW_KINDS", "mpi_job_pods", "training_job_pods"]

OPERATOR_NAME_LABEL: Final = "training.kubeflow.org/operator-name"
JOB_NAME_LABEL: Final = "training.kubeflow.org/job-name"
REPLICA_TYPE_LABEL: Final = "training.kubeflow.org/replica-type"
REPLICA_INDEX_LABEL: Final = "training.kubeflow.org/replica-index"
JOB_ROLE_LABEL: Final = "training.kubeflow.org/job-role"

# The PyTorchJob Worker's init container with the operator's defaults (--pytorch-init-container-image
# alpine:3.10, --pytorch-init-container-max-tries 100): pkg/controller.v1/pytorch/initcontainer.go.
PYTORCH_INIT_CONTAINER: Final = "init-pytorch"
PYTORCH_INIT_IMAGE: Final = "alpine:3.10"
PYTORCH_INIT_REQUESTS: Final = {"cpu": "50m", "memory": "10Mi"}
PYTORCH_INIT_LIMITS: Final = {"cpu": "100m", "memory": "20Mi"}
PYTORCH_INIT_MAX_TRIES: Final = 100


@dataclass(frozen=True, slots=True)
class _Framework:
    """One training-operator v1 job kind: where its replica specs are, its default container and
    restart policy, its replica types (in the order podfit creates them), and its webhook's rules."""

    kind: str
    specs: str
    container: str
    controller: str
    restart: str
    types: tuple[str, ...]
    closed: bool  # other replica types are refused
    leaders: tuple[str, ...]  # replica types whose pods are the job's master
    worker0: bool  # without a leader type, Worker 0 is the master
    single: tuple[str, ...]  # replica types whose replicas must be 1
    required: tuple[str, ...]  # replica types that must be present
    quoted: bool = False  # the webhook quotes the default container name


_FRAMEWORKS: Final[dict[str, _Framework]] = {
    "PyTorchJob": _Framework(
        "PyTorchJob", "pytorchReplicaSpecs", "pytorch", "pytorchjob-controller", "OnFailure",
        ("Master", "Worker"), True, ("Master",), True, ("Master",), (),
    ),
    "TFJob": _Framework(
        "TFJob", "tfReplicaSpecs", "tensorflow", "tfjob-controller", "Never",
        ("Chief", "Master", "PS", "Worker", "Evaluator"), False, ("Chief", "Master"), True, (), (),
    ),
    "XGBoostJob": _Framework(
        "XGBoostJob", "xgbReplicaSpecs", "xgboost", "xgboostjob-controller", "Never",
        ("Master", "Worker"), True, ("Master",), False, ("Master",), ("Master",),
    ),
    "PaddleJob": _Framework(
        "PaddleJob", "paddleReplicaSpecs", "paddle", "paddlejob-controller", "OnFailure",
        ("Master", "Worker"), True, ("Master",), False, (), (), True,
    ),
    "JAXJob": _Framework(
        "JAXJob", "jaxReplicaSpecs", "jax", "jaxjob-controller", "Never",
        ("Worker",), True, (), False, (), (),
    ),
}  # fmt: skip
KUBEFLOW_KINDS: Final[dict[str, str]] = {
    **{kind: "kubeflow.org/v1" for kind in _FRAMEWORKS},
    "MPIJob": "kubeflow.org/v2beta1",
}
_DNS1035_LABEL: Final = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_MPI_IMPLEMENTATIONS: Final = ("Intel", "MPICH", "OpenMPI")


def _replica_specs(cr: CustomResource, key: str) -> tuple[str, Mapping[str, Any]]:
    path = f"spec.{key}"
    specs = mapping_field(cr.spec, key, path)
    if not specs:
        raise InputError(path, "Required value: must be required")
    return path, specs


def _template_containers(rspec: Mapping[str, Any], path: str) -> tuple[Mapping[str, Any], list[Any]]:
    """A replica spec's template and its containers (none: ``[]``)."""
    template = mapping_field(rspec, "template", f"{path}.template") or {}
    pod_spec = mapping_field(template, "spec", f"{path}.template.spec") or {}
    containers = pod_spec.get("containers")
    if containers is not None and not isinstance(containers, list):
        raise InputError(f"{path}.template.spec.containers", "expected a list")
    return template, containers or []


def _restart_policy(rspec: Mapping[str, Any], path: str, default: str) -> str:
    """The pod's restart policy: the replica spec's (defaulted); ``ExitCode`` runs as ``Never``.

    Mirrors: training-operator pkg/core/pod.go SetRestartPolicy (release-1.9) and mpi-operator
    pkg/controller/mpi_job_controller.go setRestartPolicy (v0.8.2)."""
    policy = rspec.get("restartPolicy") or default
    if not isinstance(policy, str):
        raise InputError(f"{path}.restartPolicy", f"expected a string, got {json_text(policy)}")
    return "Never" if policy == "ExitCode" else policy


def _validate(fw: _Framework, types: dict[str, tuple[str, Mapping[str, Any]]], specs_path: str) -> None:
    """What the operator's admission webhook refuses, after defaulting.

    Mirrors: training-operator pkg/webhooks/{pytorch,tensorflow,xgboost,paddlepaddle,jax}/*_webhook.go
    validate*ReplicaSpecs (release-1.9)."""
    for rtype, (key, rspec) in types.items():
        path = f"{specs_path}.{key}"
        if fw.closed and rtype not in fw.types:
            supported = ", ".join(f'"{t}"' for t in fw.types)
            raise InputError(path, f'Unsupported value: "{key}": supported values: {supported}')
        _, containers = _template_containers(rspec, path)
        cpath = f"{path}.template.spec.containers"
        if not containers:
            raise InputError(cpath, "Required value: must be specified")
        if not any(isinstance(c, Mapping) and c.get("name") == fw.container for c in containers):
            name = f'"{fw.container}"' if fw.quoted else fw.container
            raise InputError(cpath, f"Required value: must have at least one container with name {name}")
        replicas = count_field(rspec, "replicas", f"{path}.replicas", 1)
        if rtype in fw.single and replicas != 1:
            raise InputError(f"{path}.replicas", "Forbidden: must be 1")
        if fw.kind == "PyTorchJob" and rtype == "Worker" and replicas == 0:
            raise InputError(f"{path}.replicas", "Forbidden: must be at least 1")
    for rtype in fw.required:
        if rtype not in types:
            raise InputError(f"{specs_path}.{rtype}", "Required value: must be present")
    if fw.kind == "TFJob" and sum(1 for t in ("Chief", "Master") if t in types) > 1:
        raise InputError(specs_path, "Forbidden: must not have more than 1 Chief or Master role")


def _is_master(fw: _Framework, types: Mapping[str, Any], rtype: str, index: int) -> bool:
    """Whether the pod gets the ``job-role: master`` label.

    Mirrors: training-operator pkg/controller.v1/*/..._controller.go IsMasterRole (release-1.9)."""
    if fw.kind == "JAXJob":
        return index == 0
    if any(t in types for t in fw.leaders) or not fw.worker0:
        return rtype in fw.leaders
    return rtype == "Worker" and index == 0


def pytorch_init_container(master: str) -> dict[str, Any]:
    """The container the PyTorchJob operator adds to every Worker pod when the job has a Master: it
    waits until the master's name resolves.

    Mirrors: training-operator pkg/controller.v1/pytorch/initcontainer.go setInitContainer,
    GetInitContainer (release-1.9; the operator's default template, image and tries)."""
    wait = (
        f"err=1;for i in $(seq {PYTORCH_INIT_MAX_TRIES}); do if nslookup {master}; then err=0 && break; fi;"
        "echo waiting for master; sleep 2; done; exit $err"
    )
    return {
        "name": PYTORCH_INIT_CONTAINER,
        "image": PYTORCH_INIT_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "resources": {"limits": dict(PYTORCH_INIT_LIMITS), "requests": dict(PYTORCH_INIT_REQUESTS)},
        "command": ["sh", "-c", wait],
    }


def _with_init_container(template: Mapping[str, Any], container: Mapping[str, Any]) -> dict[str, Any]:
    spec = template.get("spec")
    given = spec.get("initContainers") if isinstance(spec, Mapping) else None
    if given is not None and not isinstance(given, list):
        return {}  # left as is: the pod's validation names the field
    return {"initContainers": [*(given or []), dict(container)]}


def training_job_pods(cr: CustomResource, override: int | None) -> WorkloadPods:
    """A training-operator v1 job's pods: for each replica type (case-insensitive keys, as the
    defaulting camel-cases them) ``replicas`` (default 1) pods ``<job>-<type>-<index>`` with the
    operator's labels and the replica spec's restart policy. ``override`` (``--replicas``) sets the
    Worker replicas.

    Mirrors: training-operator pkg/controller.v1/common/pod.go ReconcilePods, createNewPod;
    pkg/controller.v1/common/util.go GenGeneralName; pkg/controller.v1/common/job_controller.go
    GenLabels; pkg/apis/kubeflow.org/v1/*_defaults.go SetDefaults_* (release-1.9)."""
    fw = _FRAMEWORKS[cr.kind]
    specs_path, specs = _replica_specs(cr, fw.specs)
    types: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for key, rspec in specs.items():
        rtype = next((t for t in fw.types if t.lower() == str(key).lower()), str(key))
        if not isinstance(rspec, Mapping):
            raise InputError(f"{specs_path}.{key}", "expected an object")
        types[rtype] = (str(key), rspec)
    _validate(fw, types, specs_path)
    shown = f"{cr.kind}/{cr.name}"
    notes: list[str] = []
    if override is not None and "Worker" not in types:
        notes.append(f"{shown}: --replicas not applied: no Worker replicas")
    run_policy = mapping_field(cr.spec, "runPolicy", "spec.runPolicy") or {}
    if run_policy.get("suspend") is True:
        return WorkloadPods(cr.kind, cr.name, notes=(*notes, f"no pods from {shown}: suspended"))
    order = [t for t in fw.types if t in types] + [t for t in types if t not in fw.types]
    job = cr.name.replace("/", "-")
    pods: list[dict[str, Any]] = []
    paths: list[str] = []
    init_workers = 0
    for rtype in order:
        key, rspec = types[rtype]
        path = f"{specs_path}.{key}"
        template, _ = _template_containers(rspec, path)
        count = count_field(rspec, "replicas", f"{path}.replicas", 1) or 0
        if rtype == "Worker" and override is not None:
            count = override
        rt = rtype.lower()
        fields: dict[str, Any] = {"restartPolicy": _restart_policy(rspec, path, fw.restart)}
        if fw.kind == "PyTorchJob" and rtype == "Worker" and "Master" in types:
            fields.update(_with_init_container(template, pytorch_init_container(f"{job}-master-0")))
            init_workers += count
        for index in range(count):
            labels = {
                OPERATOR_NAME_LABEL: fw.controller,
                JOB_NAME_LABEL: job,
                REPLICA_TYPE_LABEL: rt,
                REPLICA_INDEX_LABEL: str(index),
            }
            if _is_master(fw, types, rtype, index):
                labels[JOB_ROLE_LABEL] = "master"
            name = f"{cr.name}-{rt}-{index}".replace("/", "-")
            pods.append(
                new_pod(
                    template,
                    f"{path}.template",
                    name=name,
                    namespace=cr.namespace,
                    labels=labels,
                    owner=cr.owner(),
                    spec_fields=fields,
                )
            )
            paths.append(f"{path}.template")
    if init_workers:
        req = ", ".join(f"{k} {v}" for k, v in PYTORCH_INIT_REQUESTS.items())
        lim = ", ".join(f"{k} {v}" for k, v in PYTORCH_INIT_LIMITS.items())
        notes.append(
            f"{shown}: the operator adds init container {PYTORCH_INIT_CONTAINER} (requests {req}; "
            f"limits {lim}) to each Worker pod: requests below limits, so no Worker pod is Guaranteed "
            "(training-operator v1.9)"
        )
    if not pods:
        notes.append(f"no pods from {shown}: replicas is 0")
    return WorkloadPods(cr.kind, cr.name, tuple(pods), "", tuple(notes), pod_paths=tuple(paths))


def _mpi_refusal(cr: CustomResource, specs: Mapping[str, Any], specs_path: str, workers: int) -> str:
    """The first thing the MPI operator's validation finds wrong (after defaulting), or ``""``.

    Mirrors: mpi-operator pkg/apis/kubeflow/validation/validation.go ValidateMPIJob and
    pkg/apis/kubeflow/v2beta1/default.go SetDefaults_MPIJob (v0.8.2)."""
    host = f"{cr.name}-worker-{max(workers, 1) - 1}"
    if len(host) > 63 or not _DNS1035_LABEL.match(host):
        return f'metadata.name: Invalid value: "{cr.name}": pods would get the invalid DNS label "{host}"'
    launcher = specs.get("Launcher")
    if not isinstance(launcher, Mapping):
        return f"{specs_path}.Launcher: Required value: must have Launcher replica spec"
    for rtype, default in (("Launcher", "OnFailure"), ("Worker", "Never")):
        rspec = specs.get(rtype)
        if not isinstance(rspec, Mapping):
            continue
        path = f"{specs_path}.{rtype}"
        policy = rspec.get("restartPolicy") or default
        if policy not in ("Never", "OnFailure"):
            return (
                f'{path}.restartPolicy: Unsupported value: "{policy}": supported values: "Never", "OnFailure"'
            )
        if not _template_containers(rspec, path)[1]:
            return f"{path}.template.spec.containers: Required value: must define at least one container"
    replicas = count_field(launcher, "replicas", f"{specs_path}.Launcher.replicas", 1)
    if replicas != 1:
        return f"{specs_path}.Launcher.replicas: Invalid value: {replicas}: must be 1"
    if isinstance(specs.get("Worker"), Mapping) and workers <= 0:
        return f"{specs_path}.Worker.replicas: Invalid value: {workers}: must be greater than or equal to 1"
    implementation = cr.spec.get("mpiImplementation") or "OpenMPI"
    if implementation not in _MPI_IMPLEMENTATIONS:
        supported = ", ".join(f'"{i}"' for i in _MPI_IMPLEMENTATIONS)
        return f'spec.mpiImplementation: Unsupported value: "{implementation}": supported values: {supported}'
    return ""


def mpi_job_pods(cr: CustomResource, override: int | None) -> WorkloadPods:
    """An MPIJob's worker pods ``<job>-worker-<index>`` (hostname = name, subdomain = the job),
    then the pod of its launcher Job ``<job>-launcher``. ``override`` (``--replicas``) sets the
    Worker replicas. ``runLauncherAsWorker`` shifts the workers' replica-index labels by one (the
    launcher is index 0).

    Mirrors: mpi-operator pkg/controller/mpi_job_controller.go syncHandler, getOrCreateWorker,
    newWorker, workerName, newLauncherJob, newLauncherPodTemplate, defaultLabels (v0.8.2)."""
    specs_path, specs = _replica_specs(cr, "mpiReplicaSpecs")
    shown = f"{cr.kind}/{cr.name}"
    worker = mapping_field(specs, "Worker", f"{specs_path}.Worker")
    workers = 0
    if worker is not None:
        workers = count_field(worker, "replicas", f"{specs_path}.Worker.replicas", 0) or 0
    if override is not None and worker is not None:
        workers = override
    notes: tuple[str, ...] = ()
    if override is not None and worker is None:
        notes = (f"{shown}: --replicas not applied: no Worker replicas",)
    refusal = _mpi_refusal(cr, specs, specs_path, workers)
    if refusal:
        refused = f"no pods from {shown}: mpi-operator refuses it: {refusal}"
        return WorkloadPods(cr.kind, cr.name, notes=(*notes, refused))
    run_policy = mapping_field(cr.spec, "runPolicy", "spec.runPolicy") or {}
    if run_policy.get("suspend") is True:
        return WorkloadPods(cr.kind, cr.name, notes=(*notes, f"no pods from {shown}: suspended"))
    as_worker = cr.spec.get("runLauncherAsWorker") is True
    pods: list[dict[str, Any]] = []
    paths: list[str] = []
    common = {OPERATOR_NAME_LABEL: "mpi-operator", JOB_NAME_LABEL: cr.name}
    if worker is not None:
        wpath = f"{specs_path}.Worker"
        template, _ = _template_containers(worker, wpath)
        for index in range(workers):
            name = f"{cr.name}-worker-{index}"
            labels = {**common, JOB_ROLE_LABEL: "worker", REPLICA_INDEX_LABEL: str(index + as_worker)}
            fields = {
                "hostname": name,
                "subdomain": cr.name,
                "restartPolicy": _restart_policy(worker, wpath, "Never"),
            }
            pods.append(
                new_pod(
                    template,
                    f"{wpath}.template",
                    name=name,
                    namespace=cr.namespace,
                    labels=labels,
                    owner=cr.owner(),
                    spec_fields=fields,
                )
            )
            paths.append(f"{wpath}.template")
    launcher = specs["Launcher"]
    lpath = f"{specs_path}.Launcher"
    template, _ = _template_containers(launcher, lpath)
    tmeta = mapping_field(template, "metadata", f"{lpath}.template.metadata") or {}
    labels = dict(mapping_field(tmeta, "labels", f"{lpath}.template.metadata.labels") or {})
    labels.update({**common, JOB_ROLE_LABEL: "launcher"})
    if as_worker:
        labels[REPLICA_INDEX_LABEL] = "0"
    job_name = f"{cr.name}-launcher"
    lspec = mapping_field(template, "spec", f"{lpath}.template.spec") or {}
    launcher_template = {
        **template,
        "metadata": {**tmeta, "labels": labels},
        "spec": {
            **lspec,
            "hostname": job_name,
            "subdomain": cr.name,
            "restartPolicy": _restart_policy(launcher, lpath, "OnFailure"),
        },
    }
    job_uid = object_uid("Job", cr.namespace, job_name)
    launched, _ = job_pods(job_name, cr.namespace, job_uid, {"template": launcher_template}, lpath, None)
    pods.extend(launched)
    paths.extend(f"{lpath}.template" for _ in launched)
    return WorkloadPods(cr.kind, cr.name, tuple(pods), "", notes, pod_paths=tuple(paths))
