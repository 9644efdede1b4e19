"""podfit.io.sysfs: fake sysfs trees under tmp_path -> Machine, capture round trip."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml

from podfit.api.machine_build import synthetic_machine
from podfit.api.machines import build_machine
from podfit.errors import InputError
from podfit.io.sysfs import capture_machine, load_machine_path, machine_from_sysfs
from podfit.model.cpuset import format_cpuset, mask
from podfit.model.machine import Machine, NUMANode

GI = 1 << 30
MI = 1 << 20

# (cpu, core_id as sysfs reports it, physical_package_id, NUMA node)
Row = tuple[int, int, int, int]


def write_tree(
    root: Path,
    rows: list[Row],
    *,
    l3: Callable[[int], tuple[int, list[int]] | None] | None = None,
    online: str | None = None,
    memory_kb: Mapping[int, int] | None = None,
    extra_nodes: tuple[int, ...] = (),
    hugepages: Mapping[int, Mapping[int, int]] | None = None,
    distances: Mapping[int, str] | None = None,
    node_dirs: bool = True,
    symlinks: bool = True,
) -> Path:
    """A sysfs tree: ``l3(cpu)`` gives (cache id, sharing CPUs) of that CPU's L3, None = no cache dir."""
    system = root / "devices" / "system"
    cpu_dir = system / "cpu"
    cpu_dir.mkdir(parents=True)
    if online is not None:
        (cpu_dir / "online").write_text(online + "\n")
    for cpu, core, package, _ in rows:
        topo = cpu_dir / f"cpu{cpu}" / "topology"
        topo.mkdir(parents=True)
        (topo / "core_id").write_text(f"{core}\n")
        (topo / "physical_package_id").write_text(f"{package}\n")
        info = l3(cpu) if l3 else None
        if info is not None:
            cache_id, shared = info
            for index, (level, cid, share) in enumerate(
                [(1, cpu, [cpu]), (2, cpu, [cpu]), (3, cache_id, shared)]
            ):
                d = cpu_dir / f"cpu{cpu}" / "cache" / f"index{index}"
                d.mkdir(parents=True)
                (d / "level").write_text(f"{level}\n")
                (d / "id").write_text(f"{cid}\n")
                (d / "shared_cpu_list").write_text(format_cpuset(mask(share)) + "\n")
                m = mask(share)
                words = []
                while True:
                    words.append(f"{m & 0xFFFFFFFF:08x}")
                    m >>= 32
                    if not m:
                        break
                (d / "shared_cpu_map").write_text(",".join(reversed(words)) + "\n")
    if not node_dirs:
        return root
    node_ids = sorted({r[3] for r in rows} | set(extra_nodes))
    for n in node_ids:
        nd = system / "node" / f"node{n}"
        nd.mkdir(parents=True)
        mine = sorted(r[0] for r in rows if r[3] == n)
        (nd / "cpulist").write_text(format_cpuset(mask(mine)) + "\n")
        if symlinks:
            for cpu in mine:
                (nd / f"cpu{cpu}").symlink_to(f"../../cpu/cpu{cpu}")
        if memory_kb is not None and n in memory_kb:
            (nd / "meminfo").write_text(
                f"Node {n} MemTotal:       {memory_kb[n]} kB\nNode {n} MemFree:        1000 kB\n"
            )
        for size_kb, count in (hugepages or {}).get(n, {}).items():
            hd = nd / "hugepages" / f"hugepages-{size_kb}kB"
            hd.mkdir(parents=True)
            (hd / "nr_hugepages").write_text(f"{count}\n")
        if distances is not None and n in distances:
            (nd / "distance").write_text(distances[n] + "\n")
    return root


def linux_rows(sockets: int, nps: int, cores: int, threads: int) -> list[Row]:
    """Linux-style numbering with per-socket core_id (as the kernel reports it on x86)."""
    total = sockets * nps * cores
    rows = []
    for numa in range(sockets * nps):
        socket = numa // nps
        for k in range(cores):
            g = numa * cores + k
            for t in range(threads):
                rows.append((t * total + g, g - socket * nps * cores, socket, numa))
    return rows


def same_package(rows: list[Row]) -> Callable[[int], tuple[int, list[int]]]:
    """An L3 per socket whose cache id is the socket."""
    package = {r[0]: r[2] for r in rows}
    return lambda cpu: (package[cpu], [c for c, p in package.items() if p == package[cpu]])


def test_single_socket_smt_matches_synthetic(tmp_path: Path) -> None:
    rows = linux_rows(1, 1, 4, 2)
    write_tree(
        tmp_path, rows, l3=same_package(rows), memory_kb={0: 16 * 1024 * 1024},
        hugepages={0: {2048: 0, 1048576: 0}}, distances={0: "10"},
    )  # fmt: skip
    got = machine_from_sysfs(tmp_path)
    want = synthetic_machine(
        cores_per_numa_node=4, threads_per_core=2, memory_per_numa_node=16 * GI, distances=((10,),)
    )
    assert got == want
    assert got.sibling_cpus(0) == mask([0, 4])


