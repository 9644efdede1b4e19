"""Every exception podfit raises, and the exit code (and HTTP / gRPC status) each maps to.

::

    PodfitError                       exit 1   HTTP 500   gRPC INTERNAL
     │                                         the root: a bug, unless a subclass says otherwise
     ├── InputError                   exit 2   HTTP 400   gRPC INVALID_ARGUMENT
     │    │                                    invalid user input: one line naming the file and field
     │    ├── PolicyOptionError                a policy option the kubelet refuses (its words); a
     │    │                                    start-up refusal once the managers are built
     │    ├── MissingExtraError                an optional extra is not installed: the install command
     │    │    └── BrowserUnavailable          no Chromium / Playwright for a PNG
     │    └── CheckpointError                  a checkpoint file the kubelet refuses (its words)
     ├── ParseError (also a ValueError) exit 2 a text one of the kubelet's parsers refuses; raised
     │    │                                    while decoding and re-raised as an InputError naming
     │    │                                    the field
     │    ├── QuantityError                    resource.ParseQuantity
     │    ├── CPUSetParseError                 cpuset.Parse
     │    ├── GoJSONError                      json.Unmarshal of a checkpoint
     │    └── DiscoverError                    the CPU topology discovery (sysfs)
     ├── CPUAssignmentError           exit 1   the CPU assignment failed: always turned into a
     │                                         rejection (a value) before it leaves the CPU manager
     ├── KubeletStartupRefused        exit 2   HTTP 422   gRPC FAILED_PRECONDITION
     │                                         a Node was asked for a configuration the kubelet
     │                                         refuses; carries the refusal (a value)
     └── EvaluationCut                exit 1   HTTP 504   gRPC DEADLINE_EXCEEDED
                                               an admission evaluation passed its deadline (the
                                               webhook answers per the policy's onError)

A kubelet *rejection* or *refusal* is never an exception: it is a value
(:mod:`podfit.model.admission`). Exceptions are for invalid input and for bugs.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "EXIT_BUG",
    "EXIT_INPUT",
    "EXIT_OK",
    "BrowserUnavailable",
    "CPUAssignmentError",
    "CPUSetParseError",
    "CheckpointError",
    "DiscoverError",
    "EvaluationCut",
    "GoJSONError",
    "InputError",
    "KubeletStartupRefused",
    "MissingExtraError",
    "ParseError",
    "PodfitError",
    "PolicyOptionError",
    "QuantityError",
    "exit_code",
    "field_under",
    "grpc_status",
    "http_status",
]

EXIT_OK: Final = 0
EXIT_BUG: Final = 1
EXIT_INPUT: Final = 2


class PodfitError(Exception):
    """Root of podfit's own exceptions."""

    exit_code: int = EXIT_BUG
    http_status: int = 500
    grpc_status: str = "INTERNAL"


def field_under(prefix: str, field: str | None) -> str:
    """The field path ``field`` inside ``prefix`` (``spec`` + ``containers[0]`` ->
    ``spec.containers[0]``; ``pods`` + ``[2]`` -> ``pods[2]``)."""
    if not field:
        return prefix
    if field.startswith("["):
        return prefix + field
    return f"{prefix}.{field}"


class InputError(PodfitError):
    """Invalid user input: names the field path (and the file once known).

    Rendered as ``<source>: <field>: <message>``; parts that are unknown are left out.
    ``field`` is a dotted/indexed path such as ``spec.containers[1].resources.limits.cpu``.
    """

    exit_code = EXIT_INPUT
    http_status = 400
    grpc_status = "INVALID_ARGUMENT"

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
        return InputError(field_under(prefix, self.field), self.message, self.source)

    def in_source(self, source: str) -> InputError:
        """The same error, attributed to ``source`` (a file name) unless it already names one."""
        if self.source:
            return self
        return InputError(self.field, self.message, source)


class PolicyOptionError(InputError):
    """A policy option the kubelet refuses; the message is the kubelet's own text."""

    def __init__(self, message: str) -> None:
        super().__init__("", message)


class MissingExtraError(InputError):
    """An optional extra is not installed: says which, and the command that installs it
    (raised by :func:`podfit.extras.require`)."""

    def __init__(self, extra: str, module: str, message: str) -> None:
        super().__init__("", message)
        self.extra = extra
        self.module = module


class BrowserUnavailable(MissingExtraError):
    """No Chromium executable (or it does not start): a PNG cannot be taken."""

    def __init__(self, message: str) -> None:
        super().__init__("browser", "playwright", message)


class CheckpointError(InputError):
    """The kubelet refused a checkpoint. ``message``: its full error text; ``reason``: the inner
    error (e.g. ``checkpoint is corrupted``)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__("", message)
        self.reason = reason or message


class ParseError(PodfitError, ValueError):
    """A text one of the kubelet's parsers refuses; ``str(err)`` is the parser's own error text."""

    exit_code = EXIT_INPUT
    http_status = 400
    grpc_status = "INVALID_ARGUMENT"


class QuantityError(ParseError):
    """A string apimachinery refuses as a quantity; ``str(err)`` is apimachinery's error text."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.text = text


class CPUSetParseError(ParseError):
    """A CPU list string that k8s.io/utils/cpuset.Parse would refuse."""


class GoJSONError(ParseError):
    """An error ``json.Unmarshal`` (or a custom ``UnmarshalJSON``) would return; ``str`` is Go's text.
    ``type_error``: when it is an ``UnmarshalTypeError``, its (value, field path, type) parts, which
    an enclosing ``Unmarshal`` rewrites with its own field path."""

    def __init__(self, message: str, type_error: tuple[str, str, str] | None = None) -> None:
        super().__init__(message)
        self.type_error = type_error


class DiscoverError(ParseError):
    """The CPU topology discovery refused the machine (the kubelet would not start)."""


class CPUAssignmentError(PodfitError):
    """The kubelet's CPU assignment failed; ``str(err)`` is the kubelet's error text."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class KubeletStartupRefused(PodfitError):
    """A node was built for a configuration the kubelet refuses to start with.

    Callers that may meet such a configuration ask for the refusal as a value first
    (``podfit.kubelet.startup.start_managers``); this exception carries it when they did not.
    """

    exit_code = EXIT_INPUT
    http_status = 422
    grpc_status = "FAILED_PRECONDITION"

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


class EvaluationCut(PodfitError):
    """An admission policy evaluation was cut at its deadline (checked between steps)."""

    http_status = 504
    grpc_status = "DEADLINE_EXCEEDED"


def exit_code(exc: BaseException) -> int:
    """The process exit code for ``exc``: 2 for invalid input, 1 for anything else (a bug)."""
    return exc.exit_code if isinstance(exc, PodfitError) else EXIT_BUG


def http_status(exc: BaseException) -> int:
    """The HTTP status a server answers ``exc`` with."""
    return exc.http_status if isinstance(exc, PodfitError) else 500


def grpc_status(exc: BaseException) -> str:
    """The gRPC status code name a server answers ``exc`` with."""
    return exc.grpc_status if isinstance(exc, PodfitError) else "INTERNAL"
