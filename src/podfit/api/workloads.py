"""Workloads → the pods their controllers would create, as Pod manifests (plain dicts).

One decoded manifest in, a :class:`WorkloadPods` out: the pods (name, namespace, the template's
labels/annotations/finalizers plus the controller's own labels, owner reference, the template's
spec), where their template sits in the manifest (for error paths), and notes for whatever does
not become a pod (a Service, a CRD, ``replicas: 0``, a suspended Job). Nothing here is an error
except a manifest the API server would refuse in the parts read here (a template that is not an
object, a negative ``replicas``, an Indexed Job without ``completions``, …).

What a node simulation needs is the pods that *run at once*: ``replicas`` of a Deployment,
ReplicaSet, ReplicationController or StatefulSet (default 1), ``min(parallelism, completions)`` of a
Job (and of the Job a CronJob starts), one pod of a DaemonSet (one node is simulated), one pod
named after a PodTemplate. Names follow the controllers (see :mod:`podfit.api.workloads_names`:
the random parts and hashes are deterministic stand-ins of the same shape). Pure: no I/O, no
clock, no randomness.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from podfit.api.workloads_jobs import job_pods
from podfit.api.workloads_names import (
    canonical,
    controller_revision_hash,
    controller_revision_name,
    fnv32a,
    generate_name,
    pod_template_hash,
    replica_set_name,
    unique_names,
)
from podfit.api.workloads_operators import expand_operator, operator_kind
from podfit.api.workloads_pods import (
    WorkloadPods,
    count_field,
    has_pod_template,
    mapping_field,
    new_pod,
    object_uid,
    owner_reference,
)
from podfit.errors import InputError
from podfit.model.gotext import go_quote, json_text

__all__ = ["TEMPLATE_PATHS", "WORKLOAD_API_VERSIONS", "WorkloadPods", "expand_workload"]

# The apiVersions each workload kind is (or was) served under.
WORKLOAD_API_VERSIONS: Final[dict[str, tuple[str, ...]]] = {
    "Deployment": ("apps/v1", "apps/v1beta2", "apps/v1beta1", "extensions/v1beta1"),
    "ReplicaSet": ("apps/v1", "apps/v1beta2", "extensions/v1beta1"),
    "StatefulSet": ("apps/v1", "apps/v1beta2", "apps/v1beta1"),
    "DaemonSet": ("apps/v1", "apps/v1beta2", "extensions/v1beta1"),
    "Job": ("batch/v1",),
    "CronJob": ("batch/v1", "batch/v1beta1", "batch/v2alpha1"),
    "ReplicationController": ("v1",),
    "PodTemplate": ("v1",),
    "DeploymentConfig": ("apps.openshift.io/v1", "v1"),  # OpenShift's (v1: its legacy API)
}
# Where each kind holds its pod template.
TEMPLATE_PATHS: Final[dict[str, str]] = {
    "PodTemplate": "template",
    "CronJob": "spec.jobTemplate.spec.template",
}
_DEFAULT_TEMPLATE_PATH: Final = "spec.template"
_SCALED: Final = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DeploymentConfig")

# Name limits beyond DNS-1123: a CronJob's Job name adds 11 characters and must stay a label value;
# a Job's name becomes its pods' job-name label (pkg/apis/batch/validation/validation.go, v1.36).
_NAME_LIMITS: Final[dict[str, int]] = {"CronJob": 52, "Job": 63}
_DNS1123_LABEL: Final = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN: Final = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True, slots=True)
class _Workload:
    kind: str
    api_version: str
    name: str
    namespace: str
    uid: str
    spec: Mapping[str, Any]
    template: Mapping[str, Any]
    template_path: str

    def result(self, pods: tuple[Mapping[str, Any], ...], why_none: str = "") -> WorkloadPods:
        notes = (f"no pods from {self.kind}/{self.name}: {why_none}",) if why_none and not pods else ()
        return WorkloadPods(self.kind, self.name, pods, self.template_path, notes)

    def owner(self) -> dict[str, Any]:
        return owner_reference(
            self.api_version or WORKLOAD_API_VERSIONS[self.kind][0], self.kind, self.name, self.uid
        )


def _group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def _replicas(w: _Workload, override: int | None) -> int:
    count = count_field(w.spec, "replicas", "spec.replicas", 1)
    return override if override is not None else (count or 0)


def _generated_pods(
    w: _Workload, prefix: str, count: int, labels: Mapping[str, str], owner: Mapping[str, Any]
) -> tuple[dict[str, Any], ...]:
    """``count`` pods named ``<prefix><suffix>`` (what ``generateName`` gives a controller's pods)."""
    return tuple(
        new_pod(
            w.template,
            w.template_path,
            name=name,
            namespace=w.namespace,
            generate_name=prefix,
            labels=labels,
            owner=owner,
        )
        for name in unique_names(prefix, f"{w.namespace}/{prefix}", count)
    )


def _deployment(w: _Workload, override: int | None) -> WorkloadPods:
    """Pods of the Deployment's new ReplicaSet ``<name>-<pod-template-hash>``.

    Mirrors: pkg/controller/deployment/sync.go getNewReplicaSet (v1.36)."""
    count = _replicas(w, override)
    template_hash = pod_template_hash(w.template)
    rs = replica_set_name(w.name, template_hash)
    owner = owner_reference("apps/v1", "ReplicaSet", rs, object_uid("ReplicaSet", w.namespace, rs))
    return w.result(
        _generated_pods(w, f"{rs}-", count, {"pod-template-hash": template_hash}, owner), "replicas is 0"
    )


def _deployment_config(w: _Workload, override: int | None) -> WorkloadPods:
    """An OpenShift DeploymentConfig: the pods of its first deployment, the ReplicationController
    ``<name>-1``, named ``<name>-1-<suffix>`` as OpenShift's deployer makes them."""
    rc = f"{w.name}-1"
    owner = owner_reference(
        "v1", "ReplicationController", rc, object_uid("ReplicationController", w.namespace, rc)
    )
    labels = {"deployment": rc, "deploymentconfig": w.name}
    return w.result(_generated_pods(w, f"{rc}-", _replicas(w, override), labels, owner), "replicas is 0")


def _replica_set(w: _Workload, override: int | None) -> WorkloadPods:
    """ReplicaSet and ReplicationController: ``replicas`` pods named ``<name>-<suffix>``.

    Mirrors: pkg/controller/replicaset/replica_set.go manageReplicas (v1.36)."""
    pods = _generated_pods(w, f"{w.name}-", _replicas(w, override), {}, w.owner())
    return w.result(pods, "replicas is 0")


def _daemon_set(w: _Workload) -> WorkloadPods:
    """One pod (one node is simulated), with the revision hash and template generation labels.

    Mirrors: pkg/controller/daemon/util/daemonset_util.go CreatePodTemplate (v1.36)."""
    generation = w.spec.get("templateGeneration")
    gen = generation if isinstance(generation, int) and not isinstance(generation, bool) else 1
    labels = {
        "controller-revision-hash": controller_revision_hash(w.template),
        "pod-template-generation": str(gen),
    }
    return w.result(_generated_pods(w, f"{w.name}-", 1, labels, w.owner()))


def _claim_volumes(w: _Workload, ordinal: int) -> list[dict[str, Any]]:
    claims = w.spec.get("volumeClaimTemplates")
    if not isinstance(claims, list):
        return []
    names: list[str] = []
    for i, claim in enumerate(claims):
        meta = claim.get("metadata") if isinstance(claim, Mapping) else None
        name = meta.get("name") if isinstance(meta, Mapping) else None
        if not isinstance(name, str) or not name:
            raise InputError(f"spec.volumeClaimTemplates[{i}].metadata.name", "Required value")
        names.append(name)
    return [
        {"name": n, "persistentVolumeClaim": {"claimName": f"{n}-{w.name}-{ordinal}"}} for n in sorted(names)
    ]


def _stateful_set(w: _Workload, override: int | None) -> WorkloadPods:
    """Pods ``<name>-<ordinal>`` from ``spec.ordinals.start``, with their identity labels, hostname,
    subdomain and claim volumes.

    Mirrors: pkg/controller/statefulset/stateful_set_utils.go newStatefulSetPod, initIdentity,
    updateStorage, getStartOrdinal (v1.36)."""
    count = _replicas(w, override)
    ordinals = mapping_field(w.spec, "ordinals", "spec.ordinals") or {}
    start = count_field(ordinals, "start", "spec.ordinals.start", 0) or 0
    revision = controller_revision_name(w.name, controller_revision_hash(w.template))
    service = w.spec.get("serviceName")
    tspec = w.template.get("spec")
    volumes = tspec.get("volumes") if isinstance(tspec, Mapping) else None
    pods = []
    for ordinal in range(start, start + count):
        name = f"{w.name}-{ordinal}"
        fields: dict[str, Any] = {"hostname": name}
        if isinstance(service, str) and service:
            fields["subdomain"] = service
        claims = _claim_volumes(w, ordinal)
        if claims:
            claimed = {c["name"] for c in claims}
            kept = [v for v in volumes or [] if not (isinstance(v, Mapping) and v.get("name") in claimed)]
            fields["volumes"] = claims + kept
        labels = {
            "statefulset.kubernetes.io/pod-name": name,
            "apps.kubernetes.io/pod-index": str(ordinal),
            "controller-revision-hash": revision,
        }
        pods.append(
            new_pod(
                w.template,
                w.template_path,
                name=name,
                namespace=w.namespace,
                labels=labels,
                owner=w.owner(),
                spec_fields=fields,
            )
        )
    return w.result(tuple(pods), "replicas is 0")


def _job(w: _Workload, override: int | None) -> WorkloadPods:
    if w.spec.get("suspend") is True:
        return w.result((), "suspended")
    pods, why = job_pods(w.name, w.namespace, w.uid, w.spec, "spec", override)
    return w.result(pods, why)


def _cron_job(w: _Workload, override: int | None) -> WorkloadPods:
    """The pods of the Job the CronJob starts: Job ``<cronjob>-<n>``, where the controller's ``n`` is
    the scheduled time in minutes since the epoch; podfit has no clock and derives an 8-digit
    ``n`` from the CronJob's identity.

    Mirrors: pkg/controller/cronjob/utils.go getJobFromTemplate2, getJobName (v1.36)."""
    if w.spec.get("suspend") is True:
        return w.result((), "suspended")
    job_spec = mapping_field(w.spec, "jobTemplate", "spec.jobTemplate") or {}
    job_spec = mapping_field(job_spec, "spec", "spec.jobTemplate.spec") or {}
    minutes = 29_000_000 + fnv32a(f"{w.namespace}/{w.name}".encode()) % 1_000_000
    job_name = f"{w.name}-{minutes}"
    job_uid = object_uid("Job", w.namespace, job_name)
    pods, why = job_pods(job_name, w.namespace, job_uid, job_spec, "spec.jobTemplate.spec", override)
    return w.result(pods, why)


def _pod_template(w: _Workload) -> WorkloadPods:
    """A PodTemplate is no controller: one pod, named after the template."""
    return w.result((new_pod(w.template, w.template_path, name=w.name, namespace=w.namespace),))


def _bare_pod(manifest: Mapping[str, Any], position: int) -> WorkloadPods:
    """A Pod as given; ``generateName`` without ``name`` resolved the API server's way."""
    meta = manifest.get("metadata")
    if not isinstance(meta, Mapping):
        return WorkloadPods("Pod", "", (manifest,))
    name = meta.get("name")
    base = meta.get("generateName")
    if name or not isinstance(base, str) or not base:
        return WorkloadPods("Pod", name if isinstance(name, str) else "", (manifest,))
    namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else "default"
    name = generate_name(base, f"Pod/{namespace}/{base}/{position}/{fnv32a(canonical(manifest).encode())}")
    return WorkloadPods("Pod", name, ({**manifest, "metadata": {**meta, "name": name}},))


def _identity(manifest: Mapping[str, Any], kind: str, position: int) -> tuple[str, str, str]:
    """Name (``generateName`` resolved), namespace and UID of a workload, checked as the API server does."""
    meta = mapping_field(manifest, "metadata", "metadata") or {}
    namespace = meta.get("namespace") or "default"
    if not isinstance(namespace, str) or len(namespace) > 63 or not _DNS1123_LABEL.match(namespace):
        raise InputError(
            "metadata.namespace", f"Invalid value: {go_quote(str(namespace))}: must be a DNS-1123 label"
        )
    name = meta.get("name")
    base = meta.get("generateName")
    if not name and isinstance(base, str) and base:
        name = generate_name(
            base, f"{kind}/{namespace}/{base}/{position}/{fnv32a(canonical(manifest).encode())}"
        )
    if not name:
        raise InputError("metadata.name", "Required value: name or generateName is required")
    if kind == "StatefulSet":
        if not isinstance(name, str) or len(name) > 63 or not _DNS1123_LABEL.match(name):
            raise InputError(
                "metadata.name", f"Invalid value: {go_quote(str(name))}: must be a DNS-1123 label"
            )
    elif not isinstance(name, str) or len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        raise InputError(
            "metadata.name", f"Invalid value: {go_quote(str(name))}: must be a DNS-1123 subdomain"
        )
    spec = manifest.get("spec")
    manual = kind == "Job" and isinstance(spec, Mapping) and spec.get("manualSelector") is True
    if len(name) > _NAME_LIMITS.get(kind, 253) and not manual:
        limit = _NAME_LIMITS[kind]
        raise InputError(
            "metadata.name", f"Invalid value: {go_quote(str(name))}: must be no more than {limit} characters"
        )
    uid = meta.get("uid")
    return name, namespace, uid if isinstance(uid, str) and uid else object_uid(kind, namespace, name)


def _template(manifest: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    """The object at ``path`` (dotted), ``None`` when some step is unset; an error when one is no object."""
    obj: Mapping[str, Any] | None = manifest
    done = ""
    for key in path.split("."):
        done = f"{done}.{key}" if done else key
        obj = mapping_field(obj, key, done) if obj is not None else None
    return obj


def _shown_name(manifest: Mapping[str, Any]) -> str:
    meta = manifest.get("metadata")
    name = meta.get("name") or meta.get("generateName") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else ""


def expand_workload(
    manifest: Mapping[str, Any], *, replicas: int | None = None, position: int = 0
) -> WorkloadPods:
    """The pods one manifest stands for.

    ``replicas`` (``--replicas N``) replaces ``spec.replicas`` of every Deployment, ReplicaSet,
    ReplicationController and StatefulSet and ``parallelism`` of every Job (also a CronJob's);
    a DaemonSet stays one pod, a PodTemplate and a bare Pod one pod. ``position`` (the manifest's
    place among the inputs) seeds ``generateName`` suffixes, so two identical manifests differ.
    Errors name the field within ``manifest``; callers add the file and document.
    """
    if replicas is not None and replicas < 0:
        raise InputError("--replicas", "must be greater than or equal to 0")
    kind = manifest.get("kind")
    if kind is None or kind == "Pod":
        return _bare_pod(manifest, position)
    if not isinstance(kind, str):
        raise InputError("kind", f"expected a string, got {json_text(kind)}")
    api_version = manifest.get("apiVersion") or ""
    if not isinstance(api_version, str):
        raise InputError("apiVersion", f"expected a string, got {json_text(api_version)}")
    custom = operator_kind(api_version, kind)
    if custom == "":
        return expand_operator(manifest, _identity(manifest, kind, position), replicas)
    versions = WORKLOAD_API_VERSIONS.get(kind)
    if versions is None or ("." in _group(api_version) and api_version not in versions):
        # Not a kind with pods, or a custom resource that reuses a workload kind's name
        # (custom resource groups are dotted; apps, batch, extensions and core are not).
        shown = f"{kind}/{_shown_name(manifest)}".rstrip("/")
        why = "not a workload"
        if "." in _group(api_version) and has_pod_template(manifest.get("spec")):
            why = (
                custom
                or f"a custom resource ({api_version}): podfit does not make the pods its operator makes"
            )
        return WorkloadPods(kind, _shown_name(manifest), notes=(f"skipped {shown}: {why}",), skipped=True)
    if api_version and api_version not in versions:
        supported = ", ".join(f'"{v}"' for v in versions)
        raise InputError("apiVersion", f'Unsupported value: "{api_version}": supported values: {supported}')
    path = TEMPLATE_PATHS.get(kind, _DEFAULT_TEMPLATE_PATH)
    template = _template(manifest, path)
    if template is None:
        shown = f"{kind}/{_shown_name(manifest)}".rstrip("/")
        note = f"skipped {shown}: no pod template ({path})"
        return WorkloadPods(kind, _shown_name(manifest), notes=(note,), skipped=True)
    pod_spec = template.get("spec")
    if pod_spec is None or (isinstance(pod_spec, Mapping) and "containers" not in pod_spec):
        # a kustomize patch: only the template's labels, annotations, tolerations, ...
        spec = manifest.get("spec")
        if isinstance(spec, Mapping) and kind in _SCALED:
            count_field(spec, "replicas", "spec.replicas", 1)  # still an error when invalid
        shown = f"{kind}/{_shown_name(manifest)}".rstrip("/")
        note = f"skipped {shown}: its pod template has no containers ({path}.spec.containers): a patch?"
        return WorkloadPods(kind, _shown_name(manifest), notes=(note,), skipped=True)
    name, namespace, uid = _identity(manifest, kind, position)
    spec = manifest.get("spec")
    w = _Workload(
        kind, api_version, name, namespace, uid, spec if isinstance(spec, Mapping) else {}, template, path
    )
    if kind == "Deployment":
        return _deployment(w, replicas)
    if kind in ("ReplicaSet", "ReplicationController"):
        return _replica_set(w, replicas)
    if kind == "DeploymentConfig":
        return _deployment_config(w, replicas)
    if kind == "StatefulSet":
        return _stateful_set(w, replicas)
    if kind == "DaemonSet":
        return _daemon_set(w)
    if kind == "Job":
        return _job(w, replicas)
    if kind == "CronJob":
        return _cron_job(w, replicas)
    return _pod_template(w)
