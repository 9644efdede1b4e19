"""Loading scenarios from files: the scenario document, or the separate-files form
(``--machine``, ``--kubelet-config``, ``-f pods``), with file references resolved.

Paths inside a scenario are relative to the scenario file. A Pod given by path may hold several
documents or a ``kind: List``; each becomes an ``add`` in order. Workloads (Deployment, Job, …),
in files or inline, become the pods their controllers create (:mod:`podfit.api.workloads`); other
objects are skipped with a note. Pass ``notes=[]`` to collect those notes (the CLI prints them).

Inputs are read as the real tools read them (``strict=False``, the default): a YAML key given twice
keeps its last value, the kubelet's configuration is decoded leniently (see
:mod:`podfit.api.kubelet_config`); each such thing is a warning in ``Scenario.warnings``.
``strict=True`` refuses them instead. The kubelet configuration file may be any of the forms
:mod:`podfit.io.kubelet_config_file` finds one in; a scenario's ``node`` may be a path to a machine
file (what ``podfit capture-machine`` writes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from podfit.api.scenario import SourcedPod, scenario_from_dict
from podfit.api.workloads import WorkloadPods, expand_workload
from podfit.errors import InputError
from podfit.io.kubelet_config_file import load_kubelet_config
from podfit.io.sysfs import machine_from_sysfs, machine_to_dict
from podfit.io.yamlio import load_documents, load_one, parse_documents, split_list
from podfit.model.diagnostics import Diagnostic
from podfit.model.gotext import json_type
from podfit.model.scenario import Scenario

__all__ = ["DEFAULT_SCENARIO", "load_default_scenario", "load_scenario", "scenario_from_parts"]

DEFAULT_SCENARIO = "tightly-coupled-database"
MACHINE_FORMS = ("machine", "preset", "cpus", "sysfs")


@dataclass
class _PodInputs:
    """Pod inputs of one load: workloads expanded (``--replicas`` applied), notes collected."""

    replicas: int | None = None
    notes: list[str] = field(default_factory=list)
    position: int = 0
    strict: bool = False
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def yaml_warnings(self) -> list[Diagnostic] | None:
        """Where the YAML reader puts duplicate keys (None: ``--strict``, they are errors)."""
        return None if self.strict else self.warnings

    def _expand(self, manifest: Mapping[str, Any], source: str, where: str) -> WorkloadPods:
        self.position += 1
        try:
            result = expand_workload(manifest, replicas=self.replicas, position=self.position)
        except InputError as exc:
            raise exc.under(where).in_source(source) from None
        self.notes.extend(f"{source}: {note}" for note in result.notes)
        return result

    @staticmethod
    def _sourced(result: WorkloadPods, source: str, where: str) -> list[SourcedPod]:
        return [
            SourcedPod(pod, source, ".".join(p for p in (where, result.pod_path(i)) if p))
            for i, pod in enumerate(result.pods)
        ]

    def expand(self, manifest: Mapping[str, Any], source: str, where: str) -> list[SourcedPod]:
        """The pods of one inline manifest or ``kind: List`` (``where``: its path in the scenario)."""
        try:
            items = split_list(manifest, source)
        except InputError as exc:
            raise exc.under(where) from None
        if len(items) == 1 and items[0] is manifest:
            return self._sourced(self._expand(manifest, source, where), source, where)
        out: list[SourcedPod] = []
        for i, item in enumerate(items):
            at = f"{where}.items[{i}]"
            out.extend(self._sourced(self._expand(item, source, at), source, at))
        return out

    def from_file(self, path: Path) -> list[SourcedPod]:
        """The pods of every object in a manifest file (an empty file is an error; a file of
        Services, ConfigMaps, … gives no pod and a note)."""
        empty: list[str] = []
        docs = load_documents(path, self.yaml_warnings, empty)
        if not docs and empty:  # kubectl get pods -o yaml of an empty namespace
            self.notes.append(f"{path}: an empty {empty[0]} (no items): nothing to add")
            return []
        if not docs:
            raise InputError("", "no Pod manifest in file", str(path))
        where = [f"[{i}]" if len(docs) > 1 else "" for i in range(len(docs))]
        results = [self._expand(doc, str(path), w) for doc, w in zip(docs, where, strict=True)]
        if all(r.skipped for r in results):
            self.notes.append(f"{path}: no workload or Pod manifest in file; nothing to add")
        return [pod for r, w in zip(results, where, strict=True) for pod in self._sourced(r, str(path), w)]


def _resolve_node(node: Any, base: Path, source: str, inputs: _PodInputs | None = None) -> Any:
    """``node: PATH`` becomes that machine file's node section; ``sysfs: PATH`` the machine read
    from that tree (explicit CPU table form); a ``node:`` pasted inside ``node:`` is unwrapped."""
    if isinstance(node, str):
        path = (base / node).resolve()
        return _machine_section(path, inputs.yaml_warnings if inputs is not None else None)
    if isinstance(node, Mapping) and set(node) == {"node"} and isinstance(node["node"], Mapping):
        node = node["node"]  # a capture-machine file's content pasted under node:
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


def _restart_config_path(item: Mapping[str, Any]) -> bool:
    """A ``restart`` event whose ``kubeletConfig`` is a path (relative to the scenario file)."""
    restart = item.get("restart")
    return isinstance(restart, Mapping) and isinstance(restart.get("kubeletConfig"), str)


def _resolve(doc: Mapping[str, Any], base: Path, source: str, inputs: _PodInputs) -> dict[str, Any]:
    out = dict(doc)
    if "node" in out:
        out["node"] = _resolve_node(out["node"], base, source, inputs)
    kc = out.get("kubeletConfig")
    if isinstance(kc, str):
        path = base / kc
        try:
            out["kubeletConfig"] = load_kubelet_config(path, inputs.notes, inputs.yaml_warnings)
        except InputError as exc:
            raise exc.in_source(str(path)) from None
    for key in ("events", "pods"):
        items = out.get(key)
        if not isinstance(items, list):
            continue
        resolved: list[Any] = []
        for i, item in enumerate(items):
            if key == "pods" and isinstance(item, str):
                resolved.extend(inputs.from_file(base / item))
            elif key == "pods" and isinstance(item, Mapping):
                resolved.extend(inputs.expand(item, source, f"pods[{i}]"))
            elif key == "events" and isinstance(item, Mapping) and isinstance(item.get("add"), str):
                resolved.extend({"add": p} for p in inputs.from_file(base / item["add"]))
            elif key == "events" and isinstance(item, Mapping) and _restart_config_path(item):
                restart = dict(item["restart"])
                path = base / restart["kubeletConfig"]
                try:
                    restart["kubeletConfig"] = load_kubelet_config(path, inputs.notes, inputs.yaml_warnings)
                except InputError as exc:
                    raise exc.in_source(str(path)) from None
                resolved.append({"restart": restart})
            elif (
                key == "events"
                and isinstance(item, Mapping)
                and len(item) == 1
                and isinstance(item.get("add"), Mapping)
            ):
                resolved.extend({"add": p} for p in inputs.expand(item["add"], source, f"events[{i}].add"))
            else:
                resolved.append(item)
        out[key] = resolved
    return out


def _decode(
    doc: Mapping[str, Any], base: Path, source: str, inputs: _PodInputs, kubelet_version: str | None
) -> Scenario:
    try:
        resolved = _resolve(doc, base, source, inputs)
        found: list[Diagnostic] = []
        scenario = scenario_from_dict(resolved, kubelet_version, strict=inputs.strict, warnings=found)
    except InputError as exc:
        raise exc.in_source(source) from None
    return _with_warnings(scenario, [*inputs.warnings, *(w.in_source(source) for w in found)])


def _with_warnings(scenario: Scenario, warnings: list[Diagnostic]) -> Scenario:
    import dataclasses

    return dataclasses.replace(scenario, warnings=tuple(warnings))


def load_scenario(
    path: Path,
    *,
    replicas: int | None = None,
    notes: list[str] | None = None,
    kubelet_version: str | None = None,
    strict: bool = False,
) -> Scenario:
    """A Scenario document from ``path``; ``replicas`` overrides every workload's (``--replicas``),
    ``kubelet_version`` the node's ``kubeletVersion`` (``--kubelet-version``: the configuration is
    decoded for that release), and the notes on skipped objects are appended to ``notes``.
    ``strict``: see the module."""
    inputs = _PodInputs(replicas, strict=strict)
    doc = load_one(path, "scenario", inputs.yaml_warnings)
    scenario = _decode(doc, path.parent, str(path), inputs, kubelet_version)
    if notes is not None:
        notes.extend(inputs.notes)
    return scenario


def load_default_scenario(kubelet_version: str | None = None) -> Scenario:
    """The built-in default scenario (the tightly-coupled database pod on a 2-socket node), on the
    kubelet release ``kubelet_version`` (default 1.36)."""
    name = f"{DEFAULT_SCENARIO}.yaml"
    text = resources.files("podfit.data").joinpath("scenarios", name).read_text(encoding="utf-8")
    (doc,) = parse_documents(text, f"<built-in {name}>")
    return scenario_from_dict(doc, kubelet_version)


def _machine_section(path: Path, warnings: list[Diagnostic] | None = None) -> Mapping[str, Any]:
    """The ``node`` section a machine file stands for: a Scenario's ``node``, a file written by
    ``podfit capture-machine`` (``node: {cpus: …}``), a node section itself, or a synthetic
    ``machine`` description."""
    doc = load_one(path, "machine description", warnings)
    if doc.get("kind") in ("Node", "NodeList") and doc.get("apiVersion") == "v1":
        raise InputError(
            "kind",
            "a Kubernetes Node object (kubectl get node -o yaml) holds no CPU/NUMA topology: run "
            "`podfit capture-machine` (or `podfit capture-node`) on the node, or use --preset",
            str(path),
        )
    if doc.get("kind") == "Scenario" or (set(doc) == {"node"}):
        node = doc.get("node")
        if isinstance(node, str):
            raise InputError(
                "node", "a machine file must describe the machine, not name another file", str(path)
            )
        if not isinstance(node, Mapping):
            raise InputError("node", f"expected an object, got {json_type(node)}", str(path))
        return _resolve_node(node, path.parent, str(path))  # type: ignore[no-any-return]
    if any(form in doc for form in MACHINE_FORMS):
        return _resolve_node(doc, path.parent, str(path))  # type: ignore[no-any-return]
    return {"machine": doc}


def scenario_from_parts(
    *,
    machine: Path | None,
    preset: str | None,
    kubelet_config: Path | None,
    pod_files: Sequence[Path],
    replicas: int | None = None,
    notes: list[str] | None = None,
    kubelet_version: str | None = None,
    strict: bool = False,
) -> Scenario:
    """The separate-files form of ``podfit simulate``; ``replicas``, ``notes``, ``kubelet_version``,
    ``strict`` as in :func:`load_scenario`."""
    if (machine is None) == (preset is None):
        raise InputError("--machine", "give exactly one of --machine FILE or --preset NAME")
    inputs = _PodInputs(replicas, strict=strict)
    node = {"preset": preset} if preset is not None else dict(_machine_section(machine, inputs.yaml_warnings))  # type: ignore[arg-type]
    doc: dict[str, Any] = {"kind": "Scenario", "metadata": {"name": "command-line"}, "node": node}
    if kubelet_config is not None:
        kc = load_kubelet_config(kubelet_config, inputs.notes, inputs.yaml_warnings)
        doc["kubeletConfig"] = kc
        kc_source = str(kubelet_config)
    else:  # a kubelet started without a config file: every field at its default
        doc["kubeletConfig"] = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
        kc_source = "--kubelet-config"
    pods: list[SourcedPod] = []
    for f in pod_files:
        pods.extend(inputs.from_file(f))
    doc["pods"] = pods
    if notes is not None:
        notes.extend(inputs.notes)
    found: list[Diagnostic] = []
    try:
        scenario = scenario_from_dict(doc, kubelet_version, strict=strict, warnings=found)
    except InputError as exc:
        if exc.source:
            raise
        if exc.field.startswith("kubeletConfig"):
            field = exc.field[len("kubeletConfig") :].lstrip(".")
            raise InputError(field, exc.message, kc_source) from None
        if exc.field.startswith("node"):
            raise exc.in_source(str(machine) if machine else "--preset") from None
        raise
    for w in found:
        if w.source is None and (w.field or "").startswith("kubeletConfig"):
            rest = (w.field or "")[len("kubeletConfig") :].lstrip(".")
            w = Diagnostic(w.code, w.message, kc_source, rest or None, w.pod)
        inputs.warnings.append(w)
    return _with_warnings(scenario, inputs.warnings)
