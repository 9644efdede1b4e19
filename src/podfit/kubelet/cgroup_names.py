"""cgroup names: the kubelet's internal ``CgroupName`` (a list of parts) and its cgroupfs and
systemd spellings; file-name pieces of cgroup v2.

Mirrors: cm/cgroup_manager_linux.go NewCgroupName, CgroupName.ToCgroupfs / ToSystemd,
ParseCgroupfsToCgroupName, ParseSystemdToCgroupName; opencontainers/cgroups/systemd ExpandSlice;
pkg/apis/core/v1/helper HugePageUnitSizeFromByteSize; cm/helpers_linux.go GetPodCgroupNameSuffix.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "SYSTEMD_SUFFIX",
    "expand_slice",
    "hugepage_unit_size",
    "parse_cgroup_name",
    "pod_cgroup_suffix",
    "to_cgroupfs",
    "to_systemd",
]

SYSTEMD_SUFFIX: Final = ".slice"
_UNITS: Final = ("B", "KB", "MB", "GB", "TB", "PB")


def pod_cgroup_suffix(uid: str) -> str:
    """Mirrors: cm/helpers_linux.go GetPodCgroupNameSuffix"""
    return "pod" + uid


def to_cgroupfs(name: tuple[str, ...]) -> str:
    """Mirrors: cm/cgroup_manager_linux.go CgroupName.ToCgroupfs"""
    return "/" + "/".join(p for p in name if p)


def expand_slice(slice_name: str) -> str:
    """``a-b-c.slice`` -> ``/a.slice/a-b.slice/a-b-c.slice`` (``-.slice`` is the root).

    Mirrors: opencontainers/cgroups/systemd ExpandSlice
    """
    if not slice_name.endswith(SYSTEMD_SUFFIX) or "/" in slice_name:
        raise ValueError(f"invalid slice name: {slice_name}")
    stem = slice_name[: -len(SYSTEMD_SUFFIX)]
    if stem == "-":
        return "/"
    path, prefix = "", ""
    for component in stem.split("-"):
        if not component:
            raise ValueError(f"invalid slice name: {slice_name}")
        path += "/" + prefix + component + SYSTEMD_SUFFIX
        prefix += component + "-"
    return path


def to_systemd(name: tuple[str, ...]) -> str:
    """Mirrors: cm/cgroup_manager_linux.go CgroupName.ToSystemd (``-`` in a part becomes ``_``)"""
    parts = [p for p in name if p]
    if not parts:
        return "/"
    return expand_slice("-".join(p.replace("-", "_") for p in parts) + SYSTEMD_SUFFIX)


def parse_cgroup_name(text: str, driver: str) -> tuple[str, ...]:
    """A configured cgroup (``cgroupRoot``, ``kubeReservedCgroup``) as internal parts: systemd
    style (``foo-bar.slice``) with the systemd driver, else a cgroupfs path.

    Mirrors: cm/cgroup_manager_linux.go ParseSystemdToCgroupName / ParseCgroupfsToCgroupName
    """
    if driver == "systemd" and text.endswith(SYSTEMD_SUFFIX):
        base = text.rstrip("/").rsplit("/", 1)[-1][: -len(SYSTEMD_SUFFIX)]
        return tuple(p.replace("_", "-") for p in base.split("-"))
    stripped = text[1:] if text.startswith("/") else text
    return tuple(p for p in stripped.split("/") if p)


def hugepage_unit_size(size: int) -> str:
    """Mirrors: pkg/apis/core/v1/helper/helpers.go HugePageUnitSizeFromByteSize (``2MB``, ``1GB``)"""
    i, value = 0, size
    while value >= 1024 and value % 1024 == 0 and i < len(_UNITS) - 1:
        value //= 1024
        i += 1
    return f"{value}{_UNITS[i]}"
