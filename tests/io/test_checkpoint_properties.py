"""Checkpoint round trips, tamper detection and the v1.36 version/gate rules (podfit.io.checkpoint_*)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.checkpoint.cpu import CheckpointError, decode_cpu_checkpoint, encode_cpu_checkpoint
from podfit.checkpoint.memory import decode_memory_checkpoint, encode_memory_checkpoint
from podfit.cpu.state import CPUState
from podfit.memory.state import Block, MemoryState, MemoryTable, NUMANodeState

_NAMES = st.text(alphabet='abz09-_<>&"é\\', min_size=1, max_size=6)
_MASKS = st.integers(min_value=0, max_value=(1 << 24) - 1)


@st.composite
def cpu_states(draw: st.DrawFn) -> CPUState:
    assignments = draw(st.dictionaries(_NAMES, st.dictionaries(_NAMES, _MASKS, max_size=3), max_size=3))
    pod_sets = draw(st.dictionaries(_NAMES, _MASKS, max_size=3))
    return CPUState(draw(_MASKS), assignments, pod_sets)


_SIZES = st.integers(min_value=0, max_value=1 << 45)
_BLOCKS = st.lists(
    st.builds(
        Block,
        st.lists(st.integers(0, 12), max_size=3).map(tuple),
        st.sampled_from(["memory", "hugepages-2Mi", "hugepages-1Gi"]),
        _SIZES,
    ),
    max_size=3,
).map(tuple)


@st.composite
def memory_states(draw: st.DrawFn) -> MemoryState:
    nodes = {}
    for numa in draw(st.sets(st.integers(0, 12), max_size=4)):
        tables = {
            name: MemoryTable(*draw(st.tuples(_SIZES, _SIZES, _SIZES, _SIZES, _SIZES)))
            for name in draw(st.sets(st.sampled_from(["memory", "hugepages-2Mi"]), max_size=2))
        }
        cells = tuple(sorted(draw(st.sets(st.integers(0, 12), max_size=3))))
        nodes[numa] = NUMANodeState(draw(st.integers(0, 9)), tables, cells)
    state = MemoryState()
    state.set_machine_state(nodes)
    state.set_memory_assignments(
        draw(st.dictionaries(_NAMES, st.dictionaries(_NAMES, _BLOCKS, max_size=2), max_size=3))
    )
    for pod, blocks in draw(st.dictionaries(_NAMES, _BLOCKS, max_size=2)).items():
        state.set_pod_memory_blocks(pod, blocks)
    return state


def _without_pod_sets(s: CPUState) -> CPUState:
    return CPUState(s.get_default_cpu_set(), s.get_cpu_assignments())


# ----- round trips -----------------------------------------------------------------------------
@settings(max_examples=150)
@given(cpu_states(), st.booleans())
def test_cpu_encode_decode_round_trip(state: CPUState, gate: bool) -> None:
    data = encode_cpu_checkpoint(state, "static", pod_level_gate=gate)
    got = decode_cpu_checkpoint(data, policy_name="static", pod_level_gate=gate)
    expected = state if gate else _without_pod_sets(state)
    assert got.snapshot() == expected.snapshot()
    # the gate-off (V2) file is also readable after enabling the gate (1.35 -> 1.36 upgrade path)
    if not gate:
        assert (
            decode_cpu_checkpoint(data, policy_name="static", pod_level_gate=True).snapshot()
            == expected.snapshot()
        )


@settings(max_examples=100)
@given(memory_states(), st.booleans())
def test_memory_encode_decode_round_trip(state: MemoryState, gate: bool) -> None:
    data = encode_memory_checkpoint(state, "Static", pod_level_gate=gate)
    got = decode_memory_checkpoint(data, policy_name="Static", pod_level_gate=gate)
    expected = state.snapshot() if gate else dataclasses.replace(state.snapshot(), pod_blocks=())
    assert got.snapshot() == expected


# ----- tampering ---------------------------------------------------------------------------------
def _flip(data: bytes, pos: int, xor: int) -> bytes:
    """Flip one byte, but not inside the ``"checksum"`` key: damaging that key makes the file a
    legacy checksum-less one, which the kubelet accepts (see test_missing_checksum_key_*)."""
    pos %= len(data)
    key = data.rindex(b'"checksum"')
    if key <= pos < key + len(b'"checksum"'):
        pos = key - 1
    return data[:pos] + bytes([data[pos] ^ xor]) + data[pos + 1 :]


@settings(max_examples=300)
@given(cpu_states(), st.booleans(), st.integers(min_value=0), st.integers(1, 255))
def test_cpu_flipped_byte_never_changes_the_state_silently(
    state: CPUState, gate: bool, pos: int, xor: int
) -> None:
    data = encode_cpu_checkpoint(state, "static", pod_level_gate=gate)
    original = decode_cpu_checkpoint(data, policy_name="static", pod_level_gate=gate).snapshot()
    try:
        got = decode_cpu_checkpoint(_flip(data, pos, xor), policy_name="static", pod_level_gate=gate)
    except CheckpointError:
        return
    # Only meaning-preserving flips survive (e.g. the case of a JSON key, which Go matches
    # case-insensitively).
    assert got.snapshot() == original


@settings(max_examples=150)
@given(memory_states(), st.booleans(), st.integers(min_value=0), st.integers(1, 255))
def test_memory_flipped_byte_never_changes_the_state_silently(
    state: MemoryState, gate: bool, pos: int, xor: int
) -> None:
    data = encode_memory_checkpoint(state, "Static", pod_level_gate=gate)
    original = decode_memory_checkpoint(data, policy_name="Static", pod_level_gate=gate).snapshot()
    try:
        got = decode_memory_checkpoint(_flip(data, pos, xor), policy_name="Static", pod_level_gate=gate)
    except CheckpointError:
        return
    assert got.snapshot() == original


def test_missing_checksum_key_is_a_legacy_checkpoint() -> None:
    # V3 cannot verify checksum 0; the V2 reader accepts it, and v1.36 migrates V2 into the value
    # the failed V3 attempt decoded (loadAndMigrateCheckpointV3 reuses checkpointV3; GetCheckpoint
    # unmarshals before it verifies): the pod entries decoded by that attempt survive.
    data = encode_cpu_checkpoint(CPUState(1, {"p": {"a": 2}}, {"p": 2}), "static", pod_level_gate=True)
    damaged = data.replace(b'"checksum"', b'"bhecksum"')
    got = decode_cpu_checkpoint(damaged, policy_name="static", pod_level_gate=True)
    assert got.get_pod_cpu_assignments() == {"p": 2}
    assert got.get_cpu_assignments() == {"p": {"a": 2}}
    # with the gate off v1.36 reads V2 only: no pod entries
    off = decode_cpu_checkpoint(damaged, policy_name="static", pod_level_gate=False)
    assert off.get_pod_cpu_assignments() == {}


@pytest.mark.parametrize("gate", [False, True])
def test_cpu_flipped_value_byte_is_refused(gate: bool) -> None:
    state = CPUState(0b1110, {"pod": {"c": 0b110000}}, {"pod": 0b110000})
    data = encode_cpu_checkpoint(state, "static", pod_level_gate=gate)
    tampered = data.replace(b'"c":"4-5"', b'"c":"4-6"')
    assert tampered != data
    with pytest.raises(CheckpointError) as info:
        decode_cpu_checkpoint(tampered, policy_name="static", pod_level_gate=gate)
    # every reader refuses it; the kubelet reports the last one's error (V1 cannot parse entries;
    # Go 1.26's v1 encoding/json leaves the map key out of the path, as v1.36.2 does: checkpoints-oracle)
    assert info.value.reason == (
        "json: cannot unmarshal object into Go struct field CPUManagerCheckpointV1.entries of type string"
    )
    plain = encode_cpu_checkpoint(CPUState(0b1110), "static", pod_level_gate=gate)
    with pytest.raises(CheckpointError) as info:
        decode_cpu_checkpoint(plain.replace(b'"1-3"', b'"1-2"'), policy_name="static", pod_level_gate=gate)
    assert info.value.reason == "checkpoint is corrupted"


# ----- exact bytes and v1.36 version rules ----------------------------------------------------------------
def test_cpu_v2_bytes_match_the_1_35_format() -> None:
    # upstream vector "Restore default cpu set" (checksum 354655845, struct CPUManagerCheckpoint)
    data = encode_cpu_checkpoint(CPUState(0b1110000), "none", pod_level_gate=False)
    assert data == b'{"policyName":"none","defaultCpuSet":"4-6","checksum":354655845}'
    state = CPUState(0b1110, {"pod": {"container1": 0b1110000, "container2": 0b1110}})
    data = encode_cpu_checkpoint(state, "none", pod_level_gate=False)
    assert json.loads(data)["checksum"] == 3610638499


def test_cpu_v3_field_order_and_pod_entries() -> None:
    state = CPUState(0b1, {"p": {"a": 0b110}}, {"p": 0b110, "q": 0})
    data = encode_cpu_checkpoint(state, "static", pod_level_gate=True)
    text = data.decode()
    assert text.startswith('{"policyName":"static","defaultCpuSet":"0","entries":{"p":{"a":"1-2"}},')
    assert '"podEntries":{"p":{"cpuSet":"1-2"},"q":{}},"checksum":' in text


def test_cpu_gate_off_cannot_read_a_v3_file() -> None:
    with_entries = encode_cpu_checkpoint(
        CPUState(1, {"p": {"a": 2}}, {"p": 2}), "static", pod_level_gate=True
    )
    with pytest.raises(CheckpointError) as info:
        decode_cpu_checkpoint(with_entries, policy_name="static", pod_level_gate=False)
    # V2 cannot verify the V3 checksum, then the V1 reader fails on the nested entries
    assert info.value.reason == (
        "json: cannot unmarshal object into Go struct field CPUManagerCheckpointV1.entries of type string"
    )
    no_entries = encode_cpu_checkpoint(CPUState(1), "static", pod_level_gate=True)
    with pytest.raises(CheckpointError) as info:
        decode_cpu_checkpoint(no_entries, policy_name="static", pod_level_gate=False)
    assert info.value.reason == "checkpoint is corrupted"


def test_cpu_v3_with_zero_checksum_falls_back_to_v2() -> None:
    doc = (
        '{"policyName":"static","defaultCpuSet":"0","entries":{"p":{"a":"1"}},'
        '"podEntries":{"p":{"cpuSet":"1"}},"checksum":0}'
    )
    got = decode_cpu_checkpoint(doc, policy_name="static", pod_level_gate=True)
    # V2 is migrated into the value the failed V3 attempt decoded: its pod entries stay (v1.36.2
    # state_checkpoint.go loadAndMigrateCheckpointV3 / migrateV2CheckpointToV3Checkpoint)
    assert got.get_pod_cpu_assignments() == {"p": 0b10}
    assert got.get_cpu_assignments() == {"p": {"a": 0b10}}


def test_cpu_v1_migration_needs_the_container() -> None:
    doc = '{"policyName":"none","defaultCpuSet":"1-3","entries":{"cid":"4"},"checksum":0}'
    with pytest.raises(CheckpointError) as info:
        decode_cpu_checkpoint(doc, policy_name="none", pod_level_gate=False)
    assert info.value.reason == (
        "failed to migrate checkpoint from v1 to v2: containerID 'cid' not found in initial containers list"
    )
    got = decode_cpu_checkpoint(
        doc, policy_name="none", pod_level_gate=True, container_ids={"cid": ("pod", "c")}
    )
    assert got.get_cpu_assignments() == {"pod": {"c": 0b10000}}


def test_cpu_policy_mismatch_message() -> None:
    data = encode_cpu_checkpoint(CPUState(1), "none", pod_level_gate=True)
    with pytest.raises(CheckpointError) as info:
        decode_cpu_checkpoint(
            data, policy_name="static", pod_level_gate=True, path="/var/lib/kubelet/cpu_manager_state"
        )
    assert info.value.message == (
        'could not restore state from checkpoint: configured policy "static" differs from state checkpoint '
        'policy "none", please drain this node and delete the CPU manager checkpoint file '
        '"/var/lib/kubelet/cpu_manager_state" before restarting Kubelet'
    )


def test_json_keys_match_case_insensitively_and_escape_html() -> None:
    doc = '{"POLICYNAME":"none","defaultcpuset":"4-6","checksum":354655845}'
    assert (
        decode_cpu_checkpoint(doc, policy_name="none", pod_level_gate=False).get_default_cpu_set()
        == 0b1110000
    )
    data = encode_cpu_checkpoint(CPUState(0, {"<a&b>": {"c": 1}}), "none", pod_level_gate=False)
    assert b'"\\u003ca\\u0026b\\u003e"' in data


def test_memory_numa_keys_sort_as_text_and_v1_matches_upstream() -> None:
    state = MemoryState()
    table = MemoryTable(2048, 512, 1536, 512, 1024)
    state.set_machine_state(
        {2: NUMANodeState(0, {"memory": table}, (2,)), 10: NUMANodeState(0, {"memory": table}, (10,))}
    )
    text = encode_memory_checkpoint(state, "Static", pod_level_gate=False).decode()
    assert text.index('"10":') < text.index('"2":')
    # upstream vector "Restore checkpoint from v1 (migration)" re-encoded byte for byte
    vec = MemoryState()
    vec.set_machine_state({0: NUMANodeState(0, {"memory": table}, ())})
    vec.set_memory_assignments({"pod": {"container1": (Block((0,), "memory", 512),)}})
    assert encode_memory_checkpoint(vec, "static", pod_level_gate=False) == (
        b'{"policyName":"static","machineState":{"0":{"numberOfAssignments":0,"memoryMap":{"memory":'
        b'{"total":2048,"systemReserved":512,"allocatable":1536,"reserved":512,"free":1024}},"cells":[]}},'
        b'"entries":{"pod":{"container1":[{"numaAffinity":[0],"type":"memory","size":512}]}},"checksum":4215593881}'
    )
    vec.set_pod_memory_blocks("pod", (Block((0,), "memory", 512),))
    assert json.loads(encode_memory_checkpoint(vec, "static", pod_level_gate=True))["checksum"] == 1278640530


def test_memory_gate_off_cannot_read_a_v2_file() -> None:
    state = MemoryState()
    state.set_pod_memory_blocks("pod", (Block((0,), "memory", 512),))
    data = encode_memory_checkpoint(state, "Static", pod_level_gate=True)
    with pytest.raises(CheckpointError) as info:
        decode_memory_checkpoint(
            data, policy_name="Static", pod_level_gate=False, path="/x/memory_manager_state"
        )
    assert info.value.message == (
        "could not restore state from checkpoint: checkpoint is corrupted, please drain this node and delete "
        'the memory manager checkpoint file "/x/memory_manager_state" before restarting Kubelet'
    )
