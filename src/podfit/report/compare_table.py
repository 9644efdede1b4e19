"""``podfit compare`` output: a rich table for people, a JSON document for programs."""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from podfit.compare.run import Comparison, ModelRun
from podfit.compare.variants import PER_CONTAINER, Model

__all__ = ["CORES_SAVED_FORMULA", "comparison_to_json", "dumps_comparison", "render_comparison"]

CORES_SAVED_FORMULA = (
    "cores saved = Σ over the workload pods on the node (per-container CPUs − CPUs pinned) / threads per core"
)

_LEGEND = (
    "pinned: CPUs taken out of the node shared pool (pod budgets + node-exclusive slices). "
    "exclusive: CPUs of exclusive slices of sidecars and app containers. "
    "pod pools: pod shared pools used by pod containers. "
    "idle: budget CPUs handed to no container. "
    "node pool: CPUs left in the node shared pool (reserved CPUs included). "
    "aligned: all sidecars and app containers pinned on one NUMA node. "
    "Policy none runs the kubelet's none scope (no alignment, no pod budget)."
)


def _model_label(model: Model) -> str:
    return "per-container" if model.kind == PER_CONTAINER else "pod-level"


def _num(x: float) -> str:
    return f"{x:g}"


def _signed(x: float) -> str:
    return "0" if x == 0 else f"{x:+g}"


def _style(x: float) -> str:
    return "bold green" if x > 0 else ("red" if x < 0 else "")


def _row(c: Comparison, run: ModelRun) -> list[Text | str]:
    scope = Text("(none)", style="dim") if run.model.policy == "none" else Text(run.model.scope)
    head = [
        Text(_model_label(run.model), style="bold" if run.model.baseline else ""),
        scope,
        run.model.policy,
    ]
    if run.refusal is not None:
        return [*head, Text("refused", style="red"), *["-"] * 8]
    pods = len(run.footprints)
    admitted = Text(f"{run.admitted}/{c.workload_pods}", style="red" if run.rejected else "")
    fit: Text | str = "-"
    extra = c.extra_pods(run)
    if run.pods_fit is not None and extra is not None:
        fit = Text(f"{run.pods_fit} ({_signed(extra)})", style=_style(extra))
    return [
        *head,
        admitted,
        f"{run.aligned}/{pods}",
        str(run.held),
        str(run.exclusive),
        str(run.pod_shared),
        str(run.idle),
        str(run.node_shared_pool),
        Text(_signed(run.cores_saved), style=_style(run.cores_saved)),
        fit,
    ]


def _headline(c: Comparison) -> Text:
    cores_total = c.num_cpus // c.threads_per_core
    smt = "on" if c.full_pcpus_only else "off"
    return Text.assemble(
        ("compare ", "bold"),
        c.scenario,
        "  node ",
        c.node_name,
        "\n",
        (
            f"{c.num_cpus} CPUs = {cores_total} cores × {c.threads_per_core} threads, "
            f"{c.reserved_cpus} reserved; full-pcpus-only {smt}; workload: {c.workload_pods} pod(s)",
            "dim",
        ),
    )


def _count(n: float, word: str) -> str:
    return f"{_num(n)} {word}" + ("" if n == 1 else "s")


def _name(model: Model) -> str:
    scope = "none scope" if model.policy == "none" else f"{model.scope} scope"
    return f"{_model_label(model)}, {scope}, {model.policy}"


def _verdicts(c: Comparison) -> list[Text]:
    """One line each for pod-level in pod scope and in container scope (configured policy)."""
    lines = []
    for run in c.runs[1:3]:
        if run.refusal is not None or run.model.kind == PER_CONTAINER:
            continue
        pods = len(run.footprints)
        if pods == 0:
            parts = ["admits none of the workload (reasons below)"]
        else:
            parts = [
                f"saves {_count(run.cores_saved, 'core')} ({_count(run.cpus_saved, 'CPU')}) "
                f"on {_count(pods, 'pod')}",
                f"{run.aligned}/{pods} NUMA-aligned",
            ]
        extra = c.extra_pods(run)
        if extra is not None:
            parts.append(f"fits {_signed(extra)} {'pod' if abs(extra) == 1 else 'pods'}")
        lines.append(Text.assemble("• ", (_name(run.model), "bold"), ": ", ", ".join(parts)))
    return lines


