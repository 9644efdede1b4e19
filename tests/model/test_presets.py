"""podfit.api.presets: every preset builds, has the documented shape and round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from podfit.api.machine_build import machine_to_dict
from podfit.api.machines import build_machine
from podfit.api.presets import PRESETS, apply_overrides, preset_machine, preset_names
from podfit.errors import InputError
from podfit.model.cpuset import cpus, format_cpuset
from podfit.model.machine import DeviceGroup, Machine

GI = 1 << 30
MI = 1 << 20

# name: (CPUs, cores, sockets, NUMA nodes, NUMA nodes with CPUs, uncore caches, NUMA 0 CPUs)
SHAPES = {
    "xeon-gold-6230-2s": (80, 40, 2, 2, 2, 2, "0-19,40-59"),
    "xeon-gold-6230-2s-snc2": (80, 40, 2, 4, 4, 2, "0-9,40-49"),
    "epyc-7742-2s-nps4": (256, 128, 2, 8, 8, 32, "0-15,128-143"),
    "gb200-tray": (144, 144, 2, 34, 2, 2, "0-71"),
    "laptop-8c16t": (16, 8, 1, 1, 1, 1, "0-15"),
    # kubelet test topologies: UncoreCacheID left out of the Go literals, so one uncore cache (id 0)
    "topoSingleSocketHT": (8, 4, 1, 1, 1, 1, "0-7"),
    "topoDualSocketHT": (12, 6, 2, 2, 2, 1, "0,2,4,6,8,10"),
    "topoDualSocketNoHT": (8, 8, 2, 2, 2, 1, "0-3"),
    "topoTripleSocketHT": (18, 9, 3, 3, 3, 1, "6-11"),
    "topoDualSocketMultiNumaPerSocketHT": (80, 40, 2, 4, 4, 1, "0-9,40-49"),
    "fakeTopoMultiSocketDualSocketPerNumaHT": (80, 40, 4, 2, 2, 1, "0-19,40-59"),
    "topoDualSocketMultiNumaPerSocketHTLarge": (256, 128, 2, 8, 8, 1, "0-15,128-143"),
    "topoQuadSocketFourWayHT": (288, 72, 4, 4, 4, 1, None),
}


def test_every_preset_is_listed_and_described() -> None:
    assert set(preset_names()) == set(SHAPES) == set(PRESETS)
    assert all(PRESETS[name].name == name and PRESETS[name].description for name in PRESETS)


@pytest.mark.parametrize("name", list(SHAPES))
def test_preset_shape(name: str) -> None:
    m = preset_machine(name)
    n_cpus, n_cores, n_sockets, n_numa, n_numa_cpus, n_uncore, numa0 = SHAPES[name]
    assert m.name == name
    assert (m.num_cpus, m.num_cores, m.num_sockets) == (n_cpus, n_cores, n_sockets)
    assert (m.num_numa_nodes, m.num_numa_nodes_with_cpus, m.num_uncore_caches) == (
        n_numa,
        n_numa_cpus,
        n_uncore,
    )
    if numa0 is not None:
        assert format_cpuset(m.numa_cpus[0]) == numa0
    assert m.numa_ids == tuple(range(n_numa))
    # every core's threads share socket, NUMA node and uncore cache
    for cset in m.core_cpus.values():
        infos = {(m.cpu_info[c].socket, m.cpu_info[c].numa, m.cpu_info[c].uncore) for c in cpus(cset)}
        assert len(infos) == 1


@pytest.mark.parametrize("name", [n for n in SHAPES if not n.startswith(("topo", "fakeTopo"))])
def test_real_machines_use_kubelet_core_ids(name: str) -> None:
    m = preset_machine(name)
    assert all(core == min(cpus(cset)) for core, cset in m.core_cpus.items())


@pytest.mark.parametrize("name", list(SHAPES))
def test_preset_round_trips_through_the_table_form(name: str) -> None:
    m = preset_machine(name)
    again = build_machine(machine_to_dict(m))
    assert (again.cpus, again.numa_nodes, again.distances, again.devices) == (
        m.cpus, m.numa_nodes, m.distances, m.devices,
    )  # fmt: skip


def test_epyc_uncore_caches_are_ccx_of_four_cores() -> None:
    m = preset_machine("epyc-7742-2s-nps4")
    assert format_cpuset(m.uncore_cpus[0]) == "0-3,128-131"
    assert format_cpuset(m.uncore_cpus[31]) == "124-127,252-255"
    assert all(len({m.cpu_info[c].uncore for c in cpus(m.numa_cpus[n])}) == 4 for n in m.numa_ids)


def test_gb200_memory_only_nodes_and_gpus() -> None:
    m = preset_machine("gb200-tray")
    assert m.cpus_per_core == 1
    assert [n for n in m.numa_ids if m.numa_cpus[n] == 0] == list(range(2, 34))
    assert [n.id for n in m.numa_nodes if n.id >= 2 and n.memory] == [2, 10, 18, 26]
    assert m.devices == (DeviceGroup("nvidia.com/gpu", 0, 2), DeviceGroup("nvidia.com/gpu", 1, 2))
    assert m.distance(0, 1) == 21 and m.distance(0, 2) == 21


def test_upstream_dual_socket_ht_interleaves_sockets() -> None:
    m = preset_machine("topoDualSocketHT")
    assert format_cpuset(m.socket_cpus[1]) == "1,3,5,7,9,11"
    assert format_cpuset(m.sibling_cpus(0)) == "0,6"


def test_upstream_quad_socket_irregular_core_map() -> None:
    m = preset_machine("topoQuadSocketFourWayHT")
    assert m.cpus_per_core == 4
    assert format_cpuset(m.core_cpus[64]) == "1,13,25,38"
    assert m.cpu_info[37].socket == 3 and m.cpu_info[287].socket == 3
    assert all(cset.bit_count() == 72 for cset in m.socket_cpus.values())


def test_upstream_triple_socket_numbering_is_not_monotonic() -> None:
    m = preset_machine("topoTripleSocketHT")
    assert format_cpuset(m.socket_cpus[1]) == "0-5"
    assert format_cpuset(m.sibling_cpus(2)) == "2-3"


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(KeyError) as err:
        preset_machine("cray-1")
    assert "laptop-8c16t" in str(err.value)


def test_overrides_touch_only_numa_nodes_with_cpus() -> None:
    base = preset_machine("gb200-tray")
    m = apply_overrides(base, {"memoryPerNUMANode": "400Gi", "hugepages2MiPerNUMANode": "2Gi"})
    assert m.numa_node[0].memory == 400 * GI and m.numa_node[1].hugepage_bytes(2 * MI) == 2 * GI
    assert m.numa_node[2] == base.numa_node[2]
    assert m.cpus == base.cpus and m.devices == base.devices


def test_override_hugepages_beyond_memory() -> None:
    with pytest.raises(InputError) as err:
        apply_overrides(preset_machine("laptop-8c16t"), {"hugepages1GiPerNUMANode": "64Gi"})
    assert err.value.field == "memoryPerNUMANode"


def test_presets_are_fresh_values() -> None:
    a: Machine = preset_machine("laptop-8c16t")
    assert a == preset_machine("laptop-8c16t")


def test_upstream_presets_match_the_ported_upstream_tables() -> None:
    """Cross-check with tests/upstream/cpumanager/topologies.yaml (another port of policy_test.go)."""
    path = Path(__file__).parents[1] / "upstream" / "cpumanager" / "topologies.yaml"
    if not path.exists():
        pytest.skip("tests/upstream/cpumanager/topologies.yaml not present")
    data = yaml.safe_load(path.read_text())
    names = [n for n in preset_names() if n in data]
    assert len(names) == 8
    for name in names:
        want = sorted(tuple(row) for row in data[name]["cpus"])
        got = [(c.cpu, c.core, c.socket, c.numa, c.uncore) for c in preset_machine(name).cpus]
        assert got == want, name
