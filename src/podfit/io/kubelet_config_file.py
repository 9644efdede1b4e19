"""Finding the kubelet's configuration in the files users have.

``--kubelet-config FILE`` (and a scenario's ``kubeletConfig: PATH``) takes:

* a ``KubeletConfiguration`` document (``/var/lib/kubelet/config.yaml``), or a patch of one
  without ``apiVersion`` (read as ``kubelet.config.k8s.io/v1beta1``, with a warning);
* the kubelet's ``/configz`` answer (``kubectl get --raw /api/v1/nodes/NODE/proxy/configz``);
* an OpenShift ``KubeletConfig`` (``machineconfiguration.openshift.io/v1``): its ``spec.kubeletConfig``;
* a multi-document file (a kubeadm configuration: ``InitConfiguration``, ``ClusterConfiguration``,
  ``KubeletConfiguration``): its KubeletConfiguration documents, the others skipped with a note;
* kubeadm's ``kubelet-config`` ConfigMap (``kubectl -n kube-system get cm kubelet-config -o yaml``):
  the YAML in ``data.kubelet``;
* a kind ``Cluster`` (``kind.x-k8s.io/v1alpha4``): the ``KubeletConfiguration`` patches of its
  ``kubeadmConfigPatches``, cluster-wide then those of one node (the first worker, else the first
  node), merged in order as kind merges them (JSON merge patch).

* a GKE node system configuration (``kubeletConfig:`` / ``linuxConfig:``): its ``kubeletConfig``,
  with GKE's ``topologyManager: {policy, scope}`` and ``memoryManager: {policy}`` and its own
  spelling of field names (``cpuCfsQuota``) mapped to the kubelet's;
* an EKS ``NodeConfig`` (``node.eks.aws/v1alpha1``, nodeadm): ``spec.kubelet.config`` and the
  ``spec.kubelet.flags``;
* an OpenShift ``MachineConfig`` (``oc get mc 01-worker-kubelet -o yaml``): its
  ``/etc/kubernetes/kubelet.conf`` file (an Ignition data URL), or such a file entry on its own
  (``{path, mode, contents}``, the Machine Config Operator's templates; their Go template actions
  ``{{ … }}`` are left out, with a note);
* an OpenShift ``Template`` holding a ``KubeletConfig``: that object, its ``${PARAMETERS}`` given
  their default values.
* the node definitions of provisioning tools, read as the configuration they write for the
  kubelet: an OpenShift ``PerformanceProfile``
  (:mod:`podfit.io.kubelet_config_performance_profile`), Cluster API kubeadm bootstrap objects
  (:mod:`podfit.io.kubelet_config_capi`), kops, Talos, k3s / RKE2 and AKS
  (:mod:`podfit.io.kubelet_config_distros`), a Kubespray inventory's variables
  (:mod:`podfit.io.kubelet_config_kubespray`);
* the kubelet's flags in a command line, an environment file (``kubeadm-flags.env``,
  ``/etc/default/kubelet``) or a systemd unit (:mod:`podfit.io.kubelet_config_cmdline`).

In a kubeadm file or a kind cluster, ``nodeRegistration.kubeletExtraArgs`` of the node's
``JoinConfiguration`` (a worker) or ``InitConfiguration`` (the first control-plane node) are kubelet
flags: the resource-manager ones are read (:mod:`podfit.api.kubelet_flags`) and override the file's
fields, as on the node; a note names the others.

The result is one mapping for :func:`podfit.api.kubelet_config.kubelet_config_from_dict`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from podfit.api.kubelet_config import OPENSHIFT_KUBELET_CONFIG
from podfit.api.kubelet_config_fields import FIELDS
from podfit.errors import InputError
from podfit.io.kubelet_config_capi import from_cluster_api, is_cluster_api
from podfit.io.kubelet_config_cmdline import from_command_line, looks_like_flags
from podfit.io.kubelet_config_distros import (
    from_aks,
    from_k3s,
    from_kops,
    from_talos,
    is_aks,
    is_k3s,
    is_kops,
    is_talos,
)
from podfit.io.kubelet_config_forms import (
    OPENSHIFT_GROUP,
    WHAT,
    describe,
    extra_args,
    from_eks_node_config,
    from_eks_node_configs,
    from_file_entry,
    from_gke,
    from_machine_config,
    from_openshift_template,
    is_eks_node_config,
    is_kubelet_config,
    merge_patch,
    mime_parts,
    openshift_node_sizing,
    untemplate,
    with_flags,
)
from podfit.io.kubelet_config_kubespray import from_kubespray, is_kubespray
from podfit.io.kubelet_config_performance_profile import GROUP as PERFORMANCE_GROUP
from podfit.io.kubelet_config_performance_profile import from_performance_profile
from podfit.io.yamlio import parse_documents, read_text
from podfit.model.diagnostics import Diagnostic
from podfit.model.gotext import json_type
from podfit.model.kubelet_config import API_VERSION, KIND

__all__ = ["kubelet_config_document", "load_kubelet_config", "merge_patch"]

KIND_GROUP: Final = "kind.x-k8s.io/"
CONFIGMAP_KEYS: Final = ("kubelet", "config.yaml", "kubelet-config", "config")


def _patches(
    raw: Any,
    where: str,
    source: str,
    warnings: list[Diagnostic] | None,
    flags: dict[str, dict[str, str]] | None = None,
) -> list[Mapping[str, Any]]:
    """The KubeletConfiguration documents among kind's ``kubeadmConfigPatches`` strings; the
    kubeletExtraArgs of its Init/JoinConfiguration patches go to ``flags`` (by kind)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InputError(where, f"expected a list of YAML strings, got {json_type(raw)}", source)
    out: list[Mapping[str, Any]] = []
    for i, text in enumerate(raw):
        if not isinstance(text, str):
            raise InputError(f"{where}[{i}]", f"expected a YAML string, got {json_type(text)}", source)
        try:
            docs = parse_documents(text, source, warnings)
        except InputError as exc:
            raise InputError(f"{where}[{i}]", exc.message, source) from None
        out.extend(d for d in docs if isinstance(d, Mapping) and d.get("kind") == KIND)
        if flags is not None:
            for d in docs:
                if isinstance(d, Mapping) and d.get("kind") in ("InitConfiguration", "JoinConfiguration"):
                    flags.setdefault(str(d["kind"]), {}).update(extra_args(d, f"{where}[{i}]", source))
    return out


