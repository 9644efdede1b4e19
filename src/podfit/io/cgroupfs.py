"""Writing a cgroup tree into a directory (``podfit cgroups --apply-to DIR``): one directory per
cgroup (its path below the cgroup mount, under DIR), one file per value (the value and a newline).

A dry run (the default) lists what would be done and writes nothing. A directory that is, or lies
under, a mounted cgroup file system (``/proc/self/mountinfo``: ``cgroup2`` / ``cgroup``) or ``/sys``
is refused: this is for a scratch tree, never the host's cgroups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from podfit.errors import InputError
from podfit.kubelet.cgroup_tree import CgroupTree

__all__ = ["ApplyAction", "apply_tree", "cgroup_mounts", "check_target"]

_MOUNTINFO = Path("/proc/self/mountinfo")


@dataclass(frozen=True, slots=True)
class ApplyAction:
    kind: str  # mkdir | write
    path: Path
    value: str | None = None

    def describe(self) -> str:
        if self.kind == "mkdir":
            return f"mkdir -p {self.path}"
        return f"write {self.path} = {self.value}"


def cgroup_mounts(mountinfo: str | None = None) -> list[Path]:
    """Mount points of cgroup / cgroup2 file systems (from ``/proc/self/mountinfo``)."""
    if mountinfo is None:
        try:
            mountinfo = _MOUNTINFO.read_text(encoding="utf-8")
        except OSError:
            return []
    out = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields = left.split()
        fstype = right.split()[0] if right.split() else ""
        if len(fields) >= 5 and fstype in ("cgroup", "cgroup2"):
            out.append(Path(fields[4].replace("\\040", " ")))
    return out


def _within(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def check_target(root: Path, mounts: Iterable[Path] | None = None) -> Path:
    """The resolved target directory, or an InputError when it is a real cgroup tree or /sys."""
    resolved = root.expanduser().resolve()
    if _within(resolved, Path("/sys")):
        raise InputError(
            "--apply-to", f"{resolved} is under /sys: podfit writes only into a scratch directory"
        )
    for mount in cgroup_mounts() if mounts is None else mounts:
        if _within(resolved, mount.resolve()):
            raise InputError(
                "--apply-to", f"{resolved} is on a mounted cgroup file system ({mount}): refused"
            )
    if resolved.exists() and not resolved.is_dir():
        raise InputError("--apply-to", f"{resolved} is not a directory")
    return resolved


def apply_tree(
    tree: CgroupTree, root: Path, *, write: bool = False, mounts: Iterable[Path] | None = None
) -> list[ApplyAction]:
    """The actions that lay ``tree`` out under ``root`` (performed only with ``write``)."""
    target = check_target(root, mounts)
    actions: list[ApplyAction] = []
    for node in tree.nodes:
        directory = target / tree.path(node).lstrip("/")
        actions.append(ApplyAction("mkdir", directory))
        for name, value in node.files:
            actions.append(ApplyAction("write", directory / name, value))
    if write:
        for action in actions:
            if action.kind == "mkdir":
                action.path.mkdir(parents=True, exist_ok=True)
            else:
                action.path.write_text(f"{action.value}\n", encoding="utf-8")
    return actions
