"""The scheduling fields of a cluster dump's objects: a node's ``spec.taints`` and
``spec.unschedulable``, a pod's ``spec.tolerations`` and required node affinity
(``spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms``).

Shapes are checked (one :class:`~podfit.errors.InputError` naming the file and the field); values
are kept as written: an unknown operator or a value that does not parse is the filters' business
(:mod:`podfit.fleet.node_filters` answers as kube-scheduler does). Preferred node affinity, pod
(anti-)affinity and ``tolerationSeconds`` are not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from podfit.errors import InputError
from podfit.fleet.values import SelectorRequirement, SelectorTerm, Taint, Toleration
from podfit.model.gotext import json_type

__all__ = ["node_taints", "node_unschedulable", "pod_required_affinity", "pod_tolerations"]


def _list(value: Any, field: str, path: Path) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(field, f"expected a list, got {json_type(value)}", str(path))
    return value


def _object(value: Any, field: str, path: Path) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(field, f"expected an object, got {json_type(value)}", str(path))
    return value


def _string(obj: Mapping[str, Any], key: str, field: str, path: Path) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{field}.{key}", f"expected a string, got {json_type(value)}", str(path))
    return value


def node_taints(spec: Mapping[str, Any], field: str, path: Path) -> tuple[Taint, ...]:
    """``spec.taints`` (``field``: the node's ``spec`` path)."""
    out = []
    for i, item in enumerate(_list(spec.get("taints"), f"{field}.taints", path)):
        where = f"{field}.taints[{i}]"
        taint = _object(item, where, path)
        out.append(
            Taint(
                _string(taint, "key", where, path),
                _string(taint, "value", where, path),
                _string(taint, "effect", where, path),
            )
        )
    return tuple(out)


def node_unschedulable(spec: Mapping[str, Any], field: str, path: Path) -> bool:
    """``spec.unschedulable`` (a cordoned node)."""
    value = spec.get("unschedulable")
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(f"{field}.unschedulable", f"expected a boolean, got {json_type(value)}", str(path))
    return value


def pod_tolerations(spec: Mapping[str, Any], field: str, path: Path) -> tuple[Toleration, ...]:
    """``spec.tolerations`` (``tolerationSeconds`` only matters for eviction: not kept)."""
    out = []
    for i, item in enumerate(_list(spec.get("tolerations"), f"{field}.tolerations", path)):
        where = f"{field}.tolerations[{i}]"
        tol = _object(item, where, path)
        seconds = tol.get("tolerationSeconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)):
            raise InputError(
                f"{where}.tolerationSeconds", f"expected an integer, got {json_type(seconds)}", str(path)
            )
        out.append(
            Toleration(
                _string(tol, "key", where, path),
                _string(tol, "operator", where, path),
                _string(tol, "value", where, path),
                _string(tol, "effect", where, path),
            )
        )
    return tuple(out)


def _requirements(
    term: Mapping[str, Any], key: str, field: str, path: Path
) -> tuple[SelectorRequirement, ...]:
    out = []
    for i, item in enumerate(_list(term.get(key), f"{field}.{key}", path)):
        where = f"{field}.{key}[{i}]"
        req = _object(item, where, path)
        values = _list(req.get("values"), f"{where}.values", path)
        for j, v in enumerate(values):
            if not isinstance(v, str):
                raise InputError(f"{where}.values[{j}]", f"expected a string, got {json_type(v)}", str(path))
        out.append(
            SelectorRequirement(
                _string(req, "key", where, path), _string(req, "operator", where, path), tuple(values)
            )
        )
    return tuple(out)


def pod_required_affinity(spec: Mapping[str, Any], field: str, path: Path) -> tuple[SelectorTerm, ...] | None:
    """The required node affinity's terms (``None``: the pod requires none)."""
    where = f"{field}.affinity"
    affinity = _object(spec.get("affinity"), where, path)
    node_affinity = _object(affinity.get("nodeAffinity"), f"{where}.nodeAffinity", path)
    where = f"{where}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    if node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") is None:
        return None
    required = _object(node_affinity["requiredDuringSchedulingIgnoredDuringExecution"], where, path)
    terms = []
    for i, item in enumerate(_list(required.get("nodeSelectorTerms"), f"{where}.nodeSelectorTerms", path)):
        at = f"{where}.nodeSelectorTerms[{i}]"
        term = _object(item, at, path)
        terms.append(
            SelectorTerm(
                _requirements(term, "matchExpressions", at, path),
                _requirements(term, "matchFields", at, path),
            )
        )
    return tuple(terms)
