"""``podfit render``: a self-contained HTML page (and SVG / PNG) of the node's CPUs and memory,
coloured by owner, with a step control to walk through the scenario's events."""

from __future__ import annotations

from pathlib import Path

import click

EXAMPLES_RENDER = """
\b
Examples:
  podfit render                                    # the built-in default scenario
  podfit render examples/kep5526-tightly-coupled-database.yaml -o db.html --png db.png
  podfit render --preset xeon-gold-6230-2s -f pod.yaml -o node.html --svg node.svg
"""

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.command("render", epilog=EXAMPLES_RENDER)
@click.argument("scenario", required=False, type=_FILE)
@click.option("--machine", type=_FILE, help="Machine description file.")
@click.option("--preset", help="A named machine preset instead of --machine (see `podfit presets`).")
@click.option("--kubelet-config", type=_FILE, help="KubeletConfiguration.")
@click.option(
    "-f",
    "--filename",
    "pod_files",
    multiple=True,
    type=_FILE,
    help="Pod manifest file(s); multi-document YAML and kind: List accepted. Repeatable.",
)
@click.option(
    "--output", "-o", "out", type=_FILE, help="HTML file to write [default: podfit-<scenario>.html]."
)
@click.option("--svg", "svg_out", type=_FILE, help="Also write an SVG of the selected step.")
@click.option("--png", "png_out", type=_FILE, help="Also write a PNG screenshot (needs Chromium).")
@click.option(
    "--step",
    type=click.IntRange(min=0),
    help="Step shown when the page opens (0 = before any event) [default: the last].",
)
def command(
    scenario: Path | None,
    machine: Path | None,
    preset: str | None,
    kubelet_config: Path | None,
    pod_files: tuple[Path, ...],
    out: Path | None,
    svg_out: Path | None,
    png_out: Path | None,
    step: int | None,
) -> None:
    """Draw the node (sockets, NUMA nodes, L3 groups, cores, threads) with every CPU coloured by
    its owner after each event, and write it as an HTML page you can step through."""
    from podfit.io.scenario import load_default_scenario, load_scenario, scenario_from_parts
    from podfit.node.simulation import simulate as run
    from podfit.report.json_result import result_to_json
    from podfit.report.render_html import render_html, uncore_map
    from podfit.report.render_svg import render_svg

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
    result = run(loaded)
    doc = result_to_json(result)
    last = len(doc["steps"])
    if step is not None and step > last:
        raise click.BadParameter(f"{step} is past the last step ({last})", param_hint="--step")
    html = render_html(doc, result.machine, step)
    out = out or Path(f"podfit-{doc.get('scenario') or 'scenario'}.html")
    _write(out, html)
    if svg_out is not None:
        _write(svg_out, render_svg(doc, uncore_map(result.machine), step))
    if png_out is not None:
        from podfit.report.screenshot import BrowserUnavailable, screenshot_html

        try:
            screenshot_html(html, png_out)
        except BrowserUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"wrote {png_out.resolve()}")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {path.resolve()}")
