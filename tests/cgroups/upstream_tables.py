"""Loading the issue-18 upstream tables (tests/upstream/memoryqos, tests/upstream/resize) and
building podfit values from their pod shapes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.quantity import parse_quantity

UPSTREAM = Path(__file__).resolve().parents[1] / "upstream"


@cache
def table(directory: str, name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((UPSTREAM / directory / name).read_text(encoding="utf-8")))


def release_cases(directory: str, name: str, key: str = "cases") -> Iterator[Any]:
    """``pytest.param(release, case)`` for every case and each of its releases."""
    doc = table(directory, name)
    found = doc
    for part in key.split("."):
        found = found[part]
    for case in found:
        for release in case["releases"]:
            label = f"{release}-{case.get('test', '')}-{case.get('name', '')}"
            yield pytest.param(release, case, id=label)


def quantity(resource: str, text: Any) -> int:
    q = parse_quantity(str(text))
    if resource == "cpu":
        return q.milli_value()
    return q.value() if q.milli_value() % 1000 == 0 else -(-q.milli_value() // 1000)


def resource_list(raw: Mapping[str, Any] | None) -> dict[str, int]:
    return {name: quantity(name, value) for name, value in (raw or {}).items()}


def requirements(raw: Mapping[str, Any] | None) -> ResourceRequirements:
    raw = raw or {}
    return ResourceRequirements(resource_list(raw.get("requests")), resource_list(raw.get("limits")))


def container(raw: Mapping[str, Any], index: int, kind: str = "app") -> Container:
    policy = raw.get("restartPolicy")
    if kind == "init" and isinstance(policy, str) and policy.startswith("Always"):
        kind = "sidecar"
    return Container(
        raw.get("name") or f"c{index}",
        kind,  # type: ignore[arg-type]
        ResourceRequirements(resource_list(raw.get("requests")), resource_list(raw.get("limits"))),
        restart_policy="Always" if kind == "sidecar" else None,
    )


def pod(raw: Mapping[str, Any], *, name: str = "pod", uid: str = "uid-1") -> Pod:
    """A pod of a table's shape: ``containers``, ``initContainers``, pod-level ``resources``,
    ``overhead`` (container names default to c<i>; duplicates renamed)."""
    inits = [container(c, i, "init") for i, c in enumerate(raw.get("initContainers") or [])]
    apps = [container(c, i, "app") for i, c in enumerate(raw.get("containers") or [])]
    seen: set[str] = set()
    unique = []
    for i, c in enumerate(inits + apps):
        cname = c.name if c.name not in seen else f"{c.name}-{i}"
        seen.add(cname)
        unique.append(Container(cname, c.kind, c.resources, c.restart_policy))
    res = raw.get("resources")
    return Pod(
        "default",
        raw.get("name", name),
        str(raw.get("uid", uid)),
        init_containers=tuple(unique[: len(inits)]),
        containers=tuple(unique[len(inits) :]),
        resources=requirements(res) if res is not None else None,
        overhead=resource_list(raw.get("overhead")),
        qos_status=None,
    )
