"""Whether a device checkpoint entry's ``AllocResp`` decodes as the kubelet decodes it: the protobuf
wire format of the device plugin API's ``ContainerAllocateResponse`` (v1beta1), walked without
building the message. The kubelet skips an entry that does not decode (``fromCheckpointData``).

Two decoders, per release (``CheckpointFormats.device_alloc_resp_decoder`` in
:mod:`podfit.release.checkpoint_formats`):

* ``gogo`` (v1.33: the gogo-generated ``ContainerAllocateResponse.Unmarshal``): a known field with
  another wire type is an error; strings are not checked for UTF-8; a map entry's key and value are
  bounded by the enclosing message, not by the entry;
* ``protobuf-go`` (v1.34 on: ``proto.Unmarshal``): a known field with another wire type is kept as
  an unknown field; proto3 strings (map keys and values included) must be valid UTF-8; field numbers
  must lie in 1 .. 2^29-1.

Both refuse truncated data, over-long varints, lengths past the end, wire types 6 and 7, and
unbalanced groups. The reasons returned are podfit's words (the Go texts are not reproduced: the
protobuf-go ones are deliberately unstable). The verdicts were checked against both real decoders
on 354 byte strings (tests/golden/device-checkpoint-oracle, case ``alloc-corpus``).
"""

from __future__ import annotations

from typing import Final

from podfit.release.checkpoint_formats import DEVICE_ALLOC_GOGO

__all__ = ["alloc_resp_error"]

_STRING: Final = "string"
_BOOL: Final = "bool"
_MAP: Final = "map"
# message name -> field number -> kind (a kind that is not string/bool/map names a message)
_MESSAGES: Final[dict[str, dict[int, str]]] = {
    "ContainerAllocateResponse": {1: _MAP, 2: "Mount", 3: "DeviceSpec", 4: _MAP, 5: "CDIDevice"},
    "Mount": {1: _STRING, 2: _STRING, 3: _BOOL},
    "DeviceSpec": {1: _STRING, 2: _STRING, 3: _STRING},
    "CDIDevice": {1: _STRING},
    "MapEntry": {1: _STRING, 2: _STRING},
}
_MAX_FIELD: Final = (1 << 29) - 1
_MASK64: Final = (1 << 64) - 1
_VARINT: Final = 0
_BYTES: Final = 2
_START_GROUP: Final = 3
_END_GROUP: Final = 4


class _Bad(Exception):
    pass


def _varint(b: bytes, i: int, end: int, gogo: bool) -> tuple[int, int]:
    """A varint at ``b[i:end]``: (value, next index)."""
    v = 0
    shift = 0
    while True:
        if gogo and shift >= 64:
            raise _Bad("a varint longer than 64 bits")
        if i >= end:
            raise _Bad("truncated")
        c = b[i]
        i += 1
        if not gogo and shift == 63 and c > 1:
            raise _Bad("a varint longer than 64 bits")
        v = (v | (c & 0x7F) << shift) & _MASK64
        if c < 0x80:
            return v, i
        shift += 7


def _length(b: bytes, i: int, end: int, limit: int, gogo: bool) -> tuple[int, int]:
    """A length prefix and the end of what it delimits (not past ``limit``)."""
    n, i = _varint(b, i, end, gogo)
    if gogo and n >= 1 << 63:  # Go's int(...) is negative
        raise _Bad("a negative length")
    if i + n > limit:
        raise _Bad("a length past the end")
    return i, i + n


def _skip(b: bytes, i: int, end: int, num: int, wire: int, gogo: bool, depth: int) -> int:
    """Past an unknown field's value. Mirrors: protowire ConsumeFieldValue / gogo skipApi"""
    if wire == _VARINT:
        return _varint(b, i, end, gogo)[1]
    if wire in (1, 5):
        size = 8 if wire == 1 else 4
        if i + size > end:
            raise _Bad("truncated")
        return i + size
    if wire == _BYTES:
        return _length(b, i, end, end, gogo)[1]
    if wire == _START_GROUP:
        if depth > 10000:
            raise _Bad("groups nested too deep")
        while True:
            tag, i = _varint(b, i, end, gogo)
            num2, wire2 = tag >> 3, tag & 7
            if not gogo and not 1 <= num2 <= 0x7FFFFFFF:
                raise _Bad("an invalid field number")
            if wire2 == _END_GROUP:
                if not gogo and num2 != num:
                    raise _Bad("a group closed by another field number")
                return i
            i = _skip(b, i, end, num2, wire2, gogo, depth + 1)
    if wire == _END_GROUP:
        raise _Bad("an end of group without its start")
    raise _Bad(f"wire type {wire}")


def _int32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _gogo_entry(b: bytes, i: int, entry_end: int, outer_end: int) -> None:
    """A map entry as gogo's generated code reads it: fields 1 and 2 are read as strings whatever
    their wire type, bounded by the enclosing message."""
    while i < entry_end:
        start = i
        tag, i = _varint(b, i, outer_end, True)
        if _int32(tag >> 3) in (1, 2):
            i = _length(b, i, outer_end, outer_end, True)[1]
        else:
            i = _skip(b, start + (i - start), outer_end, tag >> 3, tag & 7, True, 0)
            if i > entry_end:
                raise _Bad("a map entry past its end")


def _message(b: bytes, i: int, end: int, name: str, gogo: bool, depth: int) -> None:
    """Mirrors: the gogo-generated Unmarshal methods (v1.33) / protobuf-go unmarshalPointer (v1.34+)"""
    fields = _MESSAGES[name]
    if depth > 100:
        raise _Bad("messages nested too deep")
    while i < end:
        tag, i = _varint(b, i, end, gogo)
        num, wire = tag >> 3, tag & 7
        if gogo:
            if wire == _END_GROUP:
                raise _Bad("an end of group without its start")
            num = _int32(num)
            if num <= 0:
                raise _Bad("an invalid field number")
        elif not 1 <= num <= _MAX_FIELD or wire == _END_GROUP:
            raise _Bad(
                "an invalid field number" if wire != _END_GROUP else "an end of group without its start"
            )
        kind = fields.get(num)
        expected = _VARINT if kind == _BOOL else _BYTES
        if kind is None or wire != expected:
            if kind is not None and gogo:
                raise _Bad(f"field {num} of {name} with wire type {wire}")
            i = _skip(b, i, end, num, wire, gogo, 0)
            continue
        if kind == _BOOL:
            i = _varint(b, i, end, gogo)[1]
            continue
        start, stop = _length(b, i, end, end, gogo)
        if kind == _STRING:
            if not gogo:
                try:
                    b[start:stop].decode("utf-8")
                except UnicodeDecodeError:
                    raise _Bad(f"invalid UTF-8 in a string of {name}") from None
        elif kind == _MAP and gogo:
            _gogo_entry(b, start, stop, end)
        else:
            _message(b, start, stop, "MapEntry" if kind == _MAP else kind, gogo, depth + 1)
        i = stop


def alloc_resp_error(data: bytes, decoder: str) -> str | None:
    """None when ``data`` decodes as a ``ContainerAllocateResponse`` with ``decoder``
    (``gogo`` or ``protobuf-go``), else why not (podfit's words).

    Mirrors: devicemanager/pod_devices.go fromCheckpointData (its unmarshal of AllocResp)
    """
    try:
        _message(data, 0, len(data), "ContainerAllocateResponse", decoder == DEVICE_ALLOC_GOGO, 0)
    except _Bad as exc:
        return f"not a ContainerAllocateResponse: {exc}"
    return None
