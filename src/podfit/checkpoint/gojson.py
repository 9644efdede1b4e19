"""Go ``encoding/json`` semantics for the kubelet's checkpoint structs, driven by a small type schema.

The checkpoint files are written by ``json.Marshal`` and read by ``json.Unmarshal`` of Go structs;
their checksum is computed over the go-spew dump of the *decoded Go value* (see
the sibling module ``gospew``). To reproduce both exactly, podfit decodes a file into a "Go value"
(``None`` = nil map/slice/pointer, ``dict`` = map or struct (by Go field name), ``list`` = slice,
``str``/``int``) following a schema (:class:`StructT`, :class:`MapT`, ...), then renders it as
JSON or as a go-spew value tree.

Reproduced Go behaviour: exact-then-case-insensitive field matching, unknown fields ignored,
``null`` leaves strings/numbers untouched and sets maps/slices/pointers to nil, decoding into a
non-nil map merges, type mismatches are remembered (first one wins) while decoding goes on,
``UnmarshalTypeError`` texts (``json: cannot unmarshal object into Go struct field
CPUManagerCheckpointV1.entries of type string``), ``Marshal`` field order, ``omitempty``, sorted
map keys (by their text, so NUMA ``"10"`` sorts before ``"2"``) and HTML-safe string escaping.
Syntax errors (:mod:`~podfit.checkpoint.gojson_syntax`): the end of input, misspelt literals
and stray bytes are worded exactly; other messages are close approximations of Go's scanner texts.
The v1 decoder of Go 1.24 - 1.26 (which built the v1.33 - v1.36 kubelets) leaves map keys out of a
type error's field path, Go 1.27's (json/v2 underneath) names them: ``map_keys_in_path``.
"""

from __future__ import annotations

import json
import re
from base64 import b64encode
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from podfit.checkpoint.gobase64 import go_base64
from podfit.checkpoint.gojson_syntax import syntax_error
from podfit.checkpoint.gospew import GoInt, GoMap, GoPtr, GoSlice, GoString, GoStruct, GoValue
from podfit.errors import GoJSONError

__all__ = [
    "BytesT",
    "CustomT",
    "Field",
    "GoJSONError",
    "IntT",
    "JSONNumber",
    "JSONObject",
    "MapT",
    "PtrT",
    "SliceT",
    "StrT",
    "StructT",
    "decode",
    "decode_partial",
    "decode_value",
    "encode",
    "go_base64",
    "go_quote",
    "parse_document",
    "to_spew",
    "zero",
]


@dataclass(frozen=True)
class StrT:
    name: str = "string"


@dataclass(frozen=True)
class IntT:
    name: str = "int"
    unsigned: bool = False
    bits: int = 64


@dataclass(frozen=True)
class MapT:
    name: str
    key: StrT | IntT
    elem: GoType


@dataclass(frozen=True)
class SliceT:
    name: str
    elem: GoType


@dataclass(frozen=True)
class BytesT:
    """``[]byte``: a base64 string in JSON (an array of numbers is also read), ``bytes`` (``None``
    = nil) as a Go value, ``[]uint8`` of decimal numbers to go-spew."""

    name: str = "[]uint8"


@dataclass(frozen=True)
class Field:
    go_name: str
    json_name: str
    type: GoType
    omitempty: bool = False


@dataclass(frozen=True)
class StructT:
    name: str  # package-qualified, as reflect prints it ("state.CPUManagerCheckpointV2")
    fields: tuple[Field, ...]

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class PtrT:
    elem: StructT

    @property
    def name(self) -> str:
        return "*" + self.elem.name


@dataclass(frozen=True)
class CustomT:
    """A type with its own MarshalJSON / UnmarshalJSON (and a hand-written spew form)."""

    name: str
    unmarshal: Callable[[Any], Any]  # parsed JSON value -> Go value; raises GoJSONError
    marshal: Callable[[Any], str]
    spew: Callable[[Any], GoValue]
    zero: Callable[[], Any]


GoType = StrT | IntT | MapT | SliceT | StructT | PtrT | CustomT | BytesT


# ----- parsing ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class JSONNumber:
    """A JSON number literal, kept as text (Go converts it per target type)."""

    text: str


@dataclass(frozen=True, slots=True)
class JSONObject:
    """A JSON object as its (key, value) pairs in document order (duplicates kept)."""

    pairs: tuple[tuple[str, Any], ...]


def _object(pairs: list[tuple[str, Any]]) -> JSONObject:
    return JSONObject(tuple(pairs))


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _loads(text: str) -> Any:
    return json.loads(
        text,
        object_pairs_hook=_object,
        parse_int=JSONNumber,
        parse_float=JSONNumber,
        parse_constant=_reject_constant,
    )


