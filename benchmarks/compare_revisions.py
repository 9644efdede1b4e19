"""Time one benchmark on two git revisions of podfit, side by side in the same run.

    .venv/bin/python -m benchmarks.compare_revisions --before d808498 --after HEAD \\
        --bench "admit + release" [--mypyc] [--rounds 7]

Each revision is checked out into a temporary work tree and run with its *own* benchmark code
(``benchmarks/cases.py`` of that revision: module paths may differ between revisions), as plain
Python from its ``src`` or, with ``--mypyc``, compiled (``PODFIT_MYPYC=1 pip install --no-deps
--target``). The two sides alternate round by round (before, after, before, after, ...) so that
a noisy machine weighs on both; each round reports the best of many timed cycles, and the result
is the median of the rounds' bests and the after/before ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PROBE = r"""
import json, sys, time, gc
from benchmarks.cases import BENCHMARKS
name = sys.argv[1]
bench = next(b for b in BENCHMARKS if name in b.name)
case = bench.build(False)
case.check()
best = None
for _ in range(int(sys.argv[2])):
    gc.collect()
    t0 = time.perf_counter_ns()
    for _ in range(int(sys.argv[3])):
        case.run()
    dt = (time.perf_counter_ns() - t0) / int(sys.argv[3])
    best = dt if best is None or dt < best else best
print(json.dumps({"bench": bench.name, "best_ns": best}))
"""


def _worktree(rev: str, into: Path) -> Path:
    path = into / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), rev], check=True)
    return path


def _build(tree: Path, mypyc: bool) -> dict[str, str]:
    env = dict(os.environ)
    if not mypyc:
        env["PYTHONPATH"] = f"{tree / 'src'}{os.pathsep}{tree}"
        return env
    target = tree / ".compiled"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(tree),
        ],
        check=True,
        env={**env, "PODFIT_MYPYC": "1"},
        cwd=tree,
    )
    env["PYTHONPATH"] = f"{target}{os.pathsep}{tree}"
    return env


def _round(tree: Path, env: dict[str, str], bench: str, repeats: int, cycles: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, bench, str(repeats), str(cycles)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["best_ns"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", default="HEAD")
    ap.add_argument("--bench", default="admit + release")
    ap.add_argument("--mypyc", action="store_true")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--cycles", type=int, default=2000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="podfit-ab-") as tmp:
        trees = [_worktree(rev, Path(tmp)) for rev in (args.before, args.after)]
        try:
            envs = [_build(t, args.mypyc) for t in trees]
            times: list[list[float]] = [[], []]
            for _ in range(args.rounds):
                for side in (0, 1):
                    times[side].append(_round(trees[side], envs[side], args.bench, args.repeats, args.cycles))
        finally:
            for t in trees:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(t)], check=False)
    before, after = (statistics.median(t) for t in times)
    report = {
        "bench": args.bench,
        "build": "mypyc" if args.mypyc else "interpreted",
        "before": {
            "rev": args.before,
            "median_us": round(before / 1000, 2),
            "rounds_us": [round(x / 1000, 2) for x in times[0]],
        },
        "after": {
            "rev": args.after,
            "median_us": round(after / 1000, 2),
            "rounds_us": [round(x / 1000, 2) for x in times[1]],
        },
        "after_over_before": round(after / before, 4),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