def _fill_table(c: Comparison) -> Table | None:
    if c.baseline.fill is None:
        return None
    table = Table(
        title="--fill: copies added after the workload until the first rejection",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title_justify="left",
    )
    for col in ("model", "pod copied", "added", "stopped by"):
        table.add_column(col, no_wrap=True, justify="right" if col == "added" else "left")
    for run in c.runs:
        for f in run.fill or ():
            table.add_row(_name(run.model), f.template, str(f.added), Text(f.stopped_by, style="yellow"))
    return table


_COLUMNS = (
    ("model", "left"),
    ("scope", "left"),
    ("topology\npolicy", "left"),
    ("pods\nadmitted", "right"),
    ("NUMA-\naligned", "right"),
    ("CPUs\npinned", "right"),
    ("exclu-\nsive", "right"),
    ("pod\npools", "right"),
    ("idle", "right"),
    ("node\npool", "right"),
    ("cores\nsaved", "right"),
    ("pods fit\n(extra)", "right"),
)


def _notes(c: Comparison) -> list[Text]:
    notes = []
    for run in c.runs:
        where = f"{_name(run.model)}: "
        if run.refusal is not None:
            notes.append(Text.assemble(where, ("kubelet refuses to start: ", "red"), run.refusal.message))
        for reason, n in sorted(run.rejected.items()):
            message = run.rejection_messages.get(reason, "")
            notes.append(
                Text.assemble(where, (f"{n} rejected ", "red"), reason, f" ({message})" if message else "")
            )
    return notes


def render_comparison(c: Comparison, console: Console) -> None:
    """Print the comparison table on ``console``."""
    console.print(_headline(c))
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for name, justify in _COLUMNS:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for run in c.runs:
        table.add_row(*_row(c, run))
    console.print(table)
    for line in [*_verdicts(c), *_notes(c)]:
        console.print(line)
    fill = _fill_table(c)
    if fill is not None:
        console.print(fill)
    console.print(Text(CORES_SAVED_FORMULA + ". " + _LEGEND, style="dim"))


def _run_json(c: Comparison, run: ModelRun) -> dict[str, Any]:
    refusal = None if run.refusal is None else {"reason": run.refusal.reason, "message": run.refusal.message}
    fill = None
    if run.fill is not None:
        fill = {
            "podsFit": run.pods_fit,
            "extraPods": c.extra_pods(run),
            "copies": [
                {"pod": f.template, "added": f.added, "stoppedBy": f.stopped_by, "message": f.message}
                for f in run.fill
            ],
        }
    return {
        "key": run.model.key,
        "model": run.model.kind,
        "scope": run.model.scope,
        "policy": run.model.policy,
        "refusal": refusal,
        "admitted": run.admitted,
        "rejected": dict(sorted(run.rejected.items())),
        "rejectionMessages": dict(sorted(run.rejection_messages.items())),
        "numaAligned": run.aligned,
        "pinnedCPUs": run.held,
        "exclusiveCPUs": run.exclusive,
        "podSharedCPUs": run.pod_shared,
        "idleCPUsInBudgets": run.idle,
        "nodeSharedPoolCPUs": run.node_shared_pool,
        "perContainerCPUs": run.per_container_cpus,
        "cpusSaved": run.cpus_saved,
        "coresSaved": run.cores_saved,
        "fill": fill,
        "pods": [
            {
                "pod": f.pod,
                "pinnedCPUs": f.held,
                "exclusiveCPUs": f.exclusive,
                "podSharedCPUs": f.pod_shared,
                "idleCPUs": f.idle,
                "numaAligned": f.aligned,
            }
            for f in run.footprints
        ],
    }


def comparison_to_json(c: Comparison) -> dict[str, Any]:
    """The JSON document of ``podfit compare -o json``."""
    return {
        "scenario": c.scenario,
        "node": c.node_name,
        "cpus": c.num_cpus,
        "threadsPerCore": c.threads_per_core,
        "reservedCPUs": c.reserved_cpus,
        "fullPCPUsOnly": c.full_pcpus_only,
        "workloadPods": c.workload_pods,
        "baseline": c.baseline.model.key,
        "coresSavedFormula": CORES_SAVED_FORMULA,
        "models": [_run_json(c, run) for run in c.runs],
    }


def dumps_comparison(doc: dict[str, Any]) -> str:
    """Indented JSON."""
    return json.dumps(doc, indent=2, ensure_ascii=False)
