"""The ``podfit`` command line.

Exit codes: 0 the scenario ran (rejections and a kubelet that refuses to start are results);
2 invalid input (one line on stderr naming the file and field); 1 an internal error (a bug).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import click
import yaml
from rich.console import Console

from podfit import __version__
from podfit.cli.options import scenario_input
from podfit.errors import InputError

if TYPE_CHECKING:
    from podfit.model.scenario import Scenario
    from podfit.node.simulation import SimulationResult

EXAMPLES_SIMULATE = """
\b
Examples:
  podfit simulate                                  # the built-in default scenario
  podfit simulate examples/cpu-static-qos-classes.yaml --output json   # a scenario file, JSON contract
  podfit simulate --preset xeon-gold-6230-2s --kubelet-config kubelet.yaml -f pod.yaml
  podfit simulate --html page.html --metrics metrics.prom --checkpoint-dir state/
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podfit")
def cli() -> None:
    """Where does my pod land on this node, and why? A kubelet-exact simulator of the
    Topology, CPU and Memory Managers (v1.36, including pod-level resource managers)."""


@cli.command(epilog=EXAMPLES_SIMULATE)
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True)
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
    type=click.Path(path_type=Path, file_okay=False),
    help="Start the kubelet from the cpu_manager_state / memory_manager_state files in DIR "
    "(a restart: a file it cannot restore is reported as the kubelet's refusal).",
)
@click.option(
    "--checkpoint-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write cpu_manager_state and memory_manager_state after the last event into DIR.",
)
@scenario_input
def simulate(
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

        for path in write_checkpoints(checkpoint_dir, result.node):
            click.echo(f"wrote {path.resolve()}", err=True)
    if metrics_file is not None:
        from podfit.report.prometheus import render_text

        text = "" if result.metrics is None else render_text(result.metrics)
        metrics_file.write_text(text, encoding="utf-8")
    doc = result_to_json(result)
    if output == "json":
        click.echo(dumps_result(doc))
    else:
        render_table(result, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
    if html_file is not None:
        from podfit.report.render_html import render_html

        html_file.parent.mkdir(parents=True, exist_ok=True)
        html_file.write_text(render_html(doc, loaded.machine), encoding="utf-8")
        click.echo(f"CPU map: {html_file.resolve()}", err=output == "json")


def _run(loaded: Scenario, restore_from: Path | None) -> SimulationResult:
    from podfit.node.simulation import SimulationResult, simulate

    if restore_from is None:
        return simulate(loaded)
    from podfit.io.checkpoints import restore_from as restore
    from podfit.model.kubelet_config_validation import ConfigRefusal

    restored = restore(restore_from, loaded.kubelet_config)
    if isinstance(restored, ConfigRefusal):
        return SimulationResult(loaded.name, loaded.node_name, loaded.machine, 0, 0, restored, ())
    return simulate(loaded, restored=restored)


@cli.command("capture-machine", epilog="\b\nExample:\n  podfit capture-machine -o node.yaml")
@click.option("--sysfs", "root", default="/sys", show_default=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", "out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
def capture_machine(root: Path, out: Path | None) -> None:
    """Capture this machine's CPU/NUMA topology from sysfs as a scenario-ready `node:` section."""
    from podfit.io.sysfs import capture_machine as capture

    text = yaml.safe_dump({"node": capture(root)}, sort_keys=False, default_flow_style=None)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


@cli.command(epilog="\b\nExample:\n  podfit presets")
def presets() -> None:
    """List the named machine presets."""
    from podfit.model.presets import PRESETS

    for name, preset in sorted(PRESETS.items()):
        click.echo(f"{name:32} {preset.description}")


# Sub-commands living in their own modules: ``podfit.cli.<name>`` exposes a click ``command``.
_COMMAND_MODULES = ("explain", "compare", "render", "fleet")


def _register_commands() -> None:
    import importlib
    import importlib.util

    for name in _COMMAND_MODULES:
        module_name = f"podfit.cli.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        cli.add_command(module.command)


_register_commands()


def _fail(message: str, code: int) -> int:
    click.echo(f"podfit: error: {message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point: every error is one line on stderr."""
    try:
        cli.main(args=argv, prog_name="podfit", standalone_mode=False)
    except InputError as exc:
        return _fail(" ".join(str(exc).split()), 2)
    except click.UsageError as exc:
        return _fail(" ".join(exc.format_message().split()), 2)
    except click.exceptions.Abort:
        return _fail("aborted", 130)
    except click.ClickException as exc:
        return _fail(" ".join(exc.format_message().split()), exc.exit_code)
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("PODFIT_DEBUG"):
            traceback.print_exc()
        return _fail(f"internal error: {type(exc).__name__}: {exc} (set PODFIT_DEBUG=1 for a traceback)", 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
