"""The device manager's topology hints for one resource: every NUMA mask that can hold the request
(from 1.36 only masks of the NUMA nodes that hold the resource's devices, PR #138244), preferred
when it is one of the narrowest. Pure functions over the resource's devices (key -> :class:`Device`).

Mirrors: devicemanager/topology_hints.go generateDeviceTopologyHints and deviceNUMANodes, read in
v1.33.5 and v1.36.2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from podfit.devices.state import Device
from podfit.topology.bitmask import count, iterate_bit_masks
from podfit.topology.fastmerge import HintSpace
from podfit.topology.hint import TopologyHint

__all__ = [
    "LIST_UP_TO",
    "device_numa_nodes",
    "generate_hints",
    "generate_hints_reference",
    "numa_bit",
    "zero_request_hints",
]

LIST_UP_TO: Final = 12
"""Up to this many NUMA nodes a zero-device request's hints are listed (at most 4,095)."""

Devices = Mapping[str, Device]


def zero_request_hints(numa_ids: Sequence[int], reuse_mask: int) -> HintSpace:
    """The hints of a request of 0 devices over ``numa_ids`` as a :class:`HintSpace`: every mask
    containing ``reuse_mask`` (the NUMA nodes of the reusable devices), preferred when it is one
    node (the narrowest mask that holds 0 devices has one node)."""
    everything = 0
    for n in numa_ids:
        everything |= 1 << n
    if not reuse_mask:
        return HintSpace(numa_ids, [], everything, free_alone=True)
    base = [TopologyHint(reuse_mask, reuse_mask.bit_count() == 1)]
    return HintSpace(numa_ids, base, everything & ~reuse_mask, extendable=[reuse_mask])


def numa_bit(devs: Devices, key: str) -> int:
    """The NUMA bit of a device (0: no topology). A device no plugin reports has none for the hints
    (v1.33's zero ``Device``; v1.34 - v1.36 dereference a nil ``*Device`` there: docs/versions.md)."""
    dev = devs.get(key)
    return 0 if dev is None or dev.numa is None else 1 << dev.numa


def device_numa_nodes(devs: Devices, numa_ids: Sequence[int]) -> list[int]:
    """The machine's NUMA nodes that hold one of the devices, sorted.

    Mirrors: devicemanager/topology_hints.go deviceNUMANodes (v1.36.2)
    """
    holding = {d.numa for d in devs.values() if d.numa is not None}
    return sorted(n for n in numa_ids if n in holding)


def generate_hints(
    devs: Devices,
    numa_ids: Sequence[int],
    nodes_only: bool,
    available: set[str],
    reusable: set[str],
    request: int,
) -> Sequence[TopologyHint]:
    """The hints of :func:`generate_hints_reference` without enumerating every NUMA mask.

    Whether a mask qualifies depends only on its part on the NUMA nodes D that hold devices of
    the resource, and the smallest mask holding ``request`` devices lies inside D. So the full
    list is: the masks over D that qualify (preferred as in the full enumeration), each also
    extended by every subset of the other NUMA nodes, not preferred. When D is every NUMA node
    that is a plain list (identical, same order); otherwise a :class:`HintSpace` (same hints,
    same iteration order) that the Topology Manager merges without listing it. ``nodes_only``:
    the release switch of PR #138244 (on from 1.36).

    Mirrors: devicemanager/topology_hints.go generateDeviceTopologyHints
    """
    if request <= 0:
        return _zero_request_hints(devs, numa_ids, nodes_only, available, reusable, request)
    holding = {d.numa for d in devs.values() if d.numa is not None}
    nodes = [n for n in numa_ids if n in holding]
    all_bits = [numa_bit(devs, d) for d in devs]
    avail_bits = [numa_bit(devs, d) for d in available]
    reuse_bits = [b for d in reusable if (b := numa_bit(devs, d))]
    min_size = len(nodes)
    masks: list[int] = []
    for mask in iterate_bit_masks(nodes):
        if sum(1 for b in all_bits if b & mask) >= request and count(mask) < min_size:
            min_size = count(mask)
        if any(not (b & mask) for b in reuse_bits):
            continue
        if len(reuse_bits) + sum(1 for b in avail_bits if b & mask) >= request:
            masks.append(mask)
    base = [TopologyHint(m, count(m) == min_size) for m in masks]
    if nodes_only:  # PR #138244: the masks over D are the whole list
        return base
    free = 0
    for n in numa_ids:
        if n not in holding:
            free |= 1 << n
    if not free or not base:
        return base
    return HintSpace(numa_ids, base, free).hints


def _zero_request_hints(
    devs: Devices,
    numa_ids: Sequence[int],
    nodes_only: bool,
    available: set[str],
    reusable: set[str],
    request: int,
) -> Sequence[TopologyHint]:
    """A request of 0 devices (a zero limit): every NUMA mask holding the NUMA nodes R of the
    reusable devices qualifies, and the narrowest mask able to hold 0 devices is one node. On
    up to :data:`LIST_UP_TO` NUMA nodes the list is written out; beyond, the same hints as a
    :class:`HintSpace`: R itself (preferred when one node) and R extended by any other nodes,
    or -- without reusable devices -- every mask, preferred when it is one node.
    """
    over: Sequence[int] = numa_ids
    if nodes_only:
        over = device_numa_nodes(devs, numa_ids) or numa_ids
    if len(over) <= LIST_UP_TO:
        return generate_hints_reference(devs, numa_ids, nodes_only, available, reusable, request)
    mask = 0
    for d in reusable:
        mask |= numa_bit(devs, d)
    return zero_request_hints(over, mask).hints


def generate_hints_reference(
    devs: Devices,
    numa_ids: Sequence[int],
    nodes_only: bool,
    available: set[str],
    reusable: set[str],
    request: int,
) -> list[TopologyHint]:
    """The literal enumeration over every NUMA mask of the machine (2^n masks), or from 1.36
    of the NUMA nodes that hold the resource's devices (all of the machine's when none does).

    Mirrors: devicemanager/topology_hints.go generateDeviceTopologyHints
    """
    over: Sequence[int] = numa_ids
    if nodes_only:
        over = device_numa_nodes(devs, numa_ids) or numa_ids
    all_bits = [numa_bit(devs, d) for d in devs]
    avail_bits = [numa_bit(devs, d) for d in available]
    reuse_bits = [b for d in reusable if (b := numa_bit(devs, d))]
    min_size = len(over)
    hints: list[TopologyHint] = []
    for mask in iterate_bit_masks(over):
        in_mask = sum(1 for b in all_bits if b & mask)
        if in_mask >= request and count(mask) < min_size:
            min_size = count(mask)
        if any(not (b & mask) for b in reuse_bits):
            continue
        matching = len(reuse_bits) + sum(1 for b in avail_bits if b & mask)
        if matching >= request:
            hints.append(TopologyHint(mask, False))
    return [TopologyHint(h.numa_affinity, count(h.numa_affinity or 0) == min_size) for h in hints]
