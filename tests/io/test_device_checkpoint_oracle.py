"""The device manager checkpoint against the real kubelet code of v1.33.5 - v1.36.2
(tests/golden/device-checkpoint-oracle): podfit writes the same bytes with the same checksum over
the same go-spew text, and reads every file (good, hand-written, damaged) to the same error text,
the same data and the same per-entry ``AllocResp`` verdict."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from podfit.checkpoint import devices as dev
from podfit.checkpoint.gojson import decode_partial, decode_value, encode, parse_document, to_spew
from podfit.checkpoint.gospew import for_hash

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "device-checkpoint-oracle"
RELEASES = {"1.33": "v1.33.5", "1.34": "v1.34.2", "1.35": "v1.35.3", "1.36": "v1.36.2"}


def _lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (GOLDEN / name).read_text().splitlines()]


MARSHAL_IN = {c["id"]: c for c in _lines("marshal-in.jsonl")}
READ_IN = {c["id"]: c for c in _lines("read-in.jsonl")}


def _data(case: dict[str, Any]) -> dict[str, Any]:
    """The Go value the probe built from the case (its entries decoded by encoding/json)."""
    doc = parse_document(
        json.dumps({"PodDeviceEntries": case["entries"], "RegisteredDevices": case["registered"]})
    )
    return decode_value(dev.CHECKPOINT_DATA, doc)


@pytest.mark.parametrize("answer", _lines("marshal-out.jsonl"), ids=lambda a: a["id"])
def test_podfit_writes_the_kubelet_bytes(answer: dict[str, Any]) -> None:
    data = _data(MARSHAL_IN[answer["id"]])
    if "spew" in answer:
        assert for_hash(to_spew(dev.CHECKPOINT_DATA, data)) == answer["spew"]
    assert encode(dev.CHECKPOINT, {"Data": data, "Checksum": dev.data_checksum(data)}) == answer["file"]


def _read_cases() -> list[Any]:
    return [
        pytest.param(version, answer, id=f"{tag}/{answer['id']}")
        for version, tag in RELEASES.items()
        for answer in _lines(f"read-out-{tag}.jsonl")
    ]


@pytest.mark.parametrize(("version", "answer"), _read_cases())
def test_podfit_reads_as_the_kubelet_reads(version: str, answer: dict[str, Any]) -> None:
    raw = READ_IN[answer["id"]]["file"]
    got = dev.read_device_checkpoint(None if raw is None else base64.b64decode(raw), version=version)
    assert (got.error if got.found else "checkpoint is not found") == answer["error"]
    if answer["error"] is not None:
        assert got.pods == {} and (got.checkpoint is None) == got.found
        return
    assert got.checkpoint is not None
    skipped = {id(e) for e, _ in got.skipped}
    assert [id(e) not in skipped for e in got.checkpoint.entries] == [a is None for a in answer["alloc"]]
    if "spew" in answer:  # the data as decoded (nil and empty kept apart), through podfit's own value
        assert _spew_of_read(raw) == answer["spew"]


def _spew_of_read(raw: str) -> str:
    start = {"Data": {"PodDeviceEntries": [], "RegisteredDevices": {}}, "Checksum": 0}  # getCheckpoint's
    value, err = decode_partial(dev.CHECKPOINT, base64.b64decode(raw), start, map_keys_in_path=False)
    assert value is not None and err is None
    return for_hash(to_spew(dev.CHECKPOINT_DATA, value["Data"]))


def test_the_corpus_tells_the_two_decoders_apart() -> None:
    """v1.33's gogo decoder and v1.34's protobuf-go one disagree on some AllocResp bytes."""
    per = {
        v: next(a for a in _lines(f"read-out-{t}.jsonl") if a["id"] == "alloc-corpus")["alloc"]
        for v, t in RELEASES.items()
    }
    differ = sum((a is None) != (b is None) for a, b in zip(per["1.33"], per["1.34"], strict=True))
    assert differ > 10
    assert sum(a is None for a in per["1.36"]) > 10
