"""Shared helpers of the metrics tests: scenario building from the upstream e2e YAML tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from podfit.api.scenario import scenario_from_dict
from podfit.model.scenario import Scenario

UPSTREAM = Path(__file__).parents[1] / "upstream"


def load(relative: str) -> Any:
    with (UPSTREAM / relative).open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def sleeper_pod(name: str, cpus: int) -> dict[str, Any]:
    """test/e2e_node makeGuaranteedCPUExclusiveSleeperPod, as a manifest."""
    res = {"cpu": str(cpus), "memory": "64Mi"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{name}-pod", "namespace": "default"},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": f"{name}-cnt", "resources": {"requests": res, "limits": res}}],
        },
    }


def e2e_scenario(table: dict[str, Any], case: dict[str, Any]) -> Scenario:
    """The table's node and kubelet configuration (or the named variant's machine and CPU manager
    options); one event per step that adds or removes a pod (steps without one have no event)."""
    machine = dict(table["node"]["machine"])
    config = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
    config.update(table["kubeletConfig"])
    variant = case.get("variant")
    if variant is not None:
        machine = dict(table[variant]["machine"])
        config["cpuManagerPolicyOptions"] = table[variant]["cpuManagerPolicyOptions"]
    doc = {
        "kind": "Scenario",
        "metadata": {"name": case["name"][:60]},
        "node": {"machine": machine},
        "kubeletConfig": config,
        "events": [_event(step) for step in case["steps"] if "add" in step or "remove" in step],
    }
    return scenario_from_dict(doc)


def memory_manager_pod(name: str, container: str, cpu: str, memory: str) -> dict[str, Any]:
    """test/e2e_node makeMemoryManagerPod with one container and no hugepages, as a manifest."""
    res = {"cpu": cpu, "memory": memory}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": container, "resources": {"requests": res, "limits": res}}],
        },
    }


def _event(step: dict[str, Any]) -> dict[str, Any]:
    if "add" in step:
        add = step["add"]
        if add.get("make") == "makeMemoryManagerPod":
            return {"add": memory_manager_pod(add["name"], add["container"], add["cpu"], add["memory"])}
        return {"add": sleeper_pod(add["name"], add["cpus"])}
    return {"remove": f"default/{step['remove']}-pod"}


def expected_values(step: dict[str, Any]) -> list[tuple[str, dict[str, str], int]]:
    return [(name, dict(labels), value) for name, labels, value in step.get("expect", [])]
