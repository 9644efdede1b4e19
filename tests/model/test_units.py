"""Human-readable byte amounts (reports, pictures, explanations)."""

from __future__ import annotations

import pytest

from podfit.model.units import format_bytes


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0"),
        (512, "512"),
        (1536, "1.5Ki"),
        (17179869184, "16Gi"),
        (1536 << 20, "1.5Gi"),
        (50343657472, "46.9Gi"),
        (2 << 40, "2Ti"),
    ],
)
def test_format_bytes(n: int, text: str) -> None:
    assert format_bytes(n) == text
