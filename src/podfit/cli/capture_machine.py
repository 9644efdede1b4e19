"""``podfit capture-machine``: this machine's CPU/NUMA topology from sysfs, ready for a scenario.

The file it writes is accepted as it is by ``--machine FILE`` and by a scenario's ``node: FILE``.
``-o`` is the output format (``yaml``, ``json``), as everywhere; ``--out FILE`` writes to a file.
The old spelling ``-o FILE`` (any value that is not a format) still writes to FILE.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from podfit.cli.option_checks import CheckedCommand
from podfit.io.yaml_out import safe_dump

FORMATS = ("yaml", "json")


@click.command(
    "capture-machine",
    cls=CheckedCommand,
    epilog="\b\nExamples:\n  podfit capture-machine --out node.yaml\n"
    "  podfit simulate --machine node.yaml -f pod.yaml   # the captured file, as it is",
)
@click.option("--sysfs", "root", default="/sys", show_default=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    "output",
    default="yaml",
    show_default=True,
    metavar="[yaml|json]",
    help="Output format (a value that is not a format is taken as --out FILE, the old spelling).",
)
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
def command(root: Path, output: str, out: Path | None) -> None:
    """Capture this machine's CPU/NUMA topology from sysfs as a scenario-ready `node:` section."""
    from podfit.io.sysfs import capture_machine as capture

    if output not in FORMATS:
        if out is not None:
            raise click.UsageError(f"-o {output}: not a format (yaml, json), and --out is given")
        out, output = Path(output), "json" if output.endswith(".json") else "yaml"
    doc = {"node": capture(root)}
    if output == "json":
        text = json.dumps(doc, indent=2) + "\n"
    else:
        text = safe_dump(doc, sort_keys=False, default_flow_style=None)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
