"""``podfit compare``: one workload under the per-container and the pod-level models."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

__all__ = ["command"]

EPILOG = """
\b
Examples:
  podfit compare examples/compare-database-fleet.yaml --fill
  podfit compare examples/compare-database-fleet.yaml --scope container -o json
  podfit compare --preset epyc-7742-2s-nps4 --kubelet-config kubelet.yaml -f db.yaml --fill

\b
Models: per-container (pre-1.36: every container Guaranteed with whole CPUs, sidecars >= 1 CPU),
pod-level in pod scope, pod-level in container scope, and pod-level under each topology policy
(none, best-effort, restricted, single-numa-node) in --scope. See docs/compare.md.
"""


@click.command("compare", epilog=EPILOG)
@click.argument("scenario", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--machine", type=click.Path(path_type=Path, dir_okay=False), help="Machine description file.")
@click.option("--preset", help="A named machine preset instead of --machine (see `podfit presets`).")
@click.option(
    "--kubelet-config", type=click.Path(path_type=Path, dir_okay=False), help="KubeletConfiguration."
)
@click.option(
    "-f",
    "--filename",
    "pod_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Pod manifest file(s). Repeatable.",
)
@click.option(
    "--fill",
    is_flag=True,
    help="After the workload, add copies of each pod until the first rejection; report the pods that fit.",
)
@click.option(
    "--scope",
    type=click.Choice(["pod", "container"]),
    help="Scope of the per-topology-policy rows (default: the configured topologyManagerScope).",
)
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True)
def command(
    scenario: Path | None,
    machine: Path | None,
    preset: str | None,
    kubelet_config: Path | None,
    pod_files: tuple[Path, ...],
    fill: bool,
    scope: str | None,
    output: str,
) -> None:
    """Run the same workload under the per-container (pre-1.36) model and the pod-level models
    (KEP-5526), and show the cores saved and the extra pods that fit."""
    from podfit.compare.run import compare
    from podfit.io.scenario import load_default_scenario, load_scenario, scenario_from_parts
    from podfit.report.compare_table import comparison_to_json, dumps_comparison, render_comparison

    parts = machine or preset or kubelet_config or pod_files
    if scenario is not None and parts:
        raise click.UsageError("give a SCENARIO file or --machine/--preset/--kubelet-config/-f, not both")
    if scenario is not None:
        loaded = load_scenario(scenario)
    elif parts:
        loaded = scenario_from_parts(
            machine=machine, preset=preset, kubelet_config=kubelet_config, pod_files=pod_files
        )
    else:
        loaded = load_default_scenario()
    result = compare(loaded, scope=scope, fill=fill)
    if output == "json":
        click.echo(dumps_comparison(comparison_to_json(result)))
    else:
        render_comparison(result, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
