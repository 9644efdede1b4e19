"""The synthetic stream and the spar shape (from a small sample the test writes)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from podfit.errors import InputError
from podfit.io.synthetic import SyntheticSpec, parse_mix, synthetic_pods
from podfit.io.traces import spar_shape


def _sample(tmp: Path) -> Path:
    # spar's sample_instances.csv columns: arrival s, job, task, instance, duration s, cpu, memory
    rows = [f"{t},j_{t},T1,ins_{t},{d},50.0,0.1" for t, d in [(0, 5), (10, 5), (70, 100), (3500, 20)]]
    path = tmp / "sample_instances.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_spar_shape(tmp_path: Path) -> None:
    shape = spar_shape(_sample(tmp_path))
    assert shape.arrivals_per_minute[0] == 2 and shape.arrivals_per_minute[1] == 1
    assert shape.arrivals_per_minute[58] == 1 and sum(shape.arrivals_per_minute) == 4
    assert shape.durations == (5, 20, 100) and shape.cumulative == (2, 3, 4)
    assert [shape.duration_at(u) for u in (0.0, 0.49, 0.5, 0.74, 0.75, 0.99)] == [5, 5, 20, 20, 100, 100]


def test_spar_shape_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("0,j,T,i,notanumber,1,1\n")
    with pytest.raises(InputError, match="line 1"):
        spar_shape(path)


def test_stream_is_seeded_and_ordered(tmp_path: Path) -> None:
    spec = SyntheticSpec(pods=500, rate_per_s=20.0, seed=5, shape=spar_shape(_sample(tmp_path)))
    a, b = list(synthetic_pods(spec)), list(synthetic_pods(spec))
    assert a == b
    assert [p.arrival_ms for p in a] == sorted(p.arrival_ms for p in a)
    assert {p.lifetime_ms for p in a} <= {5000, 20000, 100000}
    assert list(synthetic_pods(dataclasses.replace(spec, seed=6))) != a
    qos = [p.qos for p in a]
    assert 0.2 < qos.count("Guaranteed") / len(qos) < 0.4


def test_cells_split_the_same_stream() -> None:
    spec = SyntheticSpec(pods=300, rate_per_s=10.0, seed=1, cells=3)
    whole = list(synthetic_pods(spec))
    parts = [list(synthetic_pods(dataclasses.replace(spec, cell=i))) for i in range(3)]
    assert sorted((p for part in parts for p in part), key=lambda p: p.name) == sorted(
        whole, key=lambda p: p.name
    )
    assert all(p.cell == f"cell-{i}" for i, part in enumerate(parts) for p in part)


def test_cpu_mix() -> None:
    assert parse_mix("1:0.5,2.5:0.5") == ((1000, 0.5), (2500, 0.5))
    with pytest.raises(InputError, match="cpu-mix"):
        parse_mix("1-2")
