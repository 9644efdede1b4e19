"""podfit.api.machine_build: synthetic and explicit-table machines, validation with field paths."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podfit.api.machine_build import machine_to_dict
from podfit.api.machines import build_machine
from podfit.errors import InputError
from podfit.model.cpuset import cpus, format_cpuset, mask
from podfit.model.machine import DeviceGroup, Machine

GI = 1 << 30
MI = 1 << 20


def synth(**spec: Any) -> Machine:
    return build_machine({"machine": spec})


# ----- synthetic numbering (scenario-format.md "Synthetic machine numbering") -------------------
NUMBERING_CASES = [
    # (id, spec, NUMA id -> cpuset, (cpu, its sibling mask), socket of NUMA nodes)
    (
        "spec example 2x1x8x2",
        {"sockets": 2, "numaNodesPerSocket": 1, "coresPerNUMANode": 8, "threadsPerCore": 2},
        {0: "0-7,16-23", 1: "8-15,24-31"},
        (0, "0,16"),
        {0: (0,), 1: (1,)},
    ),
    (
        "one socket two NUMA nodes",
        {"sockets": 1, "numaNodesPerSocket": 2, "coresPerNUMANode": 4, "threadsPerCore": 2},
        {0: "0-3,8-11", 1: "4-7,12-15"},
        (13, "5,13"),
        {0: (0, 1)},
    ),
    (
        "no SMT",
        {"sockets": 2, "coresPerNUMANode": 3, "threadsPerCore": 1},
        {0: "0-2", 1: "3-5"},
        (4, "4"),
        {0: (0,), 1: (1,)},
    ),
    (
        "four threads per core",
        {"sockets": 1, "coresPerNUMANode": 2, "threadsPerCore": 4},
        {0: "0-7"},
        (1, "1,3,5,7"),
        {0: (0,)},
    ),
    (
        "2 sockets x 2 NUMA (SNC2-like)",
        {"sockets": 2, "numaNodesPerSocket": 2, "coresPerNUMANode": 10, "threadsPerCore": 2},
        {0: "0-9,40-49", 1: "10-19,50-59", 2: "20-29,60-69", 3: "30-39,70-79"},
        (45, "5,45"),
        {0: (0, 1), 1: (2, 3)},
    ),
]


@pytest.mark.parametrize(("spec", "numa", "sibling", "sockets"), [c[1:] for c in NUMBERING_CASES],
                         ids=[c[0] for c in NUMBERING_CASES])  # fmt: skip
def test_synthetic_numbering(
    spec: dict[str, Any], numa: dict[int, str], sibling: tuple[int, str], sockets: dict[int, tuple[int, ...]]
) -> None:
    m = synth(**spec)
    assert {n: format_cpuset(c) for n, c in m.numa_cpus.items()} == numa
    cpu, siblings = sibling
    assert format_cpuset(m.sibling_cpus(cpu)) == siblings
    assert m.cpu_info[cpu].core == min(cpus(m.sibling_cpus(cpu)))
    assert dict(m.socket_numa_ids) == sockets


def test_spec_example_siblings_and_defaults() -> None:
    m = synth(sockets=2, numaNodesPerSocket=1, coresPerNUMANode=8, threadsPerCore=2)
    assert m.sibling_cpus(0) == mask([0, 16])
    assert [n.memory for n in m.numa_nodes] == [64 * GI, 64 * GI]
    assert m.numa_node[0].hugepages == ((2 * MI, 0), (GI, 0))
    assert m.distances is None and m.numa_distances == ((10, 21), (21, 10))
    assert m.cpu_topology_rows()[16] == [16, 0, 0, 0]


def test_default_distances_same_socket_11() -> None:
    m = synth(sockets=2, numaNodesPerSocket=2, coresPerNUMANode=1, threadsPerCore=1)
    assert m.numa_distances[0] == (10, 11, 21, 21)


def test_uncore_groups_are_consecutive_and_global() -> None:
    m = synth(sockets=2, coresPerNUMANode=8, threadsPerCore=2, uncoreCachesPerNUMANode=4)
    assert m.uncore_ids == tuple(range(8))
    assert format_cpuset(m.uncore_cpus[0]) == "0-1,16-17"
    assert format_cpuset(m.uncore_cpus[5]) == "10-11,26-27"


def test_one_uncore_per_numa_node_is_the_numa_node() -> None:
    # the synthetic form describes the CPU manager's view: every core carries its L3 group, one
    # group per NUMA node included (the kubelet oracle's MachineInfo; issue 14). A captured L3 that
    # spans exactly a NUMA node is cAdvisor's node cache (socket id): that is the sysfs form's job.
    m = synth(sockets=2, numaNodesPerSocket=2, coresPerNUMANode=2, threadsPerCore=1)
    assert [c.uncore for c in m.cpus] == [c.numa for c in m.cpus]


def test_memory_hugepages_distances_devices() -> None:
    m = synth(
        sockets=2, coresPerNUMANode=2, threadsPerCore=1, memoryPerNUMANode="32Gi",
        hugepages2MiPerNUMANode="1Gi", hugepages1GiPerNUMANode=2 * GI, numaDistances=[[10, 32], [32, 10]],
        devices=[{"resource": "nvidia.com/gpu", "numaNode": 1, "count": 2},
                 {"resource": "example.com/nic", "numaNode": None, "count": 1}],
    )  # fmt: skip
    assert m.numa_node[1].memory == 32 * GI
    assert m.numa_node[1].hugepages == ((2 * MI, 512), (GI, 2))
    assert m.numa_node[0].hugepage_bytes(2 * MI) == GI
    assert m.distance(0, 1) == 32
    assert m.devices == (DeviceGroup("nvidia.com/gpu", 1, 2), DeviceGroup("example.com/nic", None, 1))


def test_node_level_devices_apply_to_synthetic() -> None:
    m = build_machine({"machine": {"coresPerNUMANode": 2, "threadsPerCore": 1},
                       "devices": [{"resource": "r", "numaNode": 0, "count": 1}]})  # fmt: skip
    assert m.devices == (DeviceGroup("r", 0, 1),)


# ----- explicit table --------------------------------------------------------------------------
def test_explicit_table_rows_and_defaults() -> None:
    m = build_machine(
        {
            "cpus": [
                {"cpu": 0, "core": 0, "socket": 0, "numa": 0, "uncore": 3},
                [1, 1, 1, 1],
                [2, 0, 0, 0, 3],
                {"cpu": 3, "core": 1, "socket": 1, "numa": 1},
            ],
            "numaNodes": [
                {"id": 0, "memory": "8Gi", "hugepages": {"2Mi": "64Mi", "1Gi": 0}},
                {"id": 1},
                {"id": 2, "memory": "96Gi"},
            ],
            "numaDistances": [[10, 20, 40], [20, 10, 40], [40, 40, 10]],
        }
    )
    assert [c.uncore for c in m.cpus] == [3, 1, 3, 1]  # no uncore given: the socket
    assert m.sibling_cpus(0) == mask([0, 2])
    assert m.numa_node[0].hugepages == ((2 * MI, 32), (GI, 0))
    assert m.numa_node[1].memory == 64 * GI
    assert m.numa_cpus[2] == 0 and m.numa_node[2].memory == 96 * GI
    assert m.distance(2, 0) == 40


def test_explicit_table_without_numa_nodes() -> None:
    m = build_machine({"cpus": [[0, 0, 0, 0], [1, 1, 0, 1]]})
    assert m.numa_ids == (0, 1) and m.numa_node[1].memory == 64 * GI


@given(
    sockets=st.integers(1, 3),
    nps=st.integers(1, 3),
    cores=st.sampled_from([1, 2, 4, 6]),
    threads=st.integers(1, 4),
    uncore=st.sampled_from([1, 2]),
    huge=st.integers(0, 4),
)
def test_synthetic_invariants_and_round_trip(
    sockets: int, nps: int, cores: int, threads: int, uncore: int, huge: int
) -> None:
    if cores % uncore:
        uncore = 1
    m = synth(sockets=sockets, numaNodesPerSocket=nps, coresPerNUMANode=cores, threadsPerCore=threads,
              uncoreCachesPerNUMANode=uncore, hugepages2MiPerNUMANode=huge * 2 * MI)  # fmt: skip
    total = sockets * nps * cores
    assert m.num_cpus == total * threads and m.all_cpus == (1 << m.num_cpus) - 1
    assert m.num_cores == total and m.cpus_per_core == threads
    for core, cset in m.core_cpus.items():
        assert core == min(cpus(cset)) and cset.bit_count() == threads
    numa_union = 0
    for cset in m.numa_cpus.values():
        assert cset & numa_union == 0
        numa_union |= cset
    assert numa_union == m.all_cpus
    assert m.num_uncore_caches == sockets * nps * uncore
    assert build_machine(machine_to_dict(m)) == m


# ----- errors ------------------------------------------------------------------------------------
BASE = {"sockets": 2, "coresPerNUMANode": 8, "threadsPerCore": 2}

ERROR_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "cores zero",
        {"machine": {**BASE, "coresPerNUMANode": 0}},
        "machine.coresPerNUMANode",
        "positive integer",
    ),
    (
        "cores missing",
        {"machine": {"sockets": 1, "threadsPerCore": 1}},
        "machine.coresPerNUMANode",
        "required",
    ),
    ("threads string", {"machine": {**BASE, "threadsPerCore": "2"}}, "machine.threadsPerCore", "integer"),
    ("threads float", {"machine": {**BASE, "threadsPerCore": 2.0}}, "machine.threadsPerCore", "integer"),
    ("threads bool", {"machine": {**BASE, "threadsPerCore": True}}, "machine.threadsPerCore", "integer"),
    ("sockets negative", {"machine": {**BASE, "sockets": -1}}, "machine.sockets", "positive integer"),
    (
        "too many NUMA",
        {"machine": {**BASE, "sockets": 9, "numaNodesPerSocket": 8}},
        "machine.numaNodesPerSocket",
        "more than 64",
    ),
    (
        "uncore not dividing",
        {"machine": {**BASE, "uncoreCachesPerNUMANode": 3}},
        "machine.uncoreCachesPerNUMANode",
        "equal",
    ),
    (
        "memory negative",
        {"machine": {**BASE, "memoryPerNUMANode": "-1Gi"}},
        "machine.memoryPerNUMANode",
        "negative",
    ),
    (
        "memory garbage",
        {"machine": {**BASE, "memoryPerNUMANode": "lots"}},
        "machine.memoryPerNUMANode",
        "not a valid quantity",
    ),
    (
        "memory fractional",
        {"machine": {**BASE, "memoryPerNUMANode": "0.5"}},
        "machine.memoryPerNUMANode",
        "whole number",
    ),
    (
        "hugepages 2Mi odd",
        {"machine": {**BASE, "hugepages2MiPerNUMANode": "3Mi"}},
        "machine.hugepages2MiPerNUMANode",
        "multiple",
    ),
    (
        "hugepages 1Gi odd",
        {"machine": {**BASE, "hugepages1GiPerNUMANode": "1536Mi"}},
        "machine.hugepages1GiPerNUMANode",
        "multiple",
    ),
    (
        "hugepages exceed memory",
        {"machine": {**BASE, "memoryPerNUMANode": "1Gi", "hugepages1GiPerNUMANode": "2Gi"}},
        "machine.memoryPerNUMANode",
        "less than the hugepages",
    ),
    ("distances wrong size", {"machine": {**BASE, "numaDistances": [[10]]}}, "machine.numaDistances", "2x2"),
    (
        "distances short row",
        {"machine": {**BASE, "numaDistances": [[10, 21], [21]]}},
        "machine.numaDistances[1]",
        "row of 2",
    ),
    (
        "distances asymmetric",
        {"machine": {**BASE, "numaDistances": [[10, 21], [20, 10]]}},
        "machine.numaDistances[0][1]",
        "symmetric",
    ),
    (
        "distances non-positive",
        {"machine": {**BASE, "numaDistances": [[10, 0], [0, 10]]}},
        "machine.numaDistances[0][1]",
        "positive",
    ),
    ("unknown field", {"machine": {**BASE, "cores": 3}}, "machine.cores", "unknown field"),
    (
        "device on missing NUMA",
        {"machine": {**BASE, "devices": [{"resource": "r", "numaNode": 5, "count": 1}]}},
        "machine.devices[0].numaNode",
        "no NUMA node 5",
    ),
    (
        "device count zero",
        {"machine": {**BASE, "devices": [{"resource": "r", "numaNode": 0, "count": 0}]}},
        "machine.devices[0].count",
        "positive",
    ),
    ("two forms", {"machine": BASE, "preset": "laptop-8c16t"}, "preset", "exactly one"),
    ("no form", {"name": "n"}, "machine", "exactly one"),
    ("machine not a map", {"machine": [1]}, "machine", "expected an object"),
    ("duplicate CPU", {"cpus": [[0, 0, 0, 0], [0, 1, 0, 0]]}, "cpus[1]", "duplicate CPU id 0"),
    ("negative core", {"cpus": [{"cpu": 0, "core": -1, "socket": 0, "numa": 0}]}, "cpus[0].core", "negative"),
    ("NUMA id 64", {"cpus": [[0, 0, 0, 64]]}, "cpus[0][3]", "below 64"),
    ("core on two sockets", {"cpus": [[0, 0, 0, 0], [1, 0, 1, 0]]}, "cpus[1]", "core 0"),
    ("row missing key", {"cpus": [{"cpu": 0, "core": 0, "socket": 0}]}, "cpus[0].numa", "required"),
    ("row bad shape", {"cpus": [[0, 0]]}, "cpus[0]", "expected"),
    ("empty table", {"cpus": []}, "cpus", "non-empty"),
    (
        "CPU on unlisted NUMA",
        {"cpus": [[0, 0, 0, 0], [1, 1, 0, 1]], "numaNodes": [{"id": 0}]},
        "cpus[1]",
        "not listed",
    ),
    (
        "duplicate NUMA id",
        {"cpus": [[0, 0, 0, 0]], "numaNodes": [{"id": 0}, {"id": 0}]},
        "numaNodes[1].id",
        "duplicate",
    ),
    (
        "NUMA id too large",
        {"cpus": [[0, 0, 0, 0]], "numaNodes": [{"id": 0}, {"id": 64}]},
        "numaNodes[1].id",
        "between 0 and 63",
    ),
    (
        "table hugepages odd",
        {"cpus": [[0, 0, 0, 0]], "numaNodes": [{"id": 0, "hugepages": {"2Mi": "3Mi"}}]},
        "numaNodes[0].hugepages.2Mi",
        "multiple",
    ),
    (
        "table distances size",
        {"cpus": [[0, 0, 0, 0]], "numaDistances": [[10, 20], [20, 10]]},
        "numaDistances",
        "1x1",
    ),
    ("numaNodes with synthetic", {"machine": BASE, "numaNodes": []}, "numaNodes", "explicit cpus table"),
    ("sysfs path unresolved", {"sysfs": "/sys"}, "sysfs", "io layer"),
    ("unknown preset", {"preset": "cray-1"}, "preset", "unknown preset"),
    (
        "preset with shape override",
        {"machine": {"preset": "laptop-8c16t", "sockets": 2}},
        "machine.sockets",
        "not allowed",
    ),
    (
        "preset override bad hugepages",
        {"machine": {"preset": "laptop-8c16t", "hugepages1GiPerNUMANode": "1Mi"}},
        "machine.hugepages1GiPerNUMANode",
        "multiple",
    ),
]


@pytest.mark.parametrize(
    ("node", "field", "message"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_errors_name_the_field(node: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        build_machine(node)
    assert err.value.field == field
    assert message in err.value.message


def test_error_rendering_under_node() -> None:
    with pytest.raises(InputError) as err:
        build_machine({"machine": {**BASE, "coresPerNUMANode": 0}})
    assert str(err.value.under("node")) == "node.machine.coresPerNUMANode: must be a positive integer"


# ----- other forms -----------------------------------------------------------------------------
def test_preset_forms_and_overrides() -> None:
    plain = build_machine({"preset": "laptop-8c16t"})
    assert plain.name == "laptop-8c16t" and plain.num_cpus == 16
    tuned = build_machine(
        {"machine": {"preset": "laptop-8c16t", "memoryPerNUMANode": "16Gi", "hugepages2MiPerNUMANode": "1Gi",
                     "devices": [{"resource": "r", "numaNode": 0, "count": 1}]}}
    )  # fmt: skip
    assert tuned.cpus == plain.cpus
    assert tuned.numa_node[0].memory == 16 * GI and tuned.numa_node[0].hugepages == ((2 * MI, 512), (GI, 0))
    assert tuned.devices == (DeviceGroup("r", 0, 1),)
    with_devices = build_machine(
        {"preset": "laptop-8c16t", "devices": [{"resource": "r", "numaNode": 0, "count": 2}]}
    )
    assert with_devices.devices == (DeviceGroup("r", 0, 2),)


def test_sysfs_form_takes_a_loaded_machine() -> None:
    m = synth(coresPerNUMANode=2, threadsPerCore=1)
    assert build_machine({"sysfs": m}) is m


def test_machine_to_dict_shape() -> None:
    m = synth(sockets=1, coresPerNUMANode=1, threadsPerCore=2, hugepages2MiPerNUMANode="4Mi",
              devices=[{"resource": "r", "numaNode": 0, "count": 1}])  # fmt: skip
    assert machine_to_dict(m) == {
        "cpus": [
            {"cpu": 0, "core": 0, "socket": 0, "numa": 0, "uncore": 0},
            {"cpu": 1, "core": 0, "socket": 0, "numa": 0, "uncore": 0},
        ],
        "numaNodes": [{"id": 0, "memory": "64Gi", "hugepages": {"2Mi": "4Mi", "1Gi": 0}}],
        "devices": [{"resource": "r", "numaNode": 0, "count": 1}],
    }
