"""The ``podfit`` command line.

Exit codes: 0 the scenario ran (rejections and a kubelet that refuses to start are results; so is
a reader that closed the pipe early, ``podfit presets | head -1``); 2 invalid input (one line on
stderr naming the file and field); 1 an internal error (a bug), and only that.

No option is silently ignored: one that the command's mode does not read (another input, output
or subcommand path) is refused in one line (exit 2), or warned about where harmless, as soon as
the command line is parsed (podfit.cli.option_checks).
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import click

from podfit import __version__
from podfit.cli import (
    capture_machine,
    capture_node,
    cgroups,
    compare,
    explain,
    fleet,
    inspect,
    policy,
    presets,
    render,
    serve_podresources,
    simulate,
    upgrade,
    webhook,
)
from podfit.errors import PodfitError, exit_code


class _ClosedPipe(Exception):
    """stdout's reader went away (``| head``): not an error of podfit's."""


def _stdout_is_devnull() -> bool:
    try:
        out, null = os.fstat(sys.stdout.fileno()), os.stat(os.devnull)
    except (OSError, ValueError):
        return False
    return (out.st_dev, out.st_ino) == (null.st_dev, null.st_ino)


class _Group(click.Group):
    """Turns a closed stdout into :class:`_ClosedPipe` before click does (click exits 1 on it;
    rich, on a closed pipe, points stdout at /dev/null and exits 1)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _ClosedPipe() from None
        except SystemExit as exc:
            if exc.code == 1 and _stdout_is_devnull():
                raise _ClosedPipe() from None
            raise


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush finds no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podfit")
def cli() -> None:
    """Where does my pod land on this node, and why? A kubelet-exact simulator of the
    Topology, CPU and Memory Managers (including the pod-level resource managers)."""


for _module in (
    simulate,
    explain,
    compare,
    upgrade,
    render,
    capture_machine,
    presets,
    capture_node,
    inspect,
    serve_podresources,
    fleet,
    webhook,
    policy,
    cgroups,
):
    cli.add_command(_module.command)


def _fail(message: str, code: int) -> int:
    click.echo(f"podfit: error: {message}", err=True)
    return code


#: Cycle-collector thresholds for a command's run: a scenario of thousands of pods builds hundreds
#: of MB of long-lived objects (pods, per-step results, the page's data) and hardly any garbage
#: cycles, and at CPython's defaults (700, 10, 10) the collector walked the whole heap ten times
#: per 5,000-pod render (~30 % of its CPU time). Cycles are still collected, in larger batches.
GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def main(argv: list[str] | None = None) -> int:
    """Entry point: every error is one line on stderr."""
    try:
        with _fewer_collections():
            cli.main(args=argv, prog_name="podfit", standalone_mode=False)
        sys.stdout.flush()  # a reader gone before the last write is a closed pipe, not a bug
    except PodfitError as exc:
        return _fail(" ".join(str(exc).split()), exit_code(exc))
    except click.UsageError as exc:
        return _fail(" ".join(exc.format_message().split()), 2)
    except click.exceptions.Abort:
        return _fail("aborted", 130)
    except click.ClickException as exc:
        return _fail(" ".join(exc.format_message().split()), exc.exit_code)
    except (BrokenPipeError, _ClosedPipe):
        _quiet_stdout()
        return 0
    except Exception as exc:
        if os.environ.get("PODFIT_DEBUG"):
            traceback.print_exc()
        return _fail(f"internal error: {type(exc).__name__}: {exc} (set PODFIT_DEBUG=1 for a traceback)", 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
