"""``podfit presets``: the named real-machine shapes."""

from __future__ import annotations

import click

from podfit.cli.option_checks import CheckedCommand


@click.command("presets", cls=CheckedCommand, epilog="\b\nExample:\n  podfit presets")
def command() -> None:
    """List the named machine presets."""
    from podfit.api.presets import PRESETS

    for name, preset in sorted(PRESETS.items()):
        click.echo(f"{name:32} {preset.description}")
