"""Shared fixtures of the live-node tests: short unix socket paths, scenarios, a running server."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from podfit.io.scenario import load_scenario
from podfit.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
KEP5526 = EXAMPLES / "kep5526-tightly-coupled-database.yaml"
DEVICES = EXAMPLES / "topology-policy-best-effort.yaml"
MEMORY = EXAMPLES / "memory-manager-guaranteed-pods.yaml"


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    """A short directory for unix sockets (a socket path is at most 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="pf-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def scenario(path: Path) -> Scenario:
    return load_scenario(path)


def write_scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> Scenario:
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return load_scenario(target)


def small_node(name: str, cores: int) -> str:
    """The head of a scenario: one NUMA node of ``cores`` single-thread cores, 4Gi, static CPU
    manager with CPU 0 reserved (append a ``pods:`` section)."""
    return f"""
kind: Scenario
metadata: {{name: {name}}}
node:
  machine:
    sockets: 1
    numaNodesPerSocket: 1
    coresPerNUMANode: {cores}
    threadsPerCore: 1
    memoryPerNUMANode: 4Gi
kubeletConfig:
  apiVersion: kubelet.config.k8s.io/v1beta1
  kind: KubeletConfiguration
  cpuManagerPolicy: static
  reservedSystemCPUs: "0"
"""
