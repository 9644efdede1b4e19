"""``podfit webhook``: the validating and mutating admission webhook (``serve``) and its deploy
manifests (``manifests``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from podfit.cli.option_checks import CheckedCommand, checks, refuse_given, warn_given
from podfit.io.yaml_out import safe_dump_all

__all__ = ["command"]

EXAMPLES = """
\b
Examples:
  podfit webhook serve --policy examples/webhook/policy.yaml --cert tls.crt --key tls.key --port 8443
  podfit webhook manifests --policy examples/webhook/policy.yaml --namespace podfit-system \\
      --image registry.example.com/podfit:0.1.0 --cert-manager > webhook.yaml
  podfit webhook manifests --policy policy.yaml --ca-bundle ca.crt > webhook.yaml
"""

_POLICY = click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The admission policy file (kind: AdmissionPolicy, docs/webhook.md).",
)


@click.group("webhook", epilog=EXAMPLES)
def command() -> None:
    """Enforce pod-level resource policies at admission: the rules the kubelet cannot fix later,
    checked by running the kubelet's exact admission on every declared node shape."""


def _check_serve(p: dict[str, Any]) -> None:
    if p["insecure_http"]:
        refuse_given(("cert", "key"), "belongs to TLS, not to --insecure-http (give one or the other)")
        warn_given(("cert_check_interval",), "--insecure-http serves no certificate")


@command.command("serve", cls=CheckedCommand, epilog=EXAMPLES)
@_POLICY
@click.option("--cert", type=click.Path(path_type=Path, dir_okay=False), help="TLS certificate chain (PEM).")
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False), help="Its private key (PEM).")
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8443, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Evaluation threads per worker.",
)
@click.option(
    "--cache-size",
    default=4096,
    show_default=True,
    type=click.IntRange(0),
    help="Evaluations kept per worker.",
)
@click.option(
    "--cert-check-interval",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.05),
    help="Seconds between checks of the certificate files (a change reloads them).",
)
@click.option(
    "--insecure-http", is_flag=True, help="Serve plain HTTP without --cert/--key (local tries only)."
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["error", "warning", "info", "debug"]),
)
@checks(_check_serve)
def serve_command(
    policy_path: Path,
    cert: Path | None,
    key: Path | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    cache_size: int,
    cert_check_interval: float,
    insecure_http: bool,
    log_level: str,
) -> None:
    """Serve /validate, /mutate, /mutate/<mutation>, /metrics, /healthz and /readyz over TLS
    (HTTP/2 and HTTP/1.1), reloading the certificate when its files change."""
    from podfit.errors import InputError
    from podfit.extras import require
    from podfit.io.policy import load_policy

    require("webhook", "starlette", "granian", feature="podfit webhook serve")
    load_policy(policy_path)  # a bad policy is one line and exit 2, before any worker starts
    if (cert is None) != (key is None):
        raise InputError("--cert", "give both --cert and --key")
    if cert is None and not insecure_http:
        raise InputError("--cert", "give --cert and --key (or --insecure-http for a local try)")
    for flag, path in (("--cert", cert), ("--key", key)):
        if path is not None and not path.is_file():
            raise InputError(flag, f"no such file: {path}")
    from podfit.webhook.server import serve
    from podfit.webhook.settings import ServeSettings

    serve(
        ServeSettings(
            policy=str(policy_path.resolve()),
            cert=str(cert.resolve()) if cert else None,
            key=str(key.resolve()) if key else None,
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            cache_size=cache_size,
            cert_check_seconds=cert_check_interval,
            log_level=log_level,
        )
    )


_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"  # a namespace (RFC 1123 label)
_DNS_1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"  # a Service's name


