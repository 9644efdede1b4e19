"""CPU sets printed as the kubelet prints them (k8s.io/utils/cpuset String): a run of consecutive
CPUs as ``a-b``; checked against the literal CPU-by-CPU grouping and against parsing back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.model.cpuset import format_cpuset, parse_cpuset


def _literal(m: int) -> str:
    ids = [i for i in range(m.bit_length()) if m >> i & 1]
    runs: list[list[int]] = []
    for c in ids:
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


CASES = [
    (0, ""),
    (1, "0"),
    (0b11, "0-1"),
    (0b1011, "0-1,3"),
    (0b1110, "1-3"),
    (1 << 511, "511"),
    ((1 << 512) - 2, "1-511"),
]


@pytest.mark.parametrize(("m", "text"), CASES, ids=[c[1] or "empty" for c in CASES])
def test_format_cpuset(m: int, text: str) -> None:
    assert format_cpuset(m) == text


@settings(max_examples=300)
@given(
    st.integers(min_value=0, max_value=(1 << 1100) - 1)
    | st.sets(st.integers(0, 600)).map(lambda s: sum(1 << i for i in s))
)
def test_format_cpuset_is_the_literal_grouping(m: int) -> None:
    assert format_cpuset(m) == _literal(m)
    assert parse_cpuset(format_cpuset(m)) == m


def test_negative_is_refused() -> None:
    with pytest.raises(ValueError):
        format_cpuset(-1)
