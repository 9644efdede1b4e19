"""podfit.model.quantity against apimachinery's own test tables (tests/upstream/quantity/*.yaml)."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from podfit.model.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    ERR_FORMAT_WRONG,
    ERR_NUMERIC,
    ERR_SUFFIX,
    MAX_INT64,
    MAX_MILLI_VALUE,
    Quantity,
    QuantityError,
    _reduce,
    _split,
    bytes_value,
    cpu_millis,
    format_canonical,
    parse_quantity,
    parse_quantity_json,
)

UPSTREAM = Path(__file__).resolve().parents[1] / "upstream" / "quantity"
ERRORS = {"ErrFormatWrong": ERR_FORMAT_WRONG, "ErrNumeric": ERR_NUMERIC, "ErrSuffix": ERR_SUFFIX}


def cases(name: str, key: str = "cases") -> list[Any]:
    doc = yaml.safe_load((UPSTREAM / name).read_text())
    assert doc["upstream"]["commit"], name
    return [pytest.param(c, id=str(c["id"])) for c in doc[key]]


def as_dec(q: Quantity) -> Quantity:
    """The same value in Go's inf.Dec form (``AsDec()``/``ToDec()``): scale = -exponent."""
    m, e = _reduce(q.mantissa, q.exponent)
    return Quantity(m, e, q.format, -q.exponent)


def dec_quantity(mantissa: int, exponent: int, fmt: str) -> Quantity:
    """Upstream ``decQuantity``: an inf.Dec quantity built directly."""
    return as_dec(Quantity(mantissa, exponent, fmt))


# --- TestQuantityParse ------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("quantity_parse.yaml"))
def test_quantity_parse(case: dict[str, Any]) -> None:
    want = Fraction(case["value"])
    for prefix, sign in (("", 1), ("-", -1), ("+", 1)):
        got = parse_quantity(prefix + case["input"])
        assert got.exact == sign * want, prefix
        assert got.format == case["format"], prefix
        assert got == dec_quantity(got.mantissa, got.exponent, got.format)


@pytest.mark.parametrize("case", cases("quantity_parse.yaml", "invalid"))
def test_quantity_parse_invalid(case: dict[str, Any]) -> None:
    with pytest.raises(QuantityError) as err:
        parse_quantity(case["input"])
    assert str(err.value) == ERRORS[case["error"]]


@pytest.mark.parametrize("case", cases("parse_quantity_string.yaml"))
def test_parse_quantity_string(case: dict[str, Any]) -> None:
    want = (case["positive"], case["value"], case["num"], case["denom"], case["suffix"])
    assert _split(case["input"]) == want


# --- String() ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("quantity_string.yaml"))
def test_quantity_string(case: dict[str, Any]) -> None:
    q = dec_quantity(case["mantissa"], case["exponent"], case["format"])
    assert str(q) == case["expect"]
    assert parse_quantity(case["expect"]).cached == case["expect"]
    if case["alternate"]:
        alt = parse_quantity(case["alternate"])
        assert alt.cached == ""
        assert str(alt) == case["expect"]
    if not q.is_zero():
        assert str(dec_quantity(-case["mantissa"], case["exponent"], case["format"])) == "-" + case["expect"]


@pytest.mark.parametrize("case", cases("quantity_parse_emit.yaml"))
def test_quantity_parse_emit(case: dict[str, Any]) -> None:
    assert str(parse_quantity(case["input"])) == case["expect"]
    negative = parse_quantity("-" + case["input"])
    if not negative.is_zero():
        assert str(negative) == "-" + case["expect"]


@pytest.mark.parametrize("case", cases("parse_quantity.yaml"))
def test_parse_quantity(case: dict[str, Any]) -> None:
    q = parse_quantity(case["input"])
    assert q.as_int64() == case["as_int64"]
    assert q.exact == Fraction(case["value"])
    assert str(q) == case["string"]