def parse_document(data: bytes | str) -> Any:
    """Parse JSON text the way Go's scanner accepts it; raise GoJSONError with Go's message."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    try:
        return _loads(text)
    except (json.JSONDecodeError, ValueError) as exc:
        raise GoJSONError(syntax_error(data, text, exc, _loads)) from None


def _kind(jv: Any) -> str:
    if isinstance(jv, JSONObject):
        return "object"
    if isinstance(jv, list):
        return "array"
    if isinstance(jv, bool):
        return "bool"
    if isinstance(jv, JSONNumber):
        return "number"
    return "string"


# ----- decoding ----------------------------------------------------------------------------------
def zero(t: GoType) -> Any:
    """Go's zero value of ``t``."""
    if isinstance(t, StrT):
        return ""
    if isinstance(t, IntT):
        return 0
    if isinstance(t, StructT):
        return {f.go_name: zero(f.type) for f in t.fields}
    if isinstance(t, CustomT):
        return t.zero()
    return None


@dataclass
class _Ctx:
    saved: list[str]
    stack: list[str]
    struct: str = ""
    # Go 1.27's encoding/json (v2 underneath) names map keys in the field path; the v1 decoder of
    # Go 1.24 - 1.26, which built the v1.33 - v1.36 kubelets, does not
    map_keys: bool = True

    def type_error(self, value: str, t: GoType) -> None:
        if self.saved:
            return
        if self.struct or self.stack:
            where = f"Go struct field {self.struct}.{'.'.join(self.stack)}"
        else:
            where = "Go value"
        self.saved.append(f"json: cannot unmarshal {value} into {where} of type {t.name}")


_DECIMAL: Final = re.compile(r"[+-]?[0-9]+")


