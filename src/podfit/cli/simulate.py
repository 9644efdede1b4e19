"""``podfit simulate``: run a scenario through the node and show what the kubelet decides."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from podfit.cli.option_checks import CheckedCommand
from podfit.cli.options import echo_warnings, scenario_input

if TYPE_CHECKING:
    from podfit.kubelet.simulation import SimulationResult
    from podfit.model.scenario import Scenario

EXAMPLES_SIMULATE = """
\b
Examples:
  podfit simulate                                  # the built-in default scenario
  podfit simulate examples/cpu-static-qos-classes.yaml --output json   # a scenario file, JSON contract
  podfit simulate -f deployment.yaml --preset xeon-gold-6230-2s -o wide   # one line per pod
  podfit simulate --preset xeon-gold-6230-2s --kubelet-config kubelet.yaml -f pod.yaml
  podfit simulate --html page.html --metrics metrics.prom --checkpoint-dir state/
"""


@click.command("simulate", cls=CheckedCommand, epilog=EXAMPLES_SIMULATE)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "wide", "json", "yaml"]),
    default="table",
    show_default=True,
    help="table: a panel per step; wide: one line per step (pod, QoS, result, NUMA, CPUs, memory "
    "per NUMA node); json / yaml: the result contract (docs/scenario-format.md).",
)
@click.option(
    "--metrics",
    "metrics_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the kubelet's resource-manager metrics after the last event to FILE "
    "(Prometheus text format; empty when the kubelet refuses to start).",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the node's CPU map as a self-contained HTML page (see `podfit render`).",
)
@click.option(
    "--restore-from",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Start the kubelet from the cpu_manager_state / memory_manager_state files in DIR, read as "
    "the scenario's release reads them (--kubelet-version): a restart; the scenario's pods are the "
    "running pods, admitted again in order; a file the release cannot restore is its refusal.",
)
@click.option(
    "--checkpoint-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write cpu_manager_state and memory_manager_state after the last event into DIR, as the "
    "release running then writes them.",
)
@scenario_input
def command(
    loaded: Scenario,
    output: str,
    metrics_file: Path | None,
    html_file: Path | None,
    restore_from: Path | None,
    checkpoint_dir: Path | None,
) -> None:
    """Run a scenario through the node and show what the kubelet decides for each pod."""
    from podfit.report.json_result import dumps_result, result_to_json
    from podfit.report.table import render_table

    result = _run(loaded, restore_from)
    if checkpoint_dir is not None and result.node is not None:
        from podfit.io.checkpoints import write_checkpoints

        for path in write_checkpoints(checkpoint_dir, result.node, result.node.release):
            click.echo(f"wrote {path.resolve()}", err=True)
    if metrics_file is not None:
        from podfit.report.prometheus import render_text

        text = "" if result.metrics is None else render_text(result.metrics)
        metrics_file.write_text(text, encoding="utf-8")
    doc = result_to_json(result)
    if output == "json":
        click.echo(dumps_result(doc))
    elif output == "yaml":
        from podfit.io.yaml_out import safe_dump

        click.echo(safe_dump(doc, sort_keys=False, default_flow_style=None, width=120), nl=False)
    elif output == "wide":
        from podfit.report.wide import render_wide

        click.echo(render_wide(result), nl=False)
    else:
        render_table(result, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
    if html_file is not None:
        from podfit.report.rejections import rejection_shortfalls
        from podfit.report.render_html import render_html

        # what the rejected pods lacked (not from restored states: the replay starts empty)
        lacked = rejection_shortfalls(loaded, result) if restore_from is None else None
        html_file.parent.mkdir(parents=True, exist_ok=True)
        html_file.write_text(render_html(doc, loaded.machine, shortfalls=lacked), encoding="utf-8")
        click.echo(f"CPU map: {html_file.resolve()}", err=output in ("json", "yaml"))
    echo_warnings(result.warnings[len(loaded.warnings) :])  # the scenario's were printed at load


def _run(loaded: Scenario, restore_from: Path | None) -> SimulationResult:
    from podfit.kubelet.simulation import SimulationResult, simulate

    if restore_from is None:
        return simulate(loaded)
    from podfit.io.checkpoints import restore_from as restore
    from podfit.kubelet.startup import kubelet_refusal
    from podfit.model.admission import ConfigRefusal

    config, version = loaded.kubelet_config, loaded.kubelet_version
    # the managers are built (and may refuse) before their Start reads the files
    refusal = kubelet_refusal(config, loaded.machine)
    if refusal is not None:
        return SimulationResult(
            loaded.name,
            loaded.node_name,
            loaded.machine,
            0,
            0,
            refusal,
            (),
            kubelet_version=version,
            warnings=loaded.warnings,
        )
    restored, files = restore(restore_from, config, version, devices_listed=bool(loaded.machine.devices))
    if isinstance(restored, ConfigRefusal):
        return SimulationResult(
            loaded.name,
            loaded.node_name,
            loaded.machine,
            0,
            0,
            restored,
            (),
            kubelet_version=version,
            restored_files=files,
            warnings=loaded.warnings,
        )
    return simulate(loaded, restored=restored, files=files)
