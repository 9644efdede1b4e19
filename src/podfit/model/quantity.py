"""Kubernetes ``resource.Quantity``: parsed, compared and printed exactly as apimachinery does.

Read from kubernetes/apimachinery ``pkg/api/resource`` (quantity.go, suffix.go, amount.go, math.go,
scale_int.go) at commit eed236ceee2c19c2753a3d93ac0631dc20750454 (2026-07-23, the v1.36 line).

apimachinery keeps a parsed quantity in one of two internal forms and some results depend on which:

* the *int64 fast path* (``int64Amount``: an int64 mantissa and a decimal exponent), used when the
  number has at most 18 digits and no more than 9 decimal places (binary suffixes: smaller limits);
* the *inf.Dec path* (arbitrary precision, rounded away from zero to a multiple of 10^-9 and, for
  binary suffixes only, capped at 2^63-1).

``Quantity`` records which one Go would hold (``dec_scale is None`` for the fast path) so that
``value()`` / ``milli_value()`` return what Go returns, including its quirks: on the fast path an
int64 overflow gives 0; on the inf.Dec path a value beyond int64 wraps modulo 2^64, and a negative
non-integer is truncated toward zero *then* incremented (Go: ``MustParse("-1.0005Ki").Value()`` is
-1023 while ``MustParse("-9.01").Value()`` is -10), and below -2^63/10^9 it wraps.
``str()`` mirrors ``String()``: it returns the input text itself when apimachinery's fast path
judged it canonical (so ``"+1"`` prints ``+1`` and
``"1.500k"`` prints ``1.500k``), else the computed canonical form (``canonical()``), in which a
DecimalSI value whose exponent has no SI suffix (>= 10^21) loses its suffix (``"1000E"`` -> ``1``).
Values are exact integers scaled by powers of ten; floats are never used.

Deliberate differences, all for inputs no real manifest holds: numerals with more than 4000 digits
are refused (``ErrNumeric``; ``ErrSuffix`` in an exponent) because of Python's int/str limit;
for inf.Dec quantities beyond about 10^(2^31) the int32 wrap-around of Go's exponent is not
mirrored (Go would need to build a number with 2^31 digits); ``cmp`` is exact where Go's int64
comparison would divide by zero (exponents 2^31 apart); ``scaled_value`` with a scale below -18
assumes amd64's float-to-int64 conversion (math.Pow10 overflow gives -2^63).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Final

from podfit.errors import QuantityError
from podfit.model.quantity_math import (
    MAX_INT64,
    MIN_INT64,
    _as_scaled_int64,
    _cmp_dec,
    _go_quo,
    _go_rem,
    _ndigits,
    _positive_scale,
    _reduce,
    _remove_factors,
    _wrap32,
    _wrap64,
)

DECIMAL_EXPONENT: Final = "DecimalExponent"
BINARY_SI: Final = "BinarySI"
DECIMAL_SI: Final = "DecimalSI"
FORMATS: Final = (DECIMAL_EXPONENT, BINARY_SI, DECIMAL_SI)

SPLIT_RE_STRING: Final = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG: Final = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC: Final = "unable to parse numeric part of quantity"
ERR_SUFFIX: Final = "unable to parse quantity's suffix"

MAX_MILLI_VALUE: Final = MAX_INT64 // 1000
NANO: Final = -9
MICRO: Final = -6
MILLI: Final = -3

_MAX_DIGITS: Final = 4000
_DIGITS: Final = frozenset("0123456789")
_SUFFIX_CHARS: Final = frozenset("eEinumkKMGTP")
_DEC_SUFFIXES: Final = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BIN_SUFFIXES: Final = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_SUFFIX_OF: Final = {e: s for s, e in _DEC_SUFFIXES.items()}
_BIN_SUFFIX_OF: Final = {e: s for s, e in _BIN_SUFFIXES.items()}
# Go's strings.TrimSpace set (unicode.IsSpace); Python's str.strip() would also drop \x1c-\x1f.
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
GO_SPACE += "\u2028\u2029\u202f\u205f\u3000"


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """Scan ``text`` into (positive, value, num, denom, suffix) as apimachinery's scanner does.

    Mirrors: apimachinery/pkg/api/resource/quantity.go parseQuantityString
    """
    positive, pos, end = True, 0, len(text)
    if end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    if pos >= end:
        return positive, text, num, "", ""
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value, suffix_start = text[:pos], pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT_WRONG, text)
    return positive, value, num, denom, text[suffix_start:]


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None on error."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or any(c not in _DIGITS for c in body) or len(body) > _MAX_DIGITS:
        return None
    v = int(text)
    return v if MIN_INT64 <= v <= MAX_INT64 else None


def _interpret(suffix: str) -> tuple[int, int, str]:
    """(base, exponent, format) of a suffix.

    Mirrors: apimachinery/pkg/api/resource/suffix.go suffixHandler.interpret
    """
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        parsed = _parse_int64(suffix[1:])
        if parsed is not None:
            return 10, _wrap32(parsed), DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def _scan_dec(value: str) -> tuple[int, int] | None:
    """(unscaled, scale) of ``[+-]digits[.digits]``, None without a digit (gopkg.in/inf.v0 SetString)."""
    body = value[1:] if value[:1] in ("+", "-") else value
    digits = body.replace(".", "", 1)
    if not digits or len(digits) > _MAX_DIGITS:
        return None
    unscaled = -int(digits) if value[:1] == "-" else int(digits)
    return unscaled, (len(body) - 1 - body.index(".") if "." in body else 0)


def parse_quantity(text: str) -> Quantity:
    """Parse ``text`` or raise ``QuantityError`` with apimachinery's message.

    Mirrors: apimachinery/pkg/api/resource/quantity.go ParseQuantity
    """
    if not isinstance(text, str):
        raise TypeError(f"quantity text must be a str, not {type(text).__name__}")
    if not text:
        raise QuantityError(ERR_FORMAT_WRONG, text)
    if text == "0":
        return Quantity(0, 0, DECIMAL_SI, None, "0")
    try:
        positive, value, num, denom, suffix = _split(text)
        base, exponent, fmt = _interpret(suffix)
    except QuantityError as err:
        raise QuantityError(err.message, text) from None
    scale, mantissa, precision = 0, 1, -1
    if fmt == BINARY_SI:
        if not denom:  # exponent is always >= 0 here
            mantissa = 1 << exponent
            precision = 15 - len(num) - exponent * 3 // 10 - 1
    else:
        scale = exponent
        precision = 18 - (len(num) + len(denom))
    if precision >= 0:
        scale = _wrap32(scale - len(denom))
        if scale >= NANO:
            shifted = num + denom
            digits = int(shifted)
            result = digits * mantissa if positive else -digits * mantissa
            if fmt == BINARY_SI:
                canonical = exponent % 10 == 0 and digits & 7 != 0
            else:
                canonical = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
            return Quantity(result, scale, fmt, None, text if canonical else "")
    return _parse_dec(text, value, base, exponent, fmt)


def _parse_dec(text: str, value: str, base: int, exponent: int, fmt: str) -> Quantity:
    """The arbitrary-precision half of ParseQuantity: round up to 1n, cap BinarySI at 2^63-1.

    Mirrors: apimachinery/pkg/api/resource/quantity.go ParseQuantity
    """
    scanned = _scan_dec(value)
    if scanned is None:
        raise QuantityError(ERR_NUMERIC, text)
    unscaled, inf_scale = scanned
    if base == 10:
        inf_scale = _wrap32(inf_scale + _wrap32(-exponent))
    else:
        unscaled <<= exponent
    negative, magnitude = unscaled < 0, abs(unscaled)
    if magnitude == 0:
        return Quantity(0, 0, fmt, inf_scale)
    dec_scale = 9
    if inf_scale <= 9:
        m, e = _reduce(magnitude, -inf_scale)
    elif _ndigits(magnitude) <= inf_scale - 9:
        m, e = 1, -9  # below one nano: rounds up to exactly 1n
    else:
        q, r = divmod(magnitude, 10 ** (inf_scale - 9))
        m, e = _reduce(q + (r != 0), -9)
    if fmt == BINARY_SI and _cmp_dec(m, e, MAX_INT64, 0) > 0:
        m, e, dec_scale = MAX_INT64, 0, 0
    if fmt == BINARY_SI and _cmp_dec(m, e, 1, 0) < 0:
        fmt = DECIMAL_SI
    return Quantity(-m if negative else m, e, fmt, dec_scale)


def parse_quantity_json(raw: str) -> Quantity:
    """Parse a JSON token (a string with its quotes, or a bare number); white space is dropped.

    Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.UnmarshalJSON
    """
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
        raw = raw[1:-1]
    return parse_quantity(raw.strip(GO_SPACE))


@dataclass(frozen=True, eq=False)
class Quantity:
    """A quantity as apimachinery holds it; equality and ordering are by value (Go ``Equal``/``Cmp``).

    ``mantissa * 10**exponent`` is the exact value. ``dec_scale is None``: Go's int64 fast path, and
    (mantissa, exponent) are its (value, scale). Otherwise Go holds an inf.Dec whose scale is
    ``dec_scale`` (9 after rounding, 0 when capped); (mantissa, exponent) are then reduced.
    ``cached`` is the string Go's ``String()`` returns verbatim ("" = compute it).
    """

    mantissa: int
    exponent: int
    format: str = DECIMAL_SI
    dec_scale: int | None = None
    cached: str = ""

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown quantity format {self.format!r}")

    @property
    def exact(self) -> Fraction:
        """The exact value (builds 10**exponent: do not call on absurd exponents)."""
        if self.exponent >= 0:
            return Fraction(self.mantissa * 10**self.exponent)
        return Fraction(self.mantissa, 10**-self.exponent)

    def is_zero(self) -> bool:
        """Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.IsZero"""
        return self.mantissa == 0

    def sign(self) -> int:
        """Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.Sign"""
        return (self.mantissa > 0) - (self.mantissa < 0)

    def cmp(self, other: Quantity) -> int:
        """-1, 0 or 1 as self is less than, equal to or greater than other (exact).

        Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.Cmp
        """
        return _cmp_dec(self.mantissa, self.exponent, other.mantissa, other.exponent)

    def cmp_int64(self, other: int) -> int:
        """Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.CmpInt64"""
        return _cmp_dec(self.mantissa, self.exponent, other, 0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) == 0

    def __hash__(self) -> int:
        return hash(_reduce(self.mantissa, self.exponent))

    def __lt__(self, other: Quantity) -> bool:
        return self.cmp(other) < 0

    def __le__(self, other: Quantity) -> bool:
        return self.cmp(other) <= 0

    def __gt__(self, other: Quantity) -> bool:
        return self.cmp(other) > 0

    def __ge__(self, other: Quantity) -> bool:
        return self.cmp(other) >= 0

    def value(self) -> int:
        """The value rounded up to an integer, as Go's int64 (see the module notes on overflow).

        Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.Value
        """
        return self.scaled_value(0)

    def milli_value(self) -> int:
        """The value in thousandths, rounded up, as Go's int64.

        Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.MilliValue
        """
        return self.scaled_value(MILLI)

    def scaled_value(self, scale: int) -> int:
        """ceil(value / 10^scale) the way Go computes it, overflow and all.

        Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.ScaledValue
        """
        if self.dec_scale is None:
            return _as_scaled_int64(self.mantissa, self.exponent, scale)
        return _dec_scaled_value(self, _wrap32(-scale))

    def as_int64(self) -> int | None:
        """The integer value if Go's fast path holds it exactly as an int64, else None.

        Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.AsInt64
        """
        if self.dec_scale is not None or self.exponent < 0:
            return None
        return _positive_scale(self.mantissa, self.exponent)

    def round_up(self, scale: int) -> tuple[Quantity, bool]:
        """The value rounded away from zero to a multiple of 10^scale, and whether that was exact.

        Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.RoundUp
        """
        m, e = self.mantissa, self.exponent
        if self.dec_scale is None:
            if e >= scale:
                return self, True
            shift = scale - e
            exact = m == 0 or (shift <= 19 and m % 10**shift == 0)
            return replace(self, mantissa=_as_scaled_int64(m, e, scale), exponent=scale, cached=""), exact
        if e >= scale:
            return replace(self, dec_scale=-scale, cached=""), True
        magnitude, shift = abs(m), scale - e
        q = 1 if _ndigits(magnitude) <= shift else -(-magnitude // 10**shift)
        r, x = _reduce(q if m > 0 else -q, scale)
        return Quantity(r, x, self.format, -scale), False

    def __str__(self) -> str:
        """Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.String"""
        return self.cached or self.canonical()

    def canonical(self) -> str:
        """The canonical text, ignoring the remembered input.

        Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.CanonicalizeBytes
        """
        if self.mantissa == 0:
            return "0"
        fmt = self.format
        if fmt == BINARY_SI and (
            (self.cmp_int64(-1024) > 0 and self.cmp_int64(1024) < 0)
            or _reduce(self.mantissa, self.exponent)[1] < 0  # not an integer: would round
        ):
            fmt = DECIMAL_SI
        if fmt == BINARY_SI:
            m, e = _reduce(self.mantissa, self.exponent)
            number, times = _remove_factors(m * 10**e, 1024)
            return str(number) + _BIN_SUFFIX_OF.get(times * 10, "")
        digits, exp10 = self._canonical_decimal()
        if fmt == DECIMAL_SI:
            return digits + _DEC_SUFFIX_OF.get(exp10, "")
        return digits if exp10 == 0 else f"{digits}e{exp10}"

    def _canonical_decimal(self) -> tuple[str, int]:
        """Mirrors: apimachinery/pkg/api/resource/amount.go int64Amount.AsCanonicalBytes"""
        if self.dec_scale is None:
            m, times = _remove_factors(self.mantissa, 10)
            e = _wrap32(self.exponent + times)
            r = _go_rem(e, 3)
            step = 1 if r in (1, -2) else 2 if r in (2, -1) else 0
            if MIN_INT64 < m * 10**step <= MAX_INT64:
                return str(m * 10**step), _wrap32(e - step)
            e = _wrap32(-_wrap32(-self.exponent))  # inf.Dec fallback
            m, times = _remove_factors(self.mantissa, 10)
            e = _wrap32(e + times)
        else:
            m, e = _reduce(self.mantissa, self.exponent)
        while _go_rem(e, 3) != 0:
            m, e = m * 10, _wrap32(e - 1)
        return str(m), e


def _dec_scaled_value(q: Quantity, new_scale: int) -> int:
    """Go's scaledValue on the inf.Dec (unscaled, dec_scale) that ``q`` stands for.

    Mirrors: apimachinery/pkg/api/resource/scale_int.go scaledValue
    """
    if q.mantissa == 0:
        return 0
    assert q.dec_scale is not None
    k = q.exponent + q.dec_scale  # unscaled == mantissa * 10^k, k >= 0
    dif = q.dec_scale - new_scale
    small = k <= 400
    unscaled = q.mantissa * 10**k if small else 0
    low64 = _wrap64(unscaled if small else q.mantissa * pow(10, k, 1 << 64))
    if dif == 0:
        return low64
    if dif < 0:
        factor = 10**-dif if -dif <= 18 else MIN_INT64  # int64(math.Pow10(n)) on amd64
        return _wrap64(low64 * factor)
    if (unscaled < MAX_INT64 if small else q.mantissa < 0) and dif < 19:
        divisor = 10**dif
        result = _go_quo(low64, divisor)
        return _wrap64(result + 1) if _go_rem(low64, divisor) != 0 else result
    if not small and dif <= k:
        return _wrap64(q.mantissa * pow(10, k - dif, 1 << 64))
    quotient, remainder = divmod(unscaled if small else q.mantissa * 10**k, 10**dif)
    return _wrap64(_wrap64(quotient) + (remainder != 0))


def as_quantity(value: str | int | Quantity) -> Quantity:
    """A Quantity from a quantity string, an int (its decimal text) or a Quantity."""
    if isinstance(value, Quantity):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_quantity(str(value))
    if isinstance(value, str):
        return parse_quantity(value)
    raise TypeError(f"not a quantity: {value!r}")


def cpu_millis(value: str | int | Quantity) -> int:
    """Millicores, rounded up: ``MilliValue()``."""
    return as_quantity(value).milli_value()


def bytes_value(value: str | int | Quantity) -> int:
    """Whole units (bytes), rounded up: ``Value()``."""
    return as_quantity(value).value()


def format_canonical(value: str | Quantity) -> str:
    """The canonical text apimachinery computes for ``value`` ("1000m" -> "1", "0.5" -> "500m")."""
    return as_quantity(value).canonical()


def format_quantity(value: int, fmt: str = "DecimalSI") -> str:
    """resource.Quantity.String() of an integer value held in format ``fmt`` (canonical form).

    Mirrors: apimachinery/pkg/api/resource/quantity.go Quantity.String
    """
    return str(Quantity(value, 0, fmt))