def _from_kind_cluster(
    doc: Mapping[str, Any], source: str, notes: list[str], warnings: list[Diagnostic] | None
) -> Mapping[str, Any]:
    flags: dict[str, dict[str, str]] = {}
    patches = _patches(doc.get("kubeadmConfigPatches"), "kubeadmConfigPatches", source, warnings, flags)
    nodes = doc.get("nodes") or []
    if not isinstance(nodes, list):
        raise InputError("nodes", f"expected a list, got {json_type(nodes)}", source)
    picked = next(
        (i for i, n in enumerate(nodes) if isinstance(n, Mapping) and n.get("role") == "worker"),
        0 if nodes else None,
    )
    if picked is not None and isinstance(nodes[picked], Mapping):
        node = nodes[picked]
        where = f"nodes[{picked}].kubeadmConfigPatches"
        patches += _patches(node.get("kubeadmConfigPatches"), where, source, warnings, flags)
        if len(nodes) > 1:
            notes.append(
                f"{source}: the kubelet of nodes[{picked}] (role {node.get('role', 'control-plane')}): "
                "the cluster-wide patches, then its own"
            )
    merged: Any = {"apiVersion": API_VERSION, "kind": KIND}
    for patch in patches:
        merged = merge_patch(merged, {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")})
    worker = (
        picked is not None and isinstance(nodes[picked], Mapping) and nodes[picked].get("role") == "worker"
    )
    registration = "JoinConfiguration" if worker else "InitConfiguration"
    merged = with_flags(merged, flags.get(registration, {}), registration, source, notes)
    if not patches and not flags.get(registration):
        notes.append(
            f"{source}: no KubeletConfiguration patch in this kind cluster: every field at its default"
        )
    notes.append(
        f"{source}: kind's own KubeletConfiguration defaults (kubeadm's) are not applied: only the patches"
    )
    return merged  # type: ignore[no-any-return]


def _from_configmap(
    doc: Mapping[str, Any], source: str, warnings: list[Diagnostic] | None
) -> Mapping[str, Any]:
    data = doc.get("data")
    if not isinstance(data, Mapping):
        raise InputError("data", "a ConfigMap without data holds no kubelet configuration", source)
    key = next((k for k in CONFIGMAP_KEYS if isinstance(data.get(k), str)), None)
    if key is None:
        raise InputError(
            "data", f"no kubelet configuration in this ConfigMap (keys: {', '.join(data)})", source
        )
    docs = parse_documents(data[key], f"{source}: data.{key}", warnings)
    if len(docs) != 1 or not isinstance(docs[0], Mapping):
        raise InputError(f"data.{key}", "expected one KubeletConfiguration document", source)
    return docs[0]  # type: ignore[no-any-return]


def as_openshift(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """A configuration the Machine Config Operator writes, read by OpenShift's kubelet (which
    ignores an unknown feature gate with a warning): the KubeletConfig envelope says so to
    :func:`podfit.api.kubelet_config.kubelet_config_from_dict`."""
    return {
        "apiVersion": f"{OPENSHIFT_GROUP}/v1",
        "kind": OPENSHIFT_KUBELET_CONFIG,
        "spec": {"kubeletConfig": config},
    }


def _some_field(doc: Mapping[str, Any], source: str) -> None:
    """A document with neither apiVersion nor kind is read as a KubeletConfiguration patch, unless
    none of its keys is a KubeletConfiguration field in any spelling (a systemd unit entry, some
    other tool's settings): then it is no kubelet configuration at all."""
    if "apiVersion" in doc or "kind" in doc or not doc or is_kubelet_config(doc):  # /configz
        return
    folded = {name.casefold() for name in FIELDS}
    if not any(str(k).casefold() in folded for k in doc):
        keys = ", ".join(str(k) for k in list(doc)[:6])
        raise InputError("", f"no {WHAT} field in this file (its keys: {keys})", source)


def _is_performance_profile(doc: Any) -> bool:
    """A PerformanceProfile, or a kustomize patch of one (no apiVersion)."""
    if not isinstance(doc, Mapping) or doc.get("kind") != "PerformanceProfile":
        return False
    api = doc.get("apiVersion")
    return api is None or (isinstance(api, str) and api.startswith(PERFORMANCE_GROUP))


def _node_definition(
    docs: Sequence[Any], source: str, notes: list[str], warnings: list[Diagnostic] | None
) -> Mapping[str, Any] | None:
    """The forms that describe a node (or a pool of them) to a provisioning tool, which writes
    the kubelet's configuration from them: Cluster API, kops, Talos, k3s / RKE2, an OpenShift
    PerformanceProfile, AKS, Kubespray. None: the file is none of these."""
    if any(is_cluster_api(d) for d in docs):
        return from_cluster_api(docs, source, notes, warnings)
    if any(is_kops(d) for d in docs):
        return from_kops(docs, source, notes)
    if len(docs) > 1 and all(is_eks_node_config(d) for d in docs):
        return from_eks_node_configs(docs, source, notes)
    if any(is_talos(d) for d in docs):
        return from_talos(docs, source, notes)
    profiles = [d for d in docs if _is_performance_profile(d)]
    if profiles:
        if len(profiles) > 1:
            notes.append(f"{source}: {len(profiles)} PerformanceProfiles: the first read")
        return from_performance_profile(profiles[0], source, notes)
    if len(docs) == 1 and is_kubespray(docs[0]):
        return from_kubespray(docs[0], source, notes)
    if len(docs) == 1 and is_k3s(docs[0]):
        return from_k3s(docs[0], source, notes)
    if len(docs) == 1 and is_aks(docs[0]):
        return from_aks(docs[0], source, notes)
    return None


def kubelet_config_document(
    docs: Sequence[Any], source: str, notes: list[str], warnings: list[Diagnostic] | None = None
) -> Mapping[str, Any]:
    """The one KubeletConfiguration mapping among the parsed documents of a file (see the module
    docstring); an OpenShift one with the system reservation of OpenShift's node sizing."""
    found = _document(docs, source, notes, warnings)
    api = found.get("apiVersion")
    if (
        found.get("kind") == OPENSHIFT_KUBELET_CONFIG
        and isinstance(api, str)
        and api.startswith(OPENSHIFT_GROUP)
    ):
        return openshift_node_sizing(found, source, notes)
    return found


def _document(
    docs: Sequence[Any], source: str, notes: list[str], warnings: list[Diagnostic] | None = None
) -> Mapping[str, Any]:
    """The one KubeletConfiguration mapping among the parsed documents of a file (see the module
    docstring); notes on what was skipped or merged go to ``notes``."""
    if not docs:
        raise InputError("", f"{WHAT} file was empty", source)
    whole = _node_definition(docs, source, notes, warnings)
    if whole is not None:
        return whole
    if len(docs) == 1:
        doc = docs[0]
        if not isinstance(doc, Mapping):
            raise InputError("", f"expected a {WHAT} object, got {json_type(doc)}", source)
        api = doc.get("apiVersion")
        if doc.get("kind") == "Cluster" and isinstance(api, str) and api.startswith(KIND_GROUP):
            return _from_kind_cluster(doc, source, notes, warnings)
        if doc.get("kind") == "ConfigMap" and api == "v1":
            return _from_configmap(doc, source, warnings)
        if doc.get("kind") == "MachineConfig" and isinstance(api, str) and api.startswith(OPENSHIFT_GROUP):
            return as_openshift(from_machine_config(doc, source, notes, warnings))
        if (
            doc.get("kind") == "Template"
            and isinstance(api, str)
            and api.startswith("template.openshift.io/")
        ):
            return from_openshift_template(doc, source)
        if (
            "contents" in doc
            and "path" in doc
            and set(doc) <= {"path", "mode", "contents", "overwrite", "user", "group"}
        ):
            return as_openshift(from_file_entry(doc, "", source, notes, warnings))
        if doc.get("kind") == "NodeConfig" and isinstance(api, str) and api.startswith("node.eks.aws/"):
            return from_eks_node_config(doc, source, notes)
        if "kubeletConfig" in doc and set(doc) <= {"kubeletConfig", "linuxConfig"}:
            return from_gke(doc, source, notes)
        if doc.get("kind") not in ("InitConfiguration", "JoinConfiguration"):
            _some_field(doc, source)
            return doc  # type: ignore[no-any-return]
    found = [d for d in docs if isinstance(d, Mapping) and is_kubelet_config(d)]
    registrations = {
        str(d.get("kind")): (i, d)
        for i, d in enumerate(docs)
        if isinstance(d, Mapping) and d.get("kind") in ("InitConfiguration", "JoinConfiguration")
    }
    if not found and not registrations:
        kinds = ", ".join(describe(d) for d in docs)
        raise InputError("", f"no {WHAT} document in this file (found: {kinds})", source)
    for d in docs:
        if not (isinstance(d, Mapping) and is_kubelet_config(d)) and (
            not isinstance(d, Mapping) or str(d.get("kind")) not in registrations
        ):
            notes.append(f"{source}: skipped {describe(d)}: not a kubelet configuration")
    merged: Any = {"apiVersion": API_VERSION, "kind": KIND} if not found else {}
    if len(found) > 1:
        notes.append(f"{source}: {len(found)} {WHAT} documents merged in order (later fields win)")
    for d in found:
        merged = merge_patch(merged, d)
    for kind in ("JoinConfiguration", "InitConfiguration"):  # a worker joins
        if kind in registrations:
            i, d = registrations[kind]
            merged = with_flags(merged, extra_args(d, f"[{i}]", source), kind, source, notes)
            break
    return merged  # type: ignore[no-any-return]


def load_kubelet_config(
    path: Path, notes: list[str], warnings: list[Diagnostic] | None = None
) -> Mapping[str, Any]:
    """The KubeletConfiguration mapping of the file at ``path`` (``warnings``: None refuses
    duplicate YAML keys, as ``--strict`` does). A Go-templated file that is no YAML as it is (a
    template of a node's kubelet configuration) is read with its template actions left out, with
    a note."""
    text = read_text(path, WHAT, warnings)
    text = mime_parts(text, str(path), notes) or text
    try:
        docs = parse_documents(text, str(path), warnings)
    except InputError:
        if "{{" not in text and looks_like_flags(text):  # a systemd unit, an environment file
            return from_command_line(text, str(path), notes)
        if "{{" not in text or warnings is None:  # --strict: a template is no configuration
            raise
        docs = parse_documents(untemplate(text), str(path), warnings)
        notes.append(f"{path}: a Go template, not YAML as it is: its {{{{ … }}}} actions were left out")
    if docs and not any(isinstance(d, Mapping) for d in docs) and looks_like_flags(text):
        return from_command_line(text, str(path), notes)  # KUBELET_KUBEADM_ARGS="--…", a command line
    return kubelet_config_document(docs, str(path), notes, warnings)
