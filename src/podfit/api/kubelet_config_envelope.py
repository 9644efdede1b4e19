"""The envelope of a KubeletConfiguration document and what is not strict in it: its
``apiVersion`` / ``kind``, the kubelet's ``/configz`` wrapper, an OpenShift ``KubeletConfig`` custom
resource, and the kubelet's lenient decoding of unknown fields (a warning each, or an error with
``strict``).

Mirrors: pkg/kubelet/kubeletconfig/util/codec/codec.go DecodeKubeletConfiguration (strict decoding
first; on a strict-decoding error a lenient decoder that drops the unknown fields, and a log line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from podfit.errors import InputError
from podfit.model.diagnostics import LENIENT_DECODING, MISSING_API_VERSION, Diagnostic
from podfit.model.gotext import go_quote, json_text, json_type
from podfit.model.kubelet_config import API_VERSION, KIND

__all__ = ["OPENSHIFT_GROUP", "OPENSHIFT_KUBELET_CONFIG", "Lenient", "unwrap"]

# An OpenShift KubeletConfig custom resource: the Machine Config Operator merges its
# spec.kubeletConfig into the kubelet's configuration of the selected machine pools.
OPENSHIFT_GROUP: Final = "machineconfiguration.openshift.io"
OPENSHIFT_KUBELET_CONFIG: Final = "KubeletConfig"


class Lenient:
    """What the decoder does with what strict decoding refuses: ``strict`` raises, otherwise the
    thing is dropped and a warning appended to ``warnings`` (when given)."""

    def __init__(self, strict: bool, warnings: list[Diagnostic] | None) -> None:
        self.strict = strict
        self.warnings = warnings
        self.openshift = False  # an OpenShift KubeletConfig: its kubelet ignores unknown gates

    def warn(self, code: str, field: str, message: str) -> None:
        if self.warnings is not None:
            self.warnings.append(Diagnostic(code, message, field=field or None))

    def unknown_field(self, path: str, name: str, known: Iterable[str], why: str = "") -> None:
        """Mirrors: the kubelet's fallback in kubeletconfig/util/codec DecodeKubeletConfiguration
        (strict decoding fails on the unknown field; lenient decoding ignores it). ``why``: a field
        of a later release (``" to the 1.35 kubelet (a 1.36 field)"``)."""
        hint = _did_you_mean(name, known)
        if self.strict:
            raise InputError(path, f"unknown field{hint}{why} (strict decoding)")
        self.warn(
            LENIENT_DECODING,
            path,
            f"unknown field{hint}{why}: the kubelet ignores it (its strict decoding fails, it falls "
            "back to lenient decoding and logs the error); --strict refuses it",
        )


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    folded = name.casefold().replace("-", "").replace("_", "")
    for k in known:
        if k.casefold() == folded:
            return f" (did you mean {go_quote(k)}? field names are case-sensitive)"
    return ""


def _check_type_meta(obj: Mapping, lenient: Lenient, inner: bool) -> None:
    """apiVersion/kind of a KubeletConfiguration document (``inner``: inside an OpenShift
    KubeletConfig, where the Machine Config Operator takes a bare fragment)."""
    api = obj.get("apiVersion")
    kind = obj.get("kind")
    if kind is not None and kind != KIND:
        got = go_quote(kind) if isinstance(kind, str) else json_text(kind)
        raise InputError("kind", f"expected {go_quote(KIND)}, got {got}")
    if api is not None and api != API_VERSION:
        raise InputError(
            "apiVersion",
            f"no kind {go_quote(KIND)} is registered for version "
            f"{go_quote(api) if isinstance(api, str) else json_text(api)} "
            f"(the kubelet reads {go_quote(API_VERSION)})",
        )
    if inner or (api is not None and kind is not None):
        return
    missing = " and ".join(n for n, v in (("apiVersion", api), ("kind", kind)) if v is None)
    if lenient.strict:
        first = "apiVersion" if api is None else "kind"
        raise InputError(first, f"Object '{first}' is missing (strict decoding)")
    lenient.warn(
        MISSING_API_VERSION,
        "",
        f"no {missing}: read as a {API_VERSION} {KIND} (a patch, as kind and kubeadm take it; the "
        "kubelet itself needs both; --strict refuses it)",
    )


def unwrap(obj: Mapping, lenient: Lenient) -> tuple[Mapping, str]:
    if not isinstance(obj, Mapping):
        raise InputError("", f"expected a KubeletConfiguration object, got {json_type(obj)}")
    if "kubeletconfig" in obj and set(obj) == {"kubeletconfig"}:
        inner = obj["kubeletconfig"]
        if not isinstance(inner, Mapping):
            raise InputError("kubeletconfig", f"expected an object, got {json_text(inner)}")
        return inner, "kubeletconfig"
    api = obj.get("apiVersion")
    if (
        obj.get("kind") == OPENSHIFT_KUBELET_CONFIG
        and isinstance(api, str)
        and api.startswith(OPENSHIFT_GROUP)
    ):
        lenient.openshift = True
        spec = obj.get("spec")
        if spec is None:
            return {}, "spec"
        if not isinstance(spec, Mapping):
            raise InputError("spec", f"expected an object, got {json_text(spec)}")
        inner = spec.get("kubeletConfig")
        if inner is None:
            return {}, "spec.kubeletConfig"
        if not isinstance(inner, Mapping):
            raise InputError("spec.kubeletConfig", f"expected an object, got {json_text(inner)}")
        try:
            _check_type_meta(inner, lenient, inner=True)
        except InputError as err:
            raise err.under("spec.kubeletConfig") from None
        return inner, "spec.kubeletConfig"
    _check_type_meta(obj, lenient, inner=False)
    return obj, ""
