"""Build hook: with ``PODFIT_MYPYC=1`` the domain core is compiled with mypyc (C extensions built
from the same, unchanged Python sources, about twice as fast); without it podfit installs as plain
Python, which is what development, the README's commands and editable installs use.

    PODFIT_MYPYC=1 pip install .        # compiled core (a C compiler and the Python headers)
    pip install -e .                    # plain Python

``.ci/run`` runs the whole test suite against both. See benchmarks/README.md for the numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup

# The domain core: pure and fully typed (tests/test_architecture.py runs mypy over it).
CORE = ("model", "release", "api", "topology", "cpu", "memory", "devices", "checkpoint", "kubelet", "fleet")
# Left as Python: AdmitResult builds its views on first read through __getattr__, which native
# (compiled) classes do not have; the fleet's values and results cross process boundaries by
# pickle, and result values and warnings (Diagnostic) are pickled and copied, which compiled frozen
# dataclasses do not support.
INTERPRETED = {
    "src/podfit/kubelet/result.py",
    "src/podfit/fleet/values.py",
    "src/podfit/fleet/aggregates.py",
    "src/podfit/model/diagnostics.py",
}


def _ext_modules() -> list[object]:
    if os.environ.get("PODFIT_MYPYC", "0") in ("", "0"):
        return []
    from mypyc.build import mypycify

    sources = sorted(
        path.as_posix()
        for package in CORE
        for path in Path("src/podfit", package).glob("*.py")
        if path.as_posix() not in INTERPRETED
    )
    return list(mypycify(sources, opt_level="3", multi_file=True))


setup(ext_modules=_ext_modules(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