def _int_value(t: IntT, text: str) -> int | None:
    """``text`` as an integer of ``t`` (``strconv.ParseInt`` / ``ParseUint``, base 10), or None."""
    if _DECIMAL.fullmatch(text) is None or (t.unsigned and text.startswith("-")):
        return None
    v = int(text)
    lo, hi = (0, (1 << t.bits) - 1) if t.unsigned else (-(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1)
    return v if lo <= v <= hi else None


_BYTE: Final = IntT("uint8", unsigned=True, bits=8)


def _decode_bytes(t: BytesT, jv: Any, cur: Any, ctx: _Ctx) -> Any:
    """Mirrors: encoding/json literalStore (a string into a []byte) and array (an array into it)"""
    if isinstance(jv, str):
        got = go_base64(jv)
        if isinstance(got, str):
            if not ctx.saved:
                ctx.saved.append(got)
            return cur
        return got
    if isinstance(jv, list):
        return bytes(_decode(_BYTE, item, 0, ctx) for item in jv)
    ctx.type_error(_kind(jv), t)
    return cur


def _decode(t: GoType, jv: Any, cur: Any, ctx: _Ctx) -> Any:
    if jv is None:
        return None if isinstance(t, MapT | SliceT | PtrT | BytesT) else cur
    if isinstance(t, CustomT):
        return t.unmarshal(jv)
    if isinstance(t, BytesT):
        return _decode_bytes(t, jv, cur, ctx)
    if isinstance(t, StrT):
        if isinstance(jv, str):
            return jv
        ctx.type_error(_kind(jv), t)
        return cur
    if isinstance(t, IntT):
        if isinstance(jv, JSONNumber):
            v = _int_value(t, jv.text)
            if v is not None:
                return v
            ctx.type_error(f"number {jv.text}", t)
            return cur
        ctx.type_error(_kind(jv), t)
        return cur
    if isinstance(t, PtrT):
        if not isinstance(jv, JSONObject):
            ctx.type_error(_kind(jv), t.elem)
            return cur
        return _decode(t.elem, jv, zero(t.elem) if cur is None else cur, ctx)
    if isinstance(t, SliceT):
        if not isinstance(jv, list):
            ctx.type_error(_kind(jv), t)
            return cur
        return [_decode(t.elem, item, zero(t.elem), ctx) for item in jv]
    if not isinstance(jv, JSONObject):
        ctx.type_error(_kind(jv), t)
        return cur
    if isinstance(t, MapT):
        out = {} if cur is None else dict(cur)
        for key, val in jv.pairs:
            k: Any = key
            if isinstance(t.key, IntT):
                k = _int_value(t.key, key)
                if k is None:
                    ctx.type_error(f"number {key}", t.key)
                    continue
            depth = len(ctx.stack)
            if ctx.map_keys:
                ctx.stack.append(key)  # entries.pod-a (see _Ctx.map_keys)
            out[k] = _decode(t.elem, val, zero(t.elem), ctx)
            del ctx.stack[depth:]
        return out
    out = dict(cur)
    for key, val in jv.pairs:
        f = next((f for f in t.fields if f.json_name == key), None)
        if f is None:
            f = next((f for f in t.fields if f.json_name.casefold() == key.casefold()), None)
        if f is None:
            continue
        saved_struct, depth = ctx.struct, len(ctx.stack)
        ctx.struct = t.short
        ctx.stack.append(f.json_name)
        out[f.go_name] = _decode(f.type, val, out[f.go_name], ctx)
        ctx.struct = saved_struct
        del ctx.stack[depth:]
    return out


def decode(t: StructT, data: bytes | str, initial: dict[str, Any] | None = None) -> dict[str, Any]:
    """``json.Unmarshal(data, &v)`` with ``v`` starting as ``initial`` (default: zero value).

    Mirrors: encoding/json Unmarshal (Go 1.25) for the subset of kinds checkpoints use.
    """
    return decode_value(t, parse_document(data), initial)


def decode_value(t: StructT, doc: Any, initial: dict[str, Any] | None = None) -> dict[str, Any]:
    """Like :func:`decode` for an already parsed document (a custom ``UnmarshalJSON`` body)."""
    value, err = _decode_document(t, doc, initial)
    if err is not None:
        raise GoJSONError(err)
    return value


def _decode_document(
    t: StructT, doc: Any, initial: dict[str, Any] | None, map_keys_in_path: bool = True
) -> tuple[dict[str, Any], str | None]:
    ctx = _Ctx(saved=[], stack=[], map_keys=map_keys_in_path)
    start = zero(t) if initial is None else initial
    if doc is None:
        return start, None
    value: dict[str, Any] = _decode(t, doc, start, ctx)
    return value, (ctx.saved[0] if ctx.saved else None)


def decode_partial(
    t: StructT, data: bytes | str, initial: dict[str, Any] | None = None, *, map_keys_in_path: bool = True
) -> tuple[dict[str, Any] | None, str | None]:
    """``json.Unmarshal(data, &v)`` as Go leaves ``v`` *and* its error: a type mismatch is
    remembered while the rest of the document is still decoded into ``v``; a syntax error decodes
    nothing (``v`` is then returned as ``None``). Returns (v, error text or None).

    ``map_keys_in_path`` False: type errors name the field path as the v1 decoder of Go 1.24 - 1.26
    does (without map keys).

    Mirrors: encoding/json Unmarshal (Go 1.25): checkValid before decoding, saveError
    """
    try:
        doc = parse_document(data)
    except GoJSONError as exc:
        return None, str(exc)
    return _decode_document(t, doc, initial, map_keys_in_path)


# ----- encoding ----------------------------------------------------------------------------------
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def go_quote(s: str) -> str:
    """A JSON string literal as Go's ``json.Marshal`` writes it (HTML-safe escaping)."""
    out = ['"']
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " " or ch in "<>&\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _empty(t: GoType, v: Any) -> bool:
    if isinstance(t, MapT | SliceT | BytesT):
        return not v
    if isinstance(t, PtrT):
        return v is None
    if isinstance(t, StrT | IntT):
        return v in ("", 0)
    return False


def encode(t: GoType, v: Any) -> str:
    """``json.Marshal(v)`` as text. Mirrors: encoding/json Marshal (Go 1.25)."""
    if isinstance(t, CustomT):
        return t.marshal(v)
    if isinstance(t, StrT):
        return go_quote(v)
    if isinstance(t, IntT):
        return str(v)
    if v is None:
        return "null"
    if isinstance(t, BytesT):
        return '"' + b64encode(v).decode("ascii") + '"'
    if isinstance(t, PtrT):
        return encode(t.elem, v)
    if isinstance(t, SliceT):
        return "[" + ",".join(encode(t.elem, item) for item in v) + "]"
    if isinstance(t, MapT):
        items = sorted((str(k), val) for k, val in v.items())
        return "{" + ",".join(f"{go_quote(k)}:{encode(t.elem, val)}" for k, val in items) + "}"
    parts = [
        f"{go_quote(f.json_name)}:{encode(f.type, v[f.go_name])}"
        for f in t.fields
        if not (f.omitempty and _empty(f.type, v[f.go_name]))
    ]
    return "{" + ",".join(parts) + "}"


# ----- go-spew view ------------------------------------------------------------------------------
def to_spew(t: GoType, v: Any) -> GoValue:
    """The go-spew value tree of Go value ``v`` of type ``t``."""
    if isinstance(t, CustomT):
        return t.spew(v)
    if isinstance(t, StrT):
        return GoString(t.name, v)
    if isinstance(t, IntT):
        return GoInt(t.name, v)
    if isinstance(t, BytesT):
        return GoSlice(t.name, None if v is None else tuple(GoInt("uint8", b) for b in v))
    if isinstance(t, PtrT):
        return GoPtr(t.elem.name, None if v is None else to_spew(t.elem, v))
    if isinstance(t, SliceT):
        return GoSlice(t.name, None if v is None else tuple(to_spew(t.elem, i) for i in v))
    if isinstance(t, MapT):
        if v is None:
            return GoMap(t.name, None)
        key_t = t.key

        def key(k: Any) -> GoString | GoInt:
            return GoInt(key_t.name, k) if isinstance(key_t, IntT) else GoString(key_t.name, k)

        return GoMap(t.name, tuple((key(k), to_spew(t.elem, val)) for k, val in v.items()))
    return GoStruct(t.name, tuple((f.go_name, to_spew(f.type, v[f.go_name])) for f in t.fields))
