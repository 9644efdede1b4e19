"""Loading scenarios from files: the scenario document, or the separate-files form
(``--machine``, ``--kubelet-config``, ``-f pods``), with file references resolved.

Paths inside a scenario are relative to the scenario file. A Pod given by path may hold several
documents or a ``kind: List``; each becomes an ``add`` in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from podfit.api.scenario import SourcedPod, scenario_from_dict
from podfit.errors import InputError
from podfit.io.sysfs import machine_from_sysfs, machine_to_dict
from podfit.io.yamlio import load_documents, load_one, parse_documents
from podfit.model.scenario import Scenario

__all__ = ["DEFAULT_SCENARIO", "load_default_scenario", "load_scenario", "scenario_from_parts"]

DEFAULT_SCENARIO = "tightly-coupled-database"
MACHINE_FORMS = ("machine", "preset", "cpus", "sysfs")


def _pods_from_file(path: Path) -> list[SourcedPod]:
    docs = load_documents(path)
    if not docs:
        raise InputError("", "no Pod manifest in file", str(path))
    many = len(docs) > 1
    return [SourcedPod(d, str(path), f"[{i}]" if many else "") for i, d in enumerate(docs)]


def _resolve_node(node: Any, base: Path, source: str) -> Any:
    """Replace ``sysfs: PATH`` by the machine read from that tree (explicit CPU table form)."""
    if not isinstance(node, Mapping) or "sysfs" not in node:
        return node
    ref = node["sysfs"]
    if not isinstance(ref, str) or not ref:
        raise InputError("node.sysfs", "expected a path to a sysfs tree", source)
    root = (base / ref).resolve()
    try:
        machine = machine_from_sysfs(root)
    except InputError as exc:
        raise exc.in_source(str(root)) from None
    rest = {k: v for k, v in node.items() if k != "sysfs"}
    return {**machine_to_dict(machine), **rest}


def _resolve(doc: Mapping[str, Any], base: Path, source: str) -> dict[str, Any]:
    out = dict(doc)
    if "node" in out:
        out["node"] = _resolve_node(out["node"], base, source)
    kc = out.get("kubeletConfig")
    if isinstance(kc, str):
        out["kubeletConfig"] = load_one(base / kc, "KubeletConfiguration")
    for key in ("events", "pods"):
        items = out.get(key)
        if not isinstance(items, list):
            continue
        resolved: list[Any] = []
        for item in items:
            if key == "pods" and isinstance(item, str):
                resolved.extend(_pods_from_file(base / item))
            elif key == "events" and isinstance(item, Mapping) and isinstance(item.get("add"), str):
                resolved.extend({"add": p} for p in _pods_from_file(base / item["add"]))
            else:
                resolved.append(item)
        out[key] = resolved
    return out


def _decode(doc: Mapping[str, Any], base: Path, source: str) -> Scenario:
    try:
        return scenario_from_dict(_resolve(doc, base, source))
    except InputError as exc:
        raise exc.in_source(source) from None


def load_scenario(path: Path) -> Scenario:
    """A Scenario document from ``path``."""
    doc = load_one(path, "scenario")
    return _decode(doc, path.parent, str(path))


def load_default_scenario() -> Scenario:
    """The built-in default scenario (the tightly-coupled database pod on a 2-socket node)."""
    name = f"{DEFAULT_SCENARIO}.yaml"
    text = resources.files("podfit.data").joinpath("scenarios", name).read_text(encoding="utf-8")
    (doc,) = parse_documents(text, f"<built-in {name}>")
    return scenario_from_dict(doc)


def _machine_section(path: Path) -> Mapping[str, Any]:
    doc = load_one(path, "machine description")
    if doc.get("kind") == "Scenario":
        node = doc.get("node")
        if not isinstance(node, Mapping):
            raise InputError("node", "expected an object", str(path))
        return _resolve_node(node, path.parent, str(path))
    if any(form in doc for form in MACHINE_FORMS):
        return _resolve_node(doc, path.parent, str(path))
    return {"machine": doc}


def scenario_from_parts(
    *,
    machine: Path | None,
    preset: str | None,
    kubelet_config: Path | None,
    pod_files: Sequence[Path],
) -> Scenario:
    """The separate-files form of ``podfit simulate``."""
    if (machine is None) == (preset is None):
        raise InputError("--machine", "give exactly one of --machine FILE or --preset NAME")
    node = {"preset": preset} if preset is not None else dict(_machine_section(machine))  # type: ignore[arg-type]
    doc: dict[str, Any] = {"kind": "Scenario", "metadata": {"name": "command-line"}, "node": node}
    if kubelet_config is not None:
        kc = load_one(kubelet_config, "KubeletConfiguration")
        doc["kubeletConfig"] = kc
        kc_source = str(kubelet_config)
    else:
        kc_source = "--kubelet-config"
    pods: list[SourcedPod] = []
    for f in pod_files:
        pods.extend(_pods_from_file(f))
    doc["pods"] = pods
    try:
        return scenario_from_dict(doc)
    except InputError as exc:
        if exc.source:
            raise
        if exc.field.startswith("kubeletConfig"):
            field = exc.field[len("kubeletConfig") :].lstrip(".")
            raise InputError(field, exc.message, kc_source) from None
        if exc.field.startswith("node"):
            raise exc.in_source(str(machine) if machine else "--preset") from None
        raise
