"""go_json_number: the JSON text encoding/json writes for a number sigs.k8s.io/yaml decoded
(values checked by hand against Go's float formatting rules: 'f' from 1e-6 up to 1e21, else 'e'
with a two-digit exponent, shortest digits; an integer beyond uint64 is a float64)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podfit.model.gotext import go_json_number

CASES = [
    (0.5, "0.5"),
    (2.0, "2"),
    (1.5e9, "1500000000"),
    (100.25, "100.25"),
    (0.000123, "0.000123"),
    (1e-6, "0.000001"),
    (1e-7, "1e-7"),
    (-1.25e-9, "-1.25e-9"),
    (1e-10, "1e-10"),
    (1e20, "100000000000000000000"),
    (1e21, "1e+21"),
    (123456789012345678901.0, "123456789012345680000"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (5e-324, "5e-324"),
    (0.0, "0"),
    (-0.0, "-0"),
    (2**64 - 1, "18446744073709551615"),
    (-(2**63), "-9223372036854775808"),
    (2**64, "18446744073709552000"),
    (-(2**63) - 1, "-9223372036854776000"),
    (99999999999999999999999, "1e+23"),
]


@pytest.mark.parametrize(("value", "text"), CASES)
def test_go_json_number(value: int | float, text: str) -> None:
    assert go_json_number(value) == text


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_json_has_no_infinities(value: float) -> None:
    with pytest.raises(ValueError, match="json: unsupported value"):
        go_json_number(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_reads_back_as_the_same_float(value: float) -> None:
    assert float(go_json_number(value)) == value
