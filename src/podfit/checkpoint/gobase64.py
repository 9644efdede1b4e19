"""Go's ``base64.StdEncoding.DecodeString``, as ``encoding/json`` uses it to read a ``[]byte`` field
(the device manager checkpoint's ``AllocResp``): the bytes, or Go's error text."""

from __future__ import annotations

from typing import Final

__all__ = ["go_base64"]

_B64: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_INDEX: Final = {c: i for i, c in enumerate(_B64)}


def _b64_quantum(src: bytes, si: int) -> tuple[int, list[int], int | None]:
    """One 4-character quantum from ``src[si:]``: (next index, its 6-bit values, error offset)."""
    vals: list[int] = []
    while len(vals) < 4:
        if si == len(src):
            return si, vals, (si - len(vals) if vals else None)
        c = src[si]
        si += 1
        if c in _B64_INDEX:
            vals.append(_B64_INDEX[c])
            continue
        if c in b"\r\n":
            continue
        if c != ord("=") or len(vals) < 2:
            return si, vals, si - 1
        if len(vals) == 2:  # a second "=" must follow (newlines skipped)
            while si < len(src) and src[si] in b"\r\n":
                si += 1
            if si == len(src):
                return si, vals, len(src)
            if src[si] != ord("="):
                return si, vals, si - 1
            si += 1
        while si < len(src) and src[si] in b"\r\n":
            si += 1
        return si, vals, (si if si < len(src) else None)
    return si, vals, None


def go_base64(text: str) -> bytes | str:
    """``base64.StdEncoding.DecodeString``: the bytes, or Go's error text (``illegal base64 data at
    input byte N``). Mirrors: encoding/base64 (Go 1.25) Decode, decodeQuantum (non-strict)."""
    src = text.encode("utf-8")
    out = bytearray()
    si = 0
    while si < len(src):
        si, vals, err = _b64_quantum(src, si)
        if err is not None:
            return f"illegal base64 data at input byte {err}"
        if len(vals) == 4:
            v = vals[0] << 18 | vals[1] << 12 | vals[2] << 6 | vals[3]
            out += bytes(((v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF))
        elif vals:  # 2 or 3 values before the padding (their spare low bits ignored)
            padded = vals + [0] * (4 - len(vals))
            v = padded[0] << 18 | padded[1] << 12 | padded[2] << 6
            out += bytes(((v >> 16) & 0xFF, (v >> 8) & 0xFF)[: len(vals) - 1])
    return bytes(out)
