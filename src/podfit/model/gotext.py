"""Go's spelling of basic values, where the kubelet's messages and parsing depend on it:
``strconv.ParseBool`` / ``strconv.Atoi``, ``%q`` of a string, ``%v`` of floats and durations,
``map[k:v]``, and the aggregate of several errors; and a decoded JSON/YAML value named the way
Kubernetes names it in an error (``null``, ``string "8"``, never Python's ``None``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

__all__ = [
    "aggregate_message",
    "go_duration",
    "go_float",
    "go_json_number",
    "go_map",
    "go_quote",
    "go_quote_list",
    "json_text",
    "json_type",
    "parse_go_bool",
    "parse_go_int",
]


def parse_go_bool(value: str) -> bool:
    """Go strconv.ParseBool; raises ValueError worded as Go's error."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{value}": invalid syntax')


def parse_go_int(value: str) -> int:
    """Go strconv.Atoi (base 10, optional sign, no spaces or underscores)."""
    body = value[1:] if value[:1] in ("+", "-") else value
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f'strconv.Atoi: parsing "{value}": invalid syntax')
    n = int(value)
    if not -(2**63) <= n < 2**63:
        raise ValueError(f'strconv.Atoi: parsing "{value}": value out of range')
    return n


def go_map(m: Mapping[str, str]) -> str:
    """Go's ``%v`` of a ``map[string]string`` (keys sorted, as fmt prints maps)."""
    return "map[" + " ".join(f"{k}:{m[k]}" for k in sorted(m)) + "]"


def go_quote(s: str) -> str:
    """Go's %q of a string (ASCII-safe subset)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def go_quote_list(items: Sequence[str]) -> str:
    return "[" + " ".join(go_quote(i) for i in items) + "]"


def go_float(x: float) -> str:
    """Go's %v of a float64 (shortest representation)."""
    text = repr(float(x))
    if text.endswith(".0"):
        text = text[:-2]
    return text


MAX_UINT64 = (1 << 64) - 1


def go_json_number(value: int | float) -> str:
    """The JSON text Kubernetes' tools write for a number read from YAML (sigs.k8s.io/yaml, then
    encoding/json): an integer within int64 or uint64 as it is; a larger one, as Go's YAML reads
    it, as a float64; a float64 in ``'f'`` notation, or ``'e'`` below 1e-6 and from 1e21 (Go's
    shortest digits either way, ``1e+21``, ``1e-7``). Infinities and NaN are encoding/json's
    error (a ValueError)."""
    if isinstance(value, int) and -(1 << 63) <= value <= MAX_UINT64:
        return str(value)
    x = float(value)
    if math.isinf(x) or math.isnan(x):
        shown = "NaN" if math.isnan(x) else "+Inf" if x > 0 else "-Inf"
        raise ValueError(f"json: unsupported value: {shown}")
    if x == 0:
        return "-0" if repr(x).startswith("-") else "0"
    # repr: the shortest digits that read back as x, as Go's strconv with precision -1
    sign, digit_tuple, exp = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent = int(exp) + len(digit_tuple) - 1  # of the first digit
    minus = "-" if sign else ""
    if 1e-6 <= abs(x) < 1e21:
        point = exponent + 1
        if point <= 0:
            return f"{minus}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return minus + digits + "0" * (point - len(digits))
        return f"{minus}{digits[:point]}.{digits[point:]}"
    body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{minus}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}".replace("e-0", "e-")


def go_duration(ns: int) -> str:
    """Go's time.Duration.String()."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1000:
        return f"{sign}{ns}ns"
    if ns < 10**6:
        return sign + _trim(ns / 1000) + "µs"
    if ns < 10**9:
        return sign + _trim(ns / 10**6) + "ms"
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    secs = _trim(rest / 10**9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}"
    if minutes:
        return f"{sign}{minutes}m{secs}"
    return sign + secs


def _trim(v: float) -> str:
    text = f"{v:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def aggregate_message(errors: Sequence[str]) -> str:
    """Mirrors: apimachinery/pkg/util/errors/errors.go aggregate.Error."""
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


def json_type(value: object) -> str:
    """The JSON type of a decoded YAML/JSON value, as Kubernetes' decoding errors name it:
    ``null``, ``boolean``, ``number``, ``string``, ``array``, ``object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "value"


def json_text(value: object, limit: int = 60) -> str:
    """A decoded value as it reads in JSON, with its type: ``null``, ``boolean true``,
    ``string "8Gi"``, ``number 3``, ``array ["a"]``, ``object {"a": 1}`` (cut at ``limit``)."""
    kind = json_type(value)
    if value is None:
        return kind
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)
    except (TypeError, ValueError):
        text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{kind} {text}"
