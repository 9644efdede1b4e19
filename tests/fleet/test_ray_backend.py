"""Acceptance: a real local Ray (2 CPUs, no dashboard, usage stats off, auth disabled, its temp dir
in the test's tmp) runs a small sweep; the results equal the local backend's."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.backends import run_sweep
from podfit.fleet import FleetConfig
from podfit.io.fleet_sources import SyntheticSource
from podfit.io.synthetic import SyntheticSpec

ray = pytest.importorskip("ray")


def _sweep() -> tuple[SyntheticSource, list[FleetConfig]]:
    spec = SyntheticSpec(pods=400, rate_per_s=2.0, duration_mean_s=120, seed=7, cells=2)
    source = SyntheticSource(spec, node_count=6, node_cpus=32, node_memory_gib=128)
    configs = [
        FleetConfig(model=m, policy="single-numa-node", sample_interval_ms=20_000)
        for m in ("per-container", "pod-level-pod")
    ]
    return source, configs


def test_ray_equals_local(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray's unix socket paths must stay under 108 bytes: a short directory of the test's tmp
    ray_tmp: Path = tmp_path_factory.mktemp("r")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("PODFIT_RAY_TEMP_DIR", str(ray_tmp))
    source, configs = _sweep()
    local = run_sweep(source, configs, backend="local", workers=1)
    done: list[int] = []
    remote = run_sweep(source, configs, backend="ray", workers=2, on_done=lambda: done.append(1))
    assert not ray.is_initialized()  # the local Ray it started is shut down
    assert len(done) == 4  # 2 configurations x 2 cells
    assert [r.event_hash for r in remote] == [r.event_hash for r in local]
    assert remote == local
    assert all(r.arrived == 400 and r.cells == ("cell-0", "cell-1") for r in remote)
    assert any(ray_tmp.iterdir())  # Ray's session files went to the test's tmp


def test_ray_joins_a_running_cluster(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ray_address``: the sweep joins a running local Ray (as a KubeRay head or ``ray start``
    would offer it), leaves it running when done, and answers as the local backend."""
    from tools.ray_head import ray_env, running_ray_head

    for name, value in ray_env().items():
        if name.startswith("RAY_"):
            monkeypatch.setenv(name, value)
    source, configs = _sweep()
    local = run_sweep(source, configs, backend="local", workers=2)
    head_tmp: Path = tmp_path_factory.mktemp("h")
    with running_ray_head(head_tmp, num_cpus=2) as address:
        first = run_sweep(source, configs, backend="ray", workers=2, ray_address=address)
        assert not ray.is_initialized()  # disconnected, the cluster itself left alone
        again = run_sweep(source, configs, backend="ray", workers=2, ray_address=address)
    assert first == local and again == local
    # the head's own driver and the two sweeps' drivers, all in the head's one session
    drivers = list(head_tmp.glob("session_2*/logs/python-core-driver-*.log"))
    assert len(list(head_tmp.glob("session_2*"))) == 1 and len(drivers) == 3
