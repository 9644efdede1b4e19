"""The type schema of :mod:`podfit.checkpoint.gojson`: the Go kinds the kubelet's checkpoint structs
use (string, integers, maps, slices, ``[]byte``, structs, pointers to structs, and types with their
own ``MarshalJSON`` / ``UnmarshalJSON``), each with the Go type name that errors and go-spew print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podfit.checkpoint.gospew import GoValue

__all__ = ["BytesT", "CustomT", "Field", "GoType", "IntT", "MapT", "PtrT", "SliceT", "StrT", "StructT"]


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