def test_dual_socket_core_ids_repeat_per_socket(tmp_path: Path) -> None:
    rows = linux_rows(2, 1, 4, 2)  # core_id 0-3 on both sockets
    write_tree(tmp_path, rows, l3=same_package(rows), distances={0: "10 21", 1: "21 10"})
    m = machine_from_sysfs(tmp_path)
    assert m.num_cores == 8
    assert m.cpu_info[12].core == 4 and m.cpu_info[12].socket == 1
    assert format_cpuset(m.numa_cpus[1]) == "4-7,12-15"
    assert m.uncore_ids == (0, 1)  # L3 == NUMA node: node cache, uncore falls back to the socket
    assert m.distances == ((10, 21), (21, 10))


def test_multi_numa_per_socket_l3_spans_socket(tmp_path: Path) -> None:
    rows = linux_rows(2, 2, 2, 2)
    write_tree(tmp_path, rows, l3=same_package(rows))
    m = machine_from_sysfs(tmp_path)
    assert m.num_numa_nodes == 4 and m.socket_numa_ids == {0: (0, 1), 1: (2, 3)}
    assert format_cpuset(m.numa_cpus[1]) == "2-3,10-11"
    # L3 shared by 8 threads, the node has 4: an uncore cache, id = the L3 id (= socket here)
    assert [m.cpu_info[c].uncore for c in (0, 2, 4, 6)] == [0, 0, 1, 1]


