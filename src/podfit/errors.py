"""Error types shared by the core and the shell.

A kubelet *rejection* is never an exception: it is a result value. Exceptions are for invalid input
(``InputError``: exit code 2, one line naming the file and field) and for bugs.
"""

from __future__ import annotations


class PodfitError(Exception):
    """Root of podfit's own exceptions."""


class InputError(PodfitError):
    """Invalid user input: names the field path (and the file once known).

    Rendered as ``<source>: <field>: <message>``; parts that are unknown are left out.
    ``field`` is a dotted/indexed path such as ``spec.containers[1].resources.limits.cpu``.
    """

    def __init__(self, field: str, message: str, source: str | None = None) -> None:
        self.field = field
        self.message = message
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        parts.append(self.message)
        return ": ".join(parts)

    def under(self, prefix: str) -> InputError:
        """The same error with ``prefix`` prepended to the field path."""
        if not prefix:
            return self
        if not self.field:
            field = prefix
        elif self.field.startswith("["):
            field = prefix + self.field
        else:
            field = f"{prefix}.{self.field}"
        return InputError(field, self.message, self.source)

    def in_source(self, source: str) -> InputError:
        """The same error, attributed to ``source`` (a file name) unless it already names one."""
        if self.source:
            return self
        return InputError(self.field, self.message, source)
