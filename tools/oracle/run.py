"""Differential run: random scenarios of a family through podfit and through the kubelet oracle.

    python -m tools.oracle.run --family uncore --count 500 --seed 0 \
        --oracle /work/oracle/bin/rmoracle-1.36 --out /tmp/diff-uncore

Writes ``<out>/<family>.oracle.jsonl`` (the oracle's lines) and ``<out>/<family>.mismatches.jsonl``
(one line per disagreeing scenario: the podfit scenario, the first mismatches), and prints the
agreement rate and the mismatch fields by count. ``--source`` is the oracle's ``source`` text.
The podfit side runs in-process (``scenario_from_dict`` -> ``simulate`` -> ``result_to_json``).
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tools.oracle.compare import Comparison, Mismatch, compare
from tools.oracle.convert import from_oracle_input, to_oracle_input
from tools.oracle.generate import FAMILIES, generate

DEFAULT_SOURCE = "kubelet v1.36.2 (microshift 8e16b12f)"


def run_podfit(scenario: dict[str, Any]) -> dict[str, Any]:
    from podfit.api.scenario import scenario_from_dict
    from podfit.kubelet.simulation import simulate
    from podfit.report.json_result import result_to_json

    return result_to_json(simulate(scenario_from_dict(scenario)))


def predicate_rejections(scenario: dict[str, Any]) -> frozenset[int]:
    """The add events podfit's node-allocatable predicate rejects (``OutOf…``)."""
    try:
        doc = run_podfit(scenario)
    except Exception:
        return frozenset()
    return frozenset(
        i
        for i, st in enumerate(doc["steps"])
        if st["op"] == "add" and (st.get("reason") or "").startswith("OutOf")
    )


def run_oracle_raw(binary: str, lines: list[dict[str, Any]], source: str) -> list[str]:
    """The oracle's output lines, byte for byte (one per input line)."""
    text = "".join(json.dumps(line) + "\n" for line in lines)
    cmd = [binary, "-source", source]
    proc = subprocess.run(cmd, input=text, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"oracle failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return [x for x in proc.stdout.splitlines() if x.strip()]


def run_oracle(binary: str, lines: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in run_oracle_raw(binary, lines, source)]


def compare_one(oracle_line: dict[str, Any]) -> Comparison:
    """podfit on the scenario of the oracle's input line, compared with the oracle's output."""
    try:
        doc = run_podfit(from_oracle_input(oracle_line["input"]))
    except Exception as exc:  # a podfit crash is a mismatch of its own
        c = Comparison()
        c.mismatches.append(Mismatch(-1, "podfit-exception", repr(exc), None))
        return c
    return compare(doc, oracle_line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", choices=FAMILIES, required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0, help="first seed; scenarios use seed .. seed+count-1")
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reuse", action="store_true", help="reuse <out>/<family>.oracle.jsonl when present")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scenarios = [generate(args.family, s) for s in range(args.seed, args.seed + args.count)]
    cache = args.out / f"{args.family}.oracle.jsonl"
    if args.reuse and cache.exists():
        outputs = [json.loads(x) for x in cache.read_text().splitlines()]
    else:
        inputs = [to_oracle_input(s, s["metadata"]["name"], predicate_rejections(s)) for s in scenarios]
        raw = run_oracle_raw(args.oracle, inputs, args.source)
        cache.write_text("".join(x + "\n" for x in raw))
        outputs = [json.loads(x) for x in raw]
    by_field: collections.Counter[str] = collections.Counter()
    bad = 0
    truncated = 0
    steps = 0
    with (args.out / f"{args.family}.mismatches.jsonl").open("w") as f:
        for scen, line in zip(scenarios, outputs, strict=True):
            c = compare_one(line)
            steps += c.steps_compared
            truncated += c.truncated_at is not None
            if not c.agree:
                bad += 1
                fields = sorted({m.field.split(".")[0] for m in c.mismatches})
                by_field.update(fields)
                f.write(
                    json.dumps(
                        {
                            "id": scen["metadata"]["name"],
                            "fields": fields,
                            "mismatches": [str(m) for m in c.mismatches[:6]],
                            "scenario": scen,
                        }
                    )
                    + "\n"
                )
    n = len(scenarios)
    print(
        f"{args.family}: {n - bad}/{n} scenarios agree ({100 * (n - bad) / n:.1f} %), "
        f"{steps} steps compared, {truncated} cut short"
    )
    for name, count in by_field.most_common():
        print(f"  {count:5d}  {name}")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
