"""Print a report's benchmarks as the Markdown table of benchmarks/README.md.

.venv/bin/python -m benchmarks.table [benchmarks/baseline.json]
"""

from __future__ import annotations

import json
import sys


def _fmt(ns: float) -> str:
    return f"{ns / 1e3:,.1f} µs" if ns < 1e6 else f"{ns / 1e6:,.1f} ms"


def table(report: dict[str, object]) -> str:
    rows = [
        "| benchmark | target | median | p99 | reference / fast | target met |",
        "|---|---|---|---|---|---|",
    ]
    for b in report["benchmarks"]:  # type: ignore[attr-defined]
        ratio = f"×{b['reference_ratio']:,.1f}" if "reference_ratio" in b else "n/a"
        verdict = {True: "yes", False: "**no**"}.get(b.get("meets_target"), "–")
        extra = f" ({b['per_second']:,.0f}/s)" if "per_second" in b else ""
        rows.append(
            f"| {b['name']} | {b['target']} | {_fmt(b['median_ns'])}{extra} | {_fmt(b['p99_ns'])} "
            f"| {ratio} | {verdict} |"
        )
    return "\n".join(rows)


def pages_table(report: dict[str, object]) -> str:
    """The page benchmarks (benchmarks/page.py): one row per scenario."""
    rows = [
        "| pods | CPUs | steps | page | wall | CPU | peak RSS | bytes / step | browser: open | target met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in report.get("pages", ()):  # type: ignore[attr-defined]
        browser = p.get("browser") or {}
        opened = f"{browser['load_s']:.1f} s" if "load_s" in browser else "–"
        verdict = {True: "yes", False: "**no**"}.get(p.get("meets_target"), "–")
        cells = [
            f"{p['pods']:,}",
            str(p["cpus"]),
            f"{p['steps']:,}",
            f"{p['bytes'] / 1e6:,.2f} MB",
            f"{p['wall_s']:.1f} s",
            f"{p['cpu_s']:.1f} s",
            f"{p['peak_rss_mb']:,.0f} MB",
            f"{p['bytes_per_step']:.0f} B",
            opened,
            verdict,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with open(args[0] if args else "benchmarks/baseline.json") as f:
        report = json.load(f)
    if report.get("benchmarks"):
        print(table(report))
    if report.get("pages"):
        print(pages_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
