"""Checkpoint formats by release (podfit.release.checkpoint_formats through podfit.checkpoint).

* golden: the files the real v1.33.5 – v1.36.2 state packages wrote, and what each release restored
  from each of them (tests/golden/checkpoints-oracle, the kubelet's own answers);
* every format round-trips: written by podfit as each release writes it, and hand-written from the
  documented layouts (V4 / memory V3 are 1.37 and rest on PR texts: kubernetes#139102, #139626);
* a test per switch and per release, each failing if the table entry is removed or changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podfit.checkpoint.cpu import CHECKPOINT_V2 as CPU_V2_TYPE
from podfit.checkpoint.cpu import (
    CheckpointError,
    checkpoint_checksum,
    cpu_format_written,
    data_checksum,
    encode_cpu_checkpoint,
    encode_cpu_format,
    restore_cpu_checkpoint,
)
from podfit.checkpoint.gospew import fnv1a_32
from podfit.checkpoint.memory import (
    encode_memory_checkpoint,
    encode_memory_format,
    memory_format_written,
    restore_memory_checkpoint,
)
from podfit.cpu.state import CPUState
from podfit.memory.state import Block, MemoryState, MemoryTable, NUMANodeState
from podfit.model.cpuset import format_cpuset, parse_cpuset
from podfit.release.checkpoint_formats import CHECKPOINT_FORMATS, checkpoint_formats
from podfit.release.profile import SUPPORTED_RELEASES

ORACLE = Path(__file__).parents[1] / "golden" / "checkpoints-oracle"
GI = 1 << 30
STATE_DIR = "<stateDir>"


# ----- the probe's state -------------------------------------------------------------------------
def _cpu_state(pod_level: bool) -> CPUState:
    assignments: dict[str, dict[str, int]] = {"pod-a": {"c1": parse_cpuset("2-3")}}
    pods: dict[str, int] = {}
    if pod_level:
        assignments["pod-b"] = {"x": parse_cpuset("8-9"), "y": parse_cpuset("10-11")}
        pods["pod-b"] = parse_cpuset("8-11")
    return CPUState(parse_cpuset("0-1,4-7"), assignments, pods)


def _memory_state(pod_level: bool) -> MemoryState:
    st = MemoryState()
    st.set_machine_state({0: NUMANodeState(1, {"memory": MemoryTable(8 * GI, GI, 7 * GI, GI, 6 * GI)}, (0,))})
    st.set_memory_assignments({"pod-a": {"c1": (Block((0,), "memory", GI),)}})
    if pod_level:
        st.set_pod_memory_blocks("pod-b", (Block((0,), "memory", 2 * GI),))
    return st


WRITERS = {
    "w-1.33-plrmfalse": ("1.33", False, False),
    "w-1.34-plrmfalse": ("1.34", False, False),
    "w-1.35-plrmfalse": ("1.35", False, False),
    "w-1.36-plrmfalse": ("1.36", False, False),
    "w-1.36-plrmtrue-nopod": ("1.36", True, False),
    "w-1.36-plrmtrue": ("1.36", True, True),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_podfit_writes_the_real_files(writer: str) -> None:
    version, gate, pods = WRITERS[writer]
    cpu = encode_cpu_checkpoint(_cpu_state(pods), "static", pod_level_gate=gate, version=version)
    memory = encode_memory_checkpoint(_memory_state(pods), "Static", pod_level_gate=gate, version=version)
    assert cpu == (ORACLE / writer / "cpu_manager_state").read_bytes()
    assert memory == (ORACLE / writer / "memory_manager_state").read_bytes()


def _cross_reads() -> list[Any]:
    rows = [json.loads(line) for line in (ORACLE / "cross-read.jsonl").read_text().splitlines()]
    return [pytest.param(r, id=f"{r['writer']}->{r['reader']}/PLRM={r['readerPLRM']}") for r in rows]


def _blocks(rows: list[dict[str, Any]]) -> tuple[Block, ...]:
    return tuple(Block(tuple(b["numaAffinity"]), b["type"], b["size"]) for b in rows)


@pytest.mark.parametrize("row", _cross_reads())
def test_each_release_reads_each_file_as_the_kubelet_does(row: dict[str, Any]) -> None:
    reader, gate, want = row["reader"], row["readerPLRM"], row["result"]
    files = ORACLE / row["writer"]
    cpu_path, mem_path = f"{STATE_DIR}/cpu_manager_state", f"{STATE_DIR}/memory_manager_state"
    cpu_data = (files / "cpu_manager_state").read_bytes()
    mem_data = (files / "memory_manager_state").read_bytes()
    if "cpuErr" in want:
        with pytest.raises(CheckpointError) as info:
            restore_cpu_checkpoint(
                cpu_data, policy_name="static", pod_level_gate=gate, version=reader, path=cpu_path
            )
        assert info.value.message == want["cpuErr"]
    else:
        cpu = restore_cpu_checkpoint(
            cpu_data, policy_name="static", pod_level_gate=gate, version=reader, path=cpu_path
        ).state
        assert format_cpuset(cpu.get_default_cpu_set()) == want["cpuDefault"]
        got = {
            p: {c: format_cpuset(m) for c, m in ctrs.items()} for p, ctrs in cpu.get_cpu_assignments().items()
        }
        assert got == want["cpuAssignments"]
        pods = {p: format_cpuset(m) for p, m in cpu.get_pod_cpu_assignments().items()}
        assert pods == want.get("cpuPodAssignments", {})
    if "memErr" in want:
        with pytest.raises(CheckpointError) as info:
            restore_memory_checkpoint(
                mem_data, policy_name="Static", pod_level_gate=gate, version=reader, path=mem_path
            )
        assert info.value.message == want["memErr"]
        return
    mem = restore_memory_checkpoint(
        mem_data, policy_name="Static", pod_level_gate=gate, version=reader, path=mem_path
    ).state
    assignments = {
        p: {c: _blocks(rows) for c, rows in ctrs.items()} for p, ctrs in want["memAssignments"].items()
    }
    assert mem.get_memory_assignments() == assignments
    pods_want = {p: _blocks(e["memoryBlocks"]) for p, e in want.get("memPodAssignments", {}).items()}
    assert mem.get_pod_memory_assignments() == pods_want
    machine = {
        int(n): (s["numberOfAssignments"], s["memoryMap"]["memory"]["free"], tuple(s["cells"]))
        for n, s in want["memMachineState"].items()
    }
    assert {
        n: (s.number_of_assignments, s.memory_map["memory"].free, s.cells)
        for n, s in mem.get_machine_state().items()
    } == machine


def _damaged_reads() -> list[Any]:
    rows = [json.loads(line) for line in (ORACLE / "damaged-read.jsonl").read_text().splitlines()]
    return [pytest.param(r, id=f"{r['case']}/{r['reader']}/PLRM={r['readerPLRM']}") for r in rows]


@pytest.mark.parametrize("row", _damaged_reads())
def test_each_release_words_a_damaged_file_as_the_kubelet_does(row: dict[str, Any]) -> None:
    """Type errors at nested places, as the real state packages built with Go's v1 encoding/json
    (GOEXPERIMENT=nojsonv2, as the v1.33 - v1.36 toolchains) word them: no map keys in the path."""
    reader, gate, want = row["reader"], row["readerPLRM"], row["result"]
    path = f"{STATE_DIR}/{row['file']}"
    restore = restore_cpu_checkpoint if row["file"] == "cpu_manager_state" else restore_memory_checkpoint
    policy = "static" if row["file"] == "cpu_manager_state" else "Static"
    err = want.get("cpuErr", want.get("memErr"))
    assert err is not None  # every case is refused by every release
    with pytest.raises(CheckpointError) as info:
        restore(row["content"], policy_name=policy, pod_level_gate=gate, version=reader, path=path)
    assert info.value.message == err


def test_go_1_27_wording_names_the_map_key() -> None:
    # the json/v2-based decoder of Go 1.27 (what the earlier probe was built with) names the key
    from podfit.checkpoint.cpu import CHECKPOINT_V1
    from podfit.checkpoint.gojson import decode_partial

    data = (ORACLE / "w-1.36-plrmtrue" / "cpu_manager_state").read_bytes()
    _, v1 = decode_partial(CHECKPOINT_V1, data)
    _, v2 = decode_partial(CHECKPOINT_V1, data, map_keys_in_path=True)
    where = "json: cannot unmarshal object into Go struct field CPUManagerCheckpointV1.entries"
    assert (v1, v2) == (f"{where} of type string", f"{where}.pod-a of type string")


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_switch_json_wording_is_go_v1_in_every_release(version: str) -> None:
    # .go-version: 1.24.6 (1.33), 1.24.9 (1.34), 1.25.7 (1.35), 1.26.4 (1.36); 1.37 unknown, kept v1
    assert checkpoint_formats(version).json_map_keys_in_path is False


# ----- round trips: every release, every gate ---------------------------------------------------------
@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
@pytest.mark.parametrize("gate", [False, True])
@pytest.mark.parametrize("pods", [False, True])
def test_every_release_reads_back_what_it_writes(version: str, gate: bool, pods: bool) -> None:
    cpu, memory = _cpu_state(pods), _memory_state(pods)
    keeps_pods = gate and checkpoint_formats(version).plrm_gate
    cpu_back = restore_cpu_checkpoint(
        encode_cpu_checkpoint(cpu, "static", pod_level_gate=gate, version=version),
        policy_name="static",
        pod_level_gate=gate,
        version=version,
    )
    assert cpu_back.read_as == cpu_format_written(version, gate)
    assert cpu_back.state.get_cpu_assignments() == cpu.get_cpu_assignments()
    assert cpu_back.state.get_default_cpu_set() == cpu.get_default_cpu_set()
    expected_pods = cpu.get_pod_cpu_assignments() if keeps_pods or version == "1.37" else {}
    assert cpu_back.state.get_pod_cpu_assignments() == expected_pods
    mem_back = restore_memory_checkpoint(
        encode_memory_checkpoint(memory, "Static", pod_level_gate=gate, version=version),
        policy_name="Static",
        pod_level_gate=gate,
        version=version,
    )
    assert mem_back.read_as == memory_format_written(version, gate)
    assert mem_back.state.get_memory_assignments() == memory.get_memory_assignments()
    want = memory.get_pod_memory_assignments() if keeps_pods or version == "1.37" else {}
    assert mem_back.state.get_pod_memory_assignments() == want


# ----- hand-written files from the documented layouts -----------------------------------------------
def _v2_checksum(policy: str, default: str, entries: dict[str, dict[str, str]]) -> int:
    value = {"PolicyName": policy, "DefaultCPUSet": default, "Entries": entries, "Checksum": 0}
    return checkpoint_checksum(CPU_V2_TYPE, value, legacy_name="CPUManagerCheckpoint")


def test_hand_written_cpu_v4_reads_on_1_37_and_older_releases_read_its_v2_part() -> None:
    # kubernetes#139102: the V2 fields with their V2 checksum, then data + dataChecksum
    data = (
        '{"policyName":"static","defaultCpuSet":"0-1,4-7","entries":{"pod-b":{"x":"8-9","y":"10-11"}},'
        '"podEntries":{"pod-b":{"cpuSet":"8-11"}}}'
    )
    v2 = _v2_checksum("static", "0-1,4-7", {"pod-b": {"x": "8-9", "y": "10-11"}})
    doc = (
        '{"policyName":"static","defaultCpuSet":"0-1,4-7","entries":{"pod-b":{"x":"8-9","y":"10-11"}},'
        f'"checksum":{v2},"data":{json.dumps(data)},"dataChecksum":{fnv1a_32("(string)" + data)}}}'
    )
    assert data_checksum(data) == fnv1a_32("(string)" + data)
    got = restore_cpu_checkpoint(doc, policy_name="static", pod_level_gate=True, version="1.37")
    assert got.read_as == "V4"
    assert got.state.get_pod_cpu_assignments() == {"pod-b": parse_cpuset("8-11")}
    # podfit writes the same bytes
    assert encode_cpu_format(got.state, "static", "V4") == doc.encode()
    for version in ("1.33", "1.34", "1.35", "1.36"):
        for gate in (False, True):
            old = restore_cpu_checkpoint(doc, policy_name="static", pod_level_gate=gate, version=version)
            assert old.read_as == "V2"
            assert old.state.get_pod_cpu_assignments() == {}  # podEntries lost on a downgrade
            assert old.state.get_cpu_assignments() == got.state.get_cpu_assignments()


def test_hand_written_memory_v3_reads_on_1_37_and_older_releases_read_its_v1_part() -> None:
    state = _memory_state(True)
    data = encode_memory_format(state, "Static", "V3")
    doc = json.loads(data)
    assert list(doc) == ["policyName", "machineState", "entries", "checksum", "data", "dataChecksum"]
    assert doc["dataChecksum"] == fnv1a_32("(string)" + doc["data"])
    assert json.loads(doc["data"])["podEntries"] == {
        "pod-b": {"memoryBlocks": [{"numaAffinity": [0], "type": "memory", "size": 2 * GI}]}
    }
    v1 = json.loads((ORACLE / "w-1.35-plrmfalse" / "memory_manager_state").read_bytes())
    assert doc["checksum"] == v1["checksum"]  # the V1 part is what 1.35 writes for the same entries
    got = restore_memory_checkpoint(data, policy_name="Static", pod_level_gate=True, version="1.37")
    assert (got.read_as, got.state.get_pod_memory_assignments()) == ("V3", state.get_pod_memory_assignments())
    for version in ("1.33", "1.34", "1.35", "1.36"):
        old = restore_memory_checkpoint(data, policy_name="Static", pod_level_gate=False, version=version)
        assert old.read_as == "V1"
        assert old.state.get_pod_memory_assignments() == {}


def test_hand_written_cpu_v1_is_migrated_with_the_container_map() -> None:
    doc = '{"policyName":"static","defaultCpuSet":"0-1","entries":{"cid-1":"2-3"},"checksum":0}'
    ids = {"cid-1": ("pod-a", "c1")}
    for version in SUPPORTED_RELEASES:
        got = restore_cpu_checkpoint(
            doc, policy_name="static", pod_level_gate=False, version=version, container_ids=ids
        )
        assert got.read_as == "V1"
        assert got.state.get_cpu_assignments() == {"pod-a": {"c1": 0b1100}}


# ----- one test per switch, per release ------------------------------------------------------------------
WRITES = {  # release -> (cpu gate off, cpu gate on, memory gate off, memory gate on)
    "1.33": ("V2", "V2", "V1", "V1"),
    "1.34": ("V2", "V2", "V1", "V1"),
    "1.35": ("V2", "V2", "V1", "V1"),
    "1.36": ("V2", "V3", "V1", "V2"),
    "1.37": ("V4", "V4", "V3", "V3"),
}


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_switch_written_formats(version: str) -> None:
    cpu, memory = _cpu_state(True), _memory_state(True)
    got = []
    for gate in (False, True):
        got.append(json.loads(encode_cpu_checkpoint(cpu, "static", pod_level_gate=gate, version=version)))
    mem = [
        json.loads(encode_memory_checkpoint(memory, "Static", pod_level_gate=g, version=version))
        for g in (False, True)
    ]

    def cpu_kind(doc: dict[str, Any]) -> str:
        return "V4" if "data" in doc else "V3" if "podEntries" in doc else "V2"

    def mem_kind(doc: dict[str, Any]) -> str:
        return "V3" if "data" in doc else "V2" if "podEntries" in doc else "V1"

    assert (cpu_kind(got[0]), cpu_kind(got[1]), mem_kind(mem[0]), mem_kind(mem[1])) == WRITES[version]


READ_CHAINS = {  # release -> cpu attempts (gate off, gate on), memory attempts (off, on)
    "1.33": (("V1", "V2"), ("V1", "V2"), ("V1",), ("V1",)),
    "1.34": (("V1", "V2"), ("V1", "V2"), ("V1",), ("V1",)),
    "1.35": (("V1", "V2"), ("V1", "V2"), ("V1",), ("V1",)),
    "1.36": (("V2", "V1"), ("V3", "V2", "V1"), ("V1",), ("V2", "V1")),
    "1.37": (("V4", "V3", "V2", "V1"),) * 2 + (("V3", "V2", "V1"),) * 2,
}


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_switch_read_chains(version: str) -> None:
    f = checkpoint_formats(version)
    assert (f.cpu_read, f.cpu_read_plrm, f.memory_read, f.memory_read_plrm) == READ_CHAINS[version]


# what a V3 file with pod entries (1.36, gate on) gives each release: the kubelet's refusal text
V3_FILE = ORACLE / "w-1.36-plrmtrue" / "cpu_manager_state"
V3_READ = {
    ("1.33", False): "checkpoint is corrupted",
    ("1.34", False): "checkpoint is corrupted",
    ("1.35", False): "checkpoint is corrupted",
    ("1.36", False): "json: cannot unmarshal object into Go struct field "
    "CPUManagerCheckpointV1.entries of type string",
    ("1.36", True): "V3",
    ("1.37", False): "V3",
    ("1.37", True): "V3",
}


@pytest.mark.parametrize(("version", "gate"), sorted(V3_READ))
def test_switch_v3_file_by_release(version: str, gate: bool) -> None:
    try:
        got = restore_cpu_checkpoint(
            V3_FILE.read_bytes(), policy_name="static", pod_level_gate=gate, version=version
        )
    except CheckpointError as exc:
        assert exc.reason == V3_READ[version, gate]
        return
    assert got.read_as == V3_READ[version, gate]


MIGRATION = {
    "1.33": "error migrating v1 checkpoint state to v2 checkpoint state: ",
    "1.34": "error migrating v1 checkpoint state to v2 checkpoint state: ",
    "1.35": "error migrating v1 checkpoint state to v2 checkpoint state: ",
    "1.36": "failed to migrate checkpoint from v1 to v2: ",
    "1.37": "failed to migrate checkpoint from v1 to v2: ",
}


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_switch_v1_migration_text(version: str) -> None:
    doc = '{"policyName":"none","defaultCpuSet":"1-3","entries":{"cid":"4"},"checksum":0}'
    with pytest.raises(CheckpointError) as info:
        restore_cpu_checkpoint(doc, policy_name="none", pod_level_gate=False, version=version)
    assert info.value.reason == MIGRATION[version] + "containerID 'cid' not found in initial containers list"


ZERO_MEMORY_V1 = {"1.33": False, "1.34": False, "1.35": False, "1.36": True, "1.37": True}


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_switch_memory_v1_zero_checksum(version: str) -> None:
    # before 1.36 the memory manager verified its (only) version strictly: checksum 0 is corrupt
    doc = json.loads((ORACLE / "w-1.35-plrmfalse" / "memory_manager_state").read_bytes())
    doc["checksum"] = 0
    data = json.dumps(doc, separators=(",", ":"))
    try:
        restore_memory_checkpoint(data, policy_name="Static", pod_level_gate=False, version=version)
    except CheckpointError as exc:
        assert exc.reason == "checkpoint is corrupted"
        assert not ZERO_MEMORY_V1[version]
        return
    assert ZERO_MEMORY_V1[version]


ZERO_MEMORY_V2 = {"1.36": False, "1.37": True}


@pytest.mark.parametrize("version", sorted(ZERO_MEMORY_V2))
def test_switch_memory_v2_zero_checksum(version: str) -> None:
    # a V2 (pod entries) with checksum 0: 1.37 reads it as V2; 1.36 falls back to V1 (whose
    # migration keeps the pod entries the failed V2 attempt decoded)
    doc = json.loads((ORACLE / "w-1.36-plrmtrue" / "memory_manager_state").read_bytes())
    doc["checksum"] = 0
    got = restore_memory_checkpoint(
        json.dumps(doc), policy_name="Static", pod_level_gate=True, version=version
    )
    assert got.read_as == ("V2" if ZERO_MEMORY_V2[version] else "V1")
    assert got.state.get_pod_memory_assignments() == {"pod-b": (Block((0,), "memory", 2 * GI),)}


V2_OWN_NAME = {"1.33": False, "1.34": False, "1.35": False, "1.36": True, "1.37": True}


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_switch_cpu_v2_own_name_checksum(version: str) -> None:
    # a V2 hashed under the struct name CPUManagerCheckpointV2 (what no release writes): 1.36+
    # accept it with the gate off; before, the name is CPUManagerCheckpoint only
    value = {"PolicyName": "static", "DefaultCPUSet": "0-3", "Entries": {}, "Checksum": 0}
    own = checkpoint_checksum(CPU_V2_TYPE, value)
    doc = f'{{"policyName":"static","defaultCpuSet":"0-3","checksum":{own}}}'
    try:
        restore_cpu_checkpoint(doc, policy_name="static", pod_level_gate=False, version=version)
    except CheckpointError:
        assert not V2_OWN_NAME[version]
        return
    assert V2_OWN_NAME[version]


def test_every_release_has_a_table() -> None:
    assert sorted(CHECKPOINT_FORMATS) == sorted(SUPPORTED_RELEASES)
    assert [v for v in SUPPORTED_RELEASES if CHECKPOINT_FORMATS[v].restart_readmission_fixes] == ["1.37"]
    assert [v for v in SUPPORTED_RELEASES if CHECKPOINT_FORMATS[v].plrm_gate] == ["1.36", "1.37"]
