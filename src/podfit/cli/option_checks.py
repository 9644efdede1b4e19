"""No option silently ignored: what every command checks before it runs.

An option that only some modes of a command read (another kind of input, another output, another
subcommand path) would be ignored in the others, and the command would answer another question
than the one asked without saying so (``podfit fleet --synthetic --pods 100000`` replayed the
default 10,000 pods). Such an option, given on the command line (or through its environment
variable) in a mode that does not read it, is either

* refused: one line, exit 2, naming the option and what it belongs to (:func:`refuse_given`,
  :func:`refuse_other_modes`) — whenever ignoring it changes the answer the user expects; or
* warned about: one ``podfit: warning: …`` line on stderr, the answer unchanged
  (:func:`warn_given`) — where it is harmless and a real tool would be lenient.

An option left at its default never counts (click's ``get_parameter_source``). Comma lists
(:func:`csv_option`) refuse an empty list and an item given twice.

The checks of a command are declared with :func:`checks` on its function and the command is a
:class:`CheckedCommand`: they run as soon as click has parsed the command line, before the
command runs, so that the parser alone (``make_context``, as tests/cli/test_help_examples.py
parses every example of the help and the docs) refuses what the command would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import click

__all__ = [
    "CheckedCommand",
    "checks",
    "csv_option",
    "flag",
    "given",
    "refuse_given",
    "refuse_other_modes",
    "warn_given",
]

Check = Callable[[dict[str, Any]], None]
F = TypeVar("F", bound=Callable[..., Any])


def checks(*functions: Check) -> Callable[[F], F]:
    """Declare ``functions(params)`` as checks of the command made of the decorated function."""

    def decorate(f: F) -> F:
        f.__dict__["podfit_checks"] = (*functions, *f.__dict__.get("podfit_checks", ()))
        return f

    return decorate


class CheckedCommand(click.Command):
    """A command whose declared checks (:func:`checks`) run right after its command line is parsed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        if not ctx.resilient_parsing:
            with ctx.scope(cleanup=False):
                for check in getattr(self.callback, "podfit_checks", ()):
                    check(ctx.params)
        return rest


def given(name: str) -> bool:
    """The option or argument ``name`` (its Python name) was given on the command line or through
    its environment variable, not left at its default."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source(name)
    return source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


def flag(name: str) -> str:
    """How the user spells the option ``name`` (its longest flag, ``--filename`` for ``pod_files``)."""
    for param in click.get_current_context().command.params:
        if param.name == name and param.opts:
            return max(param.opts, key=len)
    return "--" + name.replace("_", "-")


def refuse_given(names: Iterable[str], why: str) -> None:
    """``UsageError`` (one line, exit 2) for the first of ``names`` that was given: ``<flag> <why>``."""
    for name in names:
        if given(name):
            raise click.UsageError(f"{flag(name)} {why}")


def refuse_other_modes(
    mode: str,
    options: Mapping[str, Iterable[str]],
    labels: Mapping[str, str],
    hints: Mapping[str, str] | None = None,
) -> None:
    """The command runs in ``mode``; ``options[m]`` are the options only mode ``m`` reads. The
    first of another mode's that was given is refused: ``<flag> belongs to <labels[m]>, not to
    <labels[mode]>`` and the option's hint, if any."""
    for other, names in options.items():
        if other == mode:
            continue
        for name in names:
            if given(name):
                hint = (hints or {}).get(name, "")
                raise click.UsageError(
                    f"{flag(name)} belongs to {labels[other]}, not to {labels[mode]}{hint}"
                )


def warn_given(names: Iterable[str], why: str) -> None:
    """One ``podfit: warning: <flag> is ignored: <why>`` line on stderr per given option."""
    for name in names:
        if given(name):
            click.echo(f"podfit: warning: {flag(name)} is ignored: {why}", err=True)


def csv_option(text: str, option: str) -> list[str]:
    """The items of a comma-separated option value, stripped; an empty list or an item given
    twice is a one-line ``UsageError`` naming ``option``."""
    items = [p.strip() for p in text.split(",") if p.strip()]
    if not items:
        raise click.UsageError(f"{option}: give at least one value (got {text!r})")
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise click.UsageError(f"{option}: {item} is given twice")
        seen.add(item)
    return items
