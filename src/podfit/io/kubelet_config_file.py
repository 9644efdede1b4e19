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

In a kubeadm file or a kind cluster, ``nodeRegistration.kubeletExtraArgs`` of the node's
``JoinConfiguration`` (a worker) or ``InitConfiguration`` (the first control-plane node) are kubelet
flags: the resource-manager ones are read (:mod:`podfit.api.kubelet_flags`) and override the file's
fields, as on the node; a note names the others.

The result is one mapping for :func:`podfit.api.kubelet_config.kubelet_config_from_dict`.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from podfit.api.kubelet_config_fields import FIELDS
from podfit.api.kubelet_flags import config_from_flags
from podfit.errors import InputError
from podfit.io.yamlio import parse_documents, read_text
from podfit.model.diagnostics import Diagnostic
from podfit.model.gotext import json_type
from podfit.model.kubelet_config import API_VERSION, KIND

__all__ = ["kubelet_config_document", "load_kubelet_config", "merge_patch"]

WHAT: Final = "KubeletConfiguration"
KIND_GROUP: Final = "kind.x-k8s.io/"
OPENSHIFT_GROUP: Final = "machineconfiguration.openshift.io/"
CONFIGMAP_KEYS: Final = ("kubelet", "config.yaml", "kubelet-config", "config")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, ``null`` deletes, anything else
    replaces (what kind and kubeadm do with a KubeletConfiguration patch)."""
    if not isinstance(patch, Mapping):
        return patch
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _is_kubelet_config(doc: Mapping[str, Any]) -> bool:
    kind = doc.get("kind")
    api = doc.get("apiVersion")
    if kind == KIND:
        return True
    if kind == "KubeletConfig" and isinstance(api, str) and api.startswith(OPENSHIFT_GROUP):
        return True
    return set(doc) == {"kubeletconfig"}  # /configz


def _describe(doc: Any) -> str:
    if not isinstance(doc, Mapping):
        return f"a {json_type(doc)}"
    kind = doc.get("kind") or "(no kind)"
    api = doc.get("apiVersion")
    return f"{kind} ({api})" if api else str(kind)


def _extra_args(doc: Mapping[str, Any], where: str, source: str) -> dict[str, str]:
    """``nodeRegistration.kubeletExtraArgs`` of a kubeadm Init/JoinConfiguration: a map (v1beta3)
    or a list of ``{name, value}`` (v1beta4)."""
    reg = doc.get("nodeRegistration")
    if not isinstance(reg, Mapping):
        return {}
    raw = reg.get("kubeletExtraArgs")
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        out: dict[str, str] = {}
        for i, item in enumerate(raw):
            if not isinstance(item, Mapping) or "name" not in item:
                raise InputError(
                    f"{where}.nodeRegistration.kubeletExtraArgs[{i}]", "expected {name, value}", source
                )
            out[str(item["name"])] = str(item.get("value", ""))
        return out
    return {}


def _with_flags(config: Any, flags: Mapping[str, str], origin: str, source: str, notes: list[str]) -> Any:
    """``config`` with the kubelet flags applied (flags win over the file, as on a node)."""
    if not flags:
        return config
    try:
        fields, ignored = config_from_flags(flags)
    except InputError as exc:
        raise InputError(f"{origin}.kubeletExtraArgs", f"{exc.field}: {exc.message}", source) from None
    if fields:
        names = ", ".join(f"--{n}" for n in flags if n.lstrip("-") not in ignored)
        notes.append(f"{source}: kubelet flags of {origin} read (they override the file): {names}")
    if ignored:
        names = ", ".join(f"--{n}" for n in ignored)
        notes.append(
            f"{source}: kubelet flags of {origin} not read (not about the resource managers): {names}"
        )
    return merge_patch(config if isinstance(config, Mapping) else {}, fields)


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
                    flags.setdefault(str(d["kind"]), {}).update(_extra_args(d, f"{where}[{i}]", source))
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
    merged = _with_flags(merged, flags.get(registration, {}), registration, source, notes)
    if not patches and not flags.get(registration):
        notes.append(
            f"{source}: no KubeletConfiguration patch in this kind cluster: every field at its default"
        )
    notes.append(
        f"{source}: kind's own KubeletConfiguration defaults (kubeadm's) are not applied: only the patches"
    )
    return merged  # type: ignore[no-any-return]


def _from_gke(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    raw = doc.get("kubeletConfig") or {}
    if not isinstance(raw, Mapping):
        raise InputError("kubeletConfig", f"expected an object, got {json_type(raw)}", source)
    folded = {name.casefold(): name for name in FIELDS}
    out: dict[str, Any] = {"apiVersion": API_VERSION, "kind": KIND}
    dropped: list[str] = []
    for key, value in raw.items():
        name = str(key)
        if name in ("topologyManager", "memoryManager") and isinstance(value, Mapping):
            prefix = name
            for sub, field in (("policy", f"{prefix}Policy"), ("scope", f"{prefix}Scope")):
                if sub in value and field in FIELDS:
                    out[field] = value[sub]
            continue
        field = name if name in FIELDS else folded.get(name.casefold())
        if field is None:
            dropped.append(name)
        else:
            out[field] = value
    notes.append(
        f"{source}: a GKE node system configuration: its kubeletConfig read as a KubeletConfiguration"
    )
    if dropped:
        notes.append(
            f"{source}: GKE kubeletConfig fields with no KubeletConfiguration field: {', '.join(dropped)}"
        )
    return out


def _from_eks_node_config(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    spec = doc.get("spec")
    kubelet = spec.get("kubelet") if isinstance(spec, Mapping) else None
    if not isinstance(kubelet, Mapping):
        notes.append(f"{source}: a NodeConfig without spec.kubelet: every field at its default")
        return {"apiVersion": API_VERSION, "kind": KIND}
    config = kubelet.get("config") or {}
    if not isinstance(config, Mapping):
        raise InputError("spec.kubelet.config", f"expected an object, got {json_type(config)}", source)
    merged: Any = {"apiVersion": API_VERSION, "kind": KIND, **config}
    flags: dict[str, str] = {}
    for item in kubelet.get("flags") or []:
        name, _, value = str(item).lstrip("-").partition("=")
        flags[name] = value
    return _with_flags(merged, flags, "spec.kubelet.flags", source, notes)


_TEMPLATE_LINE: Final = re.compile(
    r"^\s*((-\s*)?\{\{-?\s*(range|end|if|else|with|define|template|block)\b.*\}\}|(\{\{.*?\}\}\s*)+)\s*$"
)
_TEMPLATE_ACTION: Final = re.compile(r"\{\{.*?\}\}")
_QUOTED_ACTION: Final = re.compile(r"([\"'])\{\{.*?\}\}\1")


def _untemplate(text: str) -> str:
    """A Go-templated YAML text with its control lines dropped and its values left empty."""
    lines = [line for line in text.splitlines() if not _TEMPLATE_LINE.match(line)]
    out = []
    for line in lines:
        line = _QUOTED_ACTION.sub(lambda m: m.group(1) * 2, line)  # "{{ .x }}" -> ""
        out.append(_TEMPLATE_ACTION.sub('""', line))
    return "\n".join(out) + "\n"


def _data_url(url: str, where: str, source: str) -> str:
    """The text of an Ignition ``data:`` URL (URL-encoded, or ``;base64``)."""
    head, found, body = url.partition(",")
    if not url.startswith("data:") or not found:
        raise InputError(where, "expected an Ignition data URL (data:,...)", source)
    try:
        if head.endswith(";base64"):
            return base64.b64decode(body).decode("utf-8")
        return urllib.parse.unquote(body)
    except (ValueError, UnicodeDecodeError):
        raise InputError(where, "not a decodable data URL", source) from None


def _from_file_entry(
    entry: Mapping[str, Any], where: str, source: str, notes: list[str], warnings: list[Diagnostic] | None
) -> Mapping[str, Any]:
    """An Ignition / Machine Config Operator file entry ``{path, mode, contents}``."""
    path = str(entry.get("path", ""))
    if not path.endswith(("kubelet.conf", ".yaml", ".yml", ".json")):
        raise InputError(f"{where}path", f"a file entry for {path}, not a kubelet configuration", source)
    contents = entry.get("contents")
    if not isinstance(contents, Mapping):
        raise InputError(f"{where}contents", f"expected an object, got {json_type(contents)}", source)
    if isinstance(contents.get("inline"), str):
        text = contents["inline"]
    elif isinstance(contents.get("source"), str):
        text = _data_url(contents["source"], f"{where}contents.source", source)
    else:
        raise InputError(f"{where}contents", "expected inline or source", source)
    if "{{" in text:
        notes.append(f"{source}: {where}contents is a Go template: its {{{{ … }}}} actions were left out")
        text = _untemplate(text)
    docs = parse_documents(text, f"{source}: {where}contents", warnings)
    if len(docs) != 1 or not isinstance(docs[0], Mapping):
        raise InputError(f"{where}contents", f"expected one {WHAT} document", source)
    return docs[0]  # type: ignore[no-any-return]


def _from_machine_config(
    doc: Mapping[str, Any], source: str, notes: list[str], warnings: list[Diagnostic] | None
) -> Mapping[str, Any]:
    spec = doc.get("spec")
    config = spec.get("config") if isinstance(spec, Mapping) else None
    storage = config.get("storage") if isinstance(config, Mapping) else None
    files = storage.get("files") if isinstance(storage, Mapping) else None
    for i, entry in enumerate(files if isinstance(files, list) else []):
        if isinstance(entry, Mapping) and str(entry.get("path", "")).endswith("/kubelet.conf"):
            return _from_file_entry(entry, f"spec.config.storage.files[{i}].", source, notes, warnings)
    raise InputError(
        "spec.config.storage.files", "no /etc/kubernetes/kubelet.conf in this MachineConfig", source
    )


def _from_openshift_template(doc: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    objects = doc.get("objects")
    found = next(
        (
            o
            for o in (objects if isinstance(objects, list) else [])
            if isinstance(o, Mapping) and _is_kubelet_config(o)
        ),
        None,
    )
    if found is None:
        raise InputError("objects", f"no {WHAT} or KubeletConfig in this Template", source)
    text = json.dumps(found)
    for p in doc.get("parameters") or []:
        if isinstance(p, Mapping) and isinstance(p.get("name"), str):
            value = str(p.get("value", ""))
            try:  # ${{NAME}}: the value as JSON (an object, a number), not a string
                raw = json.dumps(json.loads(value))
            except ValueError:
                raw = json.dumps(value)
            text = text.replace('"${{' + p["name"] + '}}"', raw)
            text = text.replace("${" + p["name"] + "}", json.dumps(value)[1:-1])
    try:
        return json.loads(text)  # type: ignore[no-any-return]
    except ValueError:
        raise InputError(
            "parameters", "the Template's parameters do not make a valid object", source
        ) from None


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


def kubelet_config_document(
    docs: Sequence[Any], source: str, notes: list[str], warnings: list[Diagnostic] | None = None
) -> Mapping[str, Any]:
    """The one KubeletConfiguration mapping among the parsed documents of a file (see the module
    docstring); notes on what was skipped or merged go to ``notes``."""
    if not docs:
        raise InputError("", f"{WHAT} file was empty", source)
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
            return _from_machine_config(doc, source, notes, warnings)
        if (
            doc.get("kind") == "Template"
            and isinstance(api, str)
            and api.startswith("template.openshift.io/")
        ):
            return _from_openshift_template(doc, source)
        if (
            "contents" in doc
            and "path" in doc
            and set(doc) <= {"path", "mode", "contents", "overwrite", "user", "group"}
        ):
            return _from_file_entry(doc, "", source, notes, warnings)
        if doc.get("kind") == "NodeConfig" and isinstance(api, str) and api.startswith("node.eks.aws/"):
            return _from_eks_node_config(doc, source, notes)
        if "kubeletConfig" in doc and set(doc) <= {"kubeletConfig", "linuxConfig"}:
            return _from_gke(doc, source, notes)
        if doc.get("kind") not in ("InitConfiguration", "JoinConfiguration"):
            return doc  # type: ignore[no-any-return]
    found = [d for d in docs if isinstance(d, Mapping) and _is_kubelet_config(d)]
    registrations = {
        str(d.get("kind")): (i, d)
        for i, d in enumerate(docs)
        if isinstance(d, Mapping) and d.get("kind") in ("InitConfiguration", "JoinConfiguration")
    }
    if not found and not registrations:
        kinds = ", ".join(_describe(d) for d in docs)
        raise InputError("", f"no {WHAT} document in this file (found: {kinds})", source)
    for d in docs:
        if not (isinstance(d, Mapping) and _is_kubelet_config(d)) and (
            not isinstance(d, Mapping) or str(d.get("kind")) not in registrations
        ):
            notes.append(f"{source}: skipped {_describe(d)}: not a kubelet configuration")
    merged: Any = {"apiVersion": API_VERSION, "kind": KIND} if not found else {}
    if len(found) > 1:
        notes.append(f"{source}: {len(found)} {WHAT} documents merged in order (later fields win)")
    for d in found:
        merged = merge_patch(merged, d)
    for kind in ("JoinConfiguration", "InitConfiguration"):  # a worker joins
        if kind in registrations:
            i, d = registrations[kind]
            merged = _with_flags(merged, _extra_args(d, f"[{i}]", source), kind, source, notes)
            break
    return merged  # type: ignore[no-any-return]


def load_kubelet_config(
    path: Path, notes: list[str], warnings: list[Diagnostic] | None = None
) -> Mapping[str, Any]:
    """The KubeletConfiguration mapping of the file at ``path`` (``warnings``: None refuses
    duplicate YAML keys, as ``--strict`` does). A Go-templated file that is no YAML as it is (a
    template of a node's kubelet configuration) is read with its template actions left out, with
    a note."""
    text = read_text(path, WHAT)
    try:
        docs = parse_documents(text, str(path), warnings)
    except InputError:
        if "{{" not in text or warnings is None:  # --strict: a template is no configuration
            raise
        docs = parse_documents(_untemplate(text), str(path), warnings)
        notes.append(f"{path}: a Go template, not YAML as it is: its {{{{ … }}}} actions were left out")
    return kubelet_config_document(docs, str(path), notes, warnings)
