"""A running local Ray cluster for the Ray backend's address path (``--ray-address``), as a
KubeRay head or ``ray start --head`` would offer it: a child process starts a Ray head (no dashboard,
usage stats and token authentication off, its session files under a given directory), prints its
address and keeps it up until its standard input closes; then its Ray shuts down with it.

Used by the fleet benchmark (a sweep joining a running 2-CPU Ray) and by the backend's test.
Unlike ``ray stop``, closing this head leaves every other Ray on the machine alone.

    with running_ray_head(tmp_dir, num_cpus=2) as address:
        run_sweep(source, configs, backend="ray", workers=2, ray_address=address)
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

_CHILD = """
import sys, ray
ray.init(num_cpus=int(sys.argv[1]), include_dashboard=False, log_to_driver=False, _temp_dir=sys.argv[2])
print(ray.get_runtime_context().gcs_address, flush=True)
sys.stdin.read()
ray.shutdown()
"""


def ray_env() -> dict[str, str]:
    """The environment a local head and the drivers joining it share."""
    return dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")


@contextlib.contextmanager
def running_ray_head(temp_dir: str | Path, num_cpus: int = 2) -> Iterator[str]:
    """The GCS address (host:port) of a Ray head kept up while the block runs.
    ``temp_dir`` must be short: Ray's unix socket paths stay under 108 bytes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(num_cpus), str(temp_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=ray_env(),
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        address = proc.stdout.readline().strip()
        if not address:
            raise RuntimeError(f"the Ray head did not start (exit {proc.wait()})")
        yield address
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
