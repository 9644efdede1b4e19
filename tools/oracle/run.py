"""Differential run: random scenarios of a family through podfit and through the kubelet oracle.

    python -m tools.oracle.run --family uncore --count 500 --seed 0 \
        --oracle /work/oracle/bin/rmoracle-1.36 --out /tmp/diff-uncore
    python -m tools.oracle.run --release 1.34 --family plr-gates --count 500 \
        --oracle /work/oracle/bin/rmoracle-1.34 --out /tmp/diff-134

``--release`` (default 1.36) is the kubelet release of the oracle binary: the scenarios are
generated for it, podfit runs them as that release (``node.kubeletVersion``) with the gates that
kubelet runs with (:func:`tools.oracle.convert.kubelet_feature_gates`), and ``--source`` defaults
to the binary's build (``SOURCES``).

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
from tools.oracle.convert import from_oracle_input, release_of_source, to_oracle_input
from tools.oracle.generate import FAMILIES, generate

SOURCES = {
    "1.34": "kubelet v1.34.2 (microshift c9e94e18)",
    "1.35": "kubelet v1.35.3 (microshift d47c1ed9)",
    "1.36": "kubelet v1.36.2 (microshift 8e16b12f)",
}
DEFAULT_SOURCE = SOURCES["1.36"]
# rejections by admit handlers that run after the managers' (the oracle runs only the managers):
# the node-allocatable predicate and the 1.34+ pod-features handler
POST_MANAGER_REASONS = ("OutOf", "PodLevelResourcesNotSupported")


def run_podfit(scenario: dict[str, Any]) -> dict[str, Any]:
    from podfit.api.scenario import scenario_from_dict
    from podfit.kubelet.simulation import simulate
    from podfit.report.json_result import result_to_json

    return result_to_json(simulate(scenario_from_dict(scenario)))


def predicate_rejections(scenario: dict[str, Any]) -> frozenset[int]:
    """The add events podfit's admit handlers after the managers reject (the node-allocatable
    predicate ``OutOf…``, the pod-features handler ``PodLevelResourcesNotSupported``)."""
    try:
        doc = run_podfit(scenario)
    except Exception:
        return frozenset()
    return frozenset(
        i
        for i, st in enumerate(doc.get("steps") or [])
        if st["op"] == "add" and (st.get("reason") or "").startswith(POST_MANAGER_REASONS)
    )


def oracle_input(scenario: dict[str, Any], release: str) -> dict[str, Any]:
    """The oracle's input line for a generated scenario, with a ``remove`` after every pod a later
    handler rejects in podfit (podfit run on the scenario as the oracle's kubelet sees it)."""
    name = scenario["metadata"]["name"]
    plain = to_oracle_input(scenario, name)
    rejected = predicate_rejections(from_oracle_input(plain["input"], release))
    return to_oracle_input(scenario, name, rejected)


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


def compare_one(oracle_line: dict[str, Any], release: str | None = None) -> Comparison:
    """podfit on the scenario of the oracle's input line, compared with the oracle's output (as
    the kubelet ``release``; default: the one the line's ``source`` names)."""
    release = release or release_of_source(str(oracle_line.get("source", "")))
    try:
        doc = run_podfit(from_oracle_input(oracle_line["input"], release))
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
    ap.add_argument("--release", default="1.36", choices=sorted(SOURCES))
    ap.add_argument("--source", default=None, help="the oracle's source text [default: the release's]")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reuse", action="store_true", help="reuse <out>/<family>.oracle.jsonl when present")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    source = args.source or SOURCES[args.release]
    scenarios = [generate(args.family, s, args.release) for s in range(args.seed, args.seed + args.count)]
    cache = args.out / f"{args.family}.oracle.jsonl"
    if args.reuse and cache.exists():
        outputs = [json.loads(x) for x in cache.read_text().splitlines()]
    else:
        inputs = [oracle_input(s, args.release) for s in scenarios]
        raw = run_oracle_raw(args.oracle, inputs, source)
        cache.write_text("".join(x + "\n" for x in raw))
        outputs = [json.loads(x) for x in raw]
    by_field: collections.Counter[str] = collections.Counter()
    bad = 0
    truncated = 0
    steps = 0
    with (args.out / f"{args.family}.mismatches.jsonl").open("w") as f:
        for scen, line in zip(scenarios, outputs, strict=True):
            c = compare_one(line, args.release)
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
        f"{args.family} ({args.release}): {n - bad}/{n} scenarios agree ({100 * (n - bad) / n:.1f} %), "
        f"{steps} steps compared, {truncated} cut short"
    )
    for name, count in by_field.most_common():
        print(f"  {count:5d}  {name}")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