@pytest.mark.parametrize("case", cases("json_whitespace.yaml"))
def test_json_whitespace(case: dict[str, Any]) -> None:
    assert str(parse_quantity_json(case["json"])) == case["string"]


@pytest.mark.parametrize("case", cases("quantity_single.yaml"))
def test_single_assertions(case: dict[str, Any]) -> None:
    if case.get("error"):
        with pytest.raises(QuantityError):
            parse_quantity(case["input"])
        return
    if "input" in case:
        q = parse_quantity(case["input"])
    else:
        q = Quantity(case["mantissa"], case["exponent"], case["format"])
    assert str(q) == case["string"]
    if "value" in case:
        assert q.value() == case["value"]


# --- constructors, Value / MilliValue / ScaledValue --------------------------------------------


def constructed(case: dict[str, Any]) -> Quantity:
    exponent = {"milli": -3, "plain": 0}.get(case["constructor"], case.get("scale", 0))
    return Quantity(case["value"], exponent, case["format"])


@pytest.mark.parametrize("case", cases("new_set.yaml"))
def test_new_set(case: dict[str, Any]) -> None:
    q = constructed(case)
    assert str(q) == case["expect"]
    assert str(as_dec(q)) == case["expect"]
    if case["roundtrip"]:
        back = parse_quantity(case["expect"])
        scale = {"milli": -3, "plain": 0}.get(case["constructor"], case.get("scale", 0))
        assert back.scaled_value(scale) == case["value"]
        if case["constructor"] == "milli":
            assert back.milli_value() == case["value"]
        if case["constructor"] == "plain":
            assert back.value() == case["value"]


@pytest.mark.parametrize("case", cases("scaled_value.yaml"))
def test_scaled_value(case: dict[str, Any]) -> None:
    q = Quantity(1, case["from_scale"], DECIMAL_SI)
    assert q.scaled_value(case["to_scale"]) == case["expected"]


@pytest.mark.parametrize("case", cases("scaled_value_internal.yaml"))
def test_scaled_value_internal(case: dict[str, Any]) -> None:
    m, e = _reduce(int(case["unscaled"]), -case["scale"])
    q = Quantity(m, e, DECIMAL_SI, case["scale"])
    assert q.scaled_value(-case["new_scale"]) == case["want"]


@pytest.mark.parametrize("case", cases("int64_amount.yaml"))
def test_int64_amount(case: dict[str, Any]) -> None:
    q = Quantity(case["value"], case["scale"], DECIMAL_SI)
    if case["kind"] == "as_int64":
        assert q.as_int64() == case["result"]
    elif case["kind"] == "canonical":
        assert q._canonical_decimal() == (case["digits"], case["exponent"])
    elif case["kind"] == "sign":
        assert q.sign() == case["result"]
    else:
        assert q.scaled_value(case["scaled"]) == case["result"]


@pytest.mark.parametrize("case", cases("negative_scale_int64.yaml"))
def test_negative_scale_int64(case: dict[str, Any]) -> None:
    rounded, exact = Quantity(case["base"], 0, DECIMAL_SI).round_up(case["scale"])
    assert rounded.mantissa == case["result"]
    assert exact is case["exact"]


@pytest.mark.parametrize("case", cases("quantity_round_up.yaml"))
def test_quantity_round_up(case: dict[str, Any]) -> None:
    parsed = parse_quantity(case["input"])
    for q in (parsed, as_dec(parsed)):
        rounded, exact = q.round_up(case["scale"])
        assert rounded.exact == Fraction(case["value"])
        assert exact is case["exact"]
        assert rounded.cached == ""


@pytest.mark.parametrize("case", cases("examples.yaml"))
def test_examples(case: dict[str, Any]) -> None:
    if "constructor" in case:
        assert str(constructed(case)) == case["expect"]
        return
    q = parse_quantity(case["input"])
    assert q.format == case["format"]
    if "value" in case:
        assert q.value() == case["value"]
    if "milli_value" in case:
        assert q.milli_value() == case["milli_value"]


