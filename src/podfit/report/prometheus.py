"""The node's metrics in the Prometheus text exposition format, as the kubelet serves them.

Built on the ``prometheus_client`` library: :func:`collector` / :func:`registry` turn a
:class:`podfit.kubelet.metrics.MetricsSnapshot` into a ``prometheus_client`` collector (serve it with
the library, or ``generate_latest`` it), and :func:`render_text` writes the snapshot in the text
format (version 0.0.4) exactly as the kubelet's ``/metrics`` endpoint does:

* help texts carry the stability marker the kubelet's metrics framework adds (``[ALPHA] ...``);
* counters keep their registered names. The kubelet's Go client does not add ``_total``, so
  ``resource_manager_container_assignments`` and the ``..._count`` counters stay as they are;
  ``prometheus_client.generate_latest`` would add the suffix, so the lines are written here, with
  the library's number formatting adapted to Go's (``24``, not ``24.0``);
* families are sorted by name and series by label values; a labelled metric without series is
  not shown (as with the Go client).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from podfit.kubelet.metrics import MetricFamily, MetricsSnapshot, Sample

__all__ = ["CONTENT_TYPE", "SnapshotCollector", "collector", "go_float", "registry", "render_text"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _help(family: MetricFamily) -> str:
    return f"[{family.desc.stability}] {family.desc.help}"


class SnapshotCollector(Collector):
    """A ``prometheus_client`` collector serving one metrics snapshot, in the Python client's
    convention: a counter's samples are ``<name>_total`` (so ``generate_latest`` on it renames the
    three counters whose kubelet names lack the suffix; :func:`render_text` does not)."""

    def __init__(self, snapshot: MetricsSnapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        for family in self.snapshot.families:
            if not family.samples:
                continue
            name, counter = family.desc.name, family.desc.type == "counter"
            base = name.removesuffix("_total") if counter else name
            metric = Metric(base, _help(family), family.desc.type)
            sample_name = base + "_total" if counter else base
            for s in _sorted_samples(family):
                metric.add_sample(sample_name, dict(s.labels), float(s.value))
            yield metric


def collector(snapshot: MetricsSnapshot) -> SnapshotCollector:
    return SnapshotCollector(snapshot)


def registry(snapshot: MetricsSnapshot) -> CollectorRegistry:
    """A fresh ``prometheus_client`` registry holding the snapshot."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(collector(snapshot))
    return reg


def _escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def go_float(value: float) -> str:
    """A sample value as Go's ``strconv.FormatFloat(v, 'g', -1, 64)`` writes it (``24``,
    ``7000``, ``1e+06``); ``floatToGoString`` alone would write ``24.0``."""
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return floatToGoString(value)


def _sorted_samples(family: MetricFamily) -> list[Sample]:
    return sorted(family.samples, key=lambda s: tuple(sorted(s.labels)))


def render_text(snapshot: MetricsSnapshot) -> str:
    """The exposition text of the snapshot, kubelet-exact (what ``curl <node>:10250/metrics``
    shows for these metrics)."""
    lines: list[str] = []
    for family in snapshot.families:
        if not family.samples:
            continue
        name = family.desc.name
        lines.append(f"# HELP {name} {_escape_help(_help(family))}")
        lines.append(f"# TYPE {name} {family.desc.type}")
        for s in _sorted_samples(family):
            labels = ",".join(f'{k}="{_escape_label(v)}"' for k, v in sorted(s.labels))
            series = f"{name}{{{labels}}}" if labels else name
            lines.append(f"{series} {go_float(s.value)}")
    return "".join(line + "\n" for line in lines)
