"""Readers of fleet inputs: the Alibaba GPU cluster trace v2023 (CSV) and the arrival/duration
shape of the Alibaba 2018 sample shipped in the ``spar`` package (its CSVs only, read with the csv
module; its pickles are never loaded). Cluster dumps: :mod:`podfit.io.cluster_dump`.

Bad input is one :class:`~podfit.errors.InputError` naming the file and the column or field.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podfit.errors import InputError
from podfit.fleet.values import TRACE_QOS, NodeRow, PodRow

__all__ = [
    "NODE_COLUMNS",
    "POD_COLUMNS",
    "SparShape",
    "read_alibaba_nodes",
    "read_alibaba_pods",
    "spar_shape",
]

NODE_COLUMNS = ("sn", "cpu_milli", "memory_mib", "gpu", "model")
POD_COLUMNS = (
    "name",
    "cpu_milli",
    "memory_mib",
    "num_gpu",
    "gpu_milli",
    "qos",
    "creation_time",
    "deletion_time",
)


def _rows(path: Path, required: tuple[str, ...], key: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV with a header (a UTF-8 byte-order mark, as spreadsheets write, is read
    past), each with its line number; a row whose field count is not the header's, an empty or
    repeated ``key`` (the pod's or node's name) is an error."""
    try:
        f = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError("", f"cannot read: {exc.strerror}", str(path)) from None
    with f:
        reader = csv.DictReader(f)
        try:
            header = reader.fieldnames
        except UnicodeDecodeError as exc:
            raise InputError("", f"not UTF-8 text ({exc.reason})", str(path)) from None
        if not header:
            raise InputError("", "empty file (expected a CSV header)", str(path))
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(missing[0], f"missing column (have: {', '.join(header)})", str(path))
        n = 0
        seen: dict[str, int] = {}
        rows = enumerate(reader, start=2)
        while True:
            try:
                got = next(rows, None)
            except UnicodeDecodeError as exc:
                raise InputError("", f"not UTF-8 text ({exc.reason})", str(path)) from None
            except csv.Error as exc:
                raise InputError(f"line {n + 1}", f"not CSV: {exc}", str(path)) from None
            if got is None:
                break
            n, row = got
            extra: Any = row.get(None)  # type: ignore[call-overload]
            fields = len(header) + len(extra) if extra else sum(v is not None for v in row.values())
            if fields != len(header):
                raise InputError(
                    f"line {reader.line_num}", f"{fields} fields, the header has {len(header)}", str(path)
                )
            name = row[key].strip()
            if not name:
                raise InputError(f"line {reader.line_num}: {key}", "empty value", str(path))
            if name in seen:
                raise InputError(
                    f"line {reader.line_num}: {key}",
                    f"{name!r} again (first on line {seen[name]})",
                    str(path),
                )
            seen[name] = reader.line_num
            yield reader.line_num, row
        if n == 0:
            raise InputError("", "no rows after the header", str(path))


def _int(row: Mapping[str, str], col: str, path: Path, line: int, *, empty: int | None = None) -> int:
    text = (row.get(col) or "").strip()
    if not text:
        if empty is not None:
            return empty
        raise InputError(f"line {line}: {col}", "empty value", str(path))
    try:
        value = int(float(text)) if "." in text or "e" in text.lower() else int(text)
    except ValueError:
        raise InputError(f"line {line}: {col}", f"not a number: {text!r}", str(path)) from None
    if value < 0:
        raise InputError(f"line {line}: {col}", f"negative value {value}", str(path))
    return value


def _gpu_milli(row: Mapping[str, str], path: Path, line: int) -> int:
    """The share of each GPU a pod asks for, in thousandths (0-1000)."""
    value = _int(row, "gpu_milli", path, line, empty=0)
    if value > 1000:
        raise InputError(f"line {line}: gpu_milli", f"{value} is more than a whole GPU (1000)", str(path))
    return value


