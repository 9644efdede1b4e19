"""Named machines: real servers as Linux numbers them, and the kubelet's own test topologies.

``preset_machine(name)`` returns the :class:`Machine`; ``PRESETS`` maps each name to its
:class:`Preset` (name and one-line description). Sources of every shape are cited in
``docs/machines.md``. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from podfit.api.machine_build import synthetic_machine
from podfit.api.machine_values import GI, MI, decode_devices, format_bytes, quantity_bytes
from podfit.errors import InputError
from podfit.model.machine import CPUInfo, Machine, NUMANode

__all__ = ["PRESETS", "Preset", "apply_overrides", "preset_machine", "preset_names"]


@dataclass(frozen=True, slots=True)
class Preset:
    """A preset's name and one-line description (``podfit presets`` lists them)."""

    name: str
    description: str


_X86_HUGEPAGES: Final = ((2 * MI, 0), (GI, 0))
_ARM64_64K_HUGEPAGES: Final = ((2 * MI, 0), (512 * MI, 0), (16 * GI, 0))


def _table(name: str, rows: list[tuple[int, int, int, int, int]], memory: int = 64 * GI) -> Machine:
    """A machine from (cpu, core, socket, numa, uncore) rows; every NUMA node gets ``memory``."""
    cpus = tuple(CPUInfo(*r) for r in sorted(rows))
    numa = sorted({r[3] for r in rows})
    nodes = tuple(NUMANode(id=n, memory=memory, hugepages=_X86_HUGEPAGES) for n in numa)
    return Machine(cpus=cpus, numa_nodes=nodes, name=name)


# ----- real machines ---------------------------------------------------------------------------
def _xeon_gold_6230(snc2: bool) -> Machine:
    # 2 x 20 cores, HT; Linux: socket 0 = CPUs 0-19 (+40 siblings). One L3 per socket (its
    # sysfs cache id is the socket), so the kubelet's uncore id is the socket either way.
    return synthetic_machine(
        sockets=2,
        numa_nodes_per_socket=2 if snc2 else 1,
        cores_per_numa_node=10 if snc2 else 20,
        threads_per_core=2,
        memory_per_numa_node=(96 if snc2 else 192) * GI,
        uncore_per_socket=True,
        name="xeon-gold-6230-2s-snc2" if snc2 else "xeon-gold-6230-2s",
    )


def _epyc_7742_nps4() -> Machine:
    # 2 x 64 Zen 2 cores, SMT2, NPS4: 8 NUMA nodes of 16 cores, 4 CCX (16 MB L3 each) per node.
    return synthetic_machine(
        sockets=2,
        numa_nodes_per_socket=4,
        cores_per_numa_node=16,
        threads_per_core=2,
        uncore_caches_per_numa_node=4,
        memory_per_numa_node=64 * GI,
        name="epyc-7742-2s-nps4",
    )


