"""Reading a machine from a Linux sysfs tree, the way cAdvisor builds ``MachineInfo.Topology`` and
the kubelet turns it into CPU details; and capturing it as a scenario ``node`` description.

What is read (relative to the sysfs root, ``/sys`` on a live node):

* ``devices/system/node/node*[0-9]``: the NUMA nodes (memory-only ones included); each node's CPUs
  are its ``cpu*[0-9]`` entries (``cpulist`` when a tree has none), its memory the ``MemTotal``
  line of ``meminfo`` (missing: 0), its hugepages ``hugepages/hugepages-<size>kB/nr_hugepages``,
  its distances ``distance``. Without node directories the CPUs are grouped by package, one
  NUMA node per package, as cAdvisor does.
* ``devices/system/cpu/online``: CPUs not listed are skipped (no file: all online).
* ``devices/system/cpu/cpuN/topology/{core_id,physical_package_id}``: CPUs lacking either are skipped.
* ``devices/system/cpu/cpuN/cache/index*/{level,id,shared_cpu_map|shared_cpu_list}`` of each
  core's first thread: an L3 (level > 2) shared by fewer CPUs than the NUMA node has is the core's
  uncore cache; the kubelet's uncore id is that cache's id, else the socket id.

Core ids are the lowest thread id of each core (kubelet ``getUniqueCoreID``).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podfit.api.machine_build import machine_from_table, machine_to_dict
from podfit.api.machines import build_machine
from podfit.errors import DiscoverError, InputError
from podfit.model.cpuset import CPUSetParseError, cpus, parse_cpuset
from podfit.model.gotext import go_quote
from podfit.model.machine import CPUInfo, Machine

__all__ = [
    "CadvisorCore",
    "CadvisorNode",
    "DiscoverError",
    "capture_machine",
    "discover",
    "get_uncore_cache_id",
    "load_machine_path",
    "machine_from_sysfs",
    "machine_to_dict",
]

_MEMTOTAL = re.compile(r"MemTotal:\s*([0-9]+) kB")
_HUGEPAGES_DIR = re.compile(r"^hugepages-([0-9]+)kB$")


@dataclass
class CadvisorCore:
    """A cAdvisor ``Core``: its sysfs core id, socket, threads (discovery order), uncore cache ids."""

    core_id: int
    socket: int
    threads: list[int] = field(default_factory=list)
    uncore_caches: list[int] = field(default_factory=list)


@dataclass
class CadvisorNode:
    """A cAdvisor ``Node`` (one NUMA node of ``MachineInfo.Topology``)."""

    id: int
    cores: list[CadvisorCore] = field(default_factory=list)
    memory: int = 0
    hugepages: tuple[tuple[int, int], ...] = ()
    distances: list[int] | None = None


def get_uncore_cache_id(core: CadvisorCore) -> int:
    """The first uncore cache id of ``core``, or its socket id when it has none.

    Mirrors: pkg/kubelet/cm/cpumanager/topology/topology.go getUncoreCacheID
    """
    return core.uncore_caches[0] if core.uncore_caches else core.socket


def _unique_core_id(threads: list[int]) -> int:
    """Mirrors: pkg/kubelet/cm/cpumanager/topology/topology.go getUniqueCoreID"""
    if not threads:
        raise DiscoverError("no cpus provided")
    if len(set(threads)) != len(threads):
        raise DiscoverError("cpus provided are not unique")
    return min(threads)


def discover(topology: list[CadvisorNode], num_cores: int) -> list[CPUInfo]:
    """The CPU details of a cAdvisor topology, sorted by CPU id (a CPU listed twice keeps the
    last entry). ``num_cores`` is ``MachineInfo.NumCores`` (logical CPUs).

    Mirrors: pkg/kubelet/cm/cpumanager/topology/topology.go Discover
    """
    if num_cores == 0:
        raise DiscoverError("could not detect number of cpus")
    details: dict[int, CPUInfo] = {}
    for node in topology:
        for core in node.cores:
            core_id = _unique_core_id(core.threads)
            uncore = get_uncore_cache_id(core)
            for cpu in core.threads:
                details[cpu] = CPUInfo(cpu=cpu, core=core_id, socket=core.socket, numa=node.id, uncore=uncore)
    return [details[c] for c in sorted(details)]


class _Tree:
    """File access relative to ``<root>/devices/system``; errors name the file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        base = root / "devices" / "system"
        self.system = base if base.is_dir() else root
        self.cpu_dir = self.system / "cpu"
        self.node_dir = self.system / "node"

    def error(self, path: Path, message: str) -> InputError:
        try:
            rel = str(path.relative_to(self.root))
        except ValueError:
            rel = str(path)
        return InputError(rel, message, str(self.root))

    def read(self, path: Path) -> str | None:
        try:
            return path.read_text()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self.error(path, f"cannot read: {exc.strerror}") from None

    def read_int(self, path: Path) -> int | None:
        text = self.read(path)
        if text is None:
            return None
        try:
            return int(text.strip())
        except ValueError:
            raise self.error(path, f"expected an integer, got {go_quote(text.strip())}") from None

    def read_cpuset(self, path: Path) -> int | None:
        text = self.read(path)
        if text is None:
            return None
        try:
            return parse_cpuset(text.strip())
        except CPUSetParseError as exc:
            raise self.error(path, f"not a CPU list: {exc}") from None


