"""``podfit serve-podresources``: the kubelet's PodResources gRPC API for a simulated node, on a
real unix socket, so that tools reading PodResources can be tested without the hardware."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from podfit.cli.option_checks import CheckedCommand
from podfit.cli.options import scenario_input

if TYPE_CHECKING:
    from podfit.model.scenario import Scenario

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit serve-podresources examples/kep5526-tightly-coupled-database.yaml --socket /tmp/pr.sock
  podfit serve-podresources my-node.yaml --socket /tmp/pr.sock --step 3 --kubelet-version 1.37
  podfit serve-podresources my-node.yaml --socket /tmp/pr.sock \\
      --checkpoint-dir /tmp/node/var/lib/kubelet --pods-json /tmp/node/pods.json
  # then: podfit capture-node --podresources-socket /tmp/pr.sock --pods /tmp/node/pods.json \\
  #           --kubelet-dir /tmp/node/var/lib/kubelet -o bundle.tar.gz
"""


@click.command("serve-podresources", cls=CheckedCommand, epilog=EXAMPLES)
@click.option("--socket", "socket_path", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--step", type=int, help="Serve the node after the first N events (default: after all).")
@click.option(
    "--checkpoint-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write the node's cpu_manager_state and memory_manager_state into DIR.",
)
@click.option(
    "--pods-json",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the node's pods as `kubectl get pods -o json` prints them.",
)
@click.option(
    "--serve-for",
    type=click.FloatRange(min=0),
    help="Stop after this many seconds (default: until SIGINT/SIGTERM).",
)
@scenario_input
def command(
    loaded: Scenario,
    socket_path: Path,
    step: int | None,
    checkpoint_dir: Path | None,
    pods_json: Path | None,
    serve_for: float | None,
) -> None:
    """Serve List, GetAllocatableResources and Get of the node a scenario leaves (or the node after
    step N), filled as the kubelet's podresources server of the scenario's release fills them
    (``--kubelet-version``; 1.37: pod-level cpu_ids/memory)."""
    kubelet_version = loaded.kubelet_version
    from podfit.io.files import write_atomic
    from podfit.live.podresources import load
    from podfit.live.server import serve
    from podfit.live.simulated import simulated_node

    load("serve-podresources")  # the 'live' extra, before any work
    node = simulated_node(loaded, step)
    if checkpoint_dir is not None:
        from podfit.io.checkpoints import write_checkpoints

        for path in write_checkpoints(checkpoint_dir, node.node, node.node.release):
            click.echo(f"wrote {path}", err=True)
    if pods_json is not None:
        write_atomic(pods_json, (json.dumps(node.pods_document(), indent=2) + "\n").encode())
        click.echo(f"wrote {pods_json}", err=True)
    source = node.source(kubelet_version)
    server, _ = serve(source, socket_path)
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(
            f"serving PodResources v1 ({kubelet_version}) of {loaded.name} node {loaded.node_name}: "
            f"{len(source.pods)} pod(s) on unix:{socket_path}",
            err=True,
        )
        stop.wait(serve_for)
    finally:
        server.stop(0).wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
        socket_path.unlink(missing_ok=True)
