"""A decision the fleet replay surfaced, checked against the real kubelet (rmoracle-1.36, kubelet
v1.36.2 vendored by microshift 8e16b12f; output committed in data/): with pod-level resources in
topology scope ``container`` and the Memory Manager ``Static``, a pod whose sidecars request
memory (no limits) is rejected with UnexpectedAdmissionError — the sidecars' memory has no NUMA
node to come from. The fleet's pod-level-container model hits it for every pod the sidecar rule
picks."""

from __future__ import annotations

import json
from pathlib import Path

from podfit.fleet import CellInputs, FleetConfig, NodeRow, PodRow
from podfit.fleet.engine import _Replay
from podfit.fleet.kubelet_port import instantiate

ORACLE = Path(__file__).parent / "data" / "oracle-pod-level-container-sidecars.jsonl"


def test_pod_level_container_scope_with_memory_requesting_sidecars() -> None:
    expected = json.loads(ORACLE.read_text())["output"]["steps"][0]
    # the oracle's machine: 2 sockets x 8 cores x 2 threads, 64Gi per NUMA node, CPUs 0,16 reserved
    replay = _Replay(
        CellInputs("c", (NodeRow("n", 32000, 131072),), ()), FleetConfig(model="pod-level-container")
    )
    row = PodRow("p", 0, None, "LS", 4000, 8192)
    template = replay.template(row)
    assert [c.name for c in template.pod.init_containers] == ["sidecar-0", "sidecar-1"]  # the rule picked it
    node = replay.nodes[0]
    assert node is not None
    result = node.admit(instantiate(template.pod, "p", "p"))
    assert (result.admitted, result.reason, result.message) == (
        expected["admitted"],
        expected["reason"],
        expected["message"],
    )
