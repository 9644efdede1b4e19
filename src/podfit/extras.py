"""Optional extras: a feature whose packages are missing is one line on stderr and exit 2.

``require("live", "grpc", "google.protobuf", feature="serve-podresources")`` raises
:class:`~podfit.errors.MissingExtraError` (an ``InputError``: ``podfit.cli.main`` prints it as one
line and exits 2) naming the extra and the command that installs it. A top-level module, like
:mod:`podfit.errors`, so every shell package can use it without importing the CLI.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Final

from podfit.errors import MissingExtraError

__all__ = ["EXTRAS", "missing_extra", "require"]

# extra -> the packages it installs (pyproject.toml [project.optional-dependencies])
EXTRAS: Final = {
    "browser": "playwright",
    "live": "grpcio, protobuf",
    "fleet": "pyarrow, matplotlib",
    "ray": "ray",
    "webhook": "starlette, granian",
}


def missing_extra(extra: str, module: str, feature: str = "") -> MissingExtraError:
    """The one-line error for ``module`` of ``extra`` not being importable."""
    what = feature or "this command"
    packages = EXTRAS.get(extra, module)
    return MissingExtraError(
        extra,
        module,
        f"{what} needs the optional extra '{extra}' ({packages}; module {module!r} is missing): "
        f"pip install 'podfit[{extra}]'",
    )


def require(extra: str, *modules: str, feature: str = "") -> None:
    """Raise :class:`~podfit.errors.MissingExtraError` unless every module in ``modules`` imports."""
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent package is missing
            found = False
        if not found:
            raise missing_extra(extra, name, feature)
        try:
            importlib.import_module(name)
        except ImportError:
            raise missing_extra(extra, name, feature) from None
