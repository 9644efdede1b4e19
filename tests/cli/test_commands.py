"""Every command: `--help` with an example; every error one line with exit 2."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from podfit.cli.main import cli, main

COMMANDS = sorted(cli.commands)


def test_all_commands_are_registered() -> None:
    assert set(COMMANDS) >= {"simulate", "capture-machine", "presets", "compare", "explain", "render"}


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_an_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Example" in text
    assert f"podfit {name}" in text.split("Example", 1)[1]


SCENARIO_COMMANDS = [["simulate"], ["compare"], ["render", "-o", "{tmp}/x.html"], ["explain", "--pod", "a/b"]]


@pytest.mark.parametrize("args", SCENARIO_COMMANDS, ids=lambda a: a[0])
def test_bad_scenario_is_one_line_exit_2(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "s.yaml"
    broken.write_text("kind: Scenario\nnode: {machine: {sockets: -1}}\n")
    argv = [a.format(tmp=tmp_path) for a in args] + [str(broken)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"podfit: error: {broken}: node.machine.sockets")


@pytest.mark.parametrize("args", SCENARIO_COMMANDS, ids=lambda a: a[0])
def test_scenario_and_parts_together_is_a_usage_error(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.format(tmp=tmp_path) for a in args] + [str(tmp_path / "s.yaml"), "--preset", "laptop-8c16t"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not both" in err


def test_unknown_pod_to_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--pod", "default/nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("podfit: error: ")


def test_a_command_runs_with_fewer_cycle_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector's thresholds are raised for the command's run (large scenarios: ~30 % of the
    CPU time went to full collections) and restored after it, also after an error."""
    import gc

    from podfit.cli import main as main_module

    seen: list[tuple[int, ...]] = []

    def record(**_: object) -> None:
        seen.append(gc.get_threshold())
        raise click.UsageError("stop")

    before = gc.get_threshold()
    monkeypatch.setattr(main_module.cli, "main", record)
    assert main_module.main(["presets"]) == 2
    assert seen == [main_module.GC_THRESHOLDS] and before != main_module.GC_THRESHOLDS
    assert gc.get_threshold() == before
