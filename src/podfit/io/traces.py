"""Readers of fleet inputs: the Alibaba GPU cluster trace v2023 (CSV), a cluster dump (``kubectl
get nodes -o json`` + ``kubectl get pods -A -o json``, optionally NodeResourceTopology objects),
and the arrival/duration shape of the Alibaba 2018 sample shipped in the ``spar`` package (its CSVs
only, read with the csv module; its pickles are never loaded).

Bad input is one :class:`~podfit.errors.InputError` naming the file and the column or field.
"""

from __future__ import annotations

import bisect
import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from podfit.errors import InputError
from podfit.fleet.kubelet_port import MI, pod_from_dict, quantity_milli, quantity_value
from podfit.fleet.values import TRACE_QOS, NodeRow, NumaZone, PodRow

__all__ = [
    "NODE_COLUMNS",
    "POD_COLUMNS",
    "SparShape",
    "read_alibaba_nodes",
    "read_alibaba_pods",
    "read_cluster_dump",
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


# ----- cluster dumps ---------------------------------------------------------------------------
def _load_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("", f"cannot read: {exc.strerror}", str(path)) from None
    if not text.strip():
        raise InputError("", "empty file", str(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno}", f"invalid JSON: {exc.msg}", str(path)) from None


def _items(doc: Any, path: Path) -> list[Any]:
    if isinstance(doc, Mapping) and isinstance(doc.get("items"), list):
        return list(doc["items"])
    if isinstance(doc, list):
        return doc
    raise InputError("items", "expected a List object with items (kubectl get ... -o json)", str(path))


def _time_ms(text: Any, field: str, path: Path) -> int:
    try:
        return int(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise InputError(field, f"not an RFC 3339 time: {text!r}", str(path)) from None


def _zones(nrt: Mapping[str, Any], gpu_resource: str, field: str, path: Path) -> tuple[NumaZone, ...]:
    zones = []
    for j, zone in enumerate(nrt.get("zones") or []):
        if zone.get("type", "Node") != "Node":
            continue
        res = {r.get("name"): r for r in zone.get("resources") or []}
        where = f"{field}.zones[{j}]"

        def amount(name: str, res: dict[str, Any] = res, where: str = where) -> Any:
            r = res.get(name)
            return None if r is None else r.get("capacity", r.get("allocatable", "0"))

        cpu = amount("cpu")
        if cpu is None:
            raise InputError(f"{where}.resources", "no cpu resource", str(path))
        memory = amount("memory")
        gpus = amount(gpu_resource)
        zones.append(
            NumaZone(
                cpus=quantity_value(cpu, f"{where}.cpu"),
                memory_mib=quantity_value(memory or "0", f"{where}.memory") // MI,
                gpus=quantity_value(gpus or "0", f"{where}.{gpu_resource}"),
            )
        )
    return tuple(zones)


def read_cluster_dump(
    nodes_path: Path, pods_path: Path, nrt_path: Path | None = None, gpu_resource: str = "nvidia.com/gpu"
) -> tuple[tuple[NodeRow, ...], tuple[PodRow, ...]]:
    """Nodes (capacity, labels, NRT zones) and pods (specs as written, in creation order)."""
    nrts: dict[str, Mapping[str, Any]] = {}
    if nrt_path is not None:
        for i, obj in enumerate(_items(_load_json(nrt_path), nrt_path)):
            name = (obj.get("metadata") or {}).get("name")
            if not name:
                raise InputError(f"items[{i}].metadata.name", "missing", str(nrt_path))
            nrts[name] = obj
    nodes = []
    for i, obj in enumerate(_items(_load_json(nodes_path), nodes_path)):
        meta, status = obj.get("metadata") or {}, obj.get("status") or {}
        field = f"items[{i}]"
        name = meta.get("name")
        if not name:
            raise InputError(f"{field}.metadata.name", "missing", str(nodes_path))
        cap = status.get("capacity") or status.get("allocatable")
        if not cap or "cpu" not in cap or "memory" not in cap:
            raise InputError(f"{field}.status.capacity", "needs cpu and memory", str(nodes_path))
        zones = _zones(nrts[name], gpu_resource, f"nrt {name}", nrt_path) if name in nrts and nrt_path else ()
        nodes.append(
            NodeRow(
                name=name,
                cpu_milli=quantity_milli(cap["cpu"], f"{field}.status.capacity.cpu"),
                memory_mib=quantity_value(cap["memory"], f"{field}.status.capacity.memory") // MI,
                gpus=quantity_value(cap.get(gpu_resource, "0"), f"{field}.status.capacity.{gpu_resource}"),
                labels=tuple(sorted((str(k), str(v)) for k, v in (meta.get("labels") or {}).items())),
                max_pods=quantity_value(cap.get("pods", "0"), f"{field}.status.capacity.pods"),
                zones=zones,
            )
        )
    if not nodes:
        raise InputError("items", "no nodes", str(nodes_path))
    raw = []
    for i, obj in enumerate(_items(_load_json(pods_path), pods_path)):
        field = f"items[{i}]"
        meta = obj.get("metadata") or {}
        if "creationTimestamp" not in meta:
            raise InputError(f"{field}.metadata.creationTimestamp", "missing", str(pods_path))
        created = _time_ms(meta["creationTimestamp"], f"{field}.metadata.creationTimestamp", pods_path)
        deleted = None
        if meta.get("deletionTimestamp"):
            deleted = _time_ms(meta["deletionTimestamp"], f"{field}.metadata.deletionTimestamp", pods_path)
            if deleted < created:
                raise InputError(
                    f"{field}.metadata.deletionTimestamp", "before creationTimestamp", str(pods_path)
                )
        try:
            pod = pod_from_dict(obj)
        except InputError as exc:
            raise exc.under(field).in_source(str(pods_path)) from None
        selector = tuple(sorted((obj.get("spec") or {}).get("nodeSelector", {}).items()))
        raw.append((created, i, deleted, pod, selector))
    if not raw:
        raise InputError("items", "no pods", str(pods_path))
    raw.sort(key=lambda r: (r[0], r[1]))
    start = raw[0][0]
    pods = []
    for created, _, deleted, pod, selector in raw:
        pods.append(
            PodRow(
                name=f"{pod.namespace}/{pod.name}",
                arrival_ms=created - start,
                lifetime_ms=None if deleted is None else deleted - created,
                qos="",
                cpu_milli=0,
                memory_mib=0,
                node_selector=selector,
                manifest=pod,
            )
        )
    return tuple(nodes), tuple(pods)


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
