"""``podfit cgroups``: the cgroup v2 tree the kubelet (and the runtime) would write on the node."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from podfit.cli.option_checks import CheckedCommand, checks, refuse_given
from podfit.cli.options import scenario_input

if TYPE_CHECKING:
    from podfit.kubelet.cgroup_tree import CgroupTree
    from podfit.model.scenario import Scenario

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit cgroups examples/memory-qos-resize-pod-level.yaml             # after the last event
  podfit cgroups examples/memory-qos-resize-pod-level.yaml --step 2 --driver systemd
  podfit cgroups examples/memory-qos-resize-pod-level.yaml --diff 3..4 # what the resize wrote
  podfit cgroups examples/memory-qos-resize-pod-level.yaml --diff-release 1.37
  podfit cgroups SCENARIO --apply-to /tmp/cg            # dry run: what would be written
  podfit cgroups SCENARIO --apply-to /tmp/cg --write    # write the files (never the host's cgroups)
"""


def _tree(loaded: Scenario, step: int | None, driver: str | None, runtime: str, weight: str) -> CgroupTree:
    from podfit.errors import InputError
    from podfit.kubelet.cgroup_view import node_cgroup_tree
    from podfit.kubelet.simulation import simulate

    events = loaded.events
    if step is not None:
        if not 0 <= step <= len(events):
            raise InputError("--step", f"{step} is out of range: the scenario has {len(events)} event(s)")
        loaded = replace(loaded, events=events[:step])
    result = simulate(loaded)
    if result.node is None:
        reason = result.error.reason if result.error else "refused"
        message = result.error.message if result.error else ""
        raise InputError("", f"the kubelet refuses to start ({reason}): {message}", loaded.name)
    return node_cgroup_tree(result.node, driver=driver, runtime=runtime, weight_formula=weight)


def _parse_range(text: str) -> tuple[int, int]:
    from podfit.errors import InputError

    a, sep, b = text.partition("..")
    if not sep or not a.strip().isdigit() or not b.strip().isdigit():
        raise InputError("--diff", f'expected STEP..STEP (e.g. "3..4"), got "{text}"')
    return int(a), int(b)


def _check(p: dict[str, Any]) -> None:
    if p["diff_steps"]:
        refuse_given(("step",), "belongs to the tree of one step, not to --diff A..B (its steps are A and B)")
    if p["diff_steps"] or p["diff_release"]:
        refuse_given(("apply_to",), "belongs to the tree of one step, not to --diff/--diff-release")
    if p["apply_to"] is not None and p["output"] != "text":
        refuse_given(("output",), "belongs to the tree, not to --apply-to (it prints what it writes)")


@click.command("cgroups", cls=CheckedCommand, epilog=EXAMPLES)
@click.option("--step", type=int, help="The tree after this many events (default: all; 0: before any).")
@click.option(
    "--driver",
    type=click.Choice(["cgroupfs", "systemd"]),
    help="cgroup driver for the paths [default: the configuration's cgroupDriver].",
)
@click.option(
    "--runtime",
    type=click.Choice(["containerd", "cri-o"]),
    default="containerd",
    show_default=True,
    help="Container runtime (names the container scopes under systemd).",
)
@click.option(
    "--cpu-weight",
    "weight",
    type=click.Choice(["linear", "quadratic"]),
    default="linear",
    show_default=True,
    help="The runtime's shares -> cpu.weight for containers (quadratic: runc >= 1.3.2, crun >= 1.23).",
)
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--diff", "diff_steps", help="Compare the trees after two steps: A..B.")
@click.option("--diff-release", help="Compare with the same scenario under another kubelet release.")
@click.option(
    "--apply-to",
    type=click.Path(path_type=Path, file_okay=False),
    help="Lay the tree out under DIR (a dry run unless --write).",
)
@click.option("--write", is_flag=True, help="With --apply-to: create the directories and files.")
@checks(_check)
@scenario_input
def command(
    loaded: Scenario,
    step: int | None,
    driver: str | None,
    runtime: str,
    weight: str,
    output: str,
    diff_steps: str | None,
    diff_release: str | None,
    apply_to: Path | None,
    write: bool,
) -> None:
    """Show the cgroup v2 tree the kubelet would write: every kubelet-managed cgroup (kubepods, the
    QoS classes, the pods, the reserved cgroups) and every container cgroup, with each file and its
    value (Memory QoS memory.min/low/high included), for the systemd or cgroupfs driver."""
    from podfit.errors import InputError
    from podfit.kubelet.cgroup_tree import diff_trees
    from podfit.report.cgroups_text import diff_to_json, render_diff, render_tree, tree_to_json

    if diff_steps and diff_release:
        raise InputError("--diff", "give --diff or --diff-release, not both")
    if write and apply_to is None:
        raise InputError("--write", "needs --apply-to DIR")
    if diff_steps or diff_release:
        if diff_steps:
            a, b = _parse_range(diff_steps)
            old, new = _tree(loaded, a, driver, runtime, weight), _tree(loaded, b, driver, runtime, weight)
            labels = (f"step {a}", f"step {b}")
        else:
            from podfit.api.scenario import decode_kubelet_version, scenario_for_release

            other = decode_kubelet_version(diff_release, "--diff-release")
            old = _tree(loaded, step, driver, runtime, weight)
            new = _tree(scenario_for_release(loaded, other), step, driver, runtime, weight)
            labels = (loaded.kubelet_version, other)
        changes = diff_trees(old, new)
        if output == "json":
            click.echo(json.dumps(diff_to_json(changes, labels), indent=2))
        else:
            click.echo(render_diff(changes, labels), nl=False)
        return
    tree = _tree(loaded, step, driver, runtime, weight)
    if apply_to is not None:
        from podfit.io.cgroupfs import apply_tree

        actions = apply_tree(tree, apply_to, write=write)
        for action in actions:
            click.echo(action.describe())
        verb = "wrote" if write else "dry run (add --write to write):"
        files = sum(a.kind == "write" for a in actions)
        click.echo(f"{verb} {files} files in {len(tree.nodes)} cgroups", err=True)
        return
    if output == "json":
        click.echo(json.dumps(tree_to_json(tree, loaded.kubelet_version), indent=2))
    else:
        click.echo(render_tree(tree, loaded.kubelet_version), nl=False)
