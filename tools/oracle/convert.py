"""A podfit scenario (the oracle-compatible subset) as a ``kubelet-rm-oracle/v1`` input line.

The subset: a synthetic machine (``node.machine`` with sockets, numaNodesPerSocket, coresPerNUMANode,
threadsPerCore, uncoreCachesPerNUMANode, memory and hugepages; no devices, no explicit distances),
CPU manager ``static``, any Topology Manager policy / scope / options, Memory Manager ``None`` or
``Static``, and events ``add`` (an inline Pod with a uid) and ``remove`` (``{uid: ...}``).
:func:`to_oracle_input` raises :class:`Unsupported` for anything else.

Glue only: this file knows the two input formats, not the kubelet.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "HARNESS_REMOVE",
    "ORACLE_BASE_GATES",
    "SCHEMA",
    "Unsupported",
    "from_oracle_input",
    "kubelet_feature_gates",
    "release_of_source",
    "scenario_of_line",
    "to_oracle_input",
]

SCHEMA = "kubelet-rm-oracle/v1"
# marks the remove op the harness adds after a pod the node-allocatable predicate rejects (the Go
# decoder ignores the extra field; the input is echoed verbatim, so the marker survives)
HARNESS_REMOVE = {"harness": "predicate-rejected"}
DEFAULT_EVICTION_HARD_MEMORY = "100Mi"  # the kubelet's default evictionHard memory.available
MACHINE_KEYS = (
    "sockets",
    "numaNodesPerSocket",
    "coresPerNUMANode",
    "threadsPerCore",
    "uncoreCachesPerNUMANode",
    "memoryPerNUMANode",
    "hugepages2MiPerNUMANode",
    "hugepages1GiPerNUMANode",
)
DEFAULT_MEMORY_PER_NUMA = "64Gi"  # podfit's synthetic default (the oracle's is 1Ti)


# the oracle's driver sets these before the input's gates (rmoracle main.go baseGates)
ORACLE_BASE_GATES = {
    "CPUManagerPolicyAlphaOptions": True,
    "CPUManagerPolicyBetaOptions": True,
    "TopologyManagerPolicyAlphaOptions": True,
    "TopologyManagerPolicyBetaOptions": True,
}
_SOURCE_VERSION = re.compile(r"\bv?(1\.\d+)\.\d+\b")


class Unsupported(ValueError):
    """The scenario uses something the oracle does not model."""


def release_of_source(source: str) -> str | None:
    """The kubelet release an oracle line's ``source`` names (``"kubelet v1.34.2 (microshift
    c9e94e18)"`` -> ``"1.34"``), or None."""
    m = _SOURCE_VERSION.search(source or "")
    return m.group(1) if m else None


def kubelet_feature_gates(gates: Mapping[str, bool], release: str) -> dict[str, bool]:
    """The ``featureGates`` a kubelet of ``release`` runs with when the oracle is given ``gates``.

    The oracle's conventions (kubelet-oracle README, rmoracle ``setGates``): its base gates (the
    four option-maturity gates on) under the input's; a gate the release does not register is
    left out (the OpenShift-built oracle only warns about it, upstream would refuse to start);
    and a gate that is on while a gate it depends on is off (1.35+, e.g. v1.36's
    ``InPlacePodLevelResourcesVerticalScaling`` after ``PodLevelResources: false``) is switched
    off, as an operator must.
    """
    from podfit.release import gate_errors, release_profile

    profile = release_profile(release)
    if profile is None:
        raise Unsupported(f"kubelet release {release}")
    table = profile.gates
    out = {k: v for k, v in {**ORACLE_BASE_GATES, **gates}.items() if table.spec(k) is not None}
    for _ in range(64):
        errors = gate_errors(table, out)
        dependants = [
            e.split(" is enabled, but depends", 1)[0] for e in errors if " is enabled, but depends" in e
        ]
        if not dependants:
            break
        for name in dependants:
            if out.get(name) is False:
                return out  # the input itself wants it on: the kubelet refuses (so does the oracle)
            out[name] = False
    return out


def scenario_of_line(line: Mapping[str, Any]) -> dict[str, Any]:
    """The podfit scenario of an oracle output line, on the release its ``source`` names."""
    return from_oracle_input(line["input"], release_of_source(str(line.get("source", ""))))


def _quantity_text(v: Any) -> str:
    return str(v)