def _check_manifests(p: dict[str, Any]) -> None:
    """What the API server would refuse at apply time: refused here, naming the option."""
    import re

    for name, pattern, what in (
        ("namespace", _DNS_LABEL, "a namespace"),
        ("name", _DNS_1035_LABEL, "a Service's name"),
    ):
        value = p[name]
        if len(value) > 63 or not re.fullmatch(pattern, value):
            raise click.BadParameter(
                f"{value!r} is not a DNS label for {what} (lower-case letters, digits, '-'; at most 63)",
                param_hint=f"--{name}",
            )
    if not p["image"].strip() or any(c.isspace() for c in p["image"]):
        raise click.BadParameter(f"{p['image']!r} is not an image reference", param_hint="--image")


@command.command("manifests", cls=CheckedCommand, epilog=EXAMPLES)
@_POLICY
@click.option("--namespace", default="podfit-system", show_default=True)
@click.option("--name", default="podfit-webhook", show_default=True)
@click.option(
    "--image",
    default="ghcr.io/podfit/podfit:latest",
    show_default=True,
    help="An image whose entrypoint is podfit.",
)
@click.option("--replicas", default=2, show_default=True, type=click.IntRange(1))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1))
@click.option(
    "--ca-bundle",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM of the CA that signed the serving certificate.",
)
@click.option(
    "--cert-manager",
    "cert_manager",
    is_flag=True,
    help="A cert-manager self-signed Issuer and Certificate, CA injected.",
)
@click.option(
    "--cert-manager-issuer", help="Use this cert-manager issuer instead: Issuer/NAME or ClusterIssuer/NAME."
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here (default: stdout)."
)
@checks(_check_manifests)
def manifests_command(
    policy_path: Path,
    namespace: str,
    name: str,
    image: str,
    replicas: int,
    workers: int,
    ca_bundle: Path | None,
    cert_manager: bool,
    cert_manager_issuer: str | None,
    output: Path | None,
) -> None:
    """Deployment, Service, PodDisruptionBudget, the policy's ConfigMap and the Validating- and
    MutatingWebhookConfiguration, with the certificate from cert-manager or a given CA bundle."""
    from podfit.admission_policy.decode import policy_from_dict
    from podfit.admission_policy.manifests import DeployOptions, deploy_manifests
    from podfit.errors import InputError
    from podfit.io.policy import resolved_policy_document

    choices = sum(
        x is not None and x is not False for x in (ca_bundle, cert_manager or None, cert_manager_issuer)
    )
    if choices != 1:
        raise InputError(
            "--ca-bundle",
            "give exactly one of --ca-bundle FILE, --cert-manager, --cert-manager-issuer KIND/NAME",
        )
    if cert_manager_issuer is not None and cert_manager_issuer.partition("/")[0] not in (
        "Issuer",
        "ClusterIssuer",
    ):
        raise InputError("--cert-manager-issuer", "expected Issuer/NAME or ClusterIssuer/NAME")
    doc = resolved_policy_document(policy_path)
    try:
        policy = policy_from_dict(doc)
    except InputError as exc:
        raise exc.in_source(str(policy_path)) from None
    bundle = None
    if ca_bundle is not None:
        try:
            bundle = ca_bundle.read_bytes()
        except OSError as exc:
            raise InputError("--ca-bundle", f"cannot read {ca_bundle}: {exc.strerror}") from None
        if b"-----BEGIN CERTIFICATE-----" not in bundle:
            raise InputError("--ca-bundle", f"{ca_bundle} holds no PEM certificate")
    opts = DeployOptions(
        namespace=namespace,
        name=name,
        image=image,
        replicas=replicas,
        workers=workers,
        ca_bundle=bundle,
        cert_manager_issuer="" if cert_manager else cert_manager_issuer,
    )
    text = json.dumps(doc, indent=2, default=str) + "\n"
    objects = deploy_manifests(policy, text, opts)
    out = safe_dump_all(objects, sort_keys=False, width=120)
    if output is None:
        sys.stdout.write(out)
    else:
        from podfit.io.files import write_atomic

        write_atomic(output, out.encode())
        click.echo(f"wrote {output}", err=True)
