"""Run the CPU / memory checkpoint probe (``ckprobe-<release>``, README.md) over every writer and
reader and write ``tests/golden/checkpoints-oracle``: the files each writer left and what each
reader restored from them (``cross-read.jsonl``).

``python -m tools.checkpoints_oracle.collect WORKDIR``
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "checkpoints-oracle"
FILES = ("cpu_manager_state", "memory_manager_state")
# writer -> (release, PodLevelResourceManagers, pod-level entries)
WRITERS = {
    "w-1.33-plrmfalse": ("1.33", False, False),
    "w-1.34-plrmfalse": ("1.34", False, False),
    "w-1.35-plrmfalse": ("1.35", False, False),
    "w-1.36-plrmfalse": ("1.36", False, False),
    "w-1.36-plrmtrue-nopod": ("1.36", True, False),
    "w-1.36-plrmtrue": ("1.36", True, True),
}
READERS = (("1.33", False), ("1.34", False), ("1.35", False), ("1.36", False), ("1.36", True))
STATE_DIR = "<stateDir>"
_MEM_TABLE = (
    '"memoryMap":{"memory":{"total":8589934592,"systemReserved":1073741824,'
    '"allocatable":7516192768,"reserved":1073741824,"free":6442450944}}'
)
_MACHINE = '"machineState":{"0":{"numberOfAssignments":1,' + _MEM_TABLE + ',"cells":[0]}}'
_BLOCK = '{"numaAffinity":[0],"type":"memory","size":1073741824}'
# damaged files (valid JSON, a value of the wrong type at a nested place): case -> (file, content)
DAMAGED = {
    "cpu-entry-not-object": (
        "cpu_manager_state",
        '{"policyName":"static","defaultCpuSet":"0-1","entries":{"pod-a":"2-3"},"checksum":1}',
    ),
    "cpu-cpuset-number": (
        "cpu_manager_state",
        '{"policyName":"static","defaultCpuSet":"0-1","entries":{"pod-a":{"c1":5}},"checksum":1}',
    ),
    "cpu-default-number": (
        "cpu_manager_state",
        '{"policyName":"static","defaultCpuSet":7,"entries":{},"checksum":1}',
    ),
    "cpu-checksum-string": (
        "cpu_manager_state",
        '{"policyName":"static","defaultCpuSet":"0-1","checksum":"1"}',
    ),
    "cpu-pod-entry-cpuset-number": (
        "cpu_manager_state",
        '{"policyName":"static","defaultCpuSet":"0-1",'
        '"entries":{},"podEntries":{"pod-b":{"cpuSet":5}},"checksum":1}',
    ),
    "cpu-pod-entry-not-object": (
        "cpu_manager_state",
        '{"policyName":"static","defaultCpuSet":"0-1",'
        '"entries":{},"podEntries":{"pod-b":"8-11"},"checksum":1}',
    ),
    "mem-numa-key": (
        "memory_manager_state",
        '{"policyName":"Static","machineState":{"x":{}},"entries":{},"checksum":1}',
    ),
    "mem-table-total-string": (
        "memory_manager_state",
        '{"policyName":"Static","machineState":{"0":'
        '{"numberOfAssignments":1,"memoryMap":{"memory":{"total":"8"}},'
        '"cells":[0]}},"entries":{},"checksum":1}',
    ),
    "mem-block-size-string": (
        "memory_manager_state",
        '{"policyName":"Static",' + _MACHINE + ","
        '"entries":{"pod-a":{"c1":[{"numaAffinity":[0],"type":"memory",'
        '"size":"1"}]}},"checksum":1}',
    ),
    "mem-affinity-string": (
        "memory_manager_state",
        '{"policyName":"Static",' + _MACHINE + ","
        '"entries":{"pod-a":{"c1":[{"numaAffinity":["0"],"type":"memory",'
        '"size":1}]}},"checksum":1}',
    ),
    "mem-cells-object": (
        "memory_manager_state",
        '{"policyName":"Static","machineState":{"0":'
        '{"numberOfAssignments":1,' + _MEM_TABLE + ',"cells":{}}},'
        '"entries":{},"checksum":1}',
    ),
    "mem-pod-blocks-size-string": (
        "memory_manager_state",
        '{"policyName":"Static",' + _MACHINE + ","
        '"entries":{},"podEntries":{"pod-b":{"memoryBlocks":[' + _BLOCK[:-11] + '"2"}]}},"checksum":1}',
    ),
}


def _flag(b: bool) -> str:
    return "true" if b else "false"


def main(work: Path) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for writer, (release, gate, pods) in WRITERS.items():
        target = GOLDEN / writer
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        probe = str(work / f"ckprobe-{release}")
        subprocess.run([probe, "write", str(target), _flag(gate), _flag(pods)], check=True)
    lines = []
    for writer in WRITERS:
        for reader, gate in READERS:
            with tempfile.TemporaryDirectory(prefix="ckprobe-") as tmp:
                for name in FILES:
                    shutil.copy(GOLDEN / writer / name, Path(tmp) / name)
                out = subprocess.run(
                    [str(work / f"ckprobe-{reader}"), "read", tmp, _flag(gate)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                result = json.loads(out.replace(tmp, STATE_DIR))
            row = {"writer": writer, "reader": reader, "readerPLRM": gate, "result": result}
            lines.append(json.dumps(row, sort_keys=False, separators=(",", ":")) + "\n")
    (GOLDEN / "cross-read.jsonl").write_text("".join(lines))
    damaged = []
    for case, (name, content) in DAMAGED.items():
        prefix = "cpu" if name.startswith("cpu") else "mem"
        for reader, gate in READERS:
            with tempfile.TemporaryDirectory(prefix="ckprobe-") as tmp:
                (Path(tmp) / name).write_text(content)
                out = subprocess.run(
                    [str(work / f"ckprobe-{reader}"), "read", tmp, _flag(gate)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                got = json.loads(out.replace(tmp, STATE_DIR))
            result = {k: v for k, v in got.items() if k.startswith(prefix)}
            row = {"case": case, "file": name, "content": content, "reader": reader, "readerPLRM": gate}
            damaged.append(json.dumps({**row, "result": result}, separators=(",", ":")) + "\n")
    (GOLDEN / "damaged-read.jsonl").write_text("".join(damaged))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
