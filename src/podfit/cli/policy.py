"""``podfit policy``: an admission policy's CEL-expressible rules as ValidatingAdmissionPolicy +
binding manifests, or as manifest-based static admission files with their AdmissionConfiguration."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from podfit.cli.option_checks import CheckedCommand, checks
from podfit.io.yaml_out import safe_dump_all

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit policy examples/webhook/policy.yaml > vap.yaml
  podfit policy examples/webhook/policy.yaml --static -o /etc/kubernetes/admission \\
      --webhook-url https://podfit.example.com:8443
"""


def _dump(objects: list[dict[str, object]]) -> str:
    return safe_dump_all(objects, sort_keys=False, width=120)


def _check(p: dict[str, Any]) -> None:
    from podfit.errors import InputError

    if not p["static"] and (p["webhook_url"] or p["manifests_dir"]):
        raise InputError("--webhook-url" if p["webhook_url"] else "--manifests-dir", "only with --static")


@click.command("policy", cls=CheckedCommand, epilog=EXAMPLES)
@click.argument("policy_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--static", is_flag=True, help="Manifest-based static admission files (names *.static.k8s.io).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="A file (default: stdout); with --static, a directory (one sub-directory per admission plugin).",
)
@click.option("--webhook-url", help="With --static: also the webhook configurations, calling this URL.")
@click.option(
    "--manifests-dir",
    help="With --static: the absolute directory the API server reads the files from (default: --output).",
)
@checks(_check)
def command(
    policy_path: Path, static: bool, output: Path | None, webhook_url: str | None, manifests_dir: str | None
) -> None:
    """Generate the rules CEL can express (featureGates' all-shapes denial, podCPUBudgetInteger,
    emptyPodSharedPool) as ValidatingAdmissionPolicies; says on stderr which rules only the webhook
    can check (the exact admission on the node shapes)."""
    from podfit.admission_policy.vap import (
        STATIC_DIRS,
        admission_configuration,
        static_manifests,
        validating_admission_policies,
        webhook_only_rules,
    )
    from podfit.errors import InputError
    from podfit.io.files import write_atomic
    from podfit.io.policy import load_policy

    if static and output is None:
        raise InputError("--output", "--static writes a directory: give -o DIR")
    policy = load_policy(policy_path)
    only = webhook_only_rules(policy)
    if only:
        click.echo(
            f"podfit: only the webhook checks {', '.join(only)} (the exact admission on each node shape)",
            err=True,
        )
    if not static:
        text = _dump(validating_admission_policies(policy))
        if output is None:
            sys.stdout.write(text)
        else:
            write_atomic(output, text.encode())
            click.echo(f"wrote {output}", err=True)
        return
    if webhook_url is not None and not webhook_url.startswith("https://"):
        raise InputError("--webhook-url", "a webhook URL must start with https://")
    assert output is not None
    base = manifests_dir or str(output.resolve())
    if not base.startswith("/"):
        raise InputError("--manifests-dir", "staticManifestsDir must be an absolute path")
    per_plugin = static_manifests(policy, webhook_url)
    for plugin, objects in per_plugin.items():
        if not objects:
            continue
        path = output / STATIC_DIRS[plugin][0] / f"podfit-{policy.name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, _dump(objects).encode())
        click.echo(f"wrote {path}", err=True)
    config = admission_configuration(base, [p for p, objs in per_plugin.items() if objs])
    path = output / "admission-configuration.yaml"
    write_atomic(path, _dump([config]).encode())
    click.echo(
        f"wrote {path} (kube-apiserver --admission-control-config-file;"
        " feature gate ManifestBasedAdmissionControlConfig)",
        err=True,
    )
