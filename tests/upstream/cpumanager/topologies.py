"""Load the upstream cpumanager test topologies (``topologies.yaml``) as podfit ``Machine`` values.

``load_topology(name)`` builds a Machine from the explicit CPU table: one ``CPUInfo`` per row and one
``NUMANode(id, memory=0)`` per NUMA id. ``declared_counts(name)`` returns the Num* fields of the Go literal.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from podfit.model.machine import CPUInfo, Machine, NUMANode

__all__ = ["declared_counts", "load_topology", "topology_names"]

_FILE = Path(__file__).with_name("topologies.yaml")


@cache
def _raw() -> dict[str, Any]:
    with _FILE.open(encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


def topology_names() -> list[str]:
    """Every topology name in the file, in file order."""
    return list(_raw())


@cache
def load_topology(name: str) -> Machine:
    """The upstream test topology ``name`` (e.g. ``"topoDualSocketHT"``) as a Machine."""
    try:
        entry = _raw()[name]
    except KeyError:
        raise KeyError(f"unknown upstream test topology {name!r}") from None
    cpus = tuple(
        CPUInfo(cpu=c, core=core, socket=s, numa=n, uncore=u) for c, core, s, n, u in sorted(entry["cpus"])
    )
    nodes = tuple(NUMANode(id=n, memory=0) for n in sorted({c.numa for c in cpus}))
    return Machine(cpus=cpus, numa_nodes=nodes, name=name)


def declared_counts(name: str) -> dict[str, int | None]:
    """The Num* fields as written in the upstream Go literal (``None``: omitted)."""
    return dict(_raw()[name]["declared"])
