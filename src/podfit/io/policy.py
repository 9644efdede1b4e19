"""Loading an admission policy file (``kind: AdmissionPolicy``) with its file references resolved.

Paths inside the policy are relative to the policy file: a node shape's ``kubeletConfig: PATH``
(a KubeletConfiguration file) and ``sysfs: PATH`` (a captured sysfs tree).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from podfit.admission_policy.decode import policy_from_dict
from podfit.admission_policy.values import AdmissionPolicy
from podfit.errors import InputError
from podfit.io.kubelet_config_file import load_kubelet_config
from podfit.io.sysfs import machine_from_sysfs, machine_to_dict
from podfit.io.yamlio import load_one

__all__ = ["load_policy", "resolved_policy_document"]


def _resolve_shape(shape: Any, base: Path, field: str, source: str) -> Any:
    if not isinstance(shape, Mapping):
        return shape
    out = dict(shape)
    kc = out.get("kubeletConfig")
    if isinstance(kc, str):
        out["kubeletConfig"] = load_kubelet_config(base / kc, [], None)  # every form a scenario takes
    ref = out.get("sysfs")
    if ref is not None:
        if not isinstance(ref, str) or not ref:
            raise InputError(f"{field}.sysfs", "expected a path to a sysfs tree", source)
        root = (base / ref).resolve()
        try:
            machine = machine_from_sysfs(root)
        except InputError as exc:
            raise exc.in_source(str(root)) from None
        del out["sysfs"]
        out = {**machine_to_dict(machine), **out}
    return out


def resolved_policy_document(path: Path) -> dict[str, Any]:
    """The policy document of ``path`` with its file references inlined (self-contained)."""
    doc = dict(load_one(path, "admission policy"))
    spec = doc.get("spec")
    if isinstance(spec, Mapping) and isinstance(spec.get("nodeShapes"), list):
        shapes = [
            _resolve_shape(s, path.parent, f"spec.nodeShapes[{i}]", str(path))
            for i, s in enumerate(spec["nodeShapes"])
        ]
        doc["spec"] = {**spec, "nodeShapes": shapes}
    return doc


def load_policy(path: Path) -> AdmissionPolicy:
    """The policy in ``path``; every error names the file and the field."""
    source = str(path)
    doc = resolved_policy_document(path)
    try:
        return policy_from_dict(doc)
    except InputError as exc:
        raise exc.in_source(source) from None
