"""``podfit render``: a self-contained HTML page (and SVG / PNG) of the node's CPUs and memory,
coloured by owner, with a step control to walk through the scenario's events."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from podfit.cli.option_checks import CheckedCommand
from podfit.cli.options import scenario_input
from podfit.cli.progress import spinner

if TYPE_CHECKING:
    from podfit.model.scenario import Scenario

EXAMPLES_RENDER = """
\b
Examples:
  podfit render                                    # the built-in default scenario
  podfit render examples/kep5526-tightly-coupled-database.yaml --html db.html --png db.png
  podfit render --preset xeon-gold-6230-2s -f pod.yaml --html node.html --svg node.svg
"""

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.command("render", cls=CheckedCommand, epilog=EXAMPLES_RENDER)
@click.option("--html", "out", type=_FILE, help="HTML file to write [default: podfit-<scenario>.html].")
@click.option(
    "--output",
    "-o",
    "legacy",
    metavar="[html]",
    help="Output format (html, the only one); a file name is the old spelling of --html FILE.",
)
@click.option("--svg", "svg_out", type=_FILE, help="Also write an SVG of the selected step.")
@click.option("--png", "png_out", type=_FILE, help="Also write a PNG screenshot (needs Chromium).")
@click.option(
    "--shortfalls",
    type=click.IntRange(min=0),
    default=100,  # podfit.report.rejections.SHORTFALL_LIMIT (not imported: keeps start-up light)
    show_default=True,
    help="Trace the first N rejected pods for what they lacked (as `podfit explain` words it).",
)
@click.option(
    "--step",
    type=click.IntRange(min=0),
    help="Step shown when the page opens (0 = before any event) [default: the last].",
)
@scenario_input
def command(
    loaded: Scenario,
    out: Path | None,
    legacy: str | None,
    svg_out: Path | None,
    png_out: Path | None,
    step: int | None,
    shortfalls: int,
) -> None:
    """Draw the node (sockets, NUMA nodes, L3 groups, cores, threads) with every CPU coloured by
    its owner after each event, and write it as an HTML page you can step through."""
    from podfit.kubelet.simulation import simulate as run
    from podfit.report.json_result import result_to_json
    from podfit.report.rejections import rejection_shortfalls
    from podfit.report.render_html import render_html, uncore_map
    from podfit.report.render_svg import render_svg

    if legacy is not None and legacy != "html":
        if out is not None:
            raise click.UsageError(f"-o {legacy}: not a format (html), and --html is given")
        out = Path(legacy)  # the old spelling: -o FILE
    result = run(loaded)
    doc = result_to_json(result)
    last = len(doc["steps"])
    if step is not None and step > last:
        raise click.BadParameter(f"{step} is past the last step ({last})", param_hint="--step")
    lacked = rejection_shortfalls(loaded, result, limit=shortfalls)
    html = render_html(doc, result.machine, step, lacked)
    out = out or Path(f"podfit-{doc.get('scenario') or 'scenario'}.html")
    _write(out, html)
    if svg_out is not None:
        _write(svg_out, render_svg(doc, uncore_map(result.machine), step))
    if png_out is not None:
        from podfit.report.screenshot import screenshot_html

        with spinner("taking the screenshot in headless Chromium"):
            screenshot_html(html, png_out)  # no browser: a one-line error naming the install, exit 2
        click.echo(f"wrote {png_out.resolve()}")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {path.resolve()}")
