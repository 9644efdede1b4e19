"""``podfit capture-machine``: this machine's CPU/NUMA topology from sysfs, ready for a scenario."""

from __future__ import annotations

from pathlib import Path

import click
import yaml


@click.command("capture-machine", epilog="\b\nExample:\n  podfit capture-machine -o node.yaml")
@click.option("--sysfs", "root", default="/sys", show_default=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", "out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
def command(root: Path, out: Path | None) -> None:
    """Capture this machine's CPU/NUMA topology from sysfs as a scenario-ready `node:` section."""
    from podfit.io.sysfs import capture_machine as capture

    text = yaml.safe_dump({"node": capture(root)}, sort_keys=False, default_flow_style=None)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
