"""Every ``podfit …`` command line that the help epilogs, README.md and docs/*.md show parses:
the command and its options exist, arguments are where the command takes them, values have the
option's type (click's own parser: ``make_context(resilient_parsing=False)``; nothing runs).

Where the lines come from:

* each command's (and subcommand's) help epilog, ``# then: podfit …`` comment lines included;
* README.md and docs/*.md: fenced code blocks (any language); and inline code spans that start with
  ``podfit <command>``, which name a command or an option in prose (``podfit simulate --metrics``)
  rather than give a whole command line: of those, only that every option exists is checked.

A line continues over a trailing backslash (a commented line's continuation, ``#   …``, too); in
a shell comment only a command the comment starts with counts (``# then: podfit …``). A
command line ends at a shell comment, a pipe, a redirection, ``&&``, ``;`` or a closing
parenthesis / backtick of shell substitution. ``$ `` prompts and ``.venv/bin/`` / ``python -m``
prefixes are dropped.

The skip rule: a line is skipped only if it does not parse AND holds a placeholder, a word the
reader replaces (``<…>``, ``…``, ``...``, ``[…]``, ``A|B`` alternatives, or an all-capitals word
such as FILE, DIR, NODE). A line that parses is checked whatever it holds (``SCENARIO`` is a fine
file name for the parser); a line without a placeholder that does not parse is a wrong example.
A path the parser checks for existence (``--restore-from DIR``) is the reader's: not existing here
is no error of the example.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from podfit.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_START = re.compile(r"(?:^|(?<=[\s(`'\"=/]))podfit\s+([a-z][a-z-]*)")
_END = re.compile(r"\s(?:#|\||>|2>|&&|;|<)|[`)]\s*$|[`]")
_PLACEHOLDER = re.compile(r"<[^>]*>|…|\.\.\.|\[[^\]]*\]|\w\|\w|\b[A-Z][A-Z0-9_-]{2,}\b")


def _commands(text: str) -> list[str]:
    """The ``podfit <command> …`` lines of ``text`` (continuations joined)."""
    text = re.sub(r"\\\n\s*(?:#\s*)?", " ", text)
    out = []
    for line in text.splitlines():
        for m in _START.finditer(line):
            if m.group(1) not in cli.commands:
                continue
            _, hash_, comment = line[: m.start()].partition("#")
            if hash_ and comment.strip() and not comment.strip().endswith(":"):
                continue  # prose in a comment ("# ... and why (podfit explain's trace)")
            rest = line[m.start() :]
            end = _END.search(rest, len("podfit"))
            out.append(rest[: end.start()] if end else rest)
    return out


def _epilogs() -> list[tuple[str, str]]:
    found = []

    def walk(command: click.Command, path: str) -> None:
        found.extend((f"help of {path}", line) for line in _commands(command.epilog or ""))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    for name, command in sorted(cli.commands.items()):
        walk(command, f"podfit {name}")
    return found


def _documents() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        where = doc.relative_to(ROOT).as_posix()
        for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M):
            block = re.sub(r"^\s*\$ ", "", block, flags=re.M)
            found.extend((where, line) for line in _commands(block))
        prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.S | re.M)
        for span in re.findall(r"`(podfit [a-z][^`]*)`", prose):
            found.extend((f"{where} (inline)", line) for line in _commands(span.split("'")[0]))
    return found


EXAMPLES = sorted(set(_epilogs() + _documents()))


def _command(args: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = cli
    while isinstance(command, click.Group) and args:
        name, args = args[0], args[1:]
        sub = command.get_command(click.Context(command), name)
        if sub is None:
            raise click.UsageError(f"no such command {name!r}")
        command = sub
    return command, args


def parse(line: str) -> None:
    """click parses ``line`` (``UsageError`` / ``BadParameter`` when it does not); nothing runs."""
    command, args = _command(shlex.split(line)[1:])
    try:
        ctx = command.make_context(command.name, list(args), resilient_parsing=False)
    except click.BadParameter as exc:
        if isinstance(exc.param and exc.param.type, click.Path) and "does not exist" in exc.message:
            return  # the reader's path
        raise
    ctx.close()


def options_exist(line: str) -> None:
    """Every ``-x`` / ``--xx`` word of ``line`` is an option of its command."""
    command, args = _command(shlex.split(line)[1:])
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for word in args:
        if word.startswith("-") and word.split("=", 1)[0] not in known:
            raise click.NoSuchOption(word.split("=", 1)[0])


def test_there_are_examples_from_every_source() -> None:
    sources = {where.split()[0] if where.startswith("help") else where for where, _ in EXAMPLES}
    assert {"help", "README.md", "docs/fleet.md", "docs/webhook.md"} <= sources, sources
    helped = {where for where, _ in EXAMPLES if where.startswith("help")}
    assert len(helped) >= len(cli.commands) - 1, helped  # presets' epilog is "podfit presets"


@pytest.mark.parametrize(("where", "line"), EXAMPLES, ids=[f"{w}: {line}"[:90] for w, line in EXAMPLES])
def test_the_example_parses(where: str, line: str) -> None:
    try:
        if where.endswith("(inline)"):
            options_exist(line)
        else:
            parse(line)
    except click.ClickException as exc:
        if _PLACEHOLDER.search(line):
            pytest.skip(f"a placeholder that does not parse: {exc.format_message()}")
        pytest.fail(f"{where}: {line}\n  {exc.format_message()}")


@pytest.mark.parametrize(
    "line",
    [
        "podfit fleet --synthetic --pods-count 100000",  # no such option
        "podfit fleet --synthetic --pods 100000",  # the dump's --pods: refused by the command's checks
        "podfit cgroups s.yaml --diff 1..2 --step 3",  # --step of another mode
        "podfit simulate a.yaml b.yaml",  # one SCENARIO
        "podfit webhook serve --port 99999 --policy p.yaml",  # out of range
        "podfit nosuch --help",
    ],
)
def test_a_wrong_line_does_not_parse(line: str) -> None:
    with pytest.raises(click.ClickException):
        parse(line)


def test_every_command_runs_its_checks_at_parse_time() -> None:
    """Every command is a CheckedCommand, so that the parser above refuses what it refuses."""
    from podfit.cli.option_checks import CheckedCommand

    def walk(command: click.Command) -> list[click.Command]:
        if isinstance(command, click.Group):
            return [c for sub in command.commands.values() for c in walk(sub)]
        return [command]

    plain = [c.name for c in walk(cli) if not isinstance(c, CheckedCommand)]
    assert plain == []
