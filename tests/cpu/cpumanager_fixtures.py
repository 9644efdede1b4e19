"""Shared helpers of the cpumanager policy tests: the upstream pod builders (cpu_manager_test.go
``makePod`` / ``makeMultiContainerPod`` / ``makeMultiContainerPodWithOptions`` and
policy_static_test.go ``makePodWithContainersAndPodLevelResources``), CPU set specs over a
topology, feature gates and the YAML loader."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from tests.upstream.cpumanager.topologies import load_topology

from podfit.cpu.policy_options import parse_cpu_manager_options
from podfit.cpu.policy_static import StaticPolicy, new_static_policy
from podfit.cpu.state import CPUState
from podfit.model.admission import ConfigRefusal
from podfit.model.cpuset import parse_cpuset
from podfit.model.features import FeatureGates
from podfit.model.machine import CPUInfo, Machine, NUMANode
from podfit.model.pod import Container, Pod, ResourceRequirements
from podfit.model.quantity import bytes_value, cpu_millis
from podfit.topology.bitmask import new_bitmask
from podfit.topology.hint import TopologyHint

DATA = Path(__file__).parents[1] / "upstream" / "cpumanager"

__all__ = [
    "build_pod",
    "cpuset_spec",
    "gates_of",
    "hint_of",
    "load_cases",
    "machine_of",
    "make_policy",
    "state_of",
]


def load_cases(name: str) -> Any:
    with (DATA / name).open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def params(cases: list[dict[str, Any]], key: str = "name") -> Any:
    return pytest.mark.parametrize("case", cases, ids=[c[key] for c in cases])


def machine_of(case: Mapping[str, Any]) -> Machine:
    """``topology``: an upstream topology name; or ``machine``: inline [cpu, core, socket, numa] rows."""
    if "topology" in case:
        return load_topology(case["topology"])
    rows = case["machine"]
    cpus = tuple(CPUInfo(cpu=r[0], core=r[1], socket=r[2], numa=r[3]) for r in sorted(rows))
    nodes = tuple(NUMANode(id=n, memory=0) for n in sorted({c.numa for c in cpus}))
    return Machine(cpus=cpus, numa_nodes=nodes)


def cpuset_spec(spec: Any, machine: Machine) -> int:
    """A CPU list string, or a dict: {all: true | sockets: [..] | uncores: [..] | cpus: str,
    plus: spec, minus: spec}."""
    if spec is None:
        return 0
    if isinstance(spec, str):
        return parse_cpuset(spec)
    out = 0
    if spec.get("all"):
        out |= machine.all_cpus
    for s in spec.get("sockets", []):
        out |= machine.socket_cpus[s]
    for u in spec.get("uncores", []):
        out |= machine.uncore_cpus[u]
    if "cpus" in spec:
        out |= parse_cpuset(spec["cpus"])
    if "plus" in spec:
        out |= cpuset_spec(spec["plus"], machine)
    if "minus" in spec:
        out &= ~cpuset_spec(spec["minus"], machine)
    return out


def gates_of(*maps: Mapping[str, bool] | None) -> FeatureGates:
    merged: dict[str, bool] = {}
    for m in maps:
        merged.update(m or {})
    return FeatureGates(MappingProxyType(merged))


def hint_of(spec: Mapping[str, Any] | None) -> TopologyHint | None:
    if spec is None:
        return None
    numa = spec.get("numa")
    return TopologyHint(None if numa is None else new_bitmask(*numa), bool(spec.get("preferred", False)))


def state_of(case: Mapping[str, Any], machine: Machine) -> CPUState:
    assignments = {
        uid: {ctr: cpuset_spec(cs, machine) for ctr, cs in ctrs.items()}
        for uid, ctrs in (case.get("assignments") or {}).items()
    }
    return CPUState(cpuset_spec(case.get("default", ""), machine), assignments)


def make_policy(
    case: Mapping[str, Any],
    machine: Machine,
    gates: FeatureGates,
    options: Mapping[str, str] | None = None,
) -> StaticPolicy | ConfigRefusal:
    opts = parse_cpu_manager_options(options if options is not None else case.get("options") or {}, gates)
    return new_static_policy(
        machine,
        case.get("num_reserved_cpus", 0),
        cpuset_spec(case.get("reserved", ""), machine),
        opts,
        gates,
        case.get("topology_manager_policy", "none"),
    )


def _container(name: str, kind: str, req: str | None, lim: str | None, mem: str | None = "1G") -> Container:
    requests: dict[str, int] = {}
    limits: dict[str, int] = {}
    if mem is not None:
        requests["memory"] = limits["memory"] = bytes_value(mem)
    if req is not None:
        requests["cpu"] = cpu_millis(req)
    if lim is not None:
        limits["cpu"] = cpu_millis(lim)
    policy = "Always" if kind == "sidecar" else None
    return Container(name, kind, ResourceRequirements(requests, limits), restart_policy=policy)  # type: ignore[arg-type]


def _kind(opt: Mapping[str, Any]) -> str:
    return "sidecar" if opt.get("restartPolicy") == "Always" else "init"


def build_pod(spec: Mapping[str, Any]) -> Pod:
    """One of the upstream pod builders, chosen by ``make``."""
    make = spec["make"]
    if make == "makePod":
        ctr = _container(spec["container"], "app", spec["request"], spec["limit"])
        return Pod(namespace="", name="", uid=spec["uid"], containers=(ctr,))
    if make == "makeMultiContainerPod":
        inits = tuple(
            _container(f"initContainer-{i}", "init", r, lim)
            for i, (r, lim) in enumerate(spec.get("init", []))
        )
        apps = tuple(
            _container(f"appContainer-{i}", "app", r, lim) for i, (r, lim) in enumerate(spec.get("app", []))
        )
        return Pod(
            namespace="", name="pod", uid=spec.get("uid", "podUID"), init_containers=inits, containers=apps
        )
    if make == "makeMultiContainerPodWithOptions":
        inits = tuple(
            _container(f"initContainer-{i}", _kind(o), o["request"], o["limit"])
            for i, o in enumerate(spec.get("init", []))
        )
        apps = tuple(
            _container(f"appContainer-{i}", "app", o["request"], o["limit"])
            for i, o in enumerate(spec.get("app", []))
        )
        return Pod(namespace="", name="pod", uid="podUID", init_containers=inits, containers=apps)
    if make == "makePodWithContainersAndPodLevelResources":
        inits = tuple(
            _container(o["name"], _kind(o), o.get("request"), o.get("limit"), "100Mi")
            for o in spec.get("init", [])
        )
        apps = tuple(
            _container(o["name"], "app", o.get("request"), o.get("limit"), "100Mi")
            for o in spec.get("app", [])
        )
        res = None
        if spec.get("pod_request") or spec.get("pod_limit"):
            requests = {"memory": bytes_value("300Mi")}
            limits = {"memory": bytes_value("300Mi")}
            if spec.get("pod_request"):
                requests["cpu"] = cpu_millis(spec["pod_request"])
            if spec.get("pod_limit"):
                limits["cpu"] = cpu_millis(spec["pod_limit"])
            res = ResourceRequirements(requests, limits)
        name = spec["name"]
        return Pod(
            namespace="",
            name=name,
            uid=name,
            init_containers=inits,
            containers=apps,
            resources=res,
            restart_policy="Never",
        )
    raise ValueError(f"unknown pod builder {make!r}")