def test_split_l3_groups_give_uncore_ids(tmp_path: Path) -> None:
    rows = linux_rows(1, 1, 8, 2)  # cores 0-7, siblings +8; one L3 per 4 cores (CCX)
    sibling_group = {c: (c % 8) // 4 for c in range(16)}

    def l3(cpu: int) -> tuple[int, list[int]]:
        return 10 + sibling_group[cpu], [c for c in range(16) if sibling_group[c] == sibling_group[cpu]]

    write_tree(tmp_path, rows, l3=l3)
    m = machine_from_sysfs(tmp_path)
    assert m.uncore_ids == (10, 11)
    assert format_cpuset(m.uncore_cpus[11]) == "4-7,12-15"


def test_memory_only_numa_node(tmp_path: Path) -> None:
    rows = linux_rows(1, 1, 2, 1)
    write_tree(tmp_path, rows, extra_nodes=(1,), memory_kb={0: 1024 * 1024, 1: 4 * 1024 * 1024})
    m = machine_from_sysfs(tmp_path)
    assert m.numa_ids == (0, 1)
    assert m.numa_cpus[1] == 0
    assert m.numa_node[1].memory == 4 * GI
    assert m.num_numa_nodes_with_cpus == 1


def test_offline_cpus_are_skipped(tmp_path: Path) -> None:
    rows = linux_rows(1, 1, 4, 2)
    write_tree(tmp_path, rows, online="0-5,7")
    m = machine_from_sysfs(tmp_path)
    assert format_cpuset(m.all_cpus) == "0-5,7"
    assert m.sibling_cpus(2) == mask([2])  # its sibling 6 is offline
    assert m.num_cores == 4


def test_missing_cache_dirs_fall_back_to_socket(tmp_path: Path) -> None:
    rows = linux_rows(2, 2, 2, 1)
    write_tree(tmp_path, rows, l3=None)
    m = machine_from_sysfs(tmp_path)
    assert [c.uncore for c in m.cpus] == [c.socket for c in m.cpus]


def test_unreadable_cache_stops_cache_discovery_for_the_node(tmp_path: Path) -> None:
    rows = linux_rows(1, 1, 4, 1)
    # cores 0 and 1 share L3 id 7; core 2 has no cache directory; core 3 would have id 8
    caches = {0: (7, [0, 1]), 1: (7, [0, 1]), 3: (8, [2, 3])}
    write_tree(tmp_path, rows, l3=caches.get)
    m = machine_from_sysfs(tmp_path)
    assert [c.uncore for c in m.cpus] == [7, 7, 0, 0]


def test_hugepages_and_memory(tmp_path: Path) -> None:
    rows = linux_rows(2, 1, 1, 1)
    write_tree(
        tmp_path, rows, memory_kb={0: 8 * 1024 * 1024, 1: 4 * 1024 * 1024},
        hugepages={0: {2048: 512, 1048576: 2}, 1: {2048: 0, 1048576: 0}},
    )  # fmt: skip
    m = machine_from_sysfs(tmp_path)
    assert m.numa_node[0] == NUMANode(0, 8 * GI, ((2 * MI, 512), (GI, 2)))
    assert m.numa_node[1] == NUMANode(1, 4 * GI, ((2 * MI, 0), (GI, 0)))
    assert m.hugepage_sizes == (2 * MI, GI)


def test_distances_need_every_node(tmp_path: Path) -> None:
    rows = linux_rows(2, 1, 1, 1)
    write_tree(tmp_path, rows, distances={0: "10 32"})
    assert machine_from_sysfs(tmp_path).distances is None


def test_no_node_directories_groups_by_package(tmp_path: Path) -> None:
    rows = linux_rows(2, 1, 2, 2)
    write_tree(tmp_path, rows, node_dirs=False)
    m = machine_from_sysfs(tmp_path)
    assert m.numa_ids == (0, 1)
    assert format_cpuset(m.numa_cpus[1]) == "2-3,6-7"
    assert m.numa_node[0].memory == 0


def test_cpulist_when_node_has_no_cpu_entries(tmp_path: Path) -> None:
    rows = linux_rows(2, 1, 2, 2)
    write_tree(tmp_path, rows, symlinks=False)
    with_links = machine_from_sysfs(write_tree(tmp_path / "b", rows))
    assert machine_from_sysfs(tmp_path) == with_links


def test_root_may_be_devices_system(tmp_path: Path) -> None:
    rows = linux_rows(1, 1, 2, 2)
    write_tree(tmp_path, rows)
    assert machine_from_sysfs(tmp_path / "devices" / "system") == machine_from_sysfs(tmp_path)


@pytest.mark.parametrize(
    ("mutate", "field_part"),
    [
        (
            lambda r: (r / "devices/system/cpu/cpu1/topology/core_id").write_text("x\n"),
            "cpu1/topology/core_id",
        ),
        (lambda r: (r / "devices/system/node/node0/meminfo").write_text("nothing\n"), "node0/meminfo"),
        (lambda r: (r / "devices/system/cpu/online").write_text("9-3\n"), "cpu/online"),
        (lambda r: (r / "devices/system/node/node0/distance").write_text("10 x\n"), "node0/distance"),
    ],
    ids=["bad core_id", "meminfo without MemTotal", "bad online list", "bad distance"],
)
def test_malformed_files(tmp_path: Path, mutate: Callable[[Path], object], field_part: str) -> None:
    write_tree(tmp_path, linux_rows(1, 1, 2, 1))
    mutate(tmp_path)
    with pytest.raises(InputError) as err:
        machine_from_sysfs(tmp_path)
    assert field_part in err.value.field
    assert err.value.source == str(tmp_path)


def test_no_online_cpus(tmp_path: Path) -> None:
    write_tree(tmp_path, linux_rows(1, 1, 2, 1), online="5")
    with pytest.raises(InputError, match="could not detect number of cpus"):
        machine_from_sysfs(tmp_path)


def test_not_a_sysfs_tree(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a sysfs tree"):
        machine_from_sysfs(tmp_path)


def _rich_tree(root: Path) -> Path:
    rows = linux_rows(2, 2, 4, 2)
    return write_tree(
        root, rows, l3=same_package(rows), extra_nodes=(4,),
        memory_kb={0: 1 << 24, 1: 1 << 24, 2: 1 << 24, 3: 1 << 24, 4: 1 << 22},
        hugepages={n: {2048: 16 * n, 1048576: n % 2} for n in range(5)},
        distances={n: " ".join(str(10 if i == n else 20 + i + n) for i in range(5)) for n in range(5)},
    )  # fmt: skip


def test_capture_round_trip(tmp_path: Path) -> None:
    root = _rich_tree(tmp_path)
    machine = machine_from_sysfs(root)
    captured = capture_machine(root)
    assert set(captured) == {"cpus", "numaNodes", "numaDistances"}
    assert build_machine(captured) == machine
    # through YAML, as `podfit capture > m.yaml` and `node: {sysfs: m.yaml}` would do
    path = tmp_path / "captured.yaml"
    path.write_text(yaml.safe_dump({"node": captured}))
    assert load_machine_path(path) == machine
    assert load_machine_path(root) == machine
    assert machine_from_sysfs(path) == machine  # what `node: {sysfs: captured.yaml}` resolves through


def test_capture_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"cpus": [{"cpu": 0, "core": 0, "socket": 0, "numa": 0}] * 2}))
    with pytest.raises(InputError) as err:
        load_machine_path(path)
    assert (err.value.source, err.value.field) == (str(path), "cpus[1]")


def test_live_sysfs_if_present() -> None:
    if not Path("/sys/devices/system/cpu/cpu0/topology/core_id").exists():
        pytest.skip("no sysfs on this machine")
    m: Machine = machine_from_sysfs("/sys")
    assert m.num_cpus >= 1
    assert build_machine(capture_machine("/sys")) == m
