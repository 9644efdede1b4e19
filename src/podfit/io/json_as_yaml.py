"""A JSON text read with :mod:`json`, when that gives exactly what the YAML reader gives.

Scenario files of thousands of pods are usually generated, often as JSON. ``json.loads`` reads
them some 70x faster than PyYAML's constructors on libyaml's parser, but a JSON text read as YAML
1.1 (what podfit has always done) is not always the same value:

- a number with an exponent but no ``.``, or an exponent without a sign (``1e5``, ``1.5e3``), is
  a string to YAML 1.1, a float to JSON; a number YAML 1.1 reads as a float is the same float;
- a key whose ``:`` is on a later line, or more than 1024 characters after the key's start, is no
  YAML simple key (an error);
- ``\\ud83d\\ude00``: JSON joins the surrogate pair, YAML reads each half alone;
- NEL, LS, PS (``\\x85``, ``\\u2028``, ``\\u2029``) are line breaks to YAML (folded in a string),
  and YAML refuses raw control characters JSON takes inside strings;
- tabs between tokens: PyYAML refuses some, libyaml takes them;
- a key given twice: the YAML reader names its line.

:func:`json_documents` returns None (read the text as YAML) whenever one of these could apply,
and the tests check it against both YAML loaders on generated documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

__all__ = ["json_documents"]

_NOT_SAME = re.compile(
    r'"[ \t\r\n]*[\r\n][ \t\r\n]*:'  # a key with its ':' on a later line (raw breaks are never in a string)
    r'|"[ \t]{64,}:'  # a key far from its ':'
    r"|\\u[dD][89a-fA-F]"  # a surrogate escape
    r"|[\t\x85\u2028\u2029\ufeff]"  # tabs, YAML's other line breaks, a byte-order mark
)
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE  # what the YAML reader refuses anywhere
_RESOLVER = yaml.resolver.Resolver()
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_MAX_KEY = 100  # characters: written as at most 602 (\uXXXX escapes), well inside YAML's 1024


class _NotSame(Exception):
    """The YAML reading of this text could differ."""


def _number(literal: str) -> Any:
    """A JSON number with a fraction or an exponent, as YAML 1.1 resolves the same plain scalar."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, literal, (True, False))  # type: ignore[no-untyped-call]
    if tag == _FLOAT:
        return float(literal)  # what SafeConstructor.construct_yaml_float gives for a JSON literal
    if tag == _STR:
        return literal
    raise _NotSame  # pragma: no cover - no JSON number resolves to another tag


def _constant(literal: str) -> Any:
    raise _NotSame  # NaN, Infinity: not JSON


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs) or (pairs and max(map(len, out)) > _MAX_KEY):
        raise _NotSame  # a duplicate key (the YAML reader names its line) or a very long key
    return out


def json_documents(text: str) -> list[Any] | None:
    """``[value]`` when ``text`` is one JSON object or array that the YAML reader (either loader)
    reads as the same value; None when it is not JSON or the reading could differ."""
    start = text.lstrip(" \r\n")[:1]
    if start not in ("{", "[") or _NOT_SAME.search(text) or _NON_PRINTABLE.search(text):
        return None
    try:
        value = json.loads(text, parse_float=_number, parse_constant=_constant, object_pairs_hook=_object)
    except (ValueError, _NotSame, RecursionError):
        return None
    return [value]
