"""Where a fleet replay's cells come from: picklable descriptions that each worker opens itself
(a trace is re-read, a synthetic stream re-generated), so no pod list crosses a process boundary.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from podfit.errors import InputError
from podfit.fleet.node_filters import affinity_label_keys
from podfit.fleet.values import CellInputs, PodRow
from podfit.io.cluster_dump import ClusterDump, read_cluster_dump
from podfit.io.synthetic import SyntheticSpec, synthetic_nodes, synthetic_pods
from podfit.io.traces import read_alibaba_nodes, read_alibaba_pods
from podfit.model.diagnostics import Diagnostic

__all__ = ["AlibabaSource", "DumpSource", "Source", "SyntheticSource"]


@dataclass(frozen=True)
class AlibabaSource:
    """The Alibaba GPU trace v2023: a node list and a pod list (one cell: any pod may go anywhere)."""

    nodes: Path
    pods: Path
    compression: float = 1.0  # creation times divided by this (lifetimes kept)

    def cell_names(self) -> tuple[str, ...]:
        return ("all",)

    def check(self) -> None:
        if self.compression <= 0:
            raise InputError("time-compression", "must be > 0")
        read_alibaba_nodes(self.nodes)
        read_alibaba_pods(self.pods)

    def cell(self, index: int) -> CellInputs:
        return CellInputs(
            "all", read_alibaba_nodes(self.nodes), read_alibaba_pods(self.pods, self.compression)
        )

    def warnings(self) -> tuple[Diagnostic, ...]:
        """Nothing to warn about: every row is replayed."""
        return ()

    def pod_count(self) -> int:
        return len(read_alibaba_pods(self.pods, self.compression))

    def span_ms(self) -> int:
        pods = read_alibaba_pods(self.pods, self.compression)
        return max((p.arrival_ms for p in pods), default=0)


_LAST_DUMP: dict[tuple[tuple[str, int, int], ...], ClusterDump] = {}


@dataclass(frozen=True)
class DumpSource:
    """A cluster dump; with ``cell_label`` the node pools (values of that node label) are
    independent cells and every pod must require one (:func:`cell_value`) or be bound to a node."""

    nodes: Path
    pods: Path
    nrt: Path | None = None
    cell_label: str | None = None

    def _read(self) -> ClusterDump:
        """The dump, read once per process while its files are unchanged (the CLI asks for its
        cells, size, span and warnings before the replay reads it again)."""
        paths = tuple(p for p in (self.nodes, self.pods, self.nrt) if p is not None)
        try:
            stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
        except OSError:
            return read_cluster_dump(self.nodes, self.pods, self.nrt)  # its error names the file
        cached = _LAST_DUMP.get(stamp)
        if cached is None:
            cached = read_cluster_dump(self.nodes, self.pods, self.nrt)
            _LAST_DUMP.clear()
            _LAST_DUMP[stamp] = cached
        return cached

    def warnings(self) -> tuple[Diagnostic, ...]:
        """What the dump's reading warns about (pods not replayed)."""
        return self._read().warnings

    def cell_names(self) -> tuple[str, ...]:
        if self.cell_label is None:
            return ("all",)
        nodes = self._read().nodes
        return tuple(sorted({dict(n.labels).get(self.cell_label, "") for n in nodes}))

    def check(self) -> None:
        dump = self._read()
        if self.cell_label is not None:
            bound = {n.name for n in dump.nodes}
            for p in dump.pods:
                if p.node_name in bound:
                    continue  # in its node's cell
                if cell_value(p, self.cell_label) is None:
                    raise InputError(
                        "spec.nodeSelector",
                        f"pod {p.name} selects no one {self.cell_label} (every pod must, with --cell-label: "
                        "by nodeSelector or by a required node affinity whose every term names one value)",
                        str(self.pods),
                    )

    def cell(self, index: int) -> CellInputs:
        dump = self._read()
        nodes, pods = dump.nodes, dump.pods
        # the node label keys pods read: nodeSelector and required node affinity expressions
        keys = tuple(sorted({k for p in pods for k, _ in p.node_selector} | affinity_label_keys_of(pods)))
        if self.cell_label is None:
            return CellInputs("all", nodes, pods, keys)
        name = self.cell_names()[index]
        label = self.cell_label
        cell_of = {n.name: dict(n.labels).get(label, "") for n in nodes}

        def in_cell(p: PodRow) -> bool:
            if p.node_name in cell_of:
                return cell_of[p.node_name] == name
            return cell_value(p, label) == name

        return CellInputs(
            name,
            tuple(n for n in nodes if cell_of[n.name] == name),
            tuple(p for p in pods if in_cell(p)),
            keys,
        )

    def pod_count(self) -> int:
        return len(self._read().pods)

    def span_ms(self) -> int:
        pods = self._read().pods
        return max((p.arrival_ms for p in pods), default=0)


def cell_value(pod: PodRow, label: str) -> str | None:
    """The one value of node label ``label`` a pod's placement requires (``None``: none or
    several): its nodeSelector's, else the value its required node affinity names with
    ``label In [value]`` in every term (terms are ORed: each must name the same one value)."""
    selected = dict(pod.node_selector).get(label)
    if selected is not None:
        return selected
    if not pod.affinity:
        return None
    values: set[str] = set()
    for term in pod.affinity:
        named = {
            r.values[0]
            for r in term.match_expressions
            if r.key == label and r.operator == "In" and len(r.values) == 1
        }
        if len(named) != 1:
            return None
        values |= named
    return values.pop() if len(values) == 1 else None


@dataclass(frozen=True)
class SyntheticSource:
    """The seeded synthetic stream on identical nodes; ``spec.cells`` independent pools."""

    spec: SyntheticSpec
    node_count: int
    node_cpus: int
    node_memory_gib: int
    node_gpus: int = 0

    def cell_names(self) -> tuple[str, ...]:
        return tuple(f"cell-{i}" for i in range(self.spec.cells))

    def check(self) -> None:
        if self.node_count <= 0 or self.node_cpus <= 0 or self.node_memory_gib <= 0:
            raise InputError("nodes", "node count, CPUs and memory must be positive")

    def cell(self, index: int) -> CellInputs:
        name = f"cell-{index}"
        nodes = synthetic_nodes(
            self.node_count, self.node_cpus, self.node_memory_gib, self.node_gpus, self.spec.cells
        )
        cell_nodes = tuple(n for n in nodes if n.cell == name)
        spec = dataclasses.replace(self.spec, cell=index) if self.spec.cells > 1 else self.spec
        return CellInputs(name, cell_nodes, synthetic_pods(spec))

    def warnings(self) -> tuple[Diagnostic, ...]:
        """Nothing to warn about: every row is replayed."""
        return ()

    def pod_count(self) -> int:
        return self.spec.pods

    def span_ms(self) -> int:
        return int(self.spec.pods / self.spec.rate_per_s * 1000)


Source = AlibabaSource | DumpSource | SyntheticSource


def affinity_label_keys_of(pods: tuple[PodRow, ...]) -> set[str]:
    """The node label keys the pods' required node affinity reads."""
    keys: set[str] = set()
    for p in pods:
        if p.affinity is not None:
            keys |= affinity_label_keys(p.affinity)
    return keys