# --- Cmp --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("quantity_cmp.yaml"))
def test_quantity_cmp(case: dict[str, Any]) -> None:
    assert parse_quantity(case["x"]).cmp(parse_quantity(case["y"])) == case["cmp"]


@pytest.mark.parametrize("case", cases("quantity_cmp_int64_and_dec.yaml"))
def test_quantity_cmp_int64_and_dec(case: dict[str, Any]) -> None:
    a, b = Quantity(*case["a"], DECIMAL_SI), Quantity(*case["b"], DECIMAL_SI)
    for x, y in ((a, b), (as_dec(a), b), (a, as_dec(b)), (as_dec(a), as_dec(b))):
        assert x.cmp(y) == case["cmp"]
        assert y.cmp(x) == -case["cmp"]
        assert (x == y) is (case["cmp"] == 0)


# --- podfit's own cases, derived by reading quantity.go / amount.go / scale_int.go (not upstream) --

WRAP = 1 << 64

DERIVED = [
    # input, value(), milli_value(), str(), format
    ("0.1m", 1, 1, "100u", DECIMAL_SI),  # fast path; MilliValue rounds 0.1m up to 1
    ("0.0000000001", 1, 1, "1n", DECIMAL_SI),  # inf.Dec path: parse rounds up to 1n
    ("-0.0000000001", 1, 1, "-1n", DECIMAL_SI),  # inf.Dec: truncate toward zero, then +1
    ("-1.0005Ki", -1023, -1024512, "-1024512m", BINARY_SI),
    ("-1.0000005Ki", -1023, -1023999, "-1024000512u", BINARY_SI),
    ("-9.01", -10, -9010, "-9010m", DECIMAL_SI),  # fast path: away from zero
    ("1.5Gi", 1610612736, 1610612736000, "1536Mi", BINARY_SI),
    ("1.5", 2, 1500, "1500m", DECIMAL_SI),
    ("9Ei", MAX_INT64, -1000, str(MAX_INT64), BINARY_SI),  # capped; MilliValue wraps
    ("12E", 0, 0, "12E", DECIMAL_SI),  # fast path overflow gives 0
    ("1000E", 0, 0, "1", DECIMAL_SI),  # 10^21 has no SI suffix: String() drops it
    ("1000000000000000000000", 10**21 % WRAP, 10**24 % WRAP, "1", DECIMAL_SI),  # inf.Dec: wraps
    ("+1", 1, 1000, "+1", DECIMAL_SI),  # remembered input
    ("1.500k", 1500, 1500000, "1.500k", DECIMAL_SI),
    ("007", 7, 7000, "007", DECIMAL_SI),
    ("1E3", 1000, 1000000, "1E3", DECIMAL_EXPONENT),
    ("1.5e-2147483648", 0, 15, "150e2147483646", DECIMAL_EXPONENT),  # int32 wrap of the scale
    ("-", 0, 0, "0", DECIMAL_SI),
    ("1.G", 10**9, 10**12, "1.G", DECIMAL_SI),
]


@pytest.mark.parametrize(("text", "value", "milli", "string", "fmt"), DERIVED, ids=[d[0] for d in DERIVED])
def test_derived_go_semantics(text: str, value: int, milli: int, string: str, fmt: str) -> None:
    q = parse_quantity(text)
    wrap = lambda v: ((v + (1 << 63)) % WRAP) - (1 << 63)  # noqa: E731
    assert q.value() == wrap(value)
    assert q.milli_value() == wrap(milli)
    assert str(q) == string
    assert q.format == fmt


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (".Pi", ERR_NUMERIC),
        ("-.Ei", ERR_NUMERIC),
        ("1e", ERR_SUFFIX),
        ("1Ki5", ERR_SUFFIX),
        ("1e1.5", ERR_FORMAT_WRONG),
        ("1e99999999999999999999", ERR_SUFFIX),
        ("1\u0661", ERR_FORMAT_WRONG),
        ("1_000", ERR_FORMAT_WRONG),
    ],
)
def test_derived_errors(text: str, error: str) -> None:
    with pytest.raises(QuantityError, match="^" + re.escape(error) + "$"):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "integral"),
    [("1", True), ("1000m", True), ("2", True), ("1.5", False), ("1500m", False), ("0.1m", False)],
)
def test_kubelet_integral_cpu(text: str, integral: bool) -> None:
    """The CPU manager's test: an exclusive-CPU request satisfies Value()*1000 == MilliValue()."""
    q = parse_quantity(text)
    assert (q.value() * 1000 == q.milli_value()) is integral


