"""Condense the probe's answers into the golden files of ``tests/golden/device-checkpoint-oracle``:
``python -m tools.device_checkpoint_oracle.collect PROBE_OUT_DIR`` (README.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "device-checkpoint-oracle"
RELEASES = {"1.33": "v1.33.5", "1.34": "v1.34.2", "1.35": "v1.35.3", "1.36": "v1.36.2"}
BIG = "alloc-corpus"  # its spew text is long and says nothing the other cases do not


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def main(out: Path) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    marshalled = {r: (out / f"marshal-{r}.out").read_text() for r in RELEASES}
    assert len(set(marshalled.values())) == 1, "the releases marshal differently"
    (GOLDEN / "marshal-in.jsonl").write_text((out / "marshal.jsonl").read_text())
    (GOLDEN / "read-in.jsonl").write_text((out / "read.jsonl").read_text())
    with (GOLDEN / "marshal-out.jsonl").open("w") as f:
        for a in _lines(out / "marshal-1.36.out"):
            if a["id"] == BIG:
                a.pop("spew")
            f.write(json.dumps(a, sort_keys=True) + "\n")
    for r, tag in RELEASES.items():
        with (GOLDEN / f"read-out-{tag}.jsonl").open("w") as f:
            for a in _lines(out / f"read-{r}.out"):
                keep = {"id": a["id"], "error": a["error"]}
                if a["error"] is None:
                    keep["alloc"] = a.get("alloc") or []
                    if a["id"] != BIG:
                        keep["spew"] = a["spew"]
                f.write(json.dumps(keep, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
