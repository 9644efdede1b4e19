"""``podfit compare``: one workload under the per-container and the pod-level models."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from rich.console import Console

from podfit.cli.option_checks import CheckedCommand
from podfit.cli.options import scenario_input
from podfit.cli.progress import progress

if TYPE_CHECKING:
    from podfit.model.scenario import Scenario

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


@click.command("compare", cls=CheckedCommand, epilog=EPILOG)
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
@click.option(
    "--output", "-o", type=click.Choice(["table", "json", "yaml"]), default="table", show_default=True
)
@scenario_input
def command(
    loaded: Scenario,
    fill: bool,
    scope: str | None,
    output: str,
) -> None:
    """Run the same workload under the per-container (pre-1.36) model and the pod-level models
    (KEP-5526), and show the cores saved and the extra pods that fit."""
    from podfit.compare.run import compare
    from podfit.compare.variants import models_for
    from podfit.report.compare_table import comparison_to_json, dumps_comparison, render_comparison

    with progress("comparing models", len(models_for(loaded.kubelet_config, scope))) as advance:
        result = compare(loaded, scope=scope, fill=fill, on_model=advance)
    if output == "json":
        click.echo(dumps_comparison(comparison_to_json(result)))
    elif output == "yaml":
        from podfit.io.yaml_out import safe_dump

        click.echo(safe_dump(comparison_to_json(result), sort_keys=False, width=120), nl=False)
    else:
        render_comparison(result, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
