"""Colours of the CPU map: one hue per pod, one shade per container slice, legible text on each.

A pod's hue comes from its number (``P1``, ``P2``, ... in order of first admission) by the golden
angle, so consecutive pods are far apart on the colour wheel and the colours never run out; the
lightness cycles through three levels with the number, so pods whose hues come close still differ
in brightness. A container's exclusive slice is the pod's colour, a step lighter or darker per
container; the pod's shared pool a light tint of it with a thick border of the pod's colour; the
budget not handed out a paler tint with a dashed border. The text colour of each fill is black or
white, whichever contrasts more (always at least 4.5:1, WCAG AA).
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping
from functools import lru_cache

from podfit.report.frames import EXCLUSIVE, EXCLUSIVE_ASSIGNMENTS, POD_FREE, POD_SHARED, CPUOwner, PodView

__all__ = ["FIXED", "Paint", "contrast", "kind_paint", "owner_paint", "pod_colour"]

GOLDEN_ANGLE = 137.50776405
FIRST_HUE = 25.0  # P1 is orange-brown (the node's shared pool is light blue)
_LIGHTNESS = (0.40, 0.31, 0.50)  # by pod number, cycling
_SHADES = (0.0, 0.13, -0.09, 0.24, -0.16)  # by container, added to the pod's lightness

Paint = tuple[str, str, str]  # fill, text (ink), border (edge)

FIXED: Mapping[str, Paint] = {
    "reserved": ("#3d3d3d", "#ffffff", "#1f1f1f"),
    "node-shared": ("#d6e6f5", "#1a1a1a", "#1f1f1f"),
    "unassigned": ("#ffffff", "#444444", "#777777"),
}


def _hex(h: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(h / 360.0, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@lru_cache(maxsize=4096)
def _ink(fill: str) -> str:
    return "#ffffff" if contrast(fill, "#ffffff") >= contrast(fill, "#000000") else "#000000"


def _hue(number: int) -> float:
    return (FIRST_HUE + (max(number, 1) - 1) * GOLDEN_ANGLE) % 360.0


@lru_cache(maxsize=4096)
def pod_colour(number: int, shade: int = 0) -> str:
    """The solid colour of pod ``Pn`` (``shade``: its ``shade``-th container slice)."""
    base = _LIGHTNESS[(max(number, 1) - 1) % len(_LIGHTNESS)]
    lightness = min(0.72, max(0.2, base + _SHADES[shade % len(_SHADES)]))
    return _hex(_hue(number), lightness, 0.72)


def _shade(owner: CPUOwner, pod: PodView | None) -> int:
    if pod is None or not owner.containers:
        return 0
    names = [c.name for c in pod.containers if c.assignment in EXCLUSIVE_ASSIGNMENTS]
    return names.index(owner.containers[0]) if owner.containers[0] in names else 0


def owner_paint(owner: CPUOwner, pod: PodView | None) -> Paint:
    """Fill, text and border colour of a CPU held by ``owner`` (``pod``: the owner's pod)."""
    if owner.kind in FIXED or owner.pod is None:
        return FIXED.get(owner.kind, FIXED["unassigned"])
    number = pod.number if pod is not None else 0
    solid = pod_colour(number)
    if owner.kind == EXCLUSIVE:
        fill = pod_colour(number, _shade(owner, pod))
        return fill, _ink(fill), "#1f1f1f"
    if owner.kind == POD_SHARED:
        fill = _hex(_hue(number), 0.84, 0.70)
        return fill, _ink(fill), solid
    if owner.kind == POD_FREE:
        fill = _hex(_hue(number), 0.94, 0.60)
        return fill, _ink(fill), solid
    return FIXED["unassigned"]


def kind_paint(kind: str) -> Paint:
    """The legend's swatch of an owner kind (the kinds a pod holds in the colours of ``P1``)."""
    if kind in FIXED:
        return FIXED[kind]
    return owner_paint(CPUOwner(kind, "", ()), PodView("", "P1", None, ()))
