"""``podfit explain``: why one pod of a scenario landed where it did, or why it was rejected."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit explain examples/explain-topology-affinity.yaml --pod default/big-db
  podfit explain examples/explain-smt-alignment.yaml --pod default/three-cpus -o json
  podfit explain --preset laptop-8c16t --kubelet-config kubelet.yaml -f pods.yaml --pod default/app
"""


@click.command("explain", epilog=EXAMPLES)
@click.argument("scenario", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--pod", "pod", required=True, help="The pod to explain: namespace/name (or a unique name, or a uid)."
)
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
    help="Pod manifest file(s); multi-document YAML and kind: List accepted. Repeatable.",
)
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-suggestions", is_flag=True, help="Skip the (verified) suggestions for a rejected pod.")
def command(
    scenario: Path | None,
    pod: str,
    machine: Path | None,
    preset: str | None,
    kubelet_config: Path | None,
    pod_files: tuple[Path, ...],
    output: str,
    no_suggestions: bool,
) -> None:
    """Explain one pod: each hint provider's hints, the merged hint and the rule that chose it, the
    CPUs taken in order and why, the memory NUMA choice; for a rejection the concrete shortfall and
    the changes that would admit it (each verified by re-running the engine)."""
    from podfit.errors import InputError
    from podfit.explain import explain, explanation_to_json
    from podfit.io.scenario import load_default_scenario, load_scenario, scenario_from_parts
    from podfit.report.explain_text import render_explanation

    if not pod.strip():
        raise InputError("--pod", "expected namespace/name")
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
    explanation = explain(loaded, pod.strip(), suggestions=not no_suggestions)
    if output == "json":
        click.echo(json.dumps(explanation_to_json(explanation), indent=2))
    else:
        render_explanation(explanation, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