def _machine(spec: Mapping[str, Any]) -> dict[str, Any]:
    for key in spec:
        if key not in MACHINE_KEYS:
            raise Unsupported(f"node.machine.{key}")
    out: dict[str, Any] = {
        "sockets": int(spec.get("sockets", 1)),
        "numaNodesPerSocket": int(spec.get("numaNodesPerSocket", 1)),
        "coresPerNUMANode": int(spec["coresPerNUMANode"]),
        "threadsPerCore": int(spec["threadsPerCore"]),
        "uncoreCachesPerNUMANode": int(spec.get("uncoreCachesPerNUMANode", 1)),
        "memoryPerNUMANode": _quantity_text(spec.get("memoryPerNUMANode", DEFAULT_MEMORY_PER_NUMA)),
    }
    for key in ("hugepages2MiPerNUMANode", "hugepages1GiPerNUMANode"):
        if key in spec:
            out[key] = _quantity_text(spec[key])
    return out


def _cpu_sum(*maps: Mapping[str, Any] | None) -> str:
    """kube-reserved + system-reserved CPU as one quantity (millicores)."""
    total = 0
    for m in maps:
        if m and "cpu" in m:
            v = str(m["cpu"])
            total += int(v[:-1]) if v.endswith("m") else round(float(v) * 1000)
    if total == 0:
        return ""
    return f"{total // 1000}" if total % 1000 == 0 else f"{total}m"


