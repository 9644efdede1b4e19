"""Pick oracle lines as golden data for ``tests/golden/oracle-v1.36.2/``.

    python -m tools.oracle.golden --src /tmp/golden-src --family uncore --count 80 \
        --must /tmp/before/uncore.mismatches.jsonl --out tests/golden/oracle-v1.36.2

Writes ``<out>/<family>.jsonl``: the oracle's lines verbatim (``schema``, ``source``, ``input``,
``output``), every scenario named in the ``--must`` files (e.g. the ones an older podfit got
wrong) first, then evenly spread others up to ``--count``. Tests read these files only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", type=Path, required=True, help="a tools.oracle.run --out directory")
    ap.add_argument("--family", required=True)
    ap.add_argument("--count", type=int, default=80)
    ap.add_argument("--must", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    lines = (args.src / f"{args.family}.oracle.jsonl").read_text().splitlines()
    by_id = {json.loads(x)["input"]["id"]: x for x in lines}
    chosen: list[str] = []
    for path in args.must:
        if path.exists():
            for x in path.read_text().splitlines():
                vid = json.loads(x)["id"]
                if vid in by_id and vid not in chosen:
                    chosen.append(vid)
    rest = [v for v in by_id if v not in chosen]
    room = max(0, args.count - len(chosen))
    if room and rest:
        step = max(1, len(rest) // room)
        chosen += rest[::step][:room]
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"{args.family}.jsonl"
    out.write_text("".join(by_id[v] + "\n" for v in chosen))
    print(f"{out}: {len(chosen)} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
