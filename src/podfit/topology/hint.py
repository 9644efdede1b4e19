"""The topology hint value exchanged between hint providers and the Topology Manager.

Mirrors: topologymanager/topology_manager.go ``TopologyHint``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import NamedTuple

from podfit.topology.bitmask import get_bits, is_narrower_than

__all__ = ["ProviderHints", "TopologyHint", "new_hints"]


class TopologyHint(NamedTuple):
    """A NUMA affinity (``None`` = "any NUMA node", the Go nil mask) and whether it is preferred.

    An immutable named pair: generators build tens of thousands of them per call (2^16 NUMA
    masks), which a tuple makes cheap (see :func:`new_hints`). Two hints are equal when mask and
    preference are equal.
    """

    numa_affinity: int | None
    preferred: bool

    def is_equal(self, other: TopologyHint) -> bool:
        """Same preference and same mask (a nil mask only equals a nil mask).

        Mirrors: topologymanager/topology_manager.go TopologyHint.IsEqual
        """
        return self.preferred == other.preferred and self.numa_affinity == other.numa_affinity

    def less_than(self, other: TopologyHint) -> bool:
        """Preferred first, then the narrower mask (both masks must be set).

        Mirrors: topologymanager/topology_manager.go TopologyHint.LessThan
        """
        if self.preferred != other.preferred:
            return self.preferred
        assert self.numa_affinity is not None and other.numa_affinity is not None
        return is_narrower_than(self.numa_affinity, other.numa_affinity)

    def __str__(self) -> str:
        mask = "any" if self.numa_affinity is None else ",".join(map(str, get_bits(self.numa_affinity)))
        return f"{{{mask} {'preferred' if self.preferred else 'not-preferred'}}}"


_new = tuple.__new__


def new_hints(pairs: Iterable[tuple[int | None, bool]]) -> list[TopologyHint]:
    """``[TopologyHint(mask, preferred) for mask, preferred in pairs]``, built in one C loop."""
    return list(map(_new, repeat(TopologyHint), pairs))  # type: ignore[arg-type]


# What one hint provider returns for a container or pod: resource name -> hints.
# ``None`` (or an empty mapping) = the provider has no preference at all; a resource mapped to
# ``None`` = no preference for that resource; mapped to an empty list = no possible affinity.
ProviderHints = Mapping[str, Sequence[TopologyHint] | None] | None
