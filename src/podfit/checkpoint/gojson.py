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
type error's field path (the default, checked against the real state packages built with
``GOEXPERIMENT=nojsonv2``); Go 1.27's (json/v2 underneath) names them: ``map_keys_in_path=True``.
"""

from __future__ import annotations

import json
import re
from base64 import b64encode
from dataclasses import dataclass
from typing import Any, Final

from podfit.checkpoint.gobase64 import go_base64
from podfit.checkpoint.gojson_syntax import syntax_error
from podfit.checkpoint.gojson_types import (
    BytesT,
    CustomT,
    Field,
    GoType,
    IntT,
    MapT,
    PtrT,
    SliceT,
    StrT,
    StructT,
)
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
    map_keys: bool = False
    parts: tuple[str, str, str] | None = None  # the saved type error's (value, field path, type)
    aborted: str | None = None  # a custom UnmarshalJSON failed: decoding stopped with this error

    def _text(self, value: str, stack: list[str], type_name: str) -> str:
        where = f"Go struct field {self.struct}.{'.'.join(stack)}" if self.struct or stack else "Go value"
        return f"json: cannot unmarshal {value} into {where} of type {type_name}"

    def type_error(self, value: str, t: GoType) -> None:
        if self.saved:
            return
        self.saved.append(self._text(value, self.stack, t.name))
        self.parts = (value, ".".join(self.stack), t.name)

    def stopped(self) -> bool:
        """Whether a custom ``UnmarshalJSON`` stopped the decode. (A method, not an attribute test:
        mypy keeps an attribute narrowed across the calls that set it, and mypyc trusts it.)"""
        return self.aborted is not None

    def abort(self, exc: GoJSONError) -> None:
        """A custom ``UnmarshalJSON`` returned ``exc``: decoding stops, and a type error gets this
        decoder's struct and field path in front of its own field (``addErrorContext``)."""
        if exc.type_error is None:
            self.aborted = str(exc)
            return
        value, field, type_name = exc.type_error
        self.aborted = self._text(value, self.stack + ([field] if field else []), type_name)


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
    """Mirrors: encoding/json decodeState.value / object / array / literalStore (v1)"""
    if ctx.stopped():
        return cur
    if jv is None:
        return None if isinstance(t, MapT | SliceT | PtrT | BytesT) else cur
    if isinstance(t, CustomT):
        try:
            return t.unmarshal(jv)
        except GoJSONError as exc:
            ctx.abort(exc)
            return cur
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
        items = []
        for item in jv:
            items.append(_decode(t.elem, item, zero(t.elem), ctx))
            if ctx.stopped():  # the slice has grown to hold the failed element
                break
        return items
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
            elem = _decode(t.elem, val, zero(t.elem), ctx)
            if ctx.stopped():  # not stored: Go stores a map element after decoding it
                return out
            out[k] = elem
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
        if ctx.stopped():  # the error keeps the context it was raised in
            return out
        ctx.struct = saved_struct
        del ctx.stack[depth:]
    return out


def decode(
    t: StructT, data: bytes | str, initial: dict[str, Any] | None = None, *, map_keys_in_path: bool = False
) -> dict[str, Any]:
    """``json.Unmarshal(data, &v)`` with ``v`` starting as ``initial`` (default: zero value).

    Mirrors: encoding/json Unmarshal (Go 1.25) for the subset of kinds checkpoints use.
    """
    return decode_value(t, parse_document(data), initial, map_keys_in_path=map_keys_in_path)


def decode_value(
    t: StructT, doc: Any, initial: dict[str, Any] | None = None, *, map_keys_in_path: bool = False
) -> dict[str, Any]:
    """Like :func:`decode` for an already parsed document (a custom ``UnmarshalJSON`` body)."""
    ctx = _Ctx(saved=[], stack=[], map_keys=map_keys_in_path)
    value, err = _decode_in(t, doc, initial, ctx)
    if err is not None:
        raise GoJSONError(err, ctx.parts if ctx.aborted is None else None)
    return value


def _decode_document(
    t: StructT, doc: Any, initial: dict[str, Any] | None, map_keys_in_path: bool = False
) -> tuple[dict[str, Any], str | None]:
    return _decode_in(t, doc, initial, _Ctx(saved=[], stack=[], map_keys=map_keys_in_path))


def _decode_in(
    t: StructT, doc: Any, initial: dict[str, Any] | None, ctx: _Ctx
) -> tuple[dict[str, Any], str | None]:
    """Mirrors: encoding/json decodeState.unmarshal (an aborting error, else the saved one)"""
    start = zero(t) if initial is None else initial
    if doc is None:
        return start, None
    value: dict[str, Any] = _decode(t, doc, start, ctx)
    if ctx.stopped():
        return value, ctx.aborted
    return value, (ctx.saved[0] if ctx.saved else None)


def decode_partial(
    t: StructT, data: bytes | str, initial: dict[str, Any] | None = None, *, map_keys_in_path: bool = False
) -> tuple[dict[str, Any] | None, str | None]:
    """``json.Unmarshal(data, &v)`` as Go leaves ``v`` *and* its error: a type mismatch is
    remembered while the rest of the document is still decoded into ``v``; a syntax error decodes
    nothing (``v`` is then returned as ``None``). Returns (v, error text or None).

    ``map_keys_in_path``: type errors name map keys in the field path, as Go 1.27's json/v2-based
    decoder does (default: as the v1 decoder of Go 1.24 - 1.26, without them).

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
