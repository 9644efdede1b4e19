"""``podfit fleet``: a cluster's workload replayed through a scheduler and an exact kubelet on
every node, under each configuration of a sweep (docs/fleet.md)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from podfit.cli.option_checks import CheckedCommand, checks, csv_option, refuse_other_modes
from podfit.errors import InputError
from podfit.fleet.values import MappingPolicy

__all__ = ["command"]

EPILOG = """
\b
Examples:
  podfit fleet --trace path/to/alibaba-gpu-v2023 --out fleet-out
  podfit fleet --trace path/to/alibaba-gpu-v2023 --models per-container,pod-level-pod \\
      --policies single-numa-node,restricted --numa-filter --workers 2
  podfit fleet --nodes nodes.json --pods pods.json --nrt nrt.json --cell-label pool
  podfit fleet --synthetic --pod-count 100000 --rate 50 --shape spar --node-count 400
  podfit fleet --synthetic --backend ray --ray-address auto --workers 8
"""

_FILE = click.Path(path_type=Path, dir_okay=False)
_COUNT = click.IntRange(min=0)
_AT_LEAST_ONE = click.IntRange(min=1)
_POSITIVE = click.FloatRange(min=0, min_open=True)
_NON_NEGATIVE = click.FloatRange(min=0)
_SHARE = click.FloatRange(0, 1)
_MAPPING_FIELDS = {f.name for f in dataclasses.fields(MappingPolicy)}


def _csv(text: str, option: str) -> list[str]:
    return csv_option(text, option)


# The options that only one kind of input reads: given with another input they would be ignored
# (``--synthetic --pods 100000`` would replay the default 10,000 pods), so they are refused.
_INPUT_OPTIONS: dict[str, tuple[str, ...]] = {
    "trace": ("trace_nodes", "trace_pods", "time_compression"),
    "nodes": ("pods", "nrt", "cell_label"),
    "synthetic": (
        "pod_count",
        "rate",
        "duration_mean",
        "shape",
        "cpu_mix",
        "memory_per_cpu_mib",
        "guaranteed_share",
        "besteffort_share",
        "gpu_share",
        "node_count",
        "node_cpus",
        "node_memory_gib",
        "node_gpus",
        "cells",
    ),
}
_INPUT_FLAG = {"trace": "--trace DIR", "nodes": "--nodes (a cluster dump)", "synthetic": "--synthetic"}


_HINTS = {"pods": " (the synthetic stream's size is --pod-count)"}
# mapping rules read only where pods are written from rows (docs/fleet.md, Mapping policy)
_TRACE_ROW_OPTIONS = ("ls_qos", "be_qos", "shared_gpu")
_ROW_OPTIONS = ("cpu_rounding", "sidecar_share", "sidecars", "sidecar_cpu_milli", "sidecar_memory_mib")
_ROWS_FLAG = "--trace DIR or --synthetic (a dump's pods run as written)"
_TRACE_ROWS_FLAG = "--trace DIR (the trace's LS/BE QoS and GPU shares)"


def _check(o: dict[str, Any]) -> None:
    """Exactly one input; no option of another input or of another backend (run at parse time)."""
    given = [k for k in ("trace", "nodes", "synthetic") if o[k]]
    if len(given) != 1:
        raise click.UsageError(
            "give exactly one input: --trace DIR, --nodes/--pods (a cluster dump) or --synthetic"
        )
    refuse_other_modes(given[0], _INPUT_OPTIONS, _INPUT_FLAG, _HINTS)
    # the mapping rules that write pods from trace rows: a dump's pods run as written, and the
    # synthetic stream has no LS/BE QoS and no fractional GPUs
    if given[0] == "nodes":
        rows = {"rows": _TRACE_ROW_OPTIONS + _ROW_OPTIONS, "nodes": ()}
        refuse_other_modes("nodes", rows, {"rows": _ROWS_FLAG, "nodes": _INPUT_FLAG["nodes"]})
    elif given[0] == "synthetic":
        trace = {"trace": _TRACE_ROW_OPTIONS, "synthetic": ()}
        refuse_other_modes("synthetic", trace, {"trace": _TRACE_ROWS_FLAG, "synthetic": "--synthetic"})
    backends = {"local": "--backend local", "ray": "--backend ray"}
    refuse_other_modes(o["backend"], {"ray": ("ray_address",)}, backends)
    for name, option in (("models", "--models"), ("policies", "--policies"), ("versions", "--versions")):
        csv_option(o[name], option)
    csv_option(o["formats"], "--format")


def _source(o: dict[str, Any]) -> Any:
    from podfit.io.fleet_sources import AlibabaSource, DumpSource, SyntheticSource

    if o["trace"]:
        d: Path = o["trace"]
        return AlibabaSource(
            o["trace_nodes"] or d / "openb_node_list_all_node.csv",
            o["trace_pods"] or d / "openb_pod_list_default.csv",
            o["time_compression"],
        )
    if o["nodes"]:
        if not o["pods"]:
            raise click.UsageError("--nodes needs --pods")
        return DumpSource(o["nodes"], o["pods"], o["nrt"], o["cell_label"])
    from podfit.io.synthetic import SyntheticSpec, parse_mix

    shape = None
    if o["shape"] == "spar":
        from podfit.cli.progress import spinner
        from podfit.io.traces import spar_shape

        with spinner("reading the spar sample's shape"):
            shape = spar_shape()
    spec = SyntheticSpec(
        pods=o["pod_count"],
        rate_per_s=o["rate"],
        seed=o["seed"],
        duration_mean_s=o["duration_mean"],
        cpu_mix=parse_mix(o["cpu_mix"]),
        memory_per_cpu_mib=o["memory_per_cpu_mib"],
        guaranteed_share=o["guaranteed_share"],
        besteffort_share=o["besteffort_share"],
        gpu_share=o["gpu_share"],
        shape=shape,
        cells=o["cells"],
    )
    return SyntheticSource(spec, o["node_count"], o["node_cpus"], o["node_memory_gib"], o["node_gpus"])


def _configs(o: dict[str, Any], span_ms: int) -> list[Any]:
    from podfit.fleet import FleetConfig, check_config
    from podfit.fleet.kubelet_port import RELEASES

    mapping = MappingPolicy(**{k: o[k] for k in _MAPPING_FIELDS if k in o and o[k] is not None})
    interval = int(o["sample_interval"] * 1000) if o["sample_interval"] else max(span_ms // 200, 1000)
    configs = []
    for version in _csv(o["versions"], "--versions"):
        if version not in RELEASES:
            raise InputError(
                "versions", f"unknown kubelet release {version!r} (known: {', '.join(RELEASES)})"
            )
        for model in _csv(o["models"], "--models"):
            for policy in _csv(o["policies"], "--policies"):
                cfg = FleetConfig(
                    model=model,
                    policy=policy,
                    version=version,
                    scoring=o["scoring"],
                    numa_filter=o["numa_filter"],
                    seed=o["seed"],
                    max_retries=o["max_retries"],
                    backoff_initial_ms=int(o["backoff_initial"] * 1000),
                    backoff_max_ms=int(o["backoff_max"] * 1000),
                    sample_interval_ms=interval,
                    lifetime=o["lifetime"],
                    mapping=mapping,
                )
                check_config(cfg)
                configs.append(cfg)
    if not configs:
        raise InputError("models", "no configuration to run")
    return configs


def _opts(f: Any) -> Any:
    opts = [
        click.option(
            "--trace",
            type=click.Path(path_type=Path, file_okay=False),
            help="Alibaba GPU trace v2023 folder (openb_*.csv).",
        ),
        click.option(
            "--trace-nodes", type=_FILE, help="Node list CSV (default: TRACE/openb_node_list_all_node.csv)."
        ),
        click.option(
            "--trace-pods", type=_FILE, help="Pod list CSV (default: TRACE/openb_pod_list_default.csv)."
        ),
        click.option(
            "--time-compression",
            type=_POSITIVE,
            default=1.0,
            show_default=True,
            help="Trace: creation times divided by this (lifetimes kept): more pods at once.",
        ),
        click.option("--nodes", type=_FILE, help="Cluster dump: kubectl get nodes -o json."),
        click.option("--pods", type=_FILE, help="Cluster dump: kubectl get pods -A -o json."),
        click.option("--nrt", type=_FILE, help="Cluster dump: NodeResourceTopology objects (JSON list)."),
        click.option("--cell-label", help="Node label whose values are independent node pools (cells)."),
        click.option("--synthetic", is_flag=True, help="A seeded synthetic stream instead of a trace."),
        click.option(
            "--pod-count",
            "pod_count",
            type=_COUNT,
            default=10_000,
            show_default=True,
            help="Synthetic: pods.",
        ),
        click.option(
            "--rate", type=_POSITIVE, default=10.0, show_default=True, help="Synthetic: arrivals per second."
        ),
        click.option(
            "--duration-mean",
            type=_POSITIVE,
            default=600.0,
            show_default=True,
            help="Synthetic: mean lifetime (s, flat shape).",
        ),
        click.option(
            "--shape",
            type=click.Choice(["flat", "spar"]),
            default="flat",
            show_default=True,
            help="Synthetic: arrival/duration shape.",
        ),
        click.option(
            "--cpu-mix",
            default="1:0.3,2:0.3,4:0.2,8:0.15,16:0.05",
            show_default=True,
            help="Synthetic: CPUS:WEIGHT,...",
        ),
        click.option("--memory-per-cpu-mib", type=_COUNT, default=4096, show_default=True),
        click.option("--guaranteed-share", type=_SHARE, default=0.3, show_default=True),
        click.option("--besteffort-share", type=_SHARE, default=0.0, show_default=True),
        click.option("--gpu-share", type=_SHARE, default=0.0, show_default=True),
        click.option(
            "--node-count", type=_AT_LEAST_ONE, default=100, show_default=True, help="Synthetic: nodes."
        ),
        click.option(
            "--node-cpus",
            type=_AT_LEAST_ONE,
            default=192,
            show_default=True,
            help="Synthetic: logical CPUs per node.",
        ),
        click.option("--node-memory-gib", type=_AT_LEAST_ONE, default=768, show_default=True),
        click.option("--node-gpus", type=_COUNT, default=0, show_default=True),
        click.option(
            "--cells",
            type=_AT_LEAST_ONE,
            default=1,
            show_default=True,
            help="Synthetic: independent node pools.",
        ),
        click.option(
            "--models", default="per-container,pod-level-pod,pod-level-container", show_default=True
        ),
        click.option(
            "--policies", default="single-numa-node", show_default=True, help="Topology Manager policies."
        ),
        click.option(
            "--versions",
            default="1.36",
            show_default=True,
            help="Kubelet releases, comma-separated (1.33 … 1.37): each is a configuration of the sweep.",
        ),
        click.option(
            "--scoring",
            type=click.Choice(["LeastAllocated", "MostAllocated"]),
            default="LeastAllocated",
            show_default=True,
        ),
        click.option(
            "--numa-filter/--no-numa-filter",
            default=False,
            show_default=True,
            help="NUMA-aware scheduler filter (NodeResourceTopologyMatch approximation).",
        ),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--max-retries", type=_COUNT, default=5, show_default=True),
        click.option(
            "--backoff-initial", type=_NON_NEGATIVE, default=1.0, show_default=True, help="Seconds."
        ),
        click.option("--backoff-max", type=_NON_NEGATIVE, default=10.0, show_default=True, help="Seconds."),
        click.option(
            "--sample-interval",
            type=_POSITIVE,
            help="Seconds between samples (default: the input's span / 200).",
        ),
        click.option(
            "--lifetime", type=click.Choice(["duration", "absolute"]), default="duration", show_default=True
        ),
        # mapping policy (docs/fleet.md)
        click.option(
            "--sockets",
            type=_COUNT,
            default=0,
            show_default=True,
            help="0: 2 sockets from --two-socket-min-cpus up.",
        ),
        click.option("--two-socket-min-cpus", type=_AT_LEAST_ONE, default=32, show_default=True),
        click.option("--numa-per-socket", type=_AT_LEAST_ONE, default=1, show_default=True),
        click.option("--threads-per-core", type=_AT_LEAST_ONE, default=2, show_default=True),
        click.option(
            "--gpu-numa", type=click.Choice(["spread", "first", "none"]), default="spread", show_default=True
        ),
        click.option("--reserved-cpus", type=_COUNT, default=2, show_default=True),
        click.option("--reserved-memory-mib", type=_COUNT, default=1024, show_default=True),
        click.option(
            "--memory-manager", type=click.Choice(["Static", "None"]), default="Static", show_default=True
        ),
        click.option("--max-pods", type=_AT_LEAST_ONE, default=110, show_default=True),
        click.option("--full-pcpus-only", is_flag=True, default=False),
        click.option(
            "--ls-qos",
            type=click.Choice(["Guaranteed", "Burstable"]),
            default="Guaranteed",
            show_default=True,
        ),
        click.option(
            "--be-qos", type=click.Choice(["Burstable", "BestEffort"]), default="Burstable", show_default=True
        ),
        click.option(
            "--cpu-rounding", type=click.Choice(["up", "down", "none"]), default="up", show_default=True
        ),
        click.option(
            "--shared-gpu", type=click.Choice(["whole", "drop"]), default="whole", show_default=True
        ),
        click.option("--sidecar-share", type=_SHARE, default=0.5, show_default=True),
        click.option("--sidecars", type=_COUNT, default=2, show_default=True),
        click.option("--sidecar-cpu-milli", type=_COUNT, default=100, show_default=True),
        click.option("--sidecar-memory-mib", type=_COUNT, default=128, show_default=True),
        # execution and output
        click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True),
        click.option(
            "--workers",
            type=_AT_LEAST_ONE,
            default=1,
            show_default=True,
            help="Worker processes (local) or Ray CPUs.",
        ),
        click.option("--ray-address", help="An existing Ray cluster (e.g. auto, ray://head:10001)."),
        click.option(
            "--out",
            type=click.Path(path_type=Path, file_okay=False),
            default=Path("fleet-out"),
            show_default=True,
        ),
        click.option(
            "--format",
            "formats",
            default="parquet,csv,html",
            show_default=True,
            help="Any of parquet, csv, html.",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@click.command("fleet", cls=CheckedCommand, epilog=EPILOG)
@checks(_check)
@_opts
def command(**o: Any) -> None:
    """Replay a cluster's workload through a scheduler and an exact kubelet on every node, under
    each model × policy × version; report admissions, rejections, CPU pools, cores saved."""
    from podfit.backends import run_sweep
    from podfit.cli.progress import progress
    from podfit.report.fleet_terminal import render_fleet_summary

    formats = _csv(o["formats"], "--format")
    for f in formats:
        if f not in ("parquet", "csv", "html"):
            raise InputError("format", f"unknown format {f!r} (known: parquet, csv, html)")
    if {"parquet", "csv"} & set(formats):
        from podfit.report.fleet_data import require

        require("pyarrow")
    if "html" in formats:
        from podfit.report.fleet_data import require

        require("matplotlib")
    source = _source(o)
    source.check()
    from podfit.cli.options import echo_warnings

    echo_warnings(source.warnings())
    configs = _configs(o, source.span_ms())
    tasks = len(configs) * len(source.cell_names())
    pods = source.pod_count()
    if o["backend"] == "local" and o["workers"] <= 1 and pods:
        # one process: a bar over the pods of every run
        from podfit.cli.progress import counter

        with counter(f"replaying {len(configs)} configuration(s): pods", pods * len(configs)) as step:
            results = run_sweep(source, configs, on_pods=step)
    else:
        with progress(f"replaying {tasks} run(s)", tasks) as advance:
            results = run_sweep(
                source,
                configs,
                backend=o["backend"],
                workers=o["workers"],
                ray_address=o["ray_address"],
                on_done=lambda: advance(None),
            )
    render_fleet_summary(results, Console(highlight=False, width=None if sys.stdout.isatty() else 140))
    out: Path = o["out"]
    written = []
    if {"parquet", "csv"} & set(formats):
        from podfit.report.fleet_data import write_tables

        written += write_tables(results, out, formats)
    if "html" in formats:
        from podfit.report.fleet_html import render_fleet_html

        out.mkdir(parents=True, exist_ok=True)
        page = out / "fleet-report.html"
        page.write_text(render_fleet_html(results, "podfit fleet", _describe(source)), encoding="utf-8")
        written.append(page)
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _describe(source: Any) -> str:
    fields = dataclasses.asdict(source)
    fields.pop("spec", None)
    return f"{type(source).__name__}: " + ", ".join(f"{k}={v}" for k, v in fields.items())
