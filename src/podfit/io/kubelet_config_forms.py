"""The vendors' forms of a kubelet configuration, and the helpers every form shares: OpenShift
(``MachineConfig`` and its Ignition file entries, ``Template``), GKE's node system configuration,
EKS's ``NodeConfig``; JSON merge patches, kubelet flags from kubeadm's ``kubeletExtraArgs``, and
Go-templated texts (see :mod:`podfit.io.kubelet_config_file`, which finds a form in a file).
"""

from __future__ import annotations

import base64
import email
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, Final

from podfit.api.kubelet_config_fields import FIELDS
from podfit.api.kubelet_flags import config_from_flags, flags_from_args
from podfit.errors import InputError
from podfit.io.yamlio import parse_documents
from podfit.model.diagnostics import Diagnostic
from podfit.model.gotext import json_type
from podfit.model.kubelet_config import API_VERSION, KIND
from podfit.release.profile import parse_kubelet_version

__all__ = [
    "OPENSHIFT_GROUP",
    "WHAT",
    "describe",
    "extra_args",
    "from_eks_node_config",
    "from_eks_node_configs",
    "from_file_entry",
    "from_gke",
    "from_machine_config",
    "from_openshift_template",
    "is_eks_node_config",
    "is_kubelet_config",
    "merge_patch",
    "mime_parts",
    "openshift_node_sizing",
    "release_note",
    "untemplate",
    "with_flags",
]

WHAT: Final = "KubeletConfiguration"
OPENSHIFT_GROUP: Final = "machineconfiguration.openshift.io/"


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


def is_kubelet_config(doc: Mapping[str, Any]) -> bool:
    kind = doc.get("kind")
    api = doc.get("apiVersion")
    if kind == KIND:
        return True
    if kind == "KubeletConfig" and isinstance(api, str) and api.startswith(OPENSHIFT_GROUP):
        return True
    return set(doc) == {"kubeletconfig"}  # /configz


def describe(doc: Any) -> str:
    if not isinstance(doc, Mapping):
        return f"a {json_type(doc)}"
    kind = doc.get("kind") or "(no kind)"
    api = doc.get("apiVersion")
    return f"{kind} ({api})" if api else str(kind)


def extra_args(doc: Mapping[str, Any], where: str, source: str) -> dict[str, str]:
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


def release_note(source: str, what: str, version: Any, notes: list[str]) -> None:
    """A note naming the kubelet release a node definition gives (``v1.33.4``, an image tag): the
    answer is the release of ``--kubelet-version`` / ``node.kubeletVersion`` (default 1.36)."""
    if not isinstance(version, str) or not version or "$" in version or "{" in version:
        return
    tag = version.rsplit(":", 1)[-1]
    minor = parse_kubelet_version(tag)
    if minor is not None:
        notes.append(f"{source}: {what} {version}: give --kubelet-version {minor} to answer as that kubelet")
    elif tag.lstrip("v")[:1].isdigit():
        notes.append(f"{source}: {what} {version}: a release podfit does not model (1.33 to 1.37)")


def with_flags(config: Any, flags: Mapping[str, str], origin: str, source: str, notes: list[str]) -> Any:
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