def to_oracle_input(
    scenario: Mapping[str, Any],
    vector_id: str | None = None,
    predicate_rejected: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """The oracle's input line (``{"schema", "input"}``) for ``scenario`` (a podfit Scenario dict).

    ``predicate_rejected``: indices of the add events that the node-allocatable predicate rejects
    (it runs after the managers; the oracle does not model it). Each such add is followed by a
    ``remove`` of the pod, which rolls the managers' state back the way the kubelet's stale-state
    cleanup does; :func:`tools.oracle.compare.compare` lines those extra steps up with podfit's.
    """
    node = scenario["node"]
    for key in node:
        if key not in ("name", "machine", "kubeletVersion"):  # the release is the binary's
            raise Unsupported(f"node.{key}")
    kc = scenario.get("kubeletConfig", {})
    if kc.get("cpuManagerPolicy", "none") != "static":
        raise Unsupported("kubeletConfig.cpuManagerPolicy (the oracle runs static)")
    gates = dict(kc.get("featureGates", {}))
    tm_options = {k: str(v) for k, v in (kc.get("topologyManagerPolicyOptions") or {}).items()}
    cm: dict[str, Any] = {
        "policy": "static",
        "options": {k: str(v) for k, v in (kc.get("cpuManagerPolicyOptions") or {}).items()},
    }
    if "reservedSystemCPUs" in kc:
        cm["reservedSystemCPUs"] = str(kc["reservedSystemCPUs"])
    else:
        reserved = _cpu_sum(kc.get("kubeReserved"), kc.get("systemReserved"))
        if reserved:
            cm["reservedCPU"] = reserved
    inp: dict[str, Any] = {
        "id": vector_id or scenario.get("metadata", {}).get("name", "scenario"),
        "machine": _machine(node["machine"]),
        "featureGates": gates,
        "topologyManager": {
            "policy": kc.get("topologyManagerPolicy", "none"),
            "scope": kc.get("topologyManagerScope", "container"),
            "options": tm_options,
        },
        "cpuManager": cm,
    }
    mm_policy = kc.get("memoryManagerPolicy", "None")
    if mm_policy == "Static":
        eviction = dict(kc.get("evictionHard") or {"memory.available": DEFAULT_EVICTION_HARD_MEMORY})
        mm: dict[str, Any] = {
            "policy": "Static",
            "reservedMemory": [
                {"numaNode": int(r["numaNode"]), "limits": {k: str(v) for k, v in r["limits"].items()}}
                for r in kc.get("reservedMemory", [])
            ],
            "evictionHard": {k: str(v) for k, v in eviction.items() if k == "memory.available"},
        }
        for key in ("kubeReserved", "systemReserved"):
            if kc.get(key) and "memory" in kc[key]:
                mm[key] = {"memory": str(kc[key]["memory"])}
        inp["memoryManager"] = mm
    elif mm_policy != "None":
        raise Unsupported(f"memoryManagerPolicy {mm_policy}")
    ops: list[dict[str, Any]] = []
    for i, ev in enumerate(scenario.get("events", [])):
        if "add" in ev:
            pod = ev["add"]
            if not isinstance(pod, Mapping) or "uid" not in pod.get("metadata", {}):
                raise Unsupported(f"events[{i}].add: an inline pod with metadata.uid")
            ops.append({"op": "add", "pod": _oracle_pod(pod)})
            if i in predicate_rejected:
                ops.append({"op": "remove", "podUID": pod["metadata"]["uid"], **HARNESS_REMOVE})
        elif "remove" in ev and isinstance(ev["remove"], Mapping) and "uid" in ev["remove"]:
            ops.append({"op": "remove", "podUID": ev["remove"]["uid"]})
        else:
            raise Unsupported(f"events[{i}]")
    inp["ops"] = ops
    return {"schema": SCHEMA, "input": inp}


def _oracle_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    """The Pod as the oracle decodes it (a v1.Pod; apiVersion/kind dropped, no images needed)."""
    out = copy.deepcopy(dict(pod))
    out.pop("apiVersion", None)
    out.pop("kind", None)
    spec = out.setdefault("spec", {})
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            c.pop("image", None)
    return out


def from_oracle_input(inp: Mapping[str, Any], release: str | None = None) -> dict[str, Any]:
    """The podfit scenario of an oracle input (the inverse of :func:`to_oracle_input`; the
    harness's predicate removes are dropped) for the oracle of kubelet ``release`` (``"1.34"``,
    ``"v1.35.3"``; default 1.36): ``node.kubeletVersion`` is set when given, and the feature gates
    are what that kubelet runs with (:func:`kubelet_feature_gates`). Golden tests run podfit on
    this. ``inp`` may also be a whole oracle line: its ``source`` then names the release."""
    from podfit.release import DEFAULT_RELEASE, parse_kubelet_version

    if "input" in inp and "machine" not in inp:  # a whole line
        release = release or release_of_source(str(inp.get("source", "")))
        inp = inp["input"]

    version = parse_kubelet_version(release) if release else DEFAULT_RELEASE
    if version is None:
        raise Unsupported(f"kubelet release {release}")
    machine = {k: v for k, v in inp["machine"].items() if k in MACHINE_KEYS}
    machine.setdefault("memoryPerNUMANode", "1Ti")  # the oracle's default
    tm = inp.get("topologyManager", {})
    cm = inp.get("cpuManager", {})
    kc: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "featureGates": kubelet_feature_gates(inp.get("featureGates") or {}, version),
        "cpuManagerPolicy": cm.get("policy") or "static",
        "topologyManagerPolicy": tm.get("policy", "none"),
        "topologyManagerScope": tm.get("scope", "container"),
    }
    if tm.get("options"):
        kc["topologyManagerPolicyOptions"] = dict(tm["options"])
    if cm.get("options"):
        kc["cpuManagerPolicyOptions"] = dict(cm["options"])
    if cm.get("reservedSystemCPUs") is not None:
        kc["reservedSystemCPUs"] = cm["reservedSystemCPUs"]
    elif cm.get("reservedCPU"):
        kc["kubeReserved"] = {"cpu": cm["reservedCPU"]}
    mm = inp.get("memoryManager")
    if mm and mm.get("policy", "None") == "Static":
        kc["memoryManagerPolicy"] = "Static"
        kc["reservedMemory"] = [dict(r) for r in mm.get("reservedMemory", [])]
        kc["evictionHard"] = dict(mm.get("evictionHard") or {})
        for key in ("kubeReserved", "systemReserved"):
            if mm.get(key):
                kc.setdefault(key, {}).update(mm[key])
    else:
        kc["memoryManagerPolicy"] = "None"
    events: list[dict[str, Any]] = []
    for op in inp["ops"]:
        if op["op"] == "add":
            events.append({"add": {"apiVersion": "v1", "kind": "Pod", **copy.deepcopy(op["pod"])}})
        elif op.get("harness") != HARNESS_REMOVE["harness"]:
            events.append({"remove": {"uid": op["podUID"]}})
    node: dict[str, Any] = {"machine": machine}
    if release:
        node["kubeletVersion"] = version
    return {
        "kind": "Scenario",
        "metadata": {"name": str(inp.get("id", "oracle"))},
        "node": node,
        "kubeletConfig": kc,
        "events": events,
    }
