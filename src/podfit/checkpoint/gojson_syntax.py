"""The texts of Go's JSON scanner errors, for a document Python's ``json`` refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from podfit.checkpoint.gospew import go_q

__all__ = ["syntax_error"]

_LITERALS: Final = {"t": "true", "f": "false", "n": "null"}


def _quote_char(ch: str) -> str:
    """Mirrors: encoding/json scanner.go quoteChar"""
    if ch in "'\"":
        return f"'{ch}'" if ch == '"' else "'\\''"
    return "'" + go_q(ch)[1:-1] + "'"


def syntax_error(data: bytes | str, text: str, exc: Exception, loads: Callable[[str], Any]) -> str:
    """Go's scanner error for ``data``: exact for the end of input, a misspelt literal and a stray
    byte (Go names the byte itself, as a rune); other messages are close approximations."""
    if isinstance(data, bytes):  # find the offending byte byte-wise (Latin-1: one char per byte)
        text = data.decode("latin-1")
        try:
            loads(text)
        except (json.JSONDecodeError, ValueError) as again:
            exc = again
    pos = exc.pos if isinstance(exc, json.JSONDecodeError) else 0
    if pos >= len(text.rstrip()) or str(exc).startswith("Unterminated string"):
        return "unexpected end of JSON input"
    if str(exc).startswith("Invalid control character"):
        return f"invalid character {_quote_char(text[pos])} in string literal"
    literal = _LITERALS.get(text[pos])
    if literal is not None and "Expecting value" in str(exc):
        for i, want in enumerate(literal):
            if pos + i >= len(text):
                return "unexpected end of JSON input"
            if text[pos + i] != want:
                got = _quote_char(text[pos + i])
                return f"invalid character {got} in literal {literal} (expecting {_quote_char(want)})"
    where = "after top-level value" if "Extra data" in str(exc) else "looking for beginning of value"
    return f"invalid character {_quote_char(text[pos])} {where}"
