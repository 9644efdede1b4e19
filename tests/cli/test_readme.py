"""The README's sample output is what ``podfit simulate`` prints, and every option its command
lines use exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from podfit.cli.main import cli, main

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_sample_output_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    (sample,) = _blocks("text")
    assert main(["simulate"]) == 0  # the README's first command, without the page
    printed = capsys.readouterr().out.splitlines()
    wanted = sample.splitlines()
    starts = [i for i, line in enumerate(printed) if line == wanted[0]]
    assert any(printed[i : i + len(wanted)] == wanted for i in starts), "\n".join(printed[:20])


def _commands() -> list[list[str]]:
    out = []
    for block in _blocks("sh"):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(("podfit ", ".venv/bin/podfit ")) or " .venv/bin/podfit " in line:
                args = shlex.split(line[line.index("podfit ") :])[1:]
                out.append(args)
    return out


@pytest.mark.parametrize("args", _commands(), ids=lambda a: " ".join(a)[:60])
def test_the_readme_commands_use_real_options(args: list[str]) -> None:
    command = cli.commands[args[0]]
    while isinstance(command, click.Group):  # podfit webhook serve ...
        args = args[1:]
        command = command.commands[args[0]]
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for token in args[1:]:
        if token.startswith("-"):
            assert token.split("=", 1)[0] in known, token