def test_helpers() -> None:
    assert cpu_millis("250m") == 250
    assert cpu_millis(2) == 2000
    assert cpu_millis(parse_quantity("0.1m")) == 1
    assert bytes_value("1Gi") == 1 << 30
    assert bytes_value("1.5") == 2
    assert format_canonical("1000m") == "1"
    assert format_canonical("1024Ki") == "1Mi"
    assert format_canonical("0.5") == "500m"
    assert format_canonical("+1") == "1"
    assert parse_quantity("9Ei").scaled_value(-9) == ((MAX_INT64 * 10**9 + (1 << 63)) % WRAP) - (1 << 63)
    assert parse_quantity("9Ei").scaled_value(-19) == -(1 << 63)  # int64(math.Pow10(19)) on amd64
    with pytest.raises(TypeError):
        cpu_millis(True)
    with pytest.raises(TypeError):
        bytes_value(0.5)  # type: ignore[arg-type]
    with pytest.raises(QuantityError) as err:
        cpu_millis("8 Gi")
    assert err.value.text == "8 Gi"
    assert isinstance(err.value, ValueError)


# --- properties ---------------------------------------------------------------------------------

SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
numerals = st.builds(
    lambda sign, whole, frac, dot: sign + whole + ("." + frac if dot else ""),
    st.sampled_from(["", "+", "-"]),
    st.from_regex(r"[0-9]{1,22}", fullmatch=True),
    st.from_regex(r"[0-9]{0,12}", fullmatch=True),
    st.booleans(),
)
suffixes = st.one_of(
    st.sampled_from(SUFFIXES),
    st.builds(
        lambda e, s, n: e + s + str(n),
        st.sampled_from("eE"),
        st.sampled_from(["", "+", "-"]),
        st.integers(0, 40),
    ),
)
quantities = st.builds(lambda n, s: parse_quantity(n + s), numerals, suffixes)


@given(quantities)
def test_string_round_trip(q: Quantity) -> None:
    if q.format == DECIMAL_SI and abs(q.exact) >= 10**21:
        return  # no SI suffix above E: String() is lossy upstream too (see DERIVED "1000E")
    back = parse_quantity(str(q))
    assert back == q
    assert parse_quantity(q.canonical()) == q
    assert hash(back) == hash(q)


@given(quantities)
def test_values_round_up(q: Quantity) -> None:
    exact = q.exact
    assert exact.denominator <= 10**9 and (10**9 % exact.denominator == 0)  # a multiple of 1n
    if 0 <= exact <= MAX_MILLI_VALUE:
        assert q.milli_value() == math.ceil(exact * 1000)
    if 0 <= exact <= MAX_INT64:
        assert q.value() == math.ceil(exact)
    if q.dec_scale is None and -MAX_INT64 <= exact < 0:
        assert q.value() == -math.ceil(-exact)  # fast path: away from zero


@given(quantities, quantities)
def test_cmp_is_exact(a: Quantity, b: Quantity) -> None:
    want = (a.exact > b.exact) - (a.exact < b.exact)
    assert a.cmp(b) == want
    assert (a < b) is (want < 0)
    assert (a == b) is (want == 0)
