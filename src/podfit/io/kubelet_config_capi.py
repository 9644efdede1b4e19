"""Cluster API's kubeadm bootstrap (``bootstrap.cluster.x-k8s.io`` ``KubeadmConfig`` /
``KubeadmConfigTemplate``, ``controlplane.cluster.x-k8s.io`` ``KubeadmControlPlane`` /
``KubeadmControlPlaneTemplate``), as the kubelet of the node it bootstraps is configured.

A cluster template holds many objects; the kubelet read is the one of a worker (the first
``KubeadmConfigTemplate`` or ``KubeadmConfig``), else of the first control-plane node (the
``KubeadmControlPlane``'s ``initConfiguration``). In its ``KubeadmConfigSpec``, the three ways the
Cluster API book gives (tasks/bootstrap/kubeadm-bootstrap/kubelet-config.md) are read in the
order the node applies them:

1. a ``KubeletConfiguration`` file of ``spec.files`` that the ``config`` kubelet flag names;
2. kubeadm's ``kubeletconfiguration`` patches: the ``spec.files`` in the registration's
   ``patches.directory`` named ``kubeletconfiguration{suffix}+{strategic|merge|json}.{json|yaml}``,
   in the order of their names (strategic and merge patches merge objects and replace lists, which
   is what a strategic patch does on a KubeletConfiguration; a json patch is RFC 6902);
3. the registration's ``nodeRegistration.kubeletExtraArgs`` (kubelet flags win over the file).

kubeadm's own defaults under them are not applied (a note says so), as for a kind cluster.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from podfit.errors import InputError
from podfit.io.kubelet_config_forms import extra_args, merge_patch, release_note, with_flags
from podfit.io.yamlio import parse_documents
from podfit.model.diagnostics import Diagnostic
from podfit.model.gotext import json_type
from podfit.model.kubelet_config import API_VERSION, KIND

__all__ = ["CAPI_KINDS", "from_cluster_api", "is_cluster_api"]

# kind -> (API group, path of the KubeadmConfigSpec, a worker's)
CAPI_KINDS: Final[Mapping[str, tuple[str, tuple[str, ...], bool]]] = {
    "KubeadmConfigTemplate": ("bootstrap.cluster.x-k8s.io/", ("spec", "template", "spec"), True),
    "KubeadmConfig": ("bootstrap.cluster.x-k8s.io/", ("spec",), True),
    "KubeadmControlPlane": ("controlplane.cluster.x-k8s.io/", ("spec", "kubeadmConfigSpec"), False),
    "KubeadmControlPlaneTemplate": (
        "controlplane.cluster.x-k8s.io/",
        ("spec", "template", "spec", "kubeadmConfigSpec"),
        False,
    ),
}
PATCH_TARGET: Final = "kubeletconfiguration"


def is_cluster_api(doc: Any) -> bool:
    if not isinstance(doc, Mapping):
        return False
    known = CAPI_KINDS.get(str(doc.get("kind")))
    api = doc.get("apiVersion")
    return known is not None and isinstance(api, str) and api.startswith(known[0])


def _is_worker(doc: Mapping[str, Any], source: str) -> bool:
    """A bootstrap config (template) is a worker's, unless it makes a control-plane node (a
    cluster without KubeadmControlPlane): an init or cluster configuration, a control-plane
    join, the control-plane label."""
    _, path, worker = CAPI_KINDS[str(doc["kind"])]
    spec = _at(doc, path, source)
    labels = _at(doc, ("metadata", "labels"), source)
    return (
        worker
        and "initConfiguration" not in spec
        and "clusterConfiguration" not in spec
        and _at(spec, ("joinConfiguration",), source).get("controlPlane") is None
        and "cluster.x-k8s.io/control-plane" not in labels
    )


def _at(doc: Mapping[str, Any], path: Sequence[str], source: str) -> Mapping[str, Any]:
    obj: Any = doc
    for i, key in enumerate(path):
        obj = obj.get(key) if isinstance(obj, Mapping) else None
        if obj is None:
            return {}
        if not isinstance(obj, Mapping):
            raise InputError(".".join(path[: i + 1]), f"expected an object, got {json_type(obj)}", source)
    return obj  # type: ignore[no-any-return]


def _content(entry: Mapping[str, Any], where: str, source: str, notes: list[str]) -> str | None:
    if entry.get("contentFrom") is not None:
        notes.append(f"{source}: {where} ({entry.get('path')}) comes from a Secret: not in the file")
        return None
    text = entry.get("content")
    if not isinstance(text, str):
        raise InputError(f"{where}.content", f"expected a string, got {json_type(text)}", source)
    encoding = entry.get("encoding") or ""
    try:
        if encoding == "base64":
            return base64.b64decode(text).decode("utf-8")
        if encoding == "gzip+base64":
            return gzip.decompress(base64.b64decode(text)).decode("utf-8")
    except (ValueError, OSError, UnicodeDecodeError):
        raise InputError(f"{where}.content", f"not decodable as {encoding}", source) from None
    return text


def _document(text: str, where: str, source: str, warnings: list[Diagnostic] | None) -> Any:
    docs = parse_documents(text, f"{source}: {where}", warnings)
    if len(docs) != 1:
        raise InputError(where, "expected one document", source)
    return docs[0]


def _json_patch(target: Any, ops: Any, where: str, source: str) -> Any:
    """RFC 6902 add / replace / remove on a configuration (what kubeadm's json patches do)."""
    if not isinstance(ops, list):
        raise InputError(where, f"a json patch is a list of operations, got {json_type(ops)}", source)
    out = json.loads(json.dumps(target))
    for i, op in enumerate(ops):
        if not isinstance(op, Mapping) or not isinstance(op.get("path"), str):
            raise InputError(f"{where}[{i}]", "expected {op, path, value}", source)
        keys = [k.replace("~1", "/").replace("~0", "~") for k in op["path"].split("/")[1:]]
        parent = out
        for key in keys[:-1]:
            parent = parent.setdefault(key, {}) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or not keys:
            raise InputError(f"{where}[{i}].path", f"{op['path']}: not a field of an object", source)
        if op.get("op") in ("add", "replace"):
            parent[keys[-1]] = op.get("value")
        elif op.get("op") == "remove":
            parent.pop(keys[-1], None)
        else:
            raise InputError(
                f"{where}[{i}].op", f"{op.get('op')}: not read (add, replace, remove are)", source
            )
    return out


def _patches(
    files: list[Any], directory: str, source: str, notes: list[str], warnings: list[Diagnostic] | None
) -> list[tuple[str, str, Any]]:
    """(where, patch type, patch) of the kubeletconfiguration patch files, in kubeadm's order."""
    found: list[tuple[str, str, str, Any]] = []
    prefix = directory.rstrip("/") + "/"
    for i, entry in enumerate(files):
        path = str(entry.get("path", "")) if isinstance(entry, Mapping) else ""
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if not name.startswith(PATCH_TARGET) or "/" in name:
            continue
        stem, _, ext = name.rpartition(".")
        if ext not in ("json", "yaml", "yml"):
            continue
        suffix, _, kind = stem[len(PATCH_TARGET) :].partition("+")
        where = f"files[{i}]"
        text = _content(entry, where, source, notes)
        if text is not None:
            found.append((suffix, where, kind or "strategic", _document(text, where, source, warnings)))
    return [(where, kind, patch) for _, where, kind, patch in sorted(found, key=lambda f: f[0])]


def _spec_config(
    spec: Mapping[str, Any],
    worker: bool,
    source: str,
    notes: list[str],
    warnings: list[Diagnostic] | None,
) -> Any:
    names = (
        ("joinConfiguration", "initConfiguration") if worker else ("initConfiguration", "joinConfiguration")
    )
    name = next((n for n in names if isinstance(spec.get(n), Mapping)), names[0])
    registration = _at(spec, (name,), source)
    flags = extra_args(registration, name, source)
    files = spec.get("files") or []
    if not isinstance(files, list):
        raise InputError("files", f"expected a list, got {json_type(files)}", source)
    config: Any = {"apiVersion": API_VERSION, "kind": KIND}
    path = flags.pop("config", None)
    if path is not None:
        entry = next((f for f in files if isinstance(f, Mapping) and f.get("path") == path), None)
        where = f"files[{files.index(entry)}]" if entry is not None else "files"
        text = _content(entry, where, source, notes) if entry is not None else None
        if entry is None:
            notes.append(f"{source}: the kubelet's --config {path} is not among the files: not read")
        elif text is not None:
            config = _document(text, where, source, warnings)
            notes.append(f"{source}: the kubelet's configuration file {path} ({where}) read")
    directory = _at(registration, ("patches",), source).get("directory")
    if isinstance(directory, str):
        for where, kind, patch in _patches(files, directory, source, notes, warnings):
            if kind == "json":
                config = _json_patch(config, patch, where, source)
            else:
                config = merge_patch(config, patch)
            notes.append(f"{source}: kubeadm's {kind} patch of the kubelet configuration {where} applied")
    return with_flags(config, flags, f"{name}.nodeRegistration", source, notes)


def _release(
    docs: Sequence[Any], doc: Mapping[str, Any], worker: bool, source: str, notes: list[str]
) -> None:
    """The version of the machines this bootstrap object makes: a KubeadmControlPlane's
    ``spec.version``, a MachineDeployment's / MachinePool's ``spec.template.spec.version``."""
    if not worker:
        release_note(source, f"{doc['kind']} spec.version", _at(doc, ("spec",), source).get("version"), notes)
        return
    for other in docs:
        if isinstance(other, Mapping) and other.get("kind") in (
            "MachineDeployment",
            "MachinePool",
            "Machine",
        ):
            path = ("spec",) if other.get("kind") == "Machine" else ("spec", "template", "spec")
            release_note(source, f"{other['kind']} version", _at(other, path, source).get("version"), notes)
            return


def from_cluster_api(
    docs: Sequence[Any], source: str, notes: list[str], warnings: list[Diagnostic] | None
) -> Mapping[str, Any]:
    """The kubelet configuration of the node a Cluster API kubeadm bootstrap object makes (see
    the module docstring): a worker's if the file has one, else the first control-plane node's."""
    candidates = [(i, d) for i, d in enumerate(docs) if is_cluster_api(d)]
    workers = [(i, d) for i, d in candidates if _is_worker(d, source)]
    i, doc = (workers or candidates)[0]
    path = CAPI_KINDS[doc["kind"]][1]
    worker = _is_worker(doc, source)
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    shown = f"{doc['kind']}/{name}" if name else str(doc["kind"])
    try:
        config = _spec_config(_at(doc, path, source), worker, source, notes, warnings)
    except InputError as exc:
        field = ".".join(path) + (f".{exc.field}" if exc.field else "")
        raise InputError(f"[{i}].{field}" if len(docs) > 1 else field, exc.message, source) from None
    _release(docs, doc, worker, source, notes)
    node = "a worker" if worker else "the first control-plane node"
    others = len(candidates) - 1
    notes.append(
        f"{source}: Cluster API {shown}: the kubelet of {node}"
        + (f" ({others} other kubeadm bootstrap object(s) not read)" if others else "")
        + "; kubeadm's own KubeletConfiguration defaults are not applied"
    )
    return config  # type: ignore[no-any-return]
