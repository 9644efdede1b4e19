"""Fleet results as plain rows (one per configuration; one per sample) and their files: Parquet
and CSV through pyarrow (the optional ``podfit[fleet]`` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from podfit.errors import InputError
from podfit.fleet import FleetResult
from podfit.fleet.aggregates import pending_stats

__all__ = ["require", "series_rows", "summary_rows", "write_tables"]

GAUGES = (
    "running",
    "waiting",
    "exclusive",
    "pod_shared",
    "idle",
    "held",
    "shared",
    "cores_saved",
    "stranded_cpu_milli",
    "stranded_memory_mib",
    "stranded_gpus",
)


def require(module: str, extra: str = "fleet") -> Any:
    """Import an optional dependency, or a one-line error naming the install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            "output", f"{module} is needed for this output: pip install 'podfit[{extra}]'"
        ) from None


def _reasons(results: Sequence[FleetResult]) -> list[str]:
    return sorted({r for res in results for r, _ in res.kubelet_rejections})


def _outcomes(results: Sequence[FleetResult]) -> list[str]:
    return sorted({o for res in results for o, _ in res.outcomes})


def summary_rows(results: Sequence[FleetResult]) -> list[dict[str, Any]]:
    """One row per configuration, the same columns for every row (sweep side by side)."""
    reasons, outcomes = _reasons(results), _outcomes(results)
    rows = []
    for r in results:
        c = r.config
        rej, out = dict(r.kubelet_rejections), dict(r.outcomes)
        p = pending_stats(r.pending)
        row: dict[str, Any] = {
            "config": c.key,
            "model": c.model,
            "policy": c.policy,
            "scope": c.scope,
            "version": c.version,
            "scoring": c.scoring,
            "numa_filter": c.numa_filter,
            "cells": len(r.cells),
            "nodes": r.nodes,
            "nodes_refused": sum(n for _, n in r.nodes_refused),
            "allocatable_cpus": r.allocatable_cpus,
            "arrived": r.arrived,
            "ran": r.ran,
            "attempts": r.attempts,
            "retries": r.retries,
            "kubelet_rejections": r.rejected_total,
        }
        row.update({f"rejected_{k}": rej.get(k, 0) for k in reasons})
        row.update({f"outcome_{k.replace(':', '_')}": out.get(k, 0) for k in outcomes})
        row.update(
            {
                "guaranteed_ran": r.guaranteed_ran,
                "numa_aligned": r.aligned,
                "numa_aligned_share": round(r.aligned_share, 6),
                "pending_mean_ms": round(p["mean"], 3),
                "pending_p50_ms": p["p50"],
                "pending_p99_ms": p["p99"],
                "pending_max_ms": p["max"],
            }
        )
        for g in ("exclusive", "pod_shared", "idle", "held", "shared", "cores_saved"):
            row[f"{g}_mean"] = round(r.mean(g), 6)
        row["cores_saved_peak"] = round(r.peak("cores_saved"), 6)
        for g in ("stranded_cpu_milli", "stranded_memory_mib", "stranded_gpus"):
            row[f"{g}_mean"] = round(r.mean(g), 6)
        row["events"] = r.events
        row["event_hash"] = r.event_hash
        rows.append(row)
    return rows


def series_rows(results: Sequence[FleetResult]) -> list[dict[str, Any]]:
    """One row per (configuration, sample): counters over the interval, gauges at its end."""
    reasons = _reasons(results)
    rows = []
    for r in results:
        for s in r.series:
            rej = dict(s.rejected)
            row: dict[str, Any] = {
                "config": r.config.key,
                "t_s": s.t_ms / 1000,
                "arrived": s.arrived,
                "admitted": s.admitted,
                "unschedulable": s.unschedulable,
            }
            row.update({f"rejected_{k}": rej.get(k, 0) for k in reasons})
            for g in GAUGES:
                value = getattr(s, g)
                row[g] = round(value, 6) if isinstance(value, float) else value
            rows.append(row)
    return rows


def _table(rows: list[dict[str, Any]]) -> Any:
    pa = require("pyarrow")
    columns = list(rows[0]) if rows else []
    return pa.table({c: [row[c] for row in rows] for c in columns})


def write_tables(results: Sequence[FleetResult], out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """``summary`` and ``series`` tables as Parquet and/or CSV in ``out_dir``; the paths written."""
    written: list[Path] = []
    if not formats:
        return written
    require("pyarrow")
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("summary", summary_rows(results)), ("series", series_rows(results))):
        table = _table(rows)
        if "parquet" in formats:
            path = out_dir / f"fleet-{name}.parquet"
            pq.write_table(table, path, compression="zstd")
            written.append(path)
        if "csv" in formats:
            path = out_dir / f"fleet-{name}.csv"
            pcsv.write_csv(table, path)
            written.append(path)
    return written
