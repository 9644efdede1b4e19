"""Fleet replays: a cluster's workload through a scheduler and an exact kubelet on every node.

Pure core (values, mapping policy, scheduler, NUMA filter, event loop, aggregates); the readers,
the synthetic generator, the backends and the reports are in the shell (``podfit.io``,
``podfit.backends``, ``podfit.report``). See docs/fleet.md.
"""

from podfit.fleet.aggregates import FleetResult, Sample, merge_results
from podfit.fleet.engine import check_config, run_config
from podfit.fleet.values import CellInputs, FleetConfig, MappingPolicy, NodeRow, NumaZone, PodRow

__all__ = [
    "CellInputs",
    "FleetConfig",
    "FleetResult",
    "MappingPolicy",
    "NodeRow",
    "NumaZone",
    "PodRow",
    "Sample",
    "check_config",
    "merge_results",
    "run_config",
]
