"""The fleet report as one self-contained HTML page: matplotlib charts embedded as inline SVG
(deterministic: fixed hash salt, no date), the summary table, and how to read it."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import Any

from podfit.fleet import FleetResult
from podfit.report.fleet_data import require, summary_rows

__all__ = ["render_fleet_html"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.fig{margin:18px 0}.note{color:#555;font-size:13px}
"""


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figures(results: Sequence[FleetResult]) -> list[tuple[str, str]]:
    mpl = require("matplotlib")
    mpl.use("Agg")
    mpl.rcParams["svg.hashsalt"] = "podfit-fleet"
    import matplotlib.pyplot as plt

    out: list[tuple[str, str]] = []

    def series(title: str, ylabel: str, pick: Any) -> None:
        fig, ax = plt.subplots(figsize=(10, 3.2))
        for r in results:
            xs = [s.t_ms / 3_600_000 for s in r.series]
            ax.plot(xs, [pick(s) for s in r.series], label=r.config.key, linewidth=1.2)
        ax.set_xlabel("simulated time (h)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        out.append((title, _svg(fig)))
        plt.close(fig)

    series("Pods admitted per interval", "pods", lambda s: s.admitted)
    series(
        "Kubelet rejections per interval (all reasons)", "rejections", lambda s: sum(n for _, n in s.rejected)
    )
    series("Pods running", "pods", lambda s: s.running)
    series("CPUs held out of the node shared pools", "CPUs", lambda s: s.held)
    series("Cores saved against the per-container model", "cores", lambda s: s.cores_saved)
    series(
        "Stranded CPUs (on nodes without memory or pod slots)", "CPUs", lambda s: s.stranded_cpu_milli / 1000
    )

    labels = [r.config.key for r in results]
    fig, ax = plt.subplots(figsize=(10, 0.5 + 0.45 * len(results)))
    left = [0.0] * len(results)
    for name in ("exclusive", "pod_shared", "idle"):
        vals = [r.mean(name) for r in results]
        ax.barh(labels, vals, left=left, label=name)
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_xlabel("CPUs held by pods (mean over the samples; the nodes' shared pools hold the rest)")
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    out.append(("CPU pools: exclusive / pod shared / idle budget", _svg(fig)))
    plt.close(fig)

    reasons = sorted({k for r in results for k, _ in r.kubelet_rejections})
    if reasons:
        fig, ax = plt.subplots(figsize=(10, 0.5 + 0.45 * len(results)))
        left = [0.0] * len(results)
        for reason in reasons:
            vals = [float(dict(r.kubelet_rejections).get(reason, 0)) for r in results]
            ax.barh(labels, vals, left=left, label=reason)
            left = [a + b for a, b in zip(left, vals, strict=True)]
        ax.set_xlabel("kubelet rejections (every attempt)")
        ax.legend(fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.35))
        out.append(("Kubelet rejections by reason", _svg(fig)))
        plt.close(fig)
    return out


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    keys = [k for k in rows[0] if k not in ("model", "policy", "scope", "version", "scoring", "numa_filter")]
    head = "".join(f"<th>{html.escape(r['config'])}</th>" for r in rows)
    body = []
    for k in keys[1:]:
        cells = "".join(f"<td>{html.escape(str(r[k]))}</td>" for r in rows)
        body.append(f"<tr><td>{html.escape(k)}</td>{cells}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"


def render_fleet_html(results: Sequence[FleetResult], title: str, inputs: str) -> str:
    """The page (no external resources)."""
    figs = "".join(f'<div class="fig"><h3>{html.escape(t)}</h3>{svg}</div>' for t, svg in _figures(results))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p class='note'>{html.escape(inputs)}</p>"
        "<p class='note'>Each configuration is an independent replay of the same inputs: a scheduler "
        "(NodeResourcesFit) and the exact kubelet admission on every node. cores saved = (CPUs the running "
        "Guaranteed pods would pin written per container − CPUs they hold) / threads per core. "
        "See docs/fleet.md.</p>"
        f"<h2>Summary</h2>{_table(summary_rows(results))}<h2>Over time</h2>{figs}</body></html>"
    )
