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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with open(args[0] if args else "benchmarks/baseline.json") as f:
        print(table(json.load(f)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
