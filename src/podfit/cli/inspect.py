"""``podfit inspect``: the node as it is, from a ``capture-node`` bundle or a directory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from podfit.cli.option_checks import CheckedCommand, checks, refuse_given

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit inspect node-bundle.tar.gz
  podfit inspect node-bundle.tar.gz -o json
  podfit inspect state/ --kubelet-config kubelet.yaml --machine node.yaml   # simulate --checkpoint-dir output
  podfit inspect node-bundle.tar.gz --html node.html
  podfit inspect node-bundle.tar.gz --add pod.yaml --explain      # would it be admitted now, and why
  podfit inspect node-bundle.tar.gz --restart --kubelet-config new.yaml   # does the kubelet come back
"""


def _check(p: dict[str, Any]) -> None:
    if p["machine"] is not None and p["preset"] is not None:
        raise click.UsageError("give --machine or --preset, not both")
    if not p["add_files"]:
        refuse_given(("explain",), "belongs to --add (the decision trace of each added pod)")
    if p["add_files"] or p["restart"]:
        refuse_given(("html_file",), "belongs to the report of the node as it is, not to --add/--restart")


@click.command("inspect", cls=CheckedCommand, epilog=EXAMPLES)
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
@click.option(
    "--add",
    "add_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Pod manifest(s): would they be admitted on the node as it is? Repeatable.",
)
@click.option("--explain", is_flag=True, help="With --add: the decision trace of each pod (podfit explain).")
@click.option(
    "--restart",
    is_flag=True,
    help="Would the kubelet come back on this state (with --kubelet-config: with that configuration)?",
)
@click.option(
    "--kubelet-version",
    type=click.Choice(["1.33", "1.34", "1.35", "1.36", "1.37"]),
    default="1.36",
    show_default=True,
    help="The kubelet release that reads the captured files (the bundle does not record it); "
    "with --restart: the release that restarts.",
)
@checks(_check)
def command(
    bundle: Path,
    output: str,
    html_file: Path | None,
    machine: Path | None,
    preset: str | None,
    pods_file: Path | None,
    kubelet_config: Path | None,
    add_files: tuple[Path, ...],
    explain: bool,
    restart: bool,
    kubelet_version: str,
) -> None:
    """Show a captured node as it is: the checkpoints checked as the kubelet checks them, whether the
    kubelet would restart on them, each pod's CPUs, budget, shared pool and memory, the CPU map, and
    drift between checkpoints, PodResources and the pod list (deleted pods, missing containers,
    CPUs held by nobody or owned twice, budgets that do not cover their containers)."""
    from podfit.live.inspect import inspect_bundle
    from podfit.live.inspect_report import dumps_inspection, render_inspection, render_inspection_html

    m = _machine(machine, preset)
    config = _config(kubelet_config, kubelet_version)
    pods = _pods(pods_file)
    if add_files or restart:
        _ask(bundle, m, config, pods, add_files, explain, kubelet_version, output)
        return
    ins = inspect_bundle(bundle, machine=m, config=config, pods=pods, version=kubelet_version)
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
    from podfit.api.machines import build_machine
    from podfit.errors import InputError
    from podfit.io.scenario import _machine_section

    node = {"preset": preset} if machine is None else dict(_machine_section(machine))
    node.pop("name", None)
    try:
        return build_machine(node)
    except InputError as exc:
        raise exc.in_source(str(machine) if machine else "--preset") from None


def _config(path: Path | None, version: str):  # type: ignore[no-untyped-def]
    if path is None:
        return None
    from podfit.api.kubelet_config import kubelet_config_from_dict
    from podfit.cli.options import echo_warnings
    from podfit.io.kubelet_config_file import load_kubelet_config
    from podfit.model.diagnostics import Diagnostic
    from podfit.release.profile import release_profile

    notes: list[str] = []
    found: list[Diagnostic] = []
    try:
        config = kubelet_config_from_dict(
            load_kubelet_config(path, notes, found), release_profile(version), strict=False, warnings=found
        )
        for note in notes:
            click.echo(f"podfit: note: {note}", err=True)
        echo_warnings(w.in_source(str(path)) for w in found)
        return config
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


def _ask(
    bundle: Path,
    machine: object,
    config: object,
    pods: bytes | None,
    add_files: tuple[Path, ...],
    explain: bool,
    version: str,
    output: str,
) -> None:
    """--add / --restart: the question instead of the report."""
    from podfit.errors import InputError
    from podfit.io.yamlio import load_documents
    from podfit.live.bundle import read_bundle
    from podfit.live.inspect_load import load
    from podfit.live.inspect_report import answer_to_json, render_answer
    from podfit.live.questions import ask
    from podfit.report.json_result import dumps_result

    read = read_bundle(bundle)
    if pods is not None:
        read.files["pods.json"] = pods
    loaded = load(read, machine=machine, version=version)  # type: ignore[arg-type]
    from podfit.api.pods import pod_from_dict
    from podfit.release.profile import release_profile

    new = []
    for path in add_files:
        for k, doc in enumerate(load_documents(path)):
            try:
                new.append(pod_from_dict(doc, release=release_profile(version)))
            except InputError as exc:
                raise exc.under(f"[document {k}]" if k else "").in_source(str(path)) from None
    answer = ask(loaded, add=new, config=config, version=version, explain=explain)  # type: ignore[arg-type]
    if output == "json":
        click.echo(dumps_result(answer_to_json(answer)))
    else:
        render_answer(answer, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
