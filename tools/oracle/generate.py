"""Seeded random podfit scenarios of the oracle-compatible subset, by family.

Families (``FAMILIES``):

* ``uncore`` -- CPU Manager static with ``prefer-align-cpus-by-uncorecache`` on machines with 1-4 L3
  groups per NUMA node, SMT on/off, 1-8 NUMA nodes, every other CPU option mixed in (incompatible
  mixes included now and then: the kubelet's refusal is compared too), all Topology Manager
  policies, both scopes, ``prefer-closest-numa-nodes``; init containers, sidecars, removals.
* ``cpu`` -- the same without the uncore option (the other CPU paths, as a regression guard).
* ``uncore-fpo-strict-3numa`` -- ``uncore`` on 3 NUMA nodes with ``full-pcpus-only`` and
  ``strict-cpu-reservation``; ``uncore-pod-8numa-closest`` -- ``uncore`` on 8 NUMA nodes, pod scope,
  ``prefer-closest-numa-nodes`` (the two hidden families issue 14 names).
* ``memory-wide`` -- ``memory`` on up to 4 NUMA nodes with 1Gi hugepages, system-reserved memory
  and CPU options mixed in.
* ``memory`` -- Memory Manager Static with pod-level resources (KEP-5526 gates on, sometimes off),
  both scopes, all policies, hugepages, small NUMA nodes so that memory binds.
* ``plr-gates`` -- ``memory`` with pods that set ``spec.resources`` whatever the kubelet's gates
  (``PodLevelResources`` / ``PodLevelResourceManagers`` on/off in every combination the release
  has): which pods the static managers leave alone differs by release (PR #133279, #134768).

``generate(family, seed, release)``: the scenario for the kubelet ``release`` (``node.kubeletVersion``;
a gate the release does not have is not written). For release 1.36 the scenarios of the older
families are the same as before releases were a parameter.

Glue only: random inputs, nothing about what the kubelet decides.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["FAMILIES", "generate"]

FAMILIES = (
    "uncore",
    "uncore-fpo-strict-3numa",
    "uncore-pod-8numa-closest",
    "cpu",
    "memory",
    "memory-wide",
    "plr-gates",
)
RELEASES_WITH_PLRM = ("1.36", "1.37")
POLICIES = ("none", "best-effort", "restricted", "single-numa-node")
OPTION_GATES = {
    "CPUManagerPolicyAlphaOptions": True,
    "CPUManagerPolicyBetaOptions": True,
    "TopologyManagerPolicyAlphaOptions": True,
    "TopologyManagerPolicyBetaOptions": True,
}
CPU_OPTIONS = (
    "full-pcpus-only",
    "strict-cpu-reservation",
    "align-by-socket",
    "distribute-cpus-across-numa",
    "distribute-cpus-across-cores",
)
UNCORE = "prefer-align-cpus-by-uncorecache"


def _shape(rng: random.Random, family: str) -> dict[str, Any]:
    """sockets x NUMA nodes per socket with 1-8 NUMA nodes (3 included), cores, threads, L3 groups."""
    numa_shapes = [(1, 1), (2, 1), (1, 2), (3, 1), (1, 3), (2, 2), (4, 1), (1, 4), (4, 2), (2, 4), (8, 1)]
    sockets, nps = rng.choice(numa_shapes)
    threads = rng.choice((1, 2))
    u = rng.choice((1, 2, 3, 4)) if family == "uncore" else rng.choice((1, 1, 2))
    per_group = rng.choice((1, 2, 2, 3, 4))
    cores = u * per_group
    while sockets * nps * cores * threads > 128 and per_group > 1:
        per_group -= 1
        cores = u * per_group
    return {
        "sockets": sockets,
        "numaNodesPerSocket": nps,
        "coresPerNUMANode": cores,
        "threadsPerCore": threads,
        "uncoreCachesPerNUMANode": u,
    }


def _cpu_options(rng: random.Random, family: str) -> dict[str, str]:
    opts: dict[str, str] = {}
    if family == "uncore":
        opts[UNCORE] = "true"
    for name in CPU_OPTIONS:
        p = 0.4
        if family == "uncore" and name in ("distribute-cpus-across-numa", "distribute-cpus-across-cores"):
            p = 0.05  # refused with the uncore option: only now and then
        if rng.random() < p:
            opts[name] = "true"
    if "full-pcpus-only" in opts and "distribute-cpus-across-cores" in opts and rng.random() < 0.8:
        del opts["distribute-cpus-across-cores"]
    if (
        "distribute-cpus-across-numa" in opts
        and "distribute-cpus-across-cores" in opts
        and rng.random() < 0.8
    ):
        del opts["distribute-cpus-across-cores"]
    return opts


def _reservation(rng: random.Random, shape: dict[str, Any]) -> dict[str, Any]:
    total_cores = shape["sockets"] * shape["numaNodesPerSocket"] * shape["coresPerNUMANode"]
    threads = shape["threadsPerCore"]
    r = rng.random()
    if r < 0.45:
        n = rng.choice((1, 1, 2, 3))
        return {"kubeReserved": {"cpu": str(n)}}
    if r < 0.55:
        return {"kubeReserved": {"cpu": rng.choice(("500m", "1500m"))}, "systemReserved": {"cpu": "500m"}}
    # an explicit set: CPU 0, a whole core, or two cores
    cpus = [0]
    if threads == 2 and rng.random() < 0.6:
        cpus.append(total_cores)
    if rng.random() < 0.3 and total_cores > 2:
        cpus.append(1)
        if threads == 2:
            cpus.append(total_cores + 1)
    return {"reservedSystemCPUs": ",".join(str(c) for c in sorted(cpus))}


def _qty_mi(mi: int) -> str:
    return f"{mi // 1024}Gi" if mi % 1024 == 0 else f"{mi}Mi"


class _PodMaker:
    def __init__(
        self,
        rng: random.Random,
        shape: dict[str, Any],
        family: str,
        pod_level_gates: bool,
        huge1g: bool = False,
    ) -> None:
        """``pod_level_gates``: pods may set ``spec.resources`` (with the gates off podfit's API
        server on 1.33 drops the field; the oracle keeps it)."""
        self.huge1g = huge1g
        self.rng = rng
        self.family = family
        self.pod_level_gates = pod_level_gates
        threads = shape["threadsPerCore"]
        self.numa_cpus = shape["coresPerNUMANode"] * threads
        self.group_cpus = self.numa_cpus // shape["uncoreCachesPerNUMANode"]
        self.total_cpus = self.numa_cpus * shape["sockets"] * shape["numaNodesPerSocket"]
        self.threads = threads
        self.n = 0

    def cpu_count(self) -> int:
        rng = self.rng
        choices = [
            1,
            rng.randint(1, 3),
            self.threads,
            2 * self.threads + rng.choice((0, 1)),
            self.group_cpus,
            max(1, self.group_cpus - 1),
            self.group_cpus + rng.randint(1, max(1, self.group_cpus)),
            max(1, self.numa_cpus // 2 + rng.choice((-1, 0, 1))),
            self.numa_cpus,
            self.numa_cpus + rng.randint(1, max(1, self.numa_cpus // 2)),
            rng.randint(1, max(1, self.total_cpus // 2)),
        ]
        return max(1, min(rng.choice(choices), self.total_cpus))

    def memory_mi(self) -> int:
        return self.rng.choice((64, 128, 256, 512, 1024, 2048, 3072))

    def container(self, name: str, kind: str, qos: str, memory_family: bool) -> dict[str, Any]:
        rng = self.rng
        c: dict[str, Any] = {"name": name, "image": f"{name}:v1"}
        if kind == "sidecar":
            c["restartPolicy"] = "Always"
        cls = qos
        if qos == "Burstable":
            cls = rng.choice(("int", "frac", "burst", "none"))
        if cls == "none":
            return c
        mem = _qty_mi(self.memory_mi())
        if cls == "burst":
            c["resources"] = {"requests": {"cpu": rng.choice(("1", "500m", "2")), "memory": mem}}
            return c
        if cls == "frac" or (cls == "Guaranteed" and rng.random() < 0.2):
            cpu = rng.choice(("250m", "500m", "1500m", "2500m"))
        else:
            cpu = str(self.cpu_count())
        res = {"cpu": cpu, "memory": mem}
        if memory_family and rng.random() < 0.3:
            res["hugepages-2Mi"] = rng.choice(("2Mi", "4Mi", "64Mi", "128Mi"))
        if memory_family and self.huge1g and rng.random() < 0.25:
            res["hugepages-1Gi"] = "1Gi"
        c["resources"] = {"requests": dict(res), "limits": dict(res)}
        return c

    def pod(self) -> dict[str, Any]:
        rng = self.rng
        self.n += 1
        name = f"pod{self.n - 1}"
        memory_family = self.family == "memory"
        # pod-level resources only with the gates on (with them off podfit drops spec.resources at
        # decoding, as an API server with the gate off does; the oracle keeps the field)
        pod_level = memory_family and self.pod_level_gates and rng.random() < 0.6
        qos = "Guaranteed" if rng.random() < 0.75 else "Burstable"
        inits = []
        for i in range(rng.choice((0, 0, 1, 1, 2))):
            kind = "sidecar" if rng.random() < 0.5 else "init"
            nm = f"sidecar{i}" if kind == "sidecar" else f"init{i}"
            inits.append(self._member(nm, kind, qos, memory_family, pod_level))
        apps = [
            self._member(f"app{i}", "app", qos, memory_family, pod_level)
            for i in range(rng.choice((1, 1, 2, 3)))
        ]
        spec: dict[str, Any] = {"initContainers": inits, "containers": apps}
        if pod_level:
            agg = _aggregate(inits, apps)
            cpu = max(agg["cpu"] // 1000 + (1 if agg["cpu"] % 1000 else 0), 1) + rng.choice((0, 0, 1, 2, 4))
            mem_mi = agg["memory"] + rng.choice((0, 0, 256, 512, 1024))
            if mem_mi == 0:
                mem_mi = rng.choice((512, 1024, 2048))
            res: dict[str, str] = {"cpu": str(cpu), "memory": _qty_mi(mem_mi)}
            huge = agg["hugepages-2Mi"]
            if huge or rng.random() < 0.2:
                res["hugepages-2Mi"] = _qty_mi(huge + rng.choice((0, 2, 64)))
            if agg["hugepages-1Gi"]:
                res["hugepages-1Gi"] = _qty_mi(agg["hugepages-1Gi"] + rng.choice((0, 0, 1024)))
            if qos == "Guaranteed" or rng.random() < 0.5:
                spec["resources"] = {"requests": dict(res), "limits": dict(res)}
            else:  # Burstable at pod level: limits above the requests (hugepages: equal, as required)
                limits = dict(res, cpu=str(cpu + 2), memory=_qty_mi(mem_mi + 512))
                spec["resources"] = {"requests": dict(res), "limits": limits}
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": name},
            "spec": spec,
        }

    def _member(self, name: str, kind: str, qos: str, memory_family: bool, pod_level: bool) -> dict[str, Any]:
        if pod_level and self.rng.random() < 0.4:
            c: dict[str, Any] = {"name": name, "image": f"{name}:v1"}
            if kind == "sidecar":
                c["restartPolicy"] = "Always"
            return c  # no resources of its own: the pod shared pool
        return self.container(name, kind, qos, memory_family)


def _mi(q: str) -> int:
    if q.endswith("Gi"):
        return int(q[:-2]) * 1024
    if q.endswith("Mi"):
        return int(q[:-2])
    raise ValueError(q)


def _milli(q: str) -> int:
    return int(q[:-1]) if q.endswith("m") else int(q) * 1000


def _aggregate(inits: list[dict[str, Any]], apps: list[dict[str, Any]]) -> dict[str, int]:
    """The KEP-753 effective requests of the containers (cpu in millis, memory and hugepages in Mi):
    the larger of the long-running sum and each regular init container on top of the sidecars
    started before it."""

    def req(c: dict[str, Any]) -> dict[str, int]:
        r = (c.get("resources") or {}).get("requests") or {}
        return {
            "cpu": _milli(r["cpu"]) if "cpu" in r else 0,
            "memory": _mi(r["memory"]) if "memory" in r else 0,
            "hugepages-2Mi": _mi(r["hugepages-2Mi"]) if "hugepages-2Mi" in r else 0,
            "hugepages-1Gi": _mi(r["hugepages-1Gi"]) if "hugepages-1Gi" in r else 0,
        }

    out = {"cpu": 0, "memory": 0, "hugepages-2Mi": 0, "hugepages-1Gi": 0}
    for key in out:
        sidecars = 0
        peak = 0
        for c in inits:
            if c.get("restartPolicy") == "Always":
                sidecars += req(c)[key]
            else:
                peak = max(peak, sidecars + req(c)[key])
        out[key] = max(peak, sidecars + sum(req(c)[key] for c in apps))
    return out


def _memory_config(
    rng: random.Random, numa: int, wide: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(machine memory fields, kubelet memory fields) for the Static Memory Manager."""
    per_numa_gi = rng.choice((8, 8, 16)) if wide else rng.choice((4, 4, 8, 16))
    machine: dict[str, Any] = {"memoryPerNUMANode": f"{per_numa_gi}Gi"}
    # always present (cAdvisor reports every supported page size, with 0 pages when none)
    machine["hugepages2MiPerNUMANode"] = rng.choice(("0", "256Mi", "1Gi", "2Gi"))
    if wide:
        machine["hugepages1GiPerNUMANode"] = rng.choice(("0", "1Gi", "2Gi"))
    kube = rng.choice((256, 512, 1024))
    eviction = 100
    total = kube + eviction
    nodes = list(range(numa))
    split = rng.random() < 0.3 and numa > 1
    reserved = []
    if split:
        first = total // 2
        reserved = [
            {"numaNode": 0, "limits": {"memory": f"{first}Mi"}},
            {"numaNode": nodes[-1], "limits": {"memory": f"{total - first}Mi"}},
        ]
    else:
        reserved = [{"numaNode": rng.choice(nodes), "limits": {"memory": f"{total}Mi"}}]
    kubelet: dict[str, Any] = {
        "memoryManagerPolicy": "Static",
        "reservedMemory": reserved,
        "evictionHard": {"memory.available": f"{eviction}Mi"},
        "kubeReserved": {"memory": f"{kube}Mi"},
    }
    if wide and rng.random() < 0.5:  # part of the reservation as system-reserved
        kubelet["kubeReserved"] = {"memory": f"{kube - 128}Mi"}
        kubelet["systemReserved"] = {"memory": "128Mi"}
    return machine, kubelet


