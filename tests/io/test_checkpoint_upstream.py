"""Upstream checkpoint test tables (tests/upstream/checkpoint/*.yaml) run against podfit.io."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.checkpoint import cpu as cpu_cp
from podfit.checkpoint import memory as mem_cp
from podfit.checkpoint.cpu import (
    CheckpointError,
    checkpoint_checksum,
    decode_cpu_checkpoint,
    encode_cpu_checkpoint,
)
from podfit.checkpoint.gojson import StructT, decode
from podfit.checkpoint.gospew import GoString, fnv1a_32, for_hash
from podfit.checkpoint.memory import (
    decode_memory_checkpoint,
    encode_memory_checkpoint,
)
from podfit.cpu.state import CPUState
from podfit.io.checkpoints import read_cpu_checkpoint, read_memory_checkpoint
from podfit.memory.state import Block, MemoryState, MemoryTable, NUMANodeState
from podfit.model.cpuset import parse_cpuset

DATA = Path(__file__).parents[1] / "upstream" / "checkpoint"


def _load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text())


def _gate_cases(name: str) -> list[Any]:
    return [
        pytest.param(case, gate, id=f"PodLevelResourceManagers={str(gate).lower()}/{case['name']}")
        for case in _load(name)["cases"]
        for gate in case["gates"]
    ]


# ----- expected-state builders -------------------------------------------------------------------
def _cpu_state(spec: dict[str, Any]) -> CPUState:
    return CPUState(
        parse_cpuset(spec.get("default", "")),
        {
            pod: {c: parse_cpuset(s) for c, s in ctrs.items()}
            for pod, ctrs in spec.get("assignments", {}).items()
        },
        {pod: parse_cpuset(s) for pod, s in spec.get("pod_cpu_sets", {}).items()},
    )


def _blocks(rows: list[list[Any]]) -> tuple[Block, ...]:
    return tuple(Block(tuple(aff), typ, size) for aff, typ, size in rows)


def _memory_state(spec: dict[str, Any]) -> MemoryState:
    st = MemoryState()
    st.set_machine_state(
        {
            int(numa): NUMANodeState(
                n["number_of_assignments"],
                {name: MemoryTable(*row) for name, row in n["memory_map"].items()},
                tuple(n["cells"]),
            )
            for numa, n in spec.get("machine_state", {}).items()
        }
    )
    st.set_memory_assignments(
        {
            pod: {c: _blocks(rows) for c, rows in ctrs.items()}
            for pod, ctrs in spec.get("assignments", {}).items()
        }
    )
    for pod, rows in spec.get("pod_blocks", {}).items():
        st.set_pod_memory_blocks(pod, _blocks(rows))
    return st


# ----- TestCheckpointStateRestore ----------------------------------------------------------------
@pytest.mark.parametrize(("case", "gate"), _gate_cases("TestCheckpointStateRestore_cpu.yaml"))
def test_cpu_checkpoint_state_restore(case: dict[str, Any], gate: bool, tmp_path: Path) -> None:
    ids = {cid: (ref[0], ref[1]) for cid, ref in (case.get("container_ids") or {}).items()}
    if case["content"] is not None:
        (tmp_path / "cpu_manager_state").write_text(case["content"])
    if "expected_error" in case:
        with pytest.raises(CheckpointError) as info:
            read_cpu_checkpoint(
                tmp_path, policy_name=case["policy_name"], pod_level_gate=gate, container_ids=ids
            )
        assert info.value.reason == case["expected_error"]
        assert info.value.message.startswith(
            "could not restore state from checkpoint: " + case["expected_error"]
        )
        assert info.value.message.endswith(
            ", please drain this node and delete the CPU manager checkpoint file "
            f'"{tmp_path}/cpu_manager_state" before restarting Kubelet'
        )
        return
    got = read_cpu_checkpoint(
        tmp_path, policy_name=case["policy_name"], pod_level_gate=gate, container_ids=ids
    )
    if case["expected_state"] is None:
        assert got is None
    else:
        assert got is not None
        assert got.snapshot() == _cpu_state(case["expected_state"]).snapshot()


@pytest.mark.parametrize(("case", "gate"), _gate_cases("TestCheckpointStateRestore_memory.yaml"))
def test_memory_checkpoint_state_restore(case: dict[str, Any], gate: bool, tmp_path: Path) -> None:
    if case["content"] is not None:
        (tmp_path / "memory_manager_state").write_text(case["content"])
    if "expected_error" in case:
        with pytest.raises(CheckpointError) as info:
            read_memory_checkpoint(tmp_path, policy_name=case["policy_name"], pod_level_gate=gate)
        assert info.value.reason == case["expected_error"]
        assert "please drain this node and delete the memory manager checkpoint file" in info.value.message
        return
    got = read_memory_checkpoint(tmp_path, policy_name=case["policy_name"], pod_level_gate=gate)
    if case["expected_state"] is None:
        assert got is None
    else:
        assert got is not None
        assert got.snapshot() == _memory_state(case["expected_state"]).snapshot()


# ----- checksum vectors --------------------------------------------------------------------------------
_SCHEMAS: dict[str, StructT] = {
    "cpu-v1": cpu_cp.CHECKPOINT_V1,
    "cpu-v2": cpu_cp.CHECKPOINT_V2,
    "cpu-v3": cpu_cp.CHECKPOINT_V3,
    "memory-v1": mem_cp.CHECKPOINT_V1,
    "memory-v2": mem_cp.CHECKPOINT_V2,
}


@pytest.mark.parametrize(
    "vector",
    [
        pytest.param(v, id=f"{v['source']}/{v['name']}/{v['schema']}")
        for v in _load("checksums.yaml")["vectors"]
    ],
)
def test_upstream_checksum_vectors(vector: dict[str, Any]) -> None:
    if vector["schema"] == "string":
        assert fnv1a_32(for_hash(GoString("string", vector["content"]))) == vector["checksum"]
        return
    schema = _SCHEMAS[vector["schema"]]
    module = cpu_cp if schema.name.startswith("state.CPU") else mem_cp
    value = decode(schema, vector["content"], module.new_checkpoint(schema))
    assert value["Checksum"] == vector["checksum"]
    got = checkpoint_checksum(schema, value, legacy_name=vector["hashed_as"])
    assert got == vector["checksum"]
    # and a different checksum is not produced by accident for a modified policy name
    value["PolicyName"] += "x"
    assert checkpoint_checksum(schema, value, legacy_name=vector["hashed_as"]) != vector["checksum"]


# ----- TestCheckpointStateStore / Helpers / Clear ---------------------------------------------------------
_STORE = _load("TestCheckpointStateStore.yaml")


def _cpu_roundtrip(st: CPUState, gate: bool) -> CPUState:
    return decode_cpu_checkpoint(
        encode_cpu_checkpoint(st, "none", pod_level_gate=gate), policy_name="none", pod_level_gate=gate
    )


@pytest.mark.parametrize("gate", [False, True], ids=lambda g: f"PodLevelResourceManagers={str(g).lower()}")
@pytest.mark.parametrize("case", _STORE["cpu"]["TestCheckpointStateStore"], ids=lambda c: c["name"])
def test_cpu_checkpoint_state_store(case: dict[str, Any], gate: bool) -> None:
    st = _cpu_state(case)
    assert _cpu_roundtrip(st, gate).snapshot() == st.snapshot()


@pytest.mark.parametrize("gate", [False, True], ids=lambda g: f"PodLevelResourceManagers={str(g).lower()}")
@pytest.mark.parametrize("case", _STORE["cpu"]["TestCheckpointStateHelpers"], ids=lambda c: c["name"])
def test_cpu_checkpoint_state_helpers(case: dict[str, Any], gate: bool) -> None:
    st = CPUState(parse_cpuset(case["default"]))
    for pod, ctrs in case["assignments"].items():
        for name, text in ctrs.items():
            st.set_cpu_set(pod, name, parse_cpuset(text))
            st = _cpu_roundtrip(st, gate)
            assert st.get_cpu_set(pod, name) == parse_cpuset(text)
            st.delete(pod, name)
            st = _cpu_roundtrip(st, gate)
            assert st.get_cpu_set(pod, name) is None


@pytest.mark.parametrize("gate", [False, True], ids=lambda g: f"PodLevelResourceManagers={str(g).lower()}")
@pytest.mark.parametrize("case", _STORE["cpu"]["TestCheckpointStateClear"], ids=lambda c: c["name"])
def test_cpu_checkpoint_state_clear(case: dict[str, Any], gate: bool) -> None:
    st = _cpu_state(case)
    st.clear_state()
    st = _cpu_roundtrip(st, gate)
    assert st.get_default_cpu_set() == 0
    assert st.get_cpu_assignments() == {}


@pytest.mark.parametrize(
    ("case", "gate"),
    [
        pytest.param(c, g, id=f"PodLevelResourceManagers={str(g).lower()}/{c['name']}")
        for c in _STORE["memory"]["TestCheckpointStateStore"]
        for g in c["gates"]
    ],
)
def test_memory_checkpoint_state_store(case: dict[str, Any], gate: bool) -> None:
    st = _memory_state(case)
    data = encode_memory_checkpoint(st, "static", pod_level_gate=gate)
    assert (
        decode_memory_checkpoint(data, policy_name="static", pod_level_gate=gate).snapshot() == st.snapshot()
    )


@pytest.mark.parametrize("gate", [False, True], ids=lambda g: f"PodLevelResourceManagers={str(g).lower()}")
@pytest.mark.parametrize("case", _STORE["memory"]["TestCheckpointStateHelpers"], ids=lambda c: c["name"])
def test_memory_checkpoint_state_helpers(case: dict[str, Any], gate: bool) -> None:
    full = _memory_state(case)
    st = MemoryState()
    st.set_machine_state(full.get_machine_state())

    def roundtrip(s: MemoryState) -> MemoryState:
        data = encode_memory_checkpoint(s, "static", pod_level_gate=gate)
        return decode_memory_checkpoint(data, policy_name="static", pod_level_gate=gate)

    for pod, ctrs in full.get_memory_assignments().items():
        for name, blocks in ctrs.items():
            st.set_memory_blocks(pod, name, blocks)
            st = roundtrip(st)
            assert st.get_memory_blocks(pod, name) == blocks
            st.delete(pod, name)
            st = roundtrip(st)
            assert st.get_memory_blocks(pod, name) is None
