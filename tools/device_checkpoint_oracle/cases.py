"""The inputs of the device-checkpoint probe (``devckpt``): marshal cases (checkpoint data the
probe turns into a file with the real ``checkpoint.New(...).MarshalCheckpoint``) and read cases
(file bytes the probe reads with the real ``checkpointmanager.GetCheckpoint`` and, per entry, the
release's ``AllocResp`` decoder). Run ``python -m tools.device_checkpoint_oracle.cases`` to print
them as JSON lines; README.md says how the outputs were made.

Read cases built from a marshal case's output (``from``) are expanded by :func:`expand_reads`
once the probe has answered the marshal cases.
"""

from __future__ import annotations

import base64
import json
import random
import sys
from pathlib import Path
from typing import Any

GPU = "example.com/gpu"


def _entry(uid: str, name: str, resource: str, ids: Any, alloc: str | None = "") -> dict[str, Any]:
    return {
        "PodUID": uid,
        "ContainerName": name,
        "ResourceName": resource,
        "DeviceIDs": ids,
        "AllocResp": alloc,
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# a ContainerAllocateResponse: envs {"A": "b"}, one mount, one device spec, annotations, one CDI device
ALLOC_FULL = bytes.fromhex(
    "0a060a0141120162"  # envs entry A=b
    "120a0a012f12012f1801"  # mounts {container_path "/", host_path "/", read_only true}
    "1a090a012f12012f1a0172"  # devices {"/", "/", "r"}
    "22060a016b120176"  # annotations k=v
    "2a050a03636469"  # cdi_devices {name "cdi"}
)

MARSHAL: list[dict[str, Any]] = [
    {"id": "empty", "entries": None, "registered": {}},
    {"id": "empty-entries-not-nil", "entries": [], "registered": {}},
    {"id": "registered-nil", "entries": None, "registered": None},
    {
        "id": "one-gpu",
        "entries": [_entry("uid-1", "app", GPU, {"0": ["gpu-0"]})],
        "registered": {GPU: ["gpu-0", "gpu-1"]},
    },
    {
        "id": "numa-order",
        "entries": [
            _entry(
                "uid-1",
                "app",
                GPU,
                {"2": ["g2"], "10": ["g10"], "-1": ["nt"], "0": ["g0", "g0b"], "1": ["g1"]},
            )
        ],
        "registered": {GPU: ["g0", "g0b", "g1", "g2", "g10"], "example.com/nic": []},
    },
    {
        "id": "alloc-resp-forms",
        "entries": [
            _entry("u", "a", GPU, {"0": ["x"]}, None),
            _entry("u", "b", GPU, {"0": ["y"]}, ""),
            _entry("u", "c", GPU, {"0": ["z"]}, _b64(ALLOC_FULL)),
        ],
        "registered": {GPU: ["x", "y", "z"]},
    },
    {
        "id": "nils-inside",
        "entries": [
            _entry("u", "a", GPU, None, None),
            _entry("u", "b", GPU, {}, ""),
            _entry("u", "c", GPU, {"0": None, "1": []}, ""),
        ],
        "registered": {GPU: None, "example.com/other": []},
    },
    {
        "id": "text-escapes",
        "entries": [_entry('ü<>&"\\\n\t\u2028', "c\u00e9", "vendor.io/<dev>&", {"0": ["a b", "é", "<x>"]})],
        "registered": {"vendor.io/<dev>&": ["a b", "é", "<x>"]},
    },
    {
        "id": "many",
        "entries": [
            _entry(f"pod-{p}", f"c{c}", r, {str(n): [f"{r}#{n}#{i}" for i in range(2)] for n in (0, 1)})
            for p in range(3)
            for c in range(2)
            for r in (GPU, "example.com/nic")
        ],
        "registered": {GPU: [f"{GPU}#0#{i}" for i in range(4)], "example.com/nic": ["n"]},
    },
]

BASE = '{"Data":{"PodDeviceEntries":[%s],"RegisteredDevices":{"r":["d"]}},"Checksum":%s}'
ENTRY = '{"PodUID":"u","ContainerName":"c","ResourceName":"r","DeviceIDs":%s,"AllocResp":%s}'


def _hand(ids: str = '{"0":["d"]}', alloc: str = '""', checksum: str = "1") -> str:
    return BASE % (ENTRY % (ids, alloc), checksum)


def _fnv1a_32(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


# A file written by hand from the struct definitions (devicemanager/checkpoint/checkpoint.go) and the
# checksum recipe (FNV-1a 32 of the go-spew ``%#v`` text of the checkpointData value): two GPUs on
# NUMA 0 and 1 for one container, AllocResp = envs {NVIDIA_VISIBLE_DEVICES: "GPU-a,GPU-b"}.
HAND_ALLOC = b"\x0a\x25\x0a\x16NVIDIA_VISIBLE_DEVICES\x12\x0bGPU-a,GPU-b"
HAND_SPEW = (
    "(checkpoint.checkpointData){PodDeviceEntries:([]checkpoint.PodDevicesEntry)[{PodUID:(string)"
    "5f1c7a8e-0000-4000-8000-000000000001 ContainerName:(string)cuda ResourceName:(string)nvidia.com/gpu "
    "DeviceIDs:(checkpoint.DevicesPerNUMA)map[0:[GPU-a] 1:[GPU-b]] AllocResp:([]uint8)["
    + " ".join(str(b) for b in HAND_ALLOC)
    + "]}] RegisteredDevices:(map[string][]string)map[nvidia.com/gpu:[GPU-a GPU-b GPU-c]]}"
)
HAND_FILE = (
    '{"Data":{"PodDeviceEntries":[{"PodUID":"5f1c7a8e-0000-4000-8000-000000000001",'
    '"ContainerName":"cuda","ResourceName":"nvidia.com/gpu","DeviceIDs":{"0":["GPU-a"],"1":["GPU-b"]},'
    f'"AllocResp":"{_b64(HAND_ALLOC)}"}}],"RegisteredDevices":{{"nvidia.com/gpu":["GPU-a","GPU-b","GPU-c"]}}}},'
    f'"Checksum":{_fnv1a_32(HAND_SPEW.encode())}}}'
)

# file texts read as they are (most fail: the checksum is not computed for them)
READ_TEXT: list[tuple[str, str | None]] = [
    ("hand-written", HAND_FILE),
    ("missing", None),
    ("empty", ""),
    ("whitespace", "  \n"),
    ("null", "null"),
    ("array", "[1]"),
    ("string", '"x"'),
    ("number", "7"),
    ("not-json", "this is not JSON"),
    ("object-no-fields", "{}"),
    ("truncated-object", '{"Data":{"PodDeviceEntries":['),
    ("trailing-garbage", '{"Checksum":1} x'),
    ("pre-1.20-device-ids-list", _hand(ids='["d"]')),
    ("device-ids-string", _hand(ids='"d"')),
    ("numa-key-not-a-number", _hand(ids='{"zero":["d"]}')),
    ("numa-key-plus", _hand(ids='{"+1":["d"]}')),
    ("numa-key-overflow", _hand(ids='{"9223372036854775808":["d"]}')),
    ("device-id-number", _hand(ids='{"0":[5]}')),
    ("checksum-string", _hand(checksum='"1"')),
    ("checksum-negative", _hand(checksum="-1")),
    ("checksum-float", _hand(checksum="1.5")),
    ("checksum-exponent", _hand(checksum="1e3")),
    ("checksum-over-uint64", _hand(checksum="18446744073709551616")),
    ("checksum-zero", _hand(checksum="0")),
    ("alloc-number", _hand(alloc="5")),
    ("alloc-object", _hand(alloc="{}")),
    ("alloc-array", _hand(alloc="[1,2,255]")),
    ("alloc-array-overflow", _hand(alloc="[256]")),
    ("alloc-array-negative", _hand(alloc="[-1]")),
    ("entries-object", BASE.replace("[%s]", "%s") % ("{}", "1")),
    ("registered-array", '{"Data":{"RegisteredDevices":["r"]},"Checksum":1}'),
    ("data-string", '{"Data":"x","Checksum":1}'),
    ("two-type-errors", _hand(ids='["d"]', checksum='"1"')),
]
for i, text in enumerate(
    [
        "QQ==",
        "QQ=",
        "QQ",
        "Q",
        "QUJD",
        "QUJ=D",
        "Q===",
        "=",
        "QQ==QQ==",
        "QU\\nJD",
        "QU\\rJD\\n",
        "QQ\\n=\\n=",
        "QQ=\\n=",
        "QUI=x",
        "QU JD",
        "Zm9v!",
        "Zm9vYg",
        "Zm9vYmE=",
        "Zm9vYmE",
        "_-__",
        "QQ==\\n",
        "\\nQQ==",
    ]
):
    READ_TEXT.append((f"base64-{i}", _hand(alloc=json.dumps(text).replace("\\\\", "\\"))))

# checkpoint file edits applied to a marshal case's output: (id, from, how)
EDITS: list[tuple[str, str, str]] = [
    ("ok-one-gpu", "one-gpu", "same"),
    ("ok-numa-order", "numa-order", "same"),
    ("ok-alloc-resp-forms", "alloc-resp-forms", "same"),
    ("ok-nils-inside", "nils-inside", "same"),
    ("ok-text-escapes", "text-escapes", "same"),
    ("ok-many", "many", "same"),
    ("ok-empty", "empty", "same"),
    ("ok-empty-entries-not-nil", "empty-entries-not-nil", "same"),
    ("ok-registered-nil", "registered-nil", "same"),
    ("truncated-half", "one-gpu", "half"),
    ("truncated-last-byte", "one-gpu", "drop-last"),
    ("checksum-off-by-one", "one-gpu", "checksum+1"),
    ("checksum-zeroed", "one-gpu", "checksum=0"),
    ("data-edited", "one-gpu", "gpu-0->gpu-1"),
    ("binary", "one-gpu", "binary"),
    ("keys-other-case", "one-gpu", "lowercase-keys"),
    ("unknown-field", "one-gpu", "extra-field"),
    ("duplicate-key-last-wins", "one-gpu", "duplicate-checksum"),
    ("pretty-printed", "many", "indent"),
]


def expand_reads(marshalled: dict[str, str]) -> list[dict[str, Any]]:
    """The read cases: texts as they are, and edits of the probe's marshal outputs."""
    out: list[dict[str, Any]] = []
    for cid, text in READ_TEXT:
        out.append({"id": cid, "op": "read", "file": None if text is None else _b64(text.encode())})
    for cid, source, how in EDITS:
        data = marshalled[source].encode()
        doc = json.loads(data)
        if how == "half":
            data = data[: len(data) // 2]
        elif how == "drop-last":
            data = data[:-1]
        elif how == "checksum+1":
            data = data.replace(b'"Checksum":%d' % doc["Checksum"], b'"Checksum":%d' % (doc["Checksum"] + 1))
        elif how == "checksum=0":
            data = data.replace(b'"Checksum":%d' % doc["Checksum"], b'"Checksum":0')
        elif how == "gpu-0->gpu-1":
            data = data.replace(b'["gpu-0"]', b'["gpu-1"]', 1)
        elif how == "binary":
            data = bytes(random.Random(7).randrange(256) for _ in range(300))
        elif how == "lowercase-keys":
            for key in ("Data", "PodDeviceEntries", "PodUID", "DeviceIDs", "Checksum"):
                data = data.replace(b'"%s"' % key.encode(), b'"%s"' % key.lower().encode())
        elif how == "extra-field":
            data = data.replace(b'"PodUID"', b'"Extra":[1,{"a":null}],"PodUID"', 1)
        elif how == "duplicate-checksum":
            data = data.replace(b'{"Data"', b'{"Checksum":1,"Data"', 1)
        elif how == "indent":
            data = json.dumps(doc, indent=2).encode()
        out.append({"id": cid, "op": "read", "file": _b64(data)})
    return out


def alloc_corpus() -> list[bytes]:
    """AllocResp byte strings: valid messages, their truncations and mutations, crafted edge cases,
    random bytes (seeded)."""
    rng = random.Random(20260901)
    crafted = [
        b"",
        ALLOC_FULL,
        b"\x0a\x00",  # an empty envs entry
        b"\x08\x01",  # field 1 with varint wire type (gogo: error; protobuf-go: unknown field)
        b"\x18\x01",  # mounts as varint
        b"\x0a\x02\x08\x01",  # envs entry whose key is a varint
        b"\x0a\x03\x0a\x01\xff",  # envs key not UTF-8
        b"\x12\x03\x0a\x01\xff",  # mount container_path not UTF-8
        b"\x2a\x03\x0a\x01\xff",  # cdi name not UTF-8
        b"\x0a\x04\x0a\x05AB",  # map entry key length past the entry
        b"\x0a\x02\x0a\x05AAAAA",  # key length past the entry, inside the message
        b"\x80\x01\x00",  # field 16 varint (unknown)
        b"\xf8\xff\xff\xff\x0f\x00",  # field 2^29-1 varint
        b"\x80\x80\x80\x80\x10\x00",  # field 2^29 (invalid for protobuf-go)
        b"\x00\x00",  # field 0
        b"\x0b\x0c",  # group 1 start/end
        b"\x0b\x14",  # group 1 started, group 2 ended
        b"\x0c",  # end group alone
        b"\x0e",  # wire type 6
        b"\x0f",  # wire type 7
        b"\x09" + b"\x00" * 8,  # field 1 fixed64
        b"\x0d" + b"\x00" * 3,  # field 1 fixed32 truncated
        b"\x1a\x02\x18\x05",  # device spec with field 3 varint
        b"\x12\x02\x18\x02",  # mount read_only = 2
        b"\x12\x02\x1a\x00",  # mount field 3 as bytes
        b"\x0a" + b"\xff" * 10 + b"\x01",  # over-long length varint
        b"\x08" + b"\xff" * 9 + b"\x01",  # 10-byte varint value
        b"\x08" + b"\xff" * 9 + b"\x02",  # 10th byte > 1
        b"\x80" * 11,  # never-ending tag varint
        b"\x22\x06\x0a\x01k\x12\x01\xc3",  # annotation value truncated UTF-8
        b"\x0a\x06\x1a\x01A\x12\x01b",  # map entry with unknown field 3 then value
        b"\x0a\x08\x0a\x01A\x12\x01b\x08\x01",  # map entry with a trailing varint field 1
    ]
    out = list(crafted)
    for base in (ALLOC_FULL, b"\x0a\x06\x0a\x01A\x12\x01b", b"\x12\x0a\x0a\x01/\x12\x01/\x18\x01"):
        out += [base[:i] for i in range(1, len(base))]
        for _ in range(40):
            b = bytearray(base)
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            out.append(bytes(b))
    for _ in range(150):
        out.append(bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))))
    return list(dict.fromkeys(out))


def alloc_read_case(corpus: list[bytes]) -> dict[str, Any]:
    """One read case whose file has one entry per corpus item (the probe reports each decode);
    its checksum is filled in by the marshal case of the same entries."""
    return {
        "id": "alloc-corpus",
        "op": "marshal",
        "entries": [_entry("u", f"c{i}", GPU, {"0": [f"d{i}"]}, _b64(b)) for i, b in enumerate(corpus)],
        "registered": {GPU: []},
    }


def marshal_cases() -> list[dict[str, Any]]:
    return [{"op": "marshal", **c} for c in MARSHAL] + [alloc_read_case(alloc_corpus())]


if __name__ == "__main__":
    if len(sys.argv) > 1:  # the probe's marshal answers: print the read cases
        answers = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines()]
        marshalled = {a["id"]: a["file"] for a in answers}
        reads = expand_reads(marshalled)
        reads.append({"id": "alloc-corpus", "op": "read", "file": _b64(marshalled["alloc-corpus"].encode())})
        for case in reads:
            print(json.dumps(case))
    else:
        for case in marshal_cases():
            print(json.dumps(case))
