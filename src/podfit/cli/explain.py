"""``podfit explain``: why one pod of a scenario landed where it did, or why it was rejected."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click
from rich.console import Console

from podfit.cli.option_checks import CheckedCommand
from podfit.cli.options import scenario_input
from podfit.cli.progress import spinner

if TYPE_CHECKING:
    from podfit.model.scenario import Scenario

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit explain examples/explain-topology-affinity.yaml --pod default/big-db
  podfit explain examples/explain-smt-alignment.yaml --pod default/three-cpus -o json
  podfit explain --preset laptop-8c16t --kubelet-config kubelet.yaml -f pods.yaml --pod default/app
  podfit explain examples/memory-qos-resize-pod-level.yaml --pod default/orders-db-0 --resize
"""


@click.command("explain", cls=CheckedCommand, epilog=EXAMPLES)
@click.option(
    "--pod", "pod", required=True, help="The pod to explain: namespace/name (or a unique name, or a uid)."
)
@click.option(
    "--output", "-o", type=click.Choice(["text", "json", "yaml"]), default="text", show_default=True
)
@click.option("--no-suggestions", is_flag=True, help="Skip the (verified) suggestions for a rejected pod.")
@click.option("--resize", is_flag=True, help="Explain the pod's in-place resize (its last resize event).")
@click.option("--step", type=int, help="With --resize: the resize event at this event number (1-based).")
@scenario_input
def command(
    loaded: Scenario, pod: str, output: str, no_suggestions: bool, resize: bool, step: int | None
) -> None:
    """Explain one pod: each hint provider's hints, the merged hint and the rule that chose it, the
    CPUs taken in order and why, the memory NUMA choice; for a rejection the concrete shortfall and
    the changes that would admit it (each verified by re-running the engine). With --resize: every
    check of the pod's resize in order, the decisive one, and verified changes."""
    from podfit.errors import InputError
    from podfit.explain import explain, explanation_to_json
    from podfit.report.explain_text import render_explanation

    if not pod.strip():
        raise InputError("--pod", "expected namespace/name")
    if resize or step is not None:
        from podfit.explain.resize import explain_resize
        from podfit.report.resize_text import render_resize_explanation, resize_explanation_json

        found = explain_resize(loaded, pod.strip(), step=step, suggestions=not no_suggestions)
        if output == "json":
            click.echo(json.dumps(resize_explanation_json(found), indent=2))
        elif output == "yaml":  # was printed as text: -o yaml was ignored
            from podfit.io.yaml_out import safe_dump

            click.echo(safe_dump(resize_explanation_json(found), sort_keys=False, width=120), nl=False)
        else:
            render_resize_explanation(
                found, Console(highlight=False, width=None if sys.stdout.isatty() else 120)
            )
        return
    with spinner("tracing the admission and verifying suggestions"):
        explanation = explain(loaded, pod.strip(), suggestions=not no_suggestions)
    if output == "json":
        click.echo(json.dumps(explanation_to_json(explanation), indent=2))
    elif output == "yaml":
        from podfit.io.yaml_out import safe_dump

        click.echo(safe_dump(explanation_to_json(explanation), sort_keys=False, width=120), nl=False)
    else:
        render_explanation(explanation, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