def read_alibaba_nodes(path: Path) -> tuple[NodeRow, ...]:
    """``openb_node_list_*.csv``: one node per row (``sn, cpu_milli, memory_mib, gpu, model``)."""
    nodes = []
    for line, row in _rows(path, NODE_COLUMNS, "sn"):
        nodes.append(
            NodeRow(
                name=row["sn"],
                cpu_milli=_int(row, "cpu_milli", path, line),
                memory_mib=_int(row, "memory_mib", path, line),
                gpus=_int(row, "gpu", path, line, empty=0),
                gpu_model=(row.get("model") or "").strip(),
            )
        )
    return tuple(nodes)


def read_alibaba_pods(path: Path, compression: float = 1.0) -> tuple[PodRow, ...]:
    """``openb_pod_list_*.csv`` in creation order (ties keep the file's order). Times are seconds;
    an empty ``deletion_time`` means the pod lives to the end of the replay. ``compression`` > 1
    brings the creations closer together (creation / compression; lifetimes unchanged)."""
    pods = []
    for line, row in _rows(path, POD_COLUMNS, "name"):
        qos = (row.get("qos") or "").strip()
        if qos not in TRACE_QOS:
            raise InputError(
                f"line {line}: qos", f"unknown QoS {qos!r} (known: {', '.join(TRACE_QOS)})", str(path)
            )
        created = _int(row, "creation_time", path, line)
        deleted = _int(row, "deletion_time", path, line, empty=-1)
        if deleted >= 0 and deleted < created:
            raise InputError(
                f"line {line}: deletion_time", f"{deleted} is before creation_time {created}", str(path)
            )
        pods.append(
            PodRow(
                name=row["name"],
                arrival_ms=int(created * 1000 / compression),
                lifetime_ms=None if deleted < 0 else (deleted - created) * 1000,
                qos=qos,
                cpu_milli=_int(row, "cpu_milli", path, line),
                memory_mib=_int(row, "memory_mib", path, line),
                gpus=_int(row, "num_gpu", path, line, empty=0),
                gpu_milli=_gpu_milli(row, path, line),
            )
        )
    pods.sort(key=lambda p: p.arrival_ms)
    return tuple(pods)


# ----- the spar (Alibaba 2018) shape -----------------------------------------------------------
@dataclass(frozen=True)
class SparShape:
    """Arrivals per minute over the sample's hour (relative weights) and the instance durations
    (seconds, with cumulative counts for inverse-CDF sampling)."""

    arrivals_per_minute: tuple[int, ...]
    durations: tuple[int, ...]
    cumulative: tuple[int, ...]

    def duration_at(self, u: float) -> int:
        """The duration at quantile ``u`` in [0, 1)."""
        k = bisect.bisect_right(self.cumulative, int(u * self.cumulative[-1]))
        return self.durations[min(k, len(self.durations) - 1)]


def _spar_file(name: str) -> Path:
    from importlib import resources

    try:
        root = resources.files("spar")
    except ModuleNotFoundError:
        raise InputError("shape", "the spar package is not installed (pip install 'podfit[spar]')") from None
    path = Path(str(root.joinpath("data", "samples", name)))
    if not path.is_file():
        raise InputError("shape", f"the spar package has no data/samples/{name}")
    return path


def spar_shape(path: Path | None = None, limit: int | None = None) -> SparShape:
    """The shape of ``sample_instances.csv`` (columns: arrival s, job, task, instance, duration s,
    cpu, memory), streamed; ``limit`` reads only the first rows."""
    path = path or _spar_file("sample_instances.csv")
    minutes = [0] * 60
    durations: dict[int, int] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if limit is not None and n > limit:
                break
            if len(row) < 5:
                raise InputError(f"line {n}", "expected at least 5 columns", str(path))
            try:
                arrival, duration = float(row[0]), float(row[4])
            except ValueError:
                raise InputError(f"line {n}", "arrival and duration must be numbers", str(path)) from None
            minutes[min(int(arrival) // 60, 59) if arrival >= 0 else 0] += 1
            d = max(int(duration), 1)
            durations[d] = durations.get(d, 0) + 1
    if not durations:
        raise InputError("", "no rows", str(path))
    keys = sorted(durations)
    cum, total = [], 0
    for k in keys:
        total += durations[k]
        cum.append(total)
    return SparShape(tuple(minutes), tuple(keys), tuple(cum))
