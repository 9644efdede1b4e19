"""The fleet sweep's terminal summary: one column per configuration."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from podfit.fleet import FleetResult
from podfit.fleet.aggregates import pending_stats

__all__ = ["render_fleet_summary"]


def _rows(r: FleetResult) -> list[tuple[str, str]]:
    p = pending_stats(r.pending)
    out = [
        ("nodes (refused)", f"{r.nodes} ({sum(n for _, n in r.nodes_refused)})"),
        ("pods arrived", f"{r.arrived:,}"),
        ("pods admitted", f"{r.ran:,}"),
        ("kubelet rejections", f"{r.rejected_total:,}"),
    ]
    out += [(f"  {k}", f"{n:,}") for k, n in r.kubelet_rejections]
    out += [(f"final: {k}", f"{n:,}") for k, n in r.outcomes if k != "ran"]
    out += [
        ("retries", f"{r.retries:,}"),
        ("NUMA-aligned (Guaranteed)", f"{r.aligned_share:.1%} of {r.guaranteed_ran:,}"),
        (
            "CPUs exclusive / pod pool / idle (mean)",
            f"{r.mean('exclusive'):.0f} / {r.mean('pod_shared'):.0f} / {r.mean('idle'):.0f}",
        ),
        ("CPUs held / shared (mean)", f"{r.mean('held'):.0f} / {r.mean('shared'):.0f}"),
        ("cores saved mean (peak)", f"{r.mean('cores_saved'):.1f} ({r.peak('cores_saved'):.1f})"),
        ("stranded CPUs (mean)", f"{r.mean('stranded_cpu_milli') / 1000:.1f}"),
        ("pending mean / p99 (s)", f"{p['mean'] / 1000:.1f} / {p['p99'] / 1000:.1f}"),
        ("event log sha256", r.event_hash[:16]),
    ]
    return out


def render_fleet_summary(results: Sequence[FleetResult], console: Console) -> None:
    table = Table(box=box.SIMPLE_HEAVY, title="podfit fleet")
    table.add_column("")
    for r in results:
        table.add_column(r.config.key, justify="right")
    keyed = [dict(_rows(r)) for r in results]
    names: list[str] = []
    for r in results:
        for k, _ in _rows(r):
            if k not in names:
                names.append(k)
    for name in names:
        table.add_row(name, *(k.get(name, "0") for k in keyed))
    console.print(table)
