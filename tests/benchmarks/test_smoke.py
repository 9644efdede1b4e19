"""Every benchmark runs (small inputs) and its answer equals the reference's. No timing here."""

from __future__ import annotations

import pytest
from benchmarks.cases import BENCHMARKS, Benchmark


@pytest.mark.parametrize("bench", BENCHMARKS, ids=[b.name for b in BENCHMARKS])
def test_benchmark_runs_and_equals_reference(bench: Benchmark) -> None:
    case = bench.build(True)
    case.check()
    case.run()
    if case.ops is not None:
        for op in case.ops():
            op()
