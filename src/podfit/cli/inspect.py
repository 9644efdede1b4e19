"""``podfit inspect``: the node as it is, from a ``capture-node`` bundle or a directory."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit inspect node-bundle.tar.gz
  podfit inspect node-bundle.tar.gz -o json
  podfit inspect state/ --kubelet-config kubelet.yaml --machine node.yaml   # simulate --checkpoint-dir output
  podfit inspect node-bundle.tar.gz --html node.html
"""


@click.command("inspect", epilog=EXAMPLES)
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--html", "html_file", type=click.Path(path_type=Path, dir_okay=False), help="Write the CPU map page."
)
@click.option(
    "--machine",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Machine file (instead of the bundle's).",
)
@click.option("--preset", help="A machine preset (instead of the bundle's topology).")
@click.option(
    "--pods",
    "pods_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The node's pods (kubectl get pods -A -o json) instead of the bundle's.",
)
@click.option(
    "--kubelet-config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="KubeletConfiguration (or /configz JSON) instead of the bundle's.",
)
def command(
    bundle: Path,
    output: str,
    html_file: Path | None,
    machine: Path | None,
    preset: str | None,
    pods_file: Path | None,
    kubelet_config: Path | None,
) -> None:
    """Show a captured node as it is: the checkpoints checked as the kubelet checks them, whether the
    kubelet would restart on them, each pod's CPUs, budget, shared pool and memory, the CPU map, and
    drift between checkpoints, PodResources and the pod list (deleted pods, missing containers,
    CPUs held by nobody or owned twice, budgets that do not cover their containers)."""
    from podfit.live.inspect import inspect_bundle
    from podfit.live.inspect_report import dumps_inspection, render_inspection, render_inspection_html

    m = _machine(machine, preset)
    config = _config(kubelet_config)
    pods = _pods(pods_file)
    ins = inspect_bundle(bundle, machine=m, config=config, pods=pods)
    if output == "json":
        click.echo(dumps_inspection(ins))
    else:
        render_inspection(ins, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
    if html_file is not None:
        page = render_inspection_html(ins)
        if page is None:
            click.echo("no CPU map: the machine's topology is unknown (give --machine)", err=True)
        else:
            from podfit.io.files import write_atomic

            write_atomic(html_file, page.encode("utf-8"))
            click.echo(f"CPU map: {html_file.resolve()}", err=True)


def _machine(machine: Path | None, preset: str | None):  # type: ignore[no-untyped-def]
    if machine is None and preset is None:
        return None
    from podfit.errors import InputError
    from podfit.io.scenario import _machine_section
    from podfit.model.machine_build import build_machine

    node = {"preset": preset} if machine is None else dict(_machine_section(machine))
    node.pop("name", None)
    try:
        return build_machine(node)
    except InputError as exc:
        raise exc.in_source(str(machine) if machine else "--preset") from None


def _config(path: Path | None):  # type: ignore[no-untyped-def]
    if path is None:
        return None
    from podfit.io.yamlio import load_one
    from podfit.model.kubelet_config import kubelet_config_from_dict

    try:
        return kubelet_config_from_dict(load_one(path, "KubeletConfiguration"))
    except Exception as exc:
        from podfit.errors import InputError

        if isinstance(exc, InputError):
            raise exc.in_source(str(path)) from None
        raise


def _pods(path: Path | None) -> bytes | None:
    if path is None:
        return None
    from podfit.errors import InputError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError("--pods", f"{path}: {exc.strerror or exc}") from None
