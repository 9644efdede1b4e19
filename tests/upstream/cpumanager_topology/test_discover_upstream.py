"""Upstream Test_Discover / Test_getUncoreCacheID cases (data in this directory) against
podfit.io.sysfs.discover / get_uncore_cache_id, and the Machine built from the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.io.sysfs import CadvisorCore, CadvisorNode, DiscoverError, discover, get_uncore_cache_id
from podfit.model.machine import Machine, NUMANode

HERE = Path(__file__).parent


def _cases(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((HERE / name).read_text())["cases"]


DISCOVER = _cases("discover.yaml")
UNCORE = _cases("get_uncore_cache_id.yaml")


def _topology(raw: list[dict[str, Any]]) -> list[CadvisorNode]:
    return [
        CadvisorNode(
            id=node["id"],
            cores=[
                CadvisorCore(core_id=c[1], socket=c[0], threads=list(c[2]), uncore_caches=list(c[3]))
                for c in node["cores"]
            ],
        )
        for node in raw
    ]


@pytest.mark.parametrize("case", DISCOVER, ids=[c["name"] for c in DISCOVER])
def test_discover(case: dict[str, Any]) -> None:
    topology = _topology(case["topology"])
    if case["wantErr"]:
        with pytest.raises(DiscoverError):
            discover(topology, case["numCores"])
        return
    got = discover(topology, case["numCores"])
    want = case["want"]
    assert {c.cpu: [c.core, c.socket, c.numa, c.uncore] for c in got} == want["cpuDetails"]
    machine = Machine(cpus=tuple(got), numa_nodes=tuple(NUMANode(n.id, 0) for n in topology))
    assert machine.num_cpus == want["numCPUs"] == case["numCores"]
    assert machine.num_sockets == want["numSockets"] == case["numSockets"]
    assert machine.num_cores == want["numCores"] == sum(len(n.cores) for n in topology)
    assert machine.num_numa_nodes_with_cpus == want["numNUMANodes"]
    assert machine.num_uncore_caches == want["numUncoreCache"]


@pytest.mark.parametrize("case", UNCORE, ids=[c["name"] for c in UNCORE])
def test_get_uncore_cache_id(case: dict[str, Any]) -> None:
    core = CadvisorCore(core_id=0, socket=case["socketID"], uncore_caches=list(case["uncoreCaches"] or []))
    assert get_uncore_cache_id(core) == case["want"]
