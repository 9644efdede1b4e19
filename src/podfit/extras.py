"""Optional extras: a feature whose packages are missing is one line on stderr and exit 2.

``require("live", "grpc", "google.protobuf")`` raises :class:`MissingExtra` (an
:class:`~podfit.errors.InputError`, so ``podfit.cli.main`` prints it as one line and exits 2) naming
the extra and the command that installs it. A top-level module (like ``podfit.errors``) so that every
shell package can use it without importing the CLI.
"""

from __future__ import annotations

import importlib
import importlib.util

from podfit.errors import InputError

__all__ = ["EXTRAS", "MissingExtra", "require"]

EXTRAS: dict[str, str] = {
    "live": "grpcio, protobuf",
    "browser": "playwright",
}


class MissingExtra(InputError):
    """A package of an optional extra is not installed."""

    def __init__(self, extra: str, module: str, feature: str = "") -> None:
        what = feature or "this command"
        packages = EXTRAS.get(extra, module)
        super().__init__(
            "",
            f"{what} needs the optional extra '{extra}' ({packages}; module {module!r} is missing): "
            f"pip install 'podfit[{extra}]'",
        )
        self.extra = extra
        self.module = module


def require(extra: str, *modules: str, feature: str = "") -> None:
    """Raise :class:`MissingExtra` unless every module in ``modules`` can be imported."""
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent package is missing
            found = False
        if not found:
            raise MissingExtra(extra, name, feature)
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingExtra(extra, name, feature) from None
