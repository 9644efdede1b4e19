"""cgroup names (cgroupfs / systemd), file rendering, and laying a tree out in a scratch directory
(dry run by default; a real cgroup mount and /sys are refused)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podfit.errors import InputError
from podfit.io.cgroupfs import apply_tree, cgroup_mounts
from podfit.kubelet.cgroup_config import ContainerResources, ResourceConfig, get_cpu_weight
from podfit.kubelet.cgroup_names import (
    expand_slice,
    hugepage_unit_size,
    parse_cgroup_name,
    to_cgroupfs,
    to_systemd,
)
from podfit.kubelet.cgroup_tree import (
    CONTAINER,
    POD,
    CgroupNode,
    CgroupTree,
    container_cpu_weight,
    container_files,
    diff_trees,
    kubelet_files,
)

POD_PARTS = ("kubepods", "burstable", "pod1234-abcd-5678-efgh")


@pytest.mark.parametrize(
    ("name", "cgroupfs", "systemd"),
    [
        ((), "/", "/"),
        (("kubepods",), "/kubepods", "/kubepods.slice"),
        (
            POD_PARTS,
            "/kubepods/burstable/pod1234-abcd-5678-efgh",
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_abcd_5678_efgh.slice",
        ),
    ],
)
def test_names(name: tuple[str, ...], cgroupfs: str, systemd: str) -> None:
    """Mirrors the examples of cm/cgroup_manager_linux.go ToSystemd's documentation."""
    assert to_cgroupfs(name) == cgroupfs
    assert to_systemd(name) == systemd


def test_expand_slice_and_parse() -> None:
    assert expand_slice("-.slice") == "/"
    assert expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice"
    with pytest.raises(ValueError):
        expand_slice("a--b.slice")
    assert parse_cgroup_name("/kube.slice/kube-reserved.slice", "systemd") == ("kube", "reserved")
    assert parse_cgroup_name("/system/kube", "cgroupfs") == ("system", "kube")
    assert parse_cgroup_name("/", "cgroupfs") == ()


def test_hugepage_units() -> None:
    assert [hugepage_unit_size(s) for s in (2 << 20, 1 << 30, 64 << 10, 32 << 20)] == [
        "2MB",
        "1GB",
        "64KB",
        "32MB",
    ]


def test_kubelet_files() -> None:
    rc = ResourceConfig(
        cpu_shares=1024,
        cpu_quota=-1,
        cpu_period=100000,
        memory=-1,
        pids_limit=0,
        hugepage_limits=((2 << 20, 4 << 20),),
        unified=(("memory.min", "5"),),
    )
    files = dict(kubelet_files(rc, (2 << 20, 1 << 30), cgroup_v2=True))
    assert files["cpu.weight"] == "39"
    assert files["cpu.max"] == "max 100000"
    assert files["memory.max"] == "max"
    assert files["pids.max"] == "1"  # libcontainer: 0 -> 1
    assert files["hugetlb.2MB.max"] == str(4 << 20) and files["hugetlb.1GB.max"] == "0"
    assert files["memory.min"] == "5"
    assert "memory.min" not in dict(kubelet_files(rc, (), cgroup_v2=False))  # Unified dropped on v1
    assert "cpu.max" not in dict(kubelet_files(ResourceConfig(cpu_shares=2), (), cgroup_v2=True))


def test_container_files_and_runtime_weights() -> None:
    res = ContainerResources(1024, 0, 100000, 0, (), (("memory.oom.group", "1"),), 3, (0,))
    files = dict(container_files(res, cgroup_v2=True, weight_formula="linear"))
    assert files == {
        "cpu.weight": "39",
        "cpu.max": "max 100000",
        "cpuset.cpus": "0-1",
        "cpuset.mems": "0",
        "memory.oom.group": "1",
    }
    assert container_cpu_weight(1024, "quadratic") == 100
    assert container_cpu_weight(6144, "quadratic") == 421
    assert container_cpu_weight(6144, "linear") == 235
    assert container_cpu_weight(2, "quadratic") == 1
    assert container_cpu_weight(300000, "quadratic") == 10000


@given(st.integers(min_value=2, max_value=400_000), st.integers(min_value=2, max_value=400_000))
def test_cpu_weight_is_monotone_and_bounded(a: int, b: int) -> None:
    lo, hi = min(a, b), max(a, b)
    for formula in ("linear", "quadratic"):
        assert 1 <= container_cpu_weight(lo, formula) <= container_cpu_weight(hi, formula) <= 10000
    assert get_cpu_weight(lo) <= get_cpu_weight(hi)


def _tree(value: str = "1") -> CgroupTree:
    nodes = (
        CgroupNode(("kubepods",), "node", None, (("memory.min", value),)),
        CgroupNode((*POD_PARTS,), POD, "default/p", (("cpu.weight", "39"),)),
        CgroupNode((*POD_PARTS, "app"), CONTAINER, "default/p/app", (("cpu.weight", "39"),), "app"),
    )
    return CgroupTree("systemd", "containerd", nodes)


def test_container_paths() -> None:
    tree = _tree()
    paths = [tree.path(n) for n in tree.nodes]
    assert paths[2].endswith("kubepods-burstable-pod1234_abcd_5678_efgh.slice/cri-containerd-app.scope")
    cgroupfs = CgroupTree("cgroupfs", "cri-o", tree.nodes)
    assert cgroupfs.path(tree.nodes[2]) == "/kubepods/burstable/pod1234-abcd-5678-efgh/app"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "cg"
    actions = apply_tree(_tree(), target, mounts=[])
    assert not target.exists()
    assert [a.kind for a in actions].count("write") == 3
    assert actions[0].describe() == f"mkdir -p {target}/kubepods.slice"


def test_write_lays_out_the_tree(tmp_path: Path) -> None:
    apply_tree(_tree(), tmp_path, write=True, mounts=[])
    assert (tmp_path / "kubepods.slice" / "memory.min").read_text() == "1\n"
    pod = (
        tmp_path
        / "kubepods.slice"
        / "kubepods-burstable.slice"
        / "kubepods-burstable-pod1234_abcd_5678_efgh.slice"
    )
    assert (pod / "cri-containerd-app.scope" / "cpu.weight").read_text() == "39\n"


def test_real_cgroups_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="under /sys"):
        apply_tree(_tree(), Path("/sys/fs/cgroup/podfit"), mounts=[])
    with pytest.raises(InputError, match="mounted cgroup"):
        apply_tree(_tree(), tmp_path / "x", write=True, mounts=[tmp_path])
    assert not (tmp_path / "x").exists()


def test_mountinfo_parsing() -> None:
    text = (
        "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
        "36 24 0:31 / /mnt/my\\040dir rw - cgroup cgroup rw,cpu\n"
        "37 24 0:32 / /tmp rw - tmpfs tmpfs rw\n"
    )
    assert cgroup_mounts(text) == [Path("/sys/fs/cgroup"), Path("/mnt/my dir")]


def test_diff() -> None:
    changes = diff_trees(_tree("1"), _tree("2"))
    assert [(c.file, c.old, c.new) for c in changes] == [("memory.min", "1", "2")]
    empty = CgroupTree("systemd", "containerd", ())
    assert all(c.new is None for c in diff_trees(_tree(), empty))
