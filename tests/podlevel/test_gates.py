"""Pod-level resources with the feature gates off: admitted, no pinning, no budget (spec §1.1).

With PodLevelResourceManagers off (its v1.36 default) or PodLevelResources off, the CPU and memory
managers give no hints and skip allocation for a pod that sets .spec.resources: every container
runs in the node shared pool, even in a Guaranteed pod, and the memory is not pinned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.kubelet.simulation import simulate
from podfit.report.json_result import result_to_json

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kep5526-tightly-coupled-database.yaml"


def _run(gates: dict[str, bool]) -> dict[str, Any]:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["kubeletConfig"]["featureGates"] = gates
    return result_to_json(simulate(scenario_from_dict(doc)))


@pytest.mark.parametrize(
    "gates",
    [
        {"PodLevelResources": True, "PodLevelResourceManagers": False},
        {"PodLevelResources": True},  # PodLevelResourceManagers is alpha, off by default in v1.36
    ],
    ids=["plrm-off", "plrm-default"],
)
def test_gate_off_admits_without_pinning(gates: dict[str, bool]) -> None:
    out = _run(gates)
    assert out["error"] is None
    (step,) = out["steps"]
    assert (step["admitted"], step["qosClass"]) == (True, "Guaranteed")
    assert step["podCPUs"] is None
    assert step["podHint"] == {"numaAffinity": [], "preferred": True}  # no provider has a preference
    for c in step["containers"]:
        assert (c["cpus"], c["assignment"], c["memory"]) == (None, "node_shared", None)
    assert step["defaultCPUSet"] == "0-31"


def test_gates_on_pin_the_budget() -> None:
    out = _run({"PodLevelResources": True, "PodLevelResourceManagers": True})
    (step,) = out["steps"]
    assert step["podCPUs"] == "1-4,17-20"
