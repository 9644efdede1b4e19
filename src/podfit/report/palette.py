"""The pods' colours: a fixed palette, and for each arriving pod the colour least like its
neighbours' (the pods already on the NUMA nodes it takes CPUs on).

A hue-by-number rule (the golden angle) repeats itself: pods 21 or 34 numbers apart come out
nearly the same, and with thousands of pods such pairs do sit side by side. So the colour is
chosen when the pod arrives: of the palette's colours, the one whose smallest perceptual distance
(CIE Lab ΔE) to the colours of the pods around it is largest; among those clearly unlike them, the
one least like the last few pods to arrive (still on the node, anywhere); ties going to the first
in an order that starts at the pod's number.

The palette: hues and lightness levels spread by the R2 low-discrepancy sequence, saturated (no
pod colour is a grey like the reserved CPUs'), dark enough not to be taken for the node's shared
pool; the text on each is black or white, whichever contrasts more (podfit.report.colours).
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Iterable

__all__ = ["CLEAR", "PALETTE", "SATURATION", "delta_e", "hex_colour", "pick"]

SATURATION = 0.72
_A1, _A2 = 0.7548776662466927, 0.5698402909980532  # R2 sequence (plastic number)
_SIZE = 40
CLEAR = 40.0  # a ΔE this large tells two colours apart at a glance


def hex_colour(hue: float, lightness: float, saturation: float = SATURATION) -> str:
    """``#rrggbb`` of an HSL colour (``hue`` in degrees)."""
    r, g, b = colorsys.hls_to_rgb((hue % 360.0) / 360.0, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _lab(colour: str) -> tuple[float, float, float]:
    def linear(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str) -> float:
    """The CIE76 distance of two ``#rrggbb`` colours (about 2: just noticeable; 20+: at a glance)."""
    return math.dist(_lab(a), _lab(b))


PALETTE: tuple[tuple[float, float], ...] = tuple(
    ((25.0 + 360.0 * ((n * _A1) % 1.0)) % 360.0, 0.28 + 0.26 * ((0.5 + n * _A2) % 1.0)) for n in range(_SIZE)
)
_HEX = tuple(hex_colour(h, light) for h, light in PALETTE)
_DISTANCE = tuple(tuple(delta_e(a, b) for b in _HEX) for a in _HEX)


def pick(neighbours: Iterable[int], start: int, recent: Iterable[int] = ()) -> int:
    """The palette index least like the ``neighbours``' (palette indices); among those clearly
    unlike them (ΔE >= ``CLEAR``), the one least like the ``recent`` arrivals'; ties: from ``start``."""
    none = (math.inf,) * _SIZE
    near = [_DISTANCE[n] for n in set(neighbours)]  # the table is symmetric: row n = from n
    late = [_DISTANCE[n] for n in set(recent)]
    gap = list(map(min, zip(*near, strict=True))) if near else none
    gap_late = list(map(min, zip(*late, strict=True))) if late else none
    order = [(start + k) % _SIZE for k in range(_SIZE)]
    return max(order, key=lambda c: (min(CLEAR, gap[c]), gap_late[c]))  # the first of equals
