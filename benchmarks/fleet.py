"""The fleet targets of issue 16, measured in one run (ratios inside one run, no timed tests):

* the Alibaba GPU trace v2023 (8,152 pods, 1,523 nodes), one configuration, one process: <= 60 s;
* a 1,000,000-pod synthetic stream (spar shape) on 4,000 nodes (2 sockets x 48 cores, SMT), one
  process: <= 300 s and max RSS <= 2 GB (a child process, so its RSS is its own);
* a 4-configuration sweep: 2 local workers >= 1.7x one worker; Ray with 2 local workers >= 0.8x
  the local backend with 2 workers, measured twice: a local Ray that podfit starts and stops
  (its start and shutdown inside the time) and a running local Ray of 2 CPUs (``ray start --head``
  before the clock starts) that the sweep joins by address, as repeated sweeps would.

    .venv/bin/python -m benchmarks.fleet [--quick] [--skip ray,...] [--out benchmarks/fleet-report.json]

The trace is read from ``../shared/data/alibaba-gpu-v2023`` next to the repository (or
``$PODFIT_ALIBABA_TRACE``); when it is not there the benchmark says so and skips that case. The
spar shape needs ``pip install 'podfit[spar]'``; without it the stream is flat (said in the report).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tools.ray_head import ray_env, running_ray_head

from benchmarks.run import machine_info
from podfit.backends import run_sweep
from podfit.fleet import FleetConfig
from podfit.io.fleet_sources import AlibabaSource, SyntheticSource
from podfit.io.synthetic import SyntheticSpec

ROOT = Path(__file__).resolve().parents[1]
TRACE = Path(os.environ.get("PODFIT_ALIBABA_TRACE", ROOT.parent / "shared" / "data" / "alibaba-gpu-v2023"))


def _spar() -> tuple[Any, str]:
    try:
        from podfit.io.traces import spar_shape

        return spar_shape(), "spar (Alibaba 2018 sample)"
    except Exception as exc:  # spar not installed: a flat stream, said in the report
        return None, f"flat (spar unavailable: {exc})"


def alibaba(quick: bool) -> dict[str, Any]:
    nodes, pods = TRACE / "openb_node_list_all_node.csv", TRACE / "openb_pod_list_default.csv"
    if not (nodes.is_file() and pods.is_file()):
        return {"skipped": f"the trace is not at {TRACE} (set PODFIT_ALIBABA_TRACE)"}
    source = AlibabaSource(nodes, pods)
    config = FleetConfig(model="pod-level-pod", policy="single-numa-node", sample_interval_ms=86_400_000)
    t0 = time.perf_counter()
    [r] = run_sweep(source, [config])
    dt = time.perf_counter() - t0
    return {
        "trace": str(TRACE),
        "config": config.key,
        "pods": r.arrived,
        "nodes": r.nodes,
        "seconds": round(dt, 2),
        "target": "<= 60 s",
        "meets_target": dt <= 60,
        "event_hash": r.event_hash,
    }


def synthetic_child(pods: int, nodes: int, rate: float) -> dict[str, Any]:
    """Runs in a child process: one configuration on the synthetic stream."""
    shape, shape_note = _spar()
    spec = SyntheticSpec(pods=pods, rate_per_s=rate, duration_mean_s=53.0, seed=1, shape=shape)
    source = SyntheticSource(spec, node_count=nodes, node_cpus=192, node_memory_gib=768)
    config = FleetConfig(model="pod-level-pod", policy="single-numa-node", sample_interval_ms=10_000)
    t0 = time.perf_counter()
    [r] = run_sweep(source, [config])
    dt = time.perf_counter() - t0
    return {
        "pods": r.arrived,
        "nodes": r.nodes,
        "shape": shape_note,
        "rate_per_s": rate,
        "seconds": round(dt, 2),
        "us_per_pod": round(dt / max(r.arrived, 1) * 1e6, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "ran": r.ran,
        "attempts": r.attempts,
        "peak_running": r.peak("running"),
        "kubelet_rejections": dict(r.kubelet_rejections),
        "event_hash": r.event_hash,
    }


def synthetic(quick: bool) -> dict[str, Any]:
    pods, nodes, rate = (20_000, 400, 200.0) if quick else (1_000_000, 4000, 2000.0)
    cmd = [sys.executable, "-m", "benchmarks.fleet", "--child", f"{pods},{nodes},{rate}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["target"] = "<= 300 s, RSS <= 2 GB (1,000,000 pods on 4,000 nodes)"
    out["meets_target"] = out["seconds"] <= 300 and out["max_rss_mb"] <= 2048 if not quick else None
    return out


def _sweep_input(quick: bool) -> tuple[SyntheticSource, list[FleetConfig]]:
    spec = SyntheticSpec(pods=4_000 if quick else 80_000, rate_per_s=50.0, duration_mean_s=300.0, seed=3)
    source = SyntheticSource(spec, node_count=100 if quick else 300, node_cpus=96, node_memory_gib=384)
    configs = [
        FleetConfig(model=m, policy=p, sample_interval_ms=60_000)
        for m, p in (
            ("per-container", "single-numa-node"),
            ("pod-level-pod", "single-numa-node"),
            ("pod-level-container", "single-numa-node"),
            ("pod-level-pod", "restricted"),
        )
    ]
    return source, configs


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def parallel_control(quick: bool) -> float:
    """What 2 processes give on this box right now: a pure-Python loop run twice, serially and in a
    2-process pool (on a shared machine other jobs take CPU time: read the sweep's ratio against it)."""
    from concurrent.futures import ProcessPoolExecutor

    n = 2_000_000 if quick else 20_000_000
    t0 = time.perf_counter()
    _burn(n), _burn(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(2) as pool:
        t0 = time.perf_counter()
        list(pool.map(_burn, [n, n]))
        parallel = time.perf_counter() - t0
    return round(serial / parallel, 3)


def sweep(quick: bool, with_ray: bool) -> dict[str, Any]:
    source, configs = _sweep_input(quick)
    times: dict[str, float] = {}
    hashes: dict[str, list[str]] = {}
    runs: list[tuple[str, str, int]] = [("local-1", "local", 1), ("local-2", "local", 2)]
    if with_ray:
        runs += [("ray-2", "ray", 2), ("ray-2-joined", "ray", 2)]
    for name, backend, workers in runs:
        if name == "ray-2-joined":
            with tempfile.TemporaryDirectory(prefix="rb") as tmp, running_ray_head(tmp, 2) as address:
                os.environ.update(ray_env())
                t0 = time.perf_counter()
                results = run_sweep(source, configs, backend=backend, workers=workers, ray_address=address)
                times[name] = time.perf_counter() - t0
        else:
            t0 = time.perf_counter()
            results = run_sweep(source, configs, backend=backend, workers=workers)
            times[name] = time.perf_counter() - t0
        hashes[name] = [r.event_hash for r in results]
    out: dict[str, Any] = {
        "control_2_processes_vs_1": parallel_control(quick),
        "configurations": len(configs),
        "pods": source.spec.pods,
        "nodes": source.node_count,
        "seconds": {k: round(v, 2) for k, v in times.items()},
        "local_2_vs_1": round(times["local-1"] / times["local-2"], 3),
        "local_target": ">= 1.7x",
        "local_meets_target": times["local-1"] / times["local-2"] >= 1.7,
        "identical_hashes": all(h == hashes["local-1"] for h in hashes.values()),
    }
    if with_ray:
        out["ray_2_vs_local_2"] = round(times["local-2"] / times["ray-2"], 3)
        out["ray_2_joined_vs_local_2"] = round(times["local-2"] / times["ray-2-joined"], 3)
        out["ray_start_and_shutdown_s"] = round(times["ray-2"] - times["ray-2-joined"], 2)
        out["ray_target"] = ">= 0.8x"
        out["ray_meets_target"] = times["local-2"] / times["ray-2"] >= 0.8
        out["ray_joined_meets_target"] = times["local-2"] / times["ray-2-joined"] >= 0.8
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip", default="", help="comma list of: alibaba, synthetic, sweep, ray")
    ap.add_argument("--out", default="benchmarks/fleet-report.json")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        pods, nodes, rate = args.child.split(",")
        print(json.dumps(synthetic_child(int(pods), int(nodes), float(rate))))
        return 0
    skip = set(args.skip.split(","))
    report: dict[str, Any] = {"machine": machine_info(), "quick": args.quick}
    for name, fn in (("alibaba", alibaba), ("synthetic", synthetic)):
        if name not in skip:
            report[name] = fn(args.quick)
            print(name, json.dumps(report[name]), flush=True)
    if "sweep" not in skip:
        report["sweep"] = sweep(args.quick, "ray" not in skip)
        print("sweep", json.dumps(report["sweep"]), flush=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