def _numbered(directory: Path, pattern: str, prefix: str) -> list[tuple[str, int]]:
    """Entries matching ``pattern`` (Go filepath.Glob order: sorted by name) with their number."""
    if not directory.is_dir():
        return []
    out = []
    for name in sorted(p.name for p in directory.iterdir()):
        if fnmatch.fnmatchcase(name, pattern):
            m = re.fullmatch(rf"{prefix}([0-9]+)", name)
            if m:
                out.append((name, int(m.group(1))))
    return out


def _cores_info(tree: _Tree, cpu_ids: list[int], online: int | None) -> list[CadvisorCore]:
    """Group online CPUs into cores by (core_id, physical_package_id), in discovery order.

    Mirrors: google/cadvisor lib/utils/sysinfo/sysinfo.go getCoresInfo (cadvisor 6a0c4f25, used by v1.36)
    """
    cores: list[CadvisorCore] = []
    index: dict[tuple[int, int], CadvisorCore] = {}
    for cpu in cpu_ids:
        if online is not None and not online >> cpu & 1:
            continue
        topo = tree.cpu_dir / f"cpu{cpu}" / "topology"
        core_id = tree.read_int(topo / "core_id")
        if core_id is None:
            continue
        package = tree.read_int(topo / "physical_package_id")
        if package is None:
            continue
        core = index.get((core_id, package))
        if core is None:
            core = index[(core_id, package)] = CadvisorCore(core_id, package)
            cores.append(core)
        core.threads.append(cpu)
    return cores


def _cache_shares(tree: _Tree, cache: Path) -> int | None:
    text = tree.read(cache / "shared_cpu_map")
    if text is not None:
        try:
            return sum(int(word, 16).bit_count() for word in text.strip().split(","))
        except ValueError:
            raise tree.error(cache / "shared_cpu_map", f"not a CPU mask: {go_quote(text.strip())}") from None
    shared = tree.read_cpuset(cache / "shared_cpu_list")
    return None if shared is None else shared.bit_count()


def _add_cache_info(tree: _Tree, node: CadvisorNode) -> None:
    """Per core, the first thread's ``index*`` caches above L2 are node caches when shared by
    exactly the node's threads, else the core's uncore caches. Stops at the first unreadable
    cache (earlier cores keep theirs).

    Mirrors: google/cadvisor lib/utils/sysinfo/sysinfo.go addCacheInfo (cadvisor 6a0c4f25, used by v1.36)
    """
    for core in node.cores:
        cache_dir = tree.cpu_dir / f"cpu{core.threads[0]}" / "cache"
        if not cache_dir.is_dir():
            return
        threads_per_node = len(node.cores) * len(core.threads)
        for name in sorted(p.name for p in cache_dir.iterdir()):
            if not name.startswith("index"):
                continue
            entry = cache_dir / name
            level = tree.read_int(entry / "level")
            cache_id = tree.read_int(entry / "id")
            shares = _cache_shares(tree, entry)
            if level is None or cache_id is None or shares is None:
                return
            if level > 2 and shares != threads_per_node and cache_id not in core.uncore_caches:
                core.uncore_caches.append(cache_id)


def _hugepages(tree: _Tree, node_path: Path) -> tuple[tuple[int, int], ...]:
    directory = node_path / "hugepages"
    if not directory.is_dir():
        return ()
    table = []
    for name in sorted(p.name for p in directory.iterdir()):
        m = _HUGEPAGES_DIR.match(name)
        if not m:
            raise tree.error(directory / name, "expected hugepages-<size>kB")
        count = tree.read_int(directory / name / "nr_hugepages")
        if count is None:
            raise tree.error(directory / name / "nr_hugepages", "missing")
        table.append((int(m.group(1)) * 1024, count))
    return tuple(sorted(table))


def _memory(tree: _Tree, node_path: Path) -> int:
    text = tree.read(node_path / "meminfo")
    if text is None:
        return 0
    m = _MEMTOTAL.search(text)
    if not m:
        raise tree.error(node_path / "meminfo", "no 'MemTotal: <n> kB' line")
    return int(m.group(1)) * 1024


def _distances(tree: _Tree, node_path: Path) -> list[int] | None:
    text = tree.read(node_path / "distance")
    if text is None:
        return None
    try:
        return [int(word) for word in text.split()]
    except ValueError:
        raise tree.error(node_path / "distance", f"expected integers, got {go_quote(text.strip())}") from None


