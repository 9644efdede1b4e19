"""``podfit upgrade``: the same workload on several kubelet releases, and the rolling upgrade."""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from podfit.cli.option_checks import CheckedCommand, checks, refuse_given
from podfit.cli.options import scenario_input

if TYPE_CHECKING:
    from podfit.model.scenario import Scenario

__all__ = ["command"]

EPILOG = """
\b
Examples:
  podfit upgrade examples/kep5526-tightly-coupled-database.yaml
  podfit upgrade my-node.yaml --kubelet-versions 1.35,1.36 --gate on -o json
  podfit upgrade my-node.yaml --kubelet-versions 1.36,1.35 --gate on   # a downgrade
  podfit upgrade --preset xeon-gold-6230-2s --kubelet-config kubelet.yaml -f pods.yaml --html up.html

\b
Each release (and, where the release has it, PodLevelResourceManagers on and off) runs the
scenario; the table shows per pod what each gets, and what differs from the first. The rolling
upgrade runs the scenario on the first release, then restarts the kubelet as each next one: the
new release reads the old one's checkpoint files and admits the running pods again (kept, moved,
rejected). See docs/versions.md.
"""


def _versions(text: str) -> list[str]:
    from podfit.api.scenario import decode_kubelet_version

    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names:
        raise click.UsageError("--kubelet-versions: give at least one release")
    versions = [decode_kubelet_version(v, "--kubelet-versions") for v in names]
    for before, after in pairwise(versions):
        if before == after:
            raise click.UsageError(
                f"--kubelet-versions: {after} follows {before} (a patch level maps to its minor): "
                "no upgrade between them"
            )
    return versions


def _check(p: dict[str, Any]) -> None:
    refuse_given(
        ("kubelet_version",),
        "belongs to the commands that answer as one release, not to upgrade (its releases are "
        "--kubelet-versions)",
    )
    _versions(p["kubelet_versions"])


@click.command("upgrade", cls=CheckedCommand, epilog=EPILOG)
@click.option(
    "--kubelet-versions",
    default="1.35,1.36,1.37",
    show_default=True,
    help="Releases, comma-separated, in upgrade order.",
)
@click.option(
    "--gate",
    type=click.Choice(["both", "on", "off", "config"]),
    default="both",
    show_default=True,
    help="PodLevelResourceManagers on the releases that have it: both settings, on, off, or as the "
    "configuration sets it.",
)
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--html", "html_file", type=click.Path(path_type=Path, dir_okay=False), help="Also write an HTML page."
)
@checks(_check)
@scenario_input
def command(loaded: Scenario, kubelet_versions: str, gate: str, output: str, html_file: Path | None) -> None:
    """Run the same workload on several kubelet releases: what changes per pod, and what a rolling
    upgrade does to the running pods."""
    from podfit.compare.upgrade import upgrade
    from podfit.report.json_result import dumps_result
    from podfit.report.upgrade import render_upgrade, upgrade_html, upgrade_to_json

    versions = _versions(kubelet_versions)
    result = upgrade(loaded, versions, gate)
    if output == "json":
        click.echo(dumps_result(upgrade_to_json(result)))
    else:
        render_upgrade(result, Console(highlight=False, width=None if sys.stdout.isatty() else 140))
    if html_file is not None:
        html_file.parent.mkdir(parents=True, exist_ok=True)
        html_file.write_text(upgrade_html(result), encoding="utf-8")
        click.echo(f"upgrade report: {html_file.resolve()}", err=True)
