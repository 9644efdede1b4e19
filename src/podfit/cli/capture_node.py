"""``podfit capture-node``: collect a node's kubelet state, read-only, into one bundle file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from podfit.cli.option_checks import CheckedCommand, checks, refuse_given

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit capture-node --out node-bundle.tar.gz              # on the node itself
  kubectl get pods -A -o json --field-selector spec.nodeName=NODE > pods.json
  kubectl get --raw /api/v1/nodes/NODE/proxy/configz > configz.json
  kubectl debug node/NODE -it --image=IMAGE-WITH-PODFIT -- \\
      podfit capture-node --root /host --pods pods.json --configz configz.json --out /tmp/node.tar.gz
"""


def _check(p: dict[str, Any]) -> None:
    if p["no_podresources"]:
        refuse_given(("socket", "timeout"), "belongs to the PodResources API, not to --no-podresources")


@click.command("capture-node", cls=CheckedCommand, epilog=EXAMPLES)
@click.option(
    "--out",
    "-o",
    "out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The bundle file to write (-o FILE: the old spelling; the bundle has one format).",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("/"),
    show_default=True,
    help="Where the host's filesystem is (/host under kubectl debug node/NAME).",
)
@click.option(
    "--kubelet-dir",
    default="/var/lib/kubelet",
    show_default=True,
    help="Host path of the kubelet's root dir.",
)
@click.option(
    "--kubelet-config",
    help="Host path of the kubelet's config file (default: the running kubelet's --config).",
)
@click.option(
    "--configz", type=click.Path(path_type=Path, dir_okay=False), help="A /configz JSON file (local)."
)
@click.option("--podresources-socket", "socket", help="Host path of the PodResources socket.")
@click.option("--no-podresources", is_flag=True, help="Do not ask the PodResources API.")
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait for the socket.")
@click.option(
    "--pods", type=click.Path(path_type=Path, dir_okay=False), help="The node's pods (kubectl JSON)."
)
@click.option("--node-name", help="The node's name (default: the host's /etc/hostname).")
@checks(_check)
def command(
    out: Path,
    root: Path,
    kubelet_dir: str,
    kubelet_config: str | None,
    configz: Path | None,
    socket: str | None,
    no_podresources: bool,
    timeout: float,
    pods: Path | None,
    node_name: str | None,
) -> None:
    """Collect sysfs topology, cpu/memory manager and device checkpoints, the kubelet configuration,
    the PodResources answers (List, GetAllocatableResources, Get) and optionally the node's pods into
    a bundle; MANIFEST.json says what was found, what was missing and why. Nothing is written but
    the output file (atomically)."""
    from podfit.errors import InputError
    from podfit.live.bundle import write_bundle
    from podfit.live.capture import CaptureOptions, capture_node

    if timeout <= 0:
        raise InputError("--timeout", f"expected a positive number of seconds, got {timeout:g}")
    opts = CaptureOptions(
        root=root,
        kubelet_dir=kubelet_dir,
        kubelet_config=kubelet_config,
        configz=configz,
        socket=socket,
        pods=pods,
        timeout=timeout,
        node_name=node_name,
        podresources=not no_podresources,
    )
    files, manifest = capture_node(opts)
    write_bundle(out, files, manifest)
    for item in manifest["items"]:
        if item["status"] != "found":
            click.echo(f"missing {item['name']}: {item.get('reason', '')}", err=True)
    found = sum(1 for i in manifest["items"] if i["status"] == "found")
    click.echo(f"wrote {out} ({found} of {len(manifest['items'])} pieces found)", err=True)