def _gb200_tray() -> Machine:
    # 2 Grace CPUs (72 Neoverse V2 cores, no SMT, one L3 each) = NUMA 0 and 1, plus 32 memory-only
    # NUMA nodes (8 per B200 GPU, 2-33); each GPU's HBM is onlined on the first of its 8 nodes.
    cpus = tuple(CPUInfo(cpu=c, core=c, socket=c // 72, numa=c // 72, uncore=c // 72) for c in range(144))
    nodes = [NUMANode(id=n, memory=480 * GI, hugepages=_ARM64_64K_HUGEPAGES) for n in (0, 1)]
    for n in range(2, 34):
        hbm = 186 * GI if (n - 2) % 8 == 0 else 0
        nodes.append(NUMANode(id=n, memory=hbm, hugepages=_ARM64_64K_HUGEPAGES))
    devices = decode_devices(
        [
            {"resource": "nvidia.com/gpu", "numaNode": 0, "count": 2},
            {"resource": "nvidia.com/gpu", "numaNode": 1, "count": 2},
        ],
        {0, 1},
        "devices",
    )
    return Machine(cpus=cpus, numa_nodes=tuple(nodes), devices=devices, name="gb200-tray")


def _laptop() -> Machine:
    # 1 socket, 8 cores, SMT2 (siblings N and N+8), one L3, 32 GiB.
    return synthetic_machine(
        cores_per_numa_node=8,
        threads_per_core=2,
        memory_per_numa_node=32 * GI,
        uncore_per_socket=True,
        name="laptop-8c16t",
    )


# ----- kubelet test topologies (pkg/kubelet/cm/cpumanager/policy_test.go) ----------------------
# The Go literals leave UncoreCacheID out, so it is 0 on every CPU.
def _linux(name: str, sockets: int, nps: int, cores: int, threads: int) -> Callable[[], Machine]:
    def build() -> Machine:
        m = synthetic_machine(
            sockets=sockets, numa_nodes_per_socket=nps, cores_per_numa_node=cores, threads_per_core=threads
        )
        return _table(name, [(c.cpu, c.core, c.socket, c.numa, 0) for c in m.cpus])

    return build


def _dual_socket_ht() -> Machine:
    rows = [(c + t * 6, c, c % 2, c % 2, 0) for c in range(6) for t in range(2)]
    return _table("topoDualSocketHT", rows)


def _triple_socket_ht() -> Machine:
    socket_of_core = [1, 1, 1, 0, 0, 0, 2, 2, 2]
    rows = [(2 * c + t, c, s, s, 0) for c, s in enumerate(socket_of_core) for t in range(2)]
    return _table("topoTripleSocketHT", rows)


def _fake_multi_socket_dual_socket_per_numa_ht() -> Machine:
    rows = [(c + t * 40, c, c // 10, c // 20, 0) for c in range(40) for t in range(2)]
    return _table("fakeTopoMultiSocketDualSocketPerNumaHT", rows)


# core -> its 4 CPUs, socket by socket, in the order policy_test.go lists them.
_QUAD_SOCKET: Final = (
    "0:0,169,109,229 1:50,170,110,230 64:1,25,13,38 65:2,26,14,39 72:9,33,21,46 73:10,34,22,47 "
    "8:57,177,117,237 9:58,178,118,238 24:71,191,131,251 25:72,192,132,252 32:79,199,139,259 "
    "33:80,200,140,260 40:87,207,147,267 41:88,208,148,268 48:95,215,155,275 49:96,216,156,276 "
    "56:103,223,163,283 57:104,224,164,284",
    "66:3,27,15,40 67:4,28,16,41 74:11,35,23,48 75:12,36,24,49 2:51,171,111,231 3:52,172,112,232 "
    "10:59,179,119,239 11:60,180,120,240 18:65,185,125,245 19:66,186,126,246 26:73,193,133,253 "
    "27:74,194,134,254 34:81,201,141,261 35:82,202,142,262 42:89,209,149,269 43:90,210,150,270 "
    "50:97,217,157,277 51:98,218,158,278",
    "68:5,29,17,42 69:6,30,18,43 4:53,173,113,233 5:54,174,114,234 12:61,181,121,241 "
    "13:62,182,122,242 20:67,187,127,247 21:68,188,128,248 28:75,195,135,255 29:76,196,136,256 "
    "36:83,203,143,263 37:84,204,144,264 44:91,211,151,271 45:92,212,152,272 52:99,219,159,279 "
    "53:100,220,160,280 60:105,225,165,285 61:106,226,166,286",
    "70:7,31,19,44 71:8,32,20,45 63:37,168,108,228 62:107,227,167,287 6:55,175,115,235 "
    "7:56,176,116,236 14:63,183,123,243 15:64,184,124,244 22:69,189,129,249 23:70,190,130,250 "
    "30:77,197,137,257 31:78,198,138,258 38:85,205,145,265 39:86,206,146,266 46:93,213,153,273 "
    "47:94,214,154,274 54:101,221,161,281 55:102,222,162,282",
)


def _quad_socket_four_way_ht() -> Machine:
    rows: list[tuple[int, int, int, int, int]] = []
    for socket, text in enumerate(_QUAD_SOCKET):
        for item in text.split():
            core, cpus = item.split(":")
            rows.extend((int(cpu), int(core), socket, socket, 0) for cpu in cpus.split(","))
    return _table("topoQuadSocketFourWayHT", rows)


_BUILDERS: Final[dict[str, tuple[Callable[[], Machine], str]]] = {
    "xeon-gold-6230-2s": (
        lambda: _xeon_gold_6230(False),
        "2x Intel Xeon Gold 6230, HT, SNC off: 80 CPUs, 2 NUMA",
    ),
    "xeon-gold-6230-2s-snc2": (
        lambda: _xeon_gold_6230(True),
        "2x Intel Xeon Gold 6230, HT, SNC2: 80 CPUs, 4 NUMA",
    ),
    "epyc-7742-2s-nps4": (_epyc_7742_nps4, "2x AMD EPYC 7742, SMT2, NPS4: 256 CPUs, 8 NUMA, 4 L3 per NUMA"),
    "gb200-tray": (_gb200_tray, "NVIDIA GB200 tray: 2x Grace (72 cores), 4 GPUs, 34 NUMA (32 memory-only)"),
    "laptop-8c16t": (_laptop, "1 socket, 8 cores, SMT2, 32Gi"),
    "topoSingleSocketHT": (
        _linux("topoSingleSocketHT", 1, 1, 4, 2),
        "kubelet test: 8 CPUs, 1 socket, HT",
    ),
    "topoDualSocketHT": (_dual_socket_ht, "kubelet test: 12 CPUs, 2 sockets interleaved, HT"),
    "topoDualSocketNoHT": (_linux("topoDualSocketNoHT", 2, 1, 4, 1), "kubelet test: 8 CPUs, 2 sockets"),
    "topoTripleSocketHT": (_triple_socket_ht, "kubelet test: 18 CPUs, 3 sockets, adjacent siblings"),
    "topoDualSocketMultiNumaPerSocketHT": (
        _linux("topoDualSocketMultiNumaPerSocketHT", 2, 2, 10, 2),
        "kubelet test: 80 CPUs, 2 sockets, 4 NUMA (Xeon Gold 6230 SNC2)",
    ),
    "fakeTopoMultiSocketDualSocketPerNumaHT": (
        _fake_multi_socket_dual_socket_per_numa_ht,
        "kubelet test: 80 CPUs, 4 sockets, 2 NUMA (2 sockets per NUMA node)",
    ),
    "topoDualSocketMultiNumaPerSocketHTLarge": (
        _linux("topoDualSocketMultiNumaPerSocketHTLarge", 2, 4, 16, 2),
        "kubelet test: 256 CPUs, 2 sockets, 8 NUMA (EPYC 7742 NPS4)",
    ),
    "topoQuadSocketFourWayHT": (
        _quad_socket_four_way_ht,
        "kubelet test: 288 CPUs, 4 sockets, 4 threads per core (KNL)",
    ),
}

PRESETS: Final[Mapping[str, Preset]] = {name: Preset(name, desc) for name, (_, desc) in _BUILDERS.items()}


def preset_names() -> tuple[str, ...]:
    return tuple(_BUILDERS)


def preset_machine(name: str) -> Machine:
    """The preset ``name``; ``KeyError`` (whose message lists the presets) when unknown."""
    if name not in _BUILDERS:
        raise KeyError(f'unknown preset "{name}" (known: {", ".join(_BUILDERS)})')
    return _BUILDERS[name][0]()


def _set_hugepages(node: NUMANode, size: int, total: int) -> NUMANode:
    table = dict(node.hugepages)
    table[size] = total // size
    return NUMANode(node.id, node.memory, tuple(sorted(table.items())))


def apply_overrides(machine: Machine, spec: Mapping[str, Any]) -> Machine:
    """``memoryPerNUMANode``, ``hugepages2MiPerNUMANode``, ``hugepages1GiPerNUMANode`` (set on every
    NUMA node that has CPUs) and ``devices`` (replaces the preset's). Fields relative to ``spec``."""
    with_cpus = set(machine.numa_socket_ids)
    nodes = list(machine.numa_nodes)
    if "memoryPerNUMANode" in spec:
        memory = quantity_bytes(spec["memoryPerNUMANode"], "memoryPerNUMANode")
        nodes = [NUMANode(n.id, memory, n.hugepages) if n.id in with_cpus else n for n in nodes]
    for key, size in (("hugepages2MiPerNUMANode", 2 * MI), ("hugepages1GiPerNUMANode", GI)):
        if key in spec:
            total = quantity_bytes(spec[key], key)
            if total % size:
                raise InputError(
                    key, f"{format_bytes(total)} is not a multiple of the {format_bytes(size)} page size"
                )
            nodes = [_set_hugepages(n, size, total) if n.id in with_cpus else n for n in nodes]
    for n in nodes:
        if sum(size * count for size, count in n.hugepages) > n.memory:
            raise InputError("memoryPerNUMANode", f"hugepages exceed the memory of NUMA node {n.id}")
    devices = machine.devices
    if "devices" in spec:
        devices = decode_devices(spec["devices"], set(machine.numa_ids), "devices")
    return Machine(
        machine.cpus, tuple(nodes), machine.distances, devices, machine.memory_capacity, machine.name
    )
