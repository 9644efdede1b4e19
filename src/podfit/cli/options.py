"""What every command that runs a scenario shares: where the scenario comes from.

``@scenario_input`` adds ``SCENARIO`` (a scenario file) or the separate-files form (``--machine`` /
``--preset``, ``--kubelet-config``, ``-f`` pod files), or neither (the built-in default scenario), and
hands the command the loaded :class:`~podfit.model.scenario.Scenario` as ``loaded``. ``--replicas N``
overrides every workload's replica count; what the inputs hold that is no pod (a Service, a CRD,
``replicas: 0``) is one ``podfit: note: …`` line each on stderr.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from podfit.model.scenario import Scenario

__all__ = ["load_scenario_input", "scenario_input"]

_FILE = click.Path(path_type=Path, dir_okay=False)


def load_scenario_input(
    scenario: Path | None,
    machine: Path | None,
    preset: str | None,
    kubelet_config: Path | None,
    pod_files: tuple[Path, ...],
    replicas: int | None = None,
    kubelet_version: str | None = None,
) -> Scenario:
    """The scenario the command line names (``InputError`` / ``UsageError`` for bad input), on the
    kubelet release ``kubelet_version`` when given (else the scenario's ``node.kubeletVersion``,
    else 1.36; the configuration is decoded for that release); the notes on inputs that give no
    pod go to stderr, one line each."""
    from podfit.io.scenario import load_default_scenario, load_scenario, scenario_from_parts

    parts = machine or preset or kubelet_config or pod_files
    if scenario is not None and parts:
        raise click.UsageError("give a SCENARIO file or --machine/--preset/--kubelet-config/-f, not both")
    notes: list[str] = []
    if scenario is not None:
        loaded = load_scenario(scenario, replicas=replicas, notes=notes, kubelet_version=kubelet_version)
    elif parts:
        loaded = scenario_from_parts(
            machine=machine,
            preset=preset,
            kubelet_config=kubelet_config,
            pod_files=pod_files,
            replicas=replicas,
            notes=notes,
            kubelet_version=kubelet_version,
        )
    else:
        loaded = load_default_scenario(kubelet_version)
    for note in notes:
        click.echo(f"podfit: note: {note}", err=True)
    return loaded


def scenario_input(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the scenario source options to a click command; it receives ``loaded`` instead."""

    @click.argument("scenario", required=False, type=_FILE)
    @click.option("--machine", type=_FILE, help="Machine description file.")
    @click.option("--preset", help="A named machine preset instead of --machine (see `podfit presets`).")
    @click.option("--kubelet-config", type=_FILE, help="KubeletConfiguration file (or /configz JSON).")
    @click.option(
        "-f",
        "--filename",
        "pod_files",
        multiple=True,
        type=_FILE,
        help="Pod or workload manifest file(s) (Deployment, StatefulSet, DaemonSet, Job, CronJob, …: "
        "the pods their controllers create); multi-document YAML and kind: List accepted, other "
        "objects skipped with a note. Repeatable.",
    )
    @click.option(
        "--replicas",
        type=click.IntRange(min=0),
        help="Run N pods of every workload (spec.replicas; a Job's parallelism). "
        "Bare pods, PodTemplates and DaemonSets (one node: one pod) are not affected.",
    )
    @click.option(
        "--kubelet-version",
        metavar="VERSION",
        help="The kubelet release to answer as (1.33 … 1.37; a patch level maps to its minor) "
        "[default: the scenario's node.kubeletVersion, else 1.36].",
    )
    @functools.wraps(command)
    def wrapper(
        scenario: Path | None,
        machine: Path | None,
        preset: str | None,
        kubelet_config: Path | None,
        pod_files: tuple[Path, ...],
        replicas: int | None,
        kubelet_version: str | None,
        **kwargs: Any,
    ) -> Any:
        if kubelet_version is not None:
            from podfit.api.scenario import decode_kubelet_version

            kubelet_version = decode_kubelet_version(kubelet_version, "--kubelet-version")
        loaded = load_scenario_input(
            scenario, machine, preset, kubelet_config, pod_files, replicas, kubelet_version
        )
        return command(loaded=loaded, **kwargs)

    return wrapper
