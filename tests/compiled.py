"""Whether the installed podfit core is the mypyc-compiled build (``PODFIT_MYPYC=1 pip install .``).

Compiled modules bind their module-level functions at build time, so a test that patches one
(``monkeypatch.setattr(module, "function", spy)``) sees no effect there: such tests skip themselves
against the compiled build. ``PODFIT_EXPECT_COMPILED=1`` (set by ``.ci/run`` for its compiled
stage) makes ``tests/test_architecture.py`` fail when the core is not compiled after all.
"""

from __future__ import annotations

import podfit.kubelet.node

COMPILED = not podfit.kubelet.node.__file__.endswith(".py")
