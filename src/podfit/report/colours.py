"""Colours of the CPU map: one colour per pod, one shade per container slice, legible text on each.

A pod's colour is its palette entry (:mod:`podfit.report.palette`, chosen when it arrives to be
unlike its neighbours'). A container's exclusive slice is that colour, a step lighter or darker per
container; the pod's shared pool a light tint of it with a thick border of the pod's colour; the
budget not handed out a paler tint with a dashed border. The text colour of each fill is black or
white, whichever contrasts more (always at least 4.5:1, WCAG AA).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from podfit.report.owners import (
    EXCLUSIVE,
    EXCLUSIVE_ASSIGNMENTS,
    KIND_LABELS,
    POD_FREE,
    POD_SHARED,
    CPUOwner,
    PodView,
)
from podfit.report.palette import PALETTE, hex_colour

__all__ = ["FIXED", "Paint", "contrast", "kind_paint", "legend_label", "owner_paint", "pod_colour"]

_SHADES = (0.0, 0.13, -0.09, 0.24, -0.16)  # by container, added to the pod's lightness

Paint = tuple[str, str, str]  # fill, text (ink), border (edge)

FIXED: Mapping[str, Paint] = {
    "reserved": ("#3d3d3d", "#ffffff", "#1f1f1f"),
    "node-shared": ("#d6e6f5", "#1a1a1a", "#1f1f1f"),
    "unassigned": ("#ffffff", "#444444", "#777777"),
}


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


@lru_cache(maxsize=4096)
def pod_colour(colour: int, shade: int = 0) -> str:
    """Palette entry ``colour`` (``shade``: of its ``shade``-th container slice)."""
    hue, base = PALETTE[colour % len(PALETTE)]
    lightness = base + _SHADES[shade % len(_SHADES)]
    if lightness > 0.72:  # wrap round rather than clip, so that the shades stay apart
        lightness -= 0.5
    elif lightness < 0.18:
        lightness += 0.5
    return hex_colour(hue, lightness)


def _shade(owner: CPUOwner, pod: PodView | None) -> int:
    if pod is None or not owner.containers:
        return 0
    names = [c.name for c in pod.containers if c.assignment in EXCLUSIVE_ASSIGNMENTS]
    return names.index(owner.containers[0]) if owner.containers[0] in names else 0


def owner_paint(owner: CPUOwner, pod: PodView | None) -> Paint:
    """Fill, text and border colour of a CPU held by ``owner`` (``pod``: the owner's pod)."""
    if owner.kind in FIXED or owner.pod is None:
        return FIXED.get(owner.kind, FIXED["unassigned"])
    shade = _shade(owner, pod) if owner.kind == EXCLUSIVE else 0
    return _pod_paint(owner.kind, pod.colour if pod is not None else 0, shade)


@lru_cache(maxsize=8192)
def _pod_paint(kind: str, colour: int, shade: int) -> Paint:
    solid = pod_colour(colour)
    hue = PALETTE[colour % len(PALETTE)][0]
    if kind == EXCLUSIVE:
        fill = pod_colour(colour, shade)
        return fill, _ink(fill), "#1f1f1f"
    if kind == POD_SHARED:
        fill = hex_colour(hue, 0.84, 0.70)
        return fill, _ink(fill), solid
    if kind == POD_FREE:
        fill = hex_colour(hue, 0.94, 0.60)
        return fill, _ink(fill), solid
    return FIXED["unassigned"]


def kind_paint(kind: str) -> Paint:
    """The legend's swatch of an owner kind (the kinds a pod holds in the colours of ``P1``)."""
    if kind in FIXED:
        return FIXED[kind]
    return owner_paint(CPUOwner(kind, "", ()), PodView("", "P1", None, (), colour=0))


def legend_label(kind: str) -> str:
    """The legend's words for an owner kind (the kinds a pod holds come in the pod's colour)."""
    own = " (in its pod's colour)" if kind in (EXCLUSIVE, POD_SHARED, POD_FREE) else ""
    return KIND_LABELS[kind] + own