def generate(family: str, seed: int, release: str = "1.36") -> dict[str, Any]:
    """One scenario of ``family`` from ``seed`` for the kubelet ``release`` (the same seed gives the
    same scenario)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}")
    rng = random.Random(f"{family}/{seed}")
    variant = family
    if family == "plr-gates":
        family = "memory"
    family = "uncore" if family.startswith("uncore") else "memory" if family.startswith("memory") else family
    shape = _shape(rng, family)
    if variant == "uncore-fpo-strict-3numa":
        shape.update(zip(("sockets", "numaNodesPerSocket"), rng.choice(((3, 1), (1, 3))), strict=True))
    elif variant == "uncore-pod-8numa-closest":
        shape.update(
            zip(("sockets", "numaNodesPerSocket"), rng.choice(((8, 1), (2, 4), (4, 2), (1, 8))), strict=True)
        )
        while shape["coresPerNUMANode"] * shape["threadsPerCore"] * 8 > 128:
            shape["coresPerNUMANode"] -= shape["uncoreCachesPerNUMANode"]
        shape["coresPerNUMANode"] = max(shape["coresPerNUMANode"], shape["uncoreCachesPerNUMANode"])
    if family == "memory":
        # small machines: memory binds before CPUs do
        if variant == "memory-wide":
            sockets, nps = rng.choice(((1, 1), (2, 1), (1, 2), (2, 2), (1, 4), (4, 1), (1, 3)))
            shape.update(sockets=sockets, numaNodesPerSocket=nps)
        else:
            shape.update(sockets=rng.choice((1, 1, 2)), numaNodesPerSocket=rng.choice((1, 2)))
        shape.update(coresPerNUMANode=rng.choice((2, 4, 8)), uncoreCachesPerNUMANode=1)
    numa = shape["sockets"] * shape["numaNodesPerSocket"]
    machine: dict[str, Any] = dict(shape)
    machine["memoryPerNUMANode"] = "1Ti"
    kc: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cpuManagerPolicy": "static",
        "topologyManagerPolicy": rng.choice(POLICIES),
        "topologyManagerScope": rng.choice(("container", "pod")),
    }
    pod_level_gates = family == "memory" and rng.random() < 0.85
    plr, plrm = pod_level_gates, pod_level_gates
    if variant == "plr-gates":
        plr, plrm = rng.choice(((True, True), (True, False), (False, False), (False, True)))
        pod_level_gates = True  # pods set spec.resources whatever the kubelet's gates
        if not plr and plrm:  # refused by 1.36 (PLRM depends on PLR): only now and then
            plrm = rng.random() < 0.2
    kc["featureGates"] = {**OPTION_GATES, "PodLevelResources": plr}
    if release in RELEASES_WITH_PLRM:
        kc["featureGates"]["PodLevelResourceManagers"] = plrm
    if family != "memory":
        opts = _cpu_options(rng, family)
    elif variant == "memory-wide":
        opts = {o: "true" for o in ("full-pcpus-only", "strict-cpu-reservation") if rng.random() < 0.3}
    else:
        opts = {"full-pcpus-only": "true"} if rng.random() < 0.3 else {}
    if opts:
        kc["cpuManagerPolicyOptions"] = opts
    if rng.random() < 0.35:
        kc["topologyManagerPolicyOptions"] = {"prefer-closest-numa-nodes": "true"}
    if variant == "uncore-fpo-strict-3numa":
        opts.update({"full-pcpus-only": "true", "strict-cpu-reservation": "true"})
        opts.pop("distribute-cpus-across-cores", None)
        kc["cpuManagerPolicyOptions"] = opts
    elif variant == "uncore-pod-8numa-closest":
        kc["topologyManagerScope"] = "pod"
        kc["topologyManagerPolicyOptions"] = {"prefer-closest-numa-nodes": "true"}
    if family == "memory":
        mem_machine, mem_kc = _memory_config(rng, numa, wide=variant == "memory-wide")
        machine.update(mem_machine)
        kc.update(mem_kc)
        kc["reservedSystemCPUs"] = "0"
    else:
        kc.update(_reservation(rng, shape))
        kc["memoryManagerPolicy"] = "None"
    maker = _PodMaker(rng, shape, family, pod_level_gates, huge1g=variant == "memory-wide")
    events: list[dict[str, Any]] = []
    live: list[str] = []
    for _ in range(rng.randint(3, 9)):
        if live and rng.random() < 0.2:
            uid = live.pop(rng.randrange(len(live)))
            events.append({"remove": {"uid": uid}})
            continue
        pod = maker.pod()
        live.append(pod["metadata"]["uid"])
        events.append({"add": pod})
    return {
        "kind": "Scenario",
        "metadata": {"name": f"{variant}-{seed}"},
        "node": {"machine": machine, "kubeletVersion": release},
        "kubeletConfig": kc,
        "events": events,
    }
