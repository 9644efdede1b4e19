"""What every command that runs a scenario shares: where the scenario comes from.

``@scenario_input`` adds ``SCENARIO`` (a scenario file) or the separate-files form (``--machine`` /
``--preset``, ``--kubelet-config``, ``-f`` pod files), or neither (the built-in default scenario), and
hands the command the loaded :class:`~podfit.model.scenario.Scenario` as ``loaded``. ``--replicas N``
overrides every workload's replica count; what the inputs hold that is no pod (a Service, a CRD,
``replicas: 0``) is one ``podfit: note: …`` line each on stderr. What reading the inputs had to
warn about (a field the kubelet ignores, a YAML key given twice, ...) is one ``podfit: warning: …``
line each; ``--strict`` refuses those inputs instead. ``--memory-per-numa``,
``--hugepages-2Mi-per-numa``, ``--hugepages-1Gi-per-numa`` and ``--device`` change the machine
(whichever form it came in).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from podfit.cli.option_checks import checks, refuse_given

if TYPE_CHECKING:
    from podfit.model.diagnostics import Diagnostic
    from podfit.model.scenario import Scenario

__all__ = ["echo_warnings", "load_scenario_input", "scenario_input"]

_FILE = click.Path(path_type=Path, dir_okay=False)


def load_scenario_input(
    scenario: Path | None,
    machine: Path | None,
    preset: str | None,
    kubelet_config: Path | None,
    pod_files: tuple[Path, ...],
    replicas: int | None = None,
    kubelet_version: str | None = None,
    strict: bool = False,
) -> Scenario:
    """The scenario the command line names (``InputError`` / ``UsageError`` for bad input), on the
    kubelet release ``kubelet_version`` when given (else the scenario's ``node.kubeletVersion``,
    else 1.36; the configuration is decoded for that release); the notes on inputs that give no
    pod and the warnings of their decoding go to stderr, one line each."""
    from podfit.io.scenario import load_default_scenario, load_scenario, scenario_from_parts

    parts = machine or preset or kubelet_config or pod_files
    if scenario is not None and parts:
        raise click.UsageError("give a SCENARIO file or --machine/--preset/--kubelet-config/-f, not both")
    notes: list[str] = []
    if scenario is not None:
        loaded = load_scenario(
            scenario, replicas=replicas, notes=notes, kubelet_version=kubelet_version, strict=strict
        )
    elif parts:
        loaded = scenario_from_parts(
            machine=machine,
            preset=preset,
            kubelet_config=kubelet_config,
            pod_files=pod_files,
            replicas=replicas,
            notes=notes,
            kubelet_version=kubelet_version,
            strict=strict,
        )
    else:
        loaded = load_default_scenario(kubelet_version)
    for note in notes:
        click.echo(f"podfit: note: {note}", err=True)
    echo_warnings(loaded.warnings)
    return loaded


def echo_warnings(warnings: Iterable[Diagnostic]) -> None:
    """One ``podfit: warning: …`` line per warning on stderr."""
    for w in warnings:
        click.echo(f"podfit: warning: {' '.join(w.line().split())}", err=True)


def scenario_input(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the scenario source options to a click command; it receives ``loaded`` instead."""

    @click.argument("scenario", required=False, type=_FILE)
    @click.option("--machine", type=_FILE, help="Machine description file.")
    @click.option("--preset", help="A named machine preset instead of --machine (see `podfit presets`).")
    @click.option(
        "--kubelet-config",
        type=_FILE,
        help="The kubelet's configuration: a KubeletConfiguration, /configz JSON, or the vendor and "
        "provisioning forms (kubeadm, kind, OpenShift, PerformanceProfile, GKE, EKS, AKS, Cluster API, "
        "kops, Talos, k3s; docs/scenario-format.md).",
    )
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
    @click.option(
        "--strict",
        is_flag=True,
        help="Refuse what the real tools only warn about: unknown KubeletConfiguration fields, a "
        "missing apiVersion, unknown or locked feature gates, YAML keys given twice.",
    )
    @click.option(
        "--memory-per-numa", metavar="QUANTITY", help="Memory of every NUMA node with CPUs (e.g. 96Gi)."
    )
    @click.option(
        "--hugepages-2Mi-per-numa",
        "hugepages_2mi",
        metavar="QUANTITY",
        help="Bytes of 2Mi hugepages on every NUMA node with CPUs (e.g. 4Gi).",
    )
    @click.option(
        "--hugepages-1Gi-per-numa",
        "hugepages_1gi",
        metavar="QUANTITY",
        help="Bytes of 1Gi hugepages on every NUMA node with CPUs (e.g. 16Gi).",
    )
    @click.option(
        "--device",
        "devices",
        multiple=True,
        metavar="RESOURCE=NUMA:COUNT",
        help="COUNT device-plugin devices of RESOURCE on NUMA node NUMA (- for none), e.g. "
        "nvidia.com/gpu=0:2; replaces the machine's devices of that resource. Repeatable.",
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
        strict: bool,
        memory_per_numa: str | None,
        hugepages_2mi: str | None,
        hugepages_1gi: str | None,
        devices: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        if kubelet_version is not None:
            from podfit.api.scenario import decode_kubelet_version

            kubelet_version = decode_kubelet_version(kubelet_version, "--kubelet-version")
        loaded = load_scenario_input(
            scenario, machine, preset, kubelet_config, pod_files, replicas, kubelet_version, strict
        )
        if memory_per_numa or hugepages_2mi or hugepages_1gi or devices:
            import dataclasses

            from podfit.api.machines import override_machine

            changed = override_machine(
                loaded.machine,
                memory_per_numa=memory_per_numa,
                hugepages_2mi_per_numa=hugepages_2mi,
                hugepages_1gi_per_numa=hugepages_1gi,
                devices=devices,
            )
            loaded = dataclasses.replace(loaded, machine=changed)
        return command(loaded=loaded, **kwargs)

    return checks(_check_scenario_options)(wrapper)


def _check_scenario_options(p: dict[str, Any]) -> None:
    if p["scenario"] is None and not (p["machine"] or p["preset"] or p["kubelet_config"] or p["pod_files"]):
        refuse_given(
            ("replicas",),
            "belongs to a SCENARIO file or -f workloads, not to the built-in default scenario "
            "(its pods are bare pods)",
        )
