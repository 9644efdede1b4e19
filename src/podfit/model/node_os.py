"""The node's operating-system facts the kubelet's cgroup code reads (a scenario's ``node.os``).

``cgroup_version``: 2 on the unified hierarchy (``libcontainercgroups.IsCgroup2UnifiedMode``), else
1. ``kernel_version``: ``uname -r`` as the kubelet parses it (``pkg/util/kernel GetVersion``), used
only for the Memory QoS start-up warning; ``None`` = unknown. ``page_size``: the kernel's base page
size (``os.Getpagesize()``, read once by the kubelet: ``defaultPageSize``), which rounds
``memory.high``. ``hugepage_sizes``: the host's hugepage sizes in bytes
(``libcontainercgroups.HugePageSizes``): one ``hugetlb.<size>.max`` file each. ``swap_controller``:
the swap controller is available (``memory.swap.max`` files exist), so containers get
``memory.swap.max``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NodeOS", "parse_kernel_version"]

_MI = 1 << 20
_GI = 1 << 30


@dataclass(frozen=True, slots=True)
class NodeOS:
    cgroup_version: int = 2
    kernel_version: str | None = None
    page_size: int = 4096
    hugepage_sizes: tuple[int, ...] = (2 * _MI, _GI)
    swap_controller: bool = True

    @property
    def cgroup_v2(self) -> bool:
        return self.cgroup_version == 2


def parse_kernel_version(text: str) -> tuple[int, ...] | None:
    """The leading numeric parts of a kernel release (``5.8.0-63-generic`` -> (5, 8, 0)), or
    ``None`` when it does not start with a number.

    Mirrors: k8s.io/apimachinery/pkg/util/version ParseGeneric, as pkg/util/kernel GetVersion uses it
    """
    parts: list[int] = []
    for piece in text.strip().split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts) if len(parts) >= 2 else None
