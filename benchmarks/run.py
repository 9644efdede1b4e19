"""Run every benchmark, check each answer against the reference, write a JSON report.

    .venv/bin/python -m benchmarks.run [--out benchmarks/report.json] [--quick] [--no-pages]

A small harness instead of pytest-benchmark: the per-operation percentiles (p50/p99 of single CPU
allocations), reference ratios and target verdicts go into one report with no extra dependency,
and the smoke test runs exactly the same cases.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import podfit.kubelet.node
from benchmarks.cases import BENCHMARKS, Benchmark, Case


def _time(fn: Callable[[], object], budget_s: float, min_runs: int = 5, max_runs: int = 100_000) -> list[int]:
    samples: list[int] = []
    start = time.perf_counter()
    while len(samples) < max_runs and (len(samples) < min_runs or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return samples


def _pct(xs: list[int], q: float) -> float:
    s = sorted(xs)
    return float(s[min(len(s) - 1, int(q * len(s)))])


def run_one(bench: Benchmark, quick: bool, budget_s: float) -> dict[str, Any]:
    case: Case = bench.build(quick)
    case.check()  # the fast answer equals the reference's (raises otherwise)
    gc.collect()
    if case.ops is not None:
        samples = []
        for _ in range(1 if quick else 5):
            for op in case.ops():
                t0 = time.perf_counter_ns()
                op()
                samples.append(time.perf_counter_ns() - t0)
    else:
        samples = _time(case.run, budget_s)
    median = statistics.median(samples)
    out: dict[str, Any] = {
        "name": bench.name,
        "target": bench.target,
        "runs": len(samples),
        "median_ns": median,
        "p50_ns": _pct(samples, 0.5),
        "p99_ns": _pct(samples, 0.99),
        "min_ns": min(samples),
        "checked_equal_to_reference": True,
        "note": case.note,
    }
    if bench.throughput_per_s is not None:
        out["per_second"] = 1e9 / median
    if case.reference is not None:
        ref = _time(case.reference, budget_s, min_runs=3, max_runs=1000)
        out["reference_median_ns"] = statistics.median(ref)
        out["reference_ratio"] = statistics.median(ref) / median
    if bench.limit_ns is not None:
        ok = median <= bench.limit_ns
        if bench.p99_limit_ns is not None:
            ok = ok and out["p99_ns"] <= bench.p99_limit_ns
        out["meets_target"] = ok
    return out


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        # the mypyc-compiled core (PODFIT_MYPYC=1 pip install .) or plain Python
        "podfit_core": "interpreted" if podfit.kubelet.node.__file__.endswith(".py") else "compiled (mypyc)",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="benchmarks/report.json")
    ap.add_argument("--quick", action="store_true", help="smaller inputs, short runs (smoke)")
    ap.add_argument("--budget", type=float, default=1.0, help="seconds of timing per benchmark side")
    ap.add_argument("--no-pages", action="store_true", help="skip the page benchmarks (benchmarks/page.py)")
    args = ap.parse_args(argv)
    results = []
    for bench in BENCHMARKS:
        r = run_one(bench, args.quick, 0.05 if args.quick else args.budget)
        results.append(r)
        ratio = f"  x{r['reference_ratio']:,.1f} vs reference" if "reference_ratio" in r else ""
        verdict = {True: "OK", False: "MISSED"}.get(r.get("meets_target"), "-")
        print(
            f"{r['median_ns'] / 1e3:12.1f} us  p99 {r['p99_ns'] / 1e3:10.1f} us  {verdict:6}  "
            f"{r['name']} [{r['target']}]{ratio}"
        )
    report: dict[str, Any] = {"machine": machine_info(), "quick": args.quick, "benchmarks": results}
    if not args.no_pages:
        from benchmarks.page import run_pages

        report["pages"] = run_pages(args.quick)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
