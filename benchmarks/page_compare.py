"""``podfit render`` of one large scenario on two git revisions, alternating in the same run.

    .venv/bin/python -m benchmarks.page_compare --before acc3d39 [--after HEAD] \\
        [--pods 5000 --cpus 512 --numa 8] [--rounds 3] [--formats json,yaml] [--simulate yaml]

The scenario comes from this tree's :mod:`benchmarks.page_scenario`, written once as JSON and
once as YAML (block style, what people write by hand). Each revision's ``src`` is exported
(``git archive``) into a temporary directory and its ``podfit render`` runs there as plain
Python in a fresh process; the sides alternate round by round (before, after, before, after,
...) so that the other jobs of a shared machine weigh on both. Per side and input format: median
CPU time (user + system, from ``wait4``), median wall time, peak RSS, the page's bytes, and the
after/before CPU ratio; the two pages must be byte-identical (the run fails otherwise).
``--simulate yaml`` (or ``json``, ``wide``) times ``podfit simulate -o yaml`` instead of the
page, its standard output written to a file and compared byte for byte in the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.page_scenario import page_scenario

ROOT = Path(__file__).resolve().parents[1]


def _export(rev: str, into: Path) -> Path:
    """The revision's ``src`` (``git archive``: no work tree, nothing registered in the repository)."""
    path = into / rev.replace("/", "_")
    path.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(path)], input=archive.stdout, check=True)
    return path


def _render(tree: Path, scenario: Path, out: Path, simulate: str | None = None) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    command = ["render", str(scenario), "-o", str(out)]
    if simulate is not None:
        command = ["simulate", str(scenario), "-o", simulate]
    t0 = time.perf_counter()
    with open(out if simulate is not None else os.devnull, "wb") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-m", "podfit.cli.main", *command],
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tree,
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"podfit {command[0]} failed in {tree}: {err}")
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "bytes": out.stat().st_size,
    }


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 2),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "page_mb": round(runs[0]["bytes"] / 1e6, 2),
        "rounds_cpu_s": [round(r["cpu_s"], 2) for r in runs],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", default="HEAD")
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--cpus", type=int, default=512)
    ap.add_argument("--numa", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--formats", default="json,yaml")
    ap.add_argument("--simulate", choices=("yaml", "json", "wide"), help="time `simulate -o X`, not the page")
    args = ap.parse_args(argv)
    doc = page_scenario(args.pods, cpus=args.cpus, numa=args.numa)
    load = os.getloadavg()[0]
    report: dict[str, Any] = {"pods": args.pods, "cpus": args.cpus, "numa": args.numa, "load_before": load}
    if args.simulate is not None:
        report["command"] = f"simulate -o {args.simulate}"
    with tempfile.TemporaryDirectory(prefix="podfit-page-ab-") as tmp:
        work = Path(tmp)
        inputs = {}
        for fmt in args.formats.split(","):
            path = work / f"scenario.{fmt}"
            path.write_text(json.dumps(doc) if fmt == "json" else yaml.safe_dump(doc, sort_keys=False))
            inputs[fmt] = path
        trees = [_export(rev, work) for rev in (args.before, args.after)]
        for fmt, scenario in inputs.items():
            runs: list[list[dict[str, float]]] = [[], []]
            for _ in range(args.rounds):
                for side in (0, 1):
                    out = work / f"page-{side}.html"
                    runs[side].append(_render(trees[side], scenario, out, args.simulate))
            if (work / "page-0.html").read_bytes() != (work / "page-1.html").read_bytes():
                raise SystemExit(f"{fmt}: the two revisions wrote different pages")
            before, after = (_summary(r) for r in runs)
            report[fmt] = {
                "before": {"rev": args.before, **before},
                "after": {"rev": args.after, **after},
                "after_over_before_cpu": round(after["cpu_s"] / before["cpu_s"], 3),
                "same_page": True,
            }
            ratio = report[fmt]["after_over_before_cpu"]
            print(
                f"{fmt}: before {before['cpu_s']} s CPU / {before['wall_s']} s wall, "
                f"after {after['cpu_s']} s CPU / {after['wall_s']} s wall (x{ratio}), "
                f"page {after['page_mb']} MB",
                file=sys.stderr,
            )
    report["load_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
