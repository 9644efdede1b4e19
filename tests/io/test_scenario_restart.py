"""A ``restart`` event's ``kubeletConfig`` may be a path, relative to the scenario file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from podfit.errors import InputError
from podfit.io.scenario import load_scenario
from podfit.model.scenario import RestartKubelet


def _scenario(tmp_path: Path, restart: object) -> Path:
    doc = {
        "kind": "Scenario",
        "node": {
            "machine": {"sockets": 1, "numaNodesPerSocket": 1, "coresPerNUMANode": 4, "threadsPerCore": 1},
            "kubeletVersion": "1.35",
        },
        "kubeletConfig": {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"},
        "events": [{"restart": restart}],
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_restart_config_path_is_resolved(tmp_path: Path) -> None:
    (tmp_path / "kubelet-137.yaml").write_text(
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncpuManagerPolicy: static\n"
        'reservedSystemCPUs: "0"\n'
    )
    scenario = load_scenario(
        _scenario(tmp_path, {"kubeletVersion": "v1.37.1", "kubeletConfig": "kubelet-137.yaml"})
    )
    (event,) = scenario.events
    assert isinstance(event, RestartKubelet)
    assert event.kubelet_version == "1.37"
    assert event.kubelet_config is not None and event.kubelet_config.cpu_manager_policy == "static"


def test_a_bad_restart_names_the_file_and_field(tmp_path: Path) -> None:
    path = _scenario(tmp_path, {"kubeletVersion": "1.32"})
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert "events[0].restart.kubeletVersion" in str(info.value)


def test_restart_config_path_takes_every_form(tmp_path: Path) -> None:
    """The restarted kubelet's configuration is read as ``kubeletConfig:`` is: here a k3s
    config.yaml (kubelet-arg flags), which is no KubeletConfiguration document."""
    (tmp_path / "k3s.yaml").write_text(
        'kubelet-arg:\n  - "cpu-manager-policy=static"\n  - "reserved-cpus=0"\n'
    )
    scenario = load_scenario(_scenario(tmp_path, {"kubeletConfig": "k3s.yaml"}))
    (event,) = scenario.events
    assert isinstance(event, RestartKubelet)
    assert event.kubelet_config is not None and event.kubelet_config.cpu_manager_policy == "static"