def from_gke(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
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
            for sub, target in (("policy", f"{prefix}Policy"), ("scope", f"{prefix}Scope")):
                if sub in value and target in FIELDS:
                    out[target] = value[sub]
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


def is_eks_node_config(doc: Any) -> bool:
    api = doc.get("apiVersion") if isinstance(doc, Mapping) else None
    return isinstance(api, str) and api.startswith("node.eks.aws/") and doc.get("kind") == "NodeConfig"


def from_eks_node_config(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    return from_eks_node_configs([doc], source, notes)


def from_eks_node_configs(docs: Sequence[Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """The kubelet of an EKS node from its NodeConfigs (nodeadm user data: several documents, or
    parts of a MIME multi-part), merged in order as nodeadm merges them: ``spec.kubelet.config``
    objects key by key (later values win), ``spec.kubelet.flags`` appended."""
    config: Any = {}
    args: list[str] = []
    found = False
    for i, doc in enumerate(d for d in docs if is_eks_node_config(d)):
        spec = doc.get("spec")
        kubelet = spec.get("kubelet") if isinstance(spec, Mapping) else None
        if not isinstance(kubelet, Mapping):
            continue
        found = True
        part = kubelet.get("config") or {}
        where = f"[{i}].spec.kubelet.config" if len(docs) > 1 else "spec.kubelet.config"
        if not isinstance(part, Mapping):
            raise InputError(where, f"expected an object, got {json_type(part)}", source)
        config = merge_patch(config, part)
        flags = kubelet.get("flags") or []
        if not isinstance(flags, list):
            raise InputError(
                where.replace(".config", ".flags"), f"expected a list, got {json_type(flags)}", source
            )
        args.extend(str(item) for item in flags)
    if not found:
        notes.append(f"{source}: a NodeConfig without spec.kubelet: every field at its default")
    elif len(docs) > 1:
        notes.append(f"{source}: {len(docs)} NodeConfigs merged in order, as nodeadm merges them")
    merged = {"apiVersion": API_VERSION, "kind": KIND, **config}
    return with_flags(merged, flags_from_args(args), "spec.kubelet.flags", source, notes)  # type: ignore[no-any-return]


def mime_parts(text: str, source: str, notes: list[str]) -> str | None:
    """The NodeConfig documents of a MIME multi-part user data (EC2 user data, as nodeadm reads
    it: the ``application/node.eks.aws`` parts), as one YAML text; None: not MIME."""
    head = text.lstrip()[:200].lower()
    if not (head.startswith("mime-version:") or head.startswith("content-type: multipart")):
        return None
    message = email.message_from_string(text.lstrip())
    if not message.is_multipart():
        return None
    texts: list[str] = []
    skipped: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "application/node.eks.aws":
            payload = part.get_payload(decode=True)
            texts.append(
                payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
            )
        else:
            skipped.append(kind)
    if skipped:
        notes.append(f"{source}: MIME user data: its {', '.join(skipped)} part(s) not read")
    if not texts:
        raise InputError("", "MIME user data without an application/node.eks.aws part", source)
    return "\n---\n".join(texts)


_TEMPLATE_LINE: Final = re.compile(
    r"^\s*((-\s*)?\{\{-?\s*(range|end|if|else|with|define|template|block)\b.*\}\}|(\{\{.*?\}\}\s*)+)\s*$"
)
_TEMPLATE_ACTION: Final = re.compile(r"\{\{.*?\}\}")
_QUOTED_ACTION: Final = re.compile(r"([\"'])\{\{.*?\}\}\1")


def untemplate(text: str) -> str:
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


def from_file_entry(
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
        text = untemplate(text)
    docs = parse_documents(text, f"{source}: {where}contents", warnings)
    if len(docs) != 1 or not isinstance(docs[0], Mapping):
        raise InputError(f"{where}contents", f"expected one {WHAT} document", source)
    return docs[0]  # type: ignore[no-any-return]


def from_machine_config(
    doc: Mapping[str, Any], source: str, notes: list[str], warnings: list[Diagnostic] | None
) -> Mapping[str, Any]:
    spec = doc.get("spec")
    config = spec.get("config") if isinstance(spec, Mapping) else None
    storage = config.get("storage") if isinstance(config, Mapping) else None
    files = storage.get("files") if isinstance(storage, Mapping) else None
    for i, entry in enumerate(files if isinstance(files, list) else []):
        if isinstance(entry, Mapping) and str(entry.get("path", "")).endswith("/kubelet.conf"):
            return from_file_entry(entry, f"spec.config.storage.files[{i}].", source, notes, warnings)
    raise InputError(
        "spec.config.storage.files", "no /etc/kubernetes/kubelet.conf in this MachineConfig", source
    )


OPENSHIFT_SYSTEM_RESERVED: Final = (("cpu", "500m"), ("memory", "1Gi"), ("ephemeral-storage", "1Gi"))


def openshift_node_sizing(doc: Mapping[str, Any], source: str, notes: list[str]) -> Mapping[str, Any]:
    """An OpenShift ``KubeletConfig`` with the system reservation its nodes run with: the Machine
    Config Operator writes ``/etc/node-sizing-enabled.env`` and the node a kubelet drop-in
    (``/etc/openshift/kubelet.conf.d/20-auto-sizing.conf``) whose ``systemReserved`` holds the
    KubeletConfig's own values, else cpu 500m, memory 1Gi, ephemeral-storage 1Gi (with
    ``autoSizingReserved`` the node computes larger ones from its size: a note says so).

    Mirrors: openshift/machine-config-operator pkg/controller/kubelet-config/helpers.go
    createNewKubeletDynamicSystemReservedIgnition and templates/common/_base/files/
    kubelet-auto-sizing.yaml (read at the snapshot of 2026-08)."""
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        spec = {}
    config = spec.get("kubeletConfig")
    if config is not None and not isinstance(config, Mapping):
        return doc  # the decoder names the error
    config = dict(config or {})
    own = config.get("systemReserved")
    own = own if isinstance(own, Mapping) else {}
    reserved = {k: own.get(k) or default for k, default in OPENSHIFT_SYSTEM_RESERVED}
    config["systemReserved"] = {**own, **reserved}
    shown = ", ".join(f"{k}={v}" for k, v in reserved.items())
    auto = spec.get("autoSizingReserved") is True and not own
    notes.append(
        f"{source}: OpenShift's node sizing drop-in sets systemReserved {shown}"
        + (" (autoSizingReserved: the node computes larger values from its CPUs and memory)" if auto else "")
    )
    return {**doc, "spec": {**spec, "kubeletConfig": config}}


def from_openshift_template(doc: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    objects = doc.get("objects")
    found = next(
        (
            o
            for o in (objects if isinstance(objects, list) else [])
            if isinstance(o, Mapping) and is_kubelet_config(o)
        ),
        None,
    )
    if found is None:
        raise InputError("objects", f"no {WHAT} or KubeletConfig in this Template", source)
    text = json.dumps(found)
    parameters = doc.get("parameters") or []
    if not isinstance(parameters, list):
        raise InputError("parameters", f"expected a list, got {json_type(parameters)}", source)
    for p in parameters:
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