def _nodes_info(tree: _Tree) -> list[CadvisorNode]:
    """The NUMA nodes (per package when the tree has no node directories).

    Mirrors: google/cadvisor lib/utils/sysinfo/sysinfo.go GetNodesInfo, getCPUTopology (cadvisor 6a0c4f25)
    """
    online = tree.read_cpuset(tree.cpu_dir / "online")
    nodes: list[CadvisorNode] = []
    node_dirs = _numbered(tree.node_dir, "node*[0-9]", "node")
    if not node_dirs:
        by_package: dict[int, list[int]] = {}
        for _, cpu in _numbered(tree.cpu_dir, "cpu*[0-9]", "cpu"):
            package = tree.read_int(tree.cpu_dir / f"cpu{cpu}" / "topology" / "physical_package_id")
            if package is not None:
                by_package.setdefault(package, []).append(cpu)
        for package, cpu_ids in sorted(by_package.items()):
            node = CadvisorNode(package, _cores_info(tree, cpu_ids, online))
            _add_cache_info(tree, node)
            nodes.append(node)
        return nodes
    for name, node_id in node_dirs:
        path = tree.node_dir / name
        cpu_ids = [cpu for _, cpu in _numbered(path, "cpu*[0-9]", "cpu")]
        if not cpu_ids:
            listed = tree.read_cpuset(path / "cpulist")
            cpu_ids = sorted(cpus(listed or 0), key=lambda c: f"cpu{c}")
        node = CadvisorNode(node_id, _cores_info(tree, cpu_ids, online))
        _add_cache_info(tree, node)
        node.memory = _memory(tree, path)
        node.hugepages = _hugepages(tree, path)
        node.distances = _distances(tree, path)
        nodes.append(node)
    return nodes


def machine_from_sysfs(root: Path | str = "/sys") -> Machine:
    """The machine a kubelet on this sysfs tree would see. ``root`` is the sysfs mount (``/sys``)
    or its ``devices/system`` directory (a file is read as a capture, see :func:`load_machine_path`).

    Core id = lowest thread id (getUniqueCoreID), uncore id = the first uncore cache id or the
    socket id (getUncoreCacheID), NUMA id = cAdvisor's node id.

    Mirrors: pkg/kubelet/cm/cpumanager/topology/topology.go Discover
    """
    if Path(root).is_file():  # `node.sysfs: captured.yaml`
        return load_machine_path(root)
    tree = _Tree(Path(root))
    if not tree.cpu_dir.is_dir():
        raise InputError("", "not a sysfs tree (no devices/system/cpu directory)", str(root))
    nodes = sorted(_nodes_info(tree), key=lambda n: n.id)
    try:
        details = discover(nodes, sum(len(core.threads) for node in nodes for core in node.cores))
    except DiscoverError as exc:
        raise InputError("", f"{exc} (no online CPU with topology files?)", str(root)) from None
    rows = [
        {"cpu": c.cpu, "core": c.core, "socket": c.socket, "numa": c.numa, "uncore": c.uncore}
        for c in details
    ]
    numa_nodes = [
        {"id": n.id, "memory": n.memory, "hugepages": {size: size * count for size, count in n.hugepages}}
        for n in nodes
    ]
    distances: Any = None
    if nodes and all(n.distances is not None and len(n.distances) == len(nodes) for n in nodes):
        distances = [n.distances for n in nodes]
    try:
        machine = machine_from_table(rows, numa_nodes, distances)
    except InputError as exc:
        raise InputError(exc.field, exc.message, str(root)) from None
    return machine


def capture_machine(root: Path | str = "/sys") -> dict[str, Any]:
    """A scenario ``node`` description (explicit ``cpus`` table, ``numaNodes``, ``numaDistances``)
    of the machine at ``root``: ``build_machine(capture_machine(r)) == machine_from_sysfs(r)``."""
    return machine_to_dict(machine_from_sysfs(root))


def load_machine_path(path: Path | str) -> Machine:
    """``node.sysfs: <path>``: a sysfs tree (directory) or a YAML/JSON file written by capture
    (either the ``node`` mapping itself or a document with a ``node`` key)."""
    p = Path(path)
    if p.is_dir():
        return machine_from_sysfs(p)
    import yaml  # lazily: only this form needs it

    try:
        doc = yaml.safe_load(p.read_text())
    except FileNotFoundError:
        raise InputError("sysfs", f"{p}: no such file or directory") from None
    except (OSError, yaml.YAMLError) as exc:
        raise InputError("", f"cannot read machine: {exc}", str(p)) from None
    if isinstance(doc, dict) and isinstance(doc.get("node"), dict):
        doc = doc["node"]
    if not isinstance(doc, dict):
        raise InputError("", "expected a node description (cpus, numaNodes, ...)", str(p))
    doc = {k: v for k, v in doc.items() if k != "name"}
    try:
        return build_machine(doc)
    except InputError as exc:
        raise exc.in_source(str(p)) from None
