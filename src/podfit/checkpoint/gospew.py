"""A tiny, deterministic emitter of the text ``dump.ForHash`` produces for a Go value.

The kubelet's checkpoint checksum is FNV-1a 32 over ``spew.ConfigState{SortKeys, DisableMethods,
SpewKeys, DisablePointerAddresses, DisableCapacities}.Sprintf("%#v", v)`` of the checkpoint
struct pointer (k8s.io/apimachinery/pkg/util/dump ``ForHash``, pkg/util/hash ``DeepHashObject``).
Go has no reflection here, so callers describe the value with the small tree of nodes below
(each carrying its Go type name exactly as ``reflect.Type.String()`` spells it).

Rules of the go-spew ``%#v`` formatter reproduced here (go-spew format.go, v1.1.1):

* a value prints ``(<type>)`` before itself unless its parent suppressed that: map keys, map
  values and slice/array items are printed without their type;
* a non-nil pointer whose type is shown prints ``(*<elem type>)`` and then the pointee without
  its type; a pointer whose type is suppressed prints ``<*>`` and then the pointee;
* a nil pointer prints ``<nil>`` when its type is suppressed, else ``(*T)<nil>``; nil maps and
  nil slices print ``<nil>`` after their type;
* structs: ``{Name:value Name:value}``; maps: ``map[k:v k:v]`` with keys sorted (numbers
  numerically, strings bytewise); slices: ``[a b]``; strings raw, unquoted; integers decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "GoInt",
    "GoMap",
    "GoPtr",
    "GoSlice",
    "GoString",
    "GoStruct",
    "GoValue",
    "fnv1a_32",
    "for_hash",
    "go_q",
    "string_map",
]


@dataclass(frozen=True)
class GoString:
    """A value of a string kind (``string``, ``v1.ResourceName``, ...)."""

    type_name: str
    value: str


@dataclass(frozen=True)
class GoInt:
    """A value of an integer kind (``int``, ``uint64``, ``checksum.Checksum``, ...)."""

    type_name: str
    value: int


@dataclass(frozen=True)
class GoStruct:
    """A struct value; ``fields`` in declaration order. ``type_name`` like ``state.PodEntry``."""

    type_name: str
    fields: tuple[tuple[str, GoValue], ...]


@dataclass(frozen=True)
class GoPtr:
    """A pointer; ``elem`` None is a nil pointer of type ``*<elem_type>``."""

    elem_type: str
    elem: GoValue | None


@dataclass(frozen=True)
class GoMap:
    """A map; ``entries`` None is a nil map. Keys must be GoString or GoInt."""

    type_name: str
    entries: tuple[tuple[GoString | GoInt, GoValue], ...] | None


@dataclass(frozen=True)
class GoSlice:
    """A slice; ``items`` None is a nil slice."""

    type_name: str
    items: tuple[GoValue, ...] | None


GoValue = GoString | GoInt | GoStruct | GoPtr | GoMap | GoSlice


def _key_order(key: GoString | GoInt) -> tuple[int, str] | tuple[int, int]:
    if isinstance(key, GoInt):
        return (0, key.value)
    # Go compares strings bytewise; code-point order of str equals UTF-8 byte order.
    return (1, key.value)


def _emit(v: GoValue, show_type: bool, out: list[str]) -> None:
    if isinstance(v, GoPtr):
        if v.elem is None:
            if show_type:
                out.append(f"(*{v.elem_type})")
            out.append("<nil>")
            return
        out.append(f"(*{v.elem_type})" if show_type else "<*>")
        _emit(v.elem, False, out)
        return
    if show_type:
        out.append(f"({v.type_name})")
    if isinstance(v, GoString):
        out.append(v.value)
    elif isinstance(v, GoInt):
        out.append(str(v.value))
    elif isinstance(v, GoStruct):
        out.append("{")
        for i, (name, fv) in enumerate(v.fields):
            if i:
                out.append(" ")
            out.append(f"{name}:")
            _emit(fv, True, out)
        out.append("}")
    elif isinstance(v, GoMap):
        if v.entries is None:
            out.append("<nil>")
            return
        out.append("map[")
        for i, (k, mv) in enumerate(sorted(v.entries, key=lambda kv: _key_order(kv[0]))):
            if i:
                out.append(" ")
            _emit(k, False, out)
            out.append(":")
            _emit(mv, False, out)
        out.append("]")
    else:
        if v.items is None:
            out.append("<nil>")
            return
        out.append("[")
        for i, item in enumerate(v.items):
            if i:
                out.append(" ")
            _emit(item, False, out)
        out.append("]")


def for_hash(v: GoValue) -> str:
    """The ``%#v`` go-spew text of ``v`` (the argument of ``dump.ForHash``).

    Mirrors: k8s.io/apimachinery/pkg/util/dump/dump.go ForHash
    """
    out: list[str] = []
    _emit(v, True, out)
    return "".join(out)


def fnv1a_32(text: str) -> int:
    """FNV-1a, 32 bit, over the UTF-8 bytes of ``text`` (Go ``hash/fnv.New32a``)."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def string_map(type_name: str, entries: Sequence[tuple[str, GoValue]] | None) -> GoMap:
    """A map with ``string`` keys (helper for callers)."""
    if entries is None:
        return GoMap(type_name, None)
    return GoMap(type_name, tuple((GoString("string", k), v) for k, v in entries))


def go_q(s: str) -> str:
    """``fmt`` ``%q`` of a string (``strconv.Quote``), as used in the kubelet's error texts."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif not ch.isprintable():
            code = ord(ch)
            out.append(
                f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
