"""Text and JSON of a cgroup tree and of a diff between two trees (``podfit cgroups``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podfit.kubelet.cgroup_tree import CgroupDiff, CgroupTree

__all__ = ["diff_to_json", "render_diff", "render_tree", "tree_to_json"]


def tree_to_json(tree: CgroupTree, release: str) -> dict[str, Any]:
    return {
        "kubeletVersion": release,
        "driver": tree.driver,
        "runtime": tree.runtime,
        "warnings": list(tree.warnings),
        "cgroups": [
            {
                "path": tree.path(n),
                "kind": n.kind,
                "owner": n.owner,
                "files": dict(n.files),
            }
            for n in tree.nodes
        ],
    }


def render_tree(tree: CgroupTree, release: str) -> str:
    """One block per cgroup, parents first: the path, then ``file = value`` lines."""
    lines = [
        f"# kubelet {release}, cgroup driver {tree.driver}, runtime {tree.runtime} (below /sys/fs/cgroup)"
    ]
    lines.extend(f"# {w}" for w in tree.warnings)
    for node in tree.nodes:
        owner = f"  ({node.kind} {node.owner})" if node.owner else f"  ({node.kind})"
        lines.append("")
        lines.append(tree.path(node) + owner)
        if not node.files:
            lines.append("  (no files written)")
        lines.extend(f"  {name} = {value}" for name, value in node.files)
    return "\n".join(lines) + "\n"


def diff_to_json(changes: Sequence[CgroupDiff], labels: tuple[str, str]) -> dict[str, Any]:
    return {
        "from": labels[0],
        "to": labels[1],
        "changes": [{"path": c.path, "file": c.file, "old": c.old, "new": c.new} for c in changes],
    }


def render_diff(changes: Sequence[CgroupDiff], labels: tuple[str, str]) -> str:
    """``+ added``, ``- removed``, ``~ old -> new`` per path and file."""
    lines = [f"# cgroups: {labels[0]} -> {labels[1]} ({len(changes)} change(s))"]
    current = None
    for c in changes:
        if c.path != current:
            lines.append(c.path)
            current = c.path
        if c.old is None:
            lines.append(f"  + {c.file} = {c.new}")
        elif c.new is None:
            lines.append(f"  - {c.file} = {c.old}")
        else:
            lines.append(f"  ~ {c.file}: {c.old} -> {c.new}")
    return "\n".join(lines) + "\n"
