"""Decoding a KubeletConfiguration document (kubelet.config.k8s.io/v1beta1) into the defaulted
:class:`~podfit.model.kubelet_config.KubeletConfig` podfit reads.

Every field of the v1beta1 type is accepted (light type check); the fields the resource managers
depend on are interpreted. A document is a KubeletConfiguration, the kubelet's ``/configz`` answer
``{"kubeletconfig": {...}}`` (which carries no apiVersion/kind), or an OpenShift ``KubeletConfig``
(``machineconfiguration.openshift.io/v1``), read from its ``spec.kubeletConfig``.

Read as the kubelet reads its file (``strict=False``): strict decoding first; when that fails on
an unknown field the kubelet falls back to lenient decoding, which drops the field, and logs it
(pkg/kubelet/kubeletconfig/util/codec DecodeKubeletConfiguration). podfit does the same and
returns a warning per dropped field. A document without ``apiVersion`` (a kind or kubeadm patch)
is read as ``kubelet.config.k8s.io/v1beta1``, with a warning. ``strict=True`` refuses both.

Mirrors: staging/src/k8s.io/kubelet/config/v1beta1/types.go and
pkg/kubelet/apis/config/v1beta1/defaults.go SetDefaults_KubeletConfiguration.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import replace
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from podfit.api.features import feature_gates_from_dict
from podfit.api.kubelet_config_envelope import OPENSHIFT_KUBELET_CONFIG, Lenient, unwrap
from podfit.api.kubelet_config_fields import FIELDS, check_kind
from podfit.errors import InputError
from podfit.model.cpuset import CPUSetParseError, parse_cpuset
from podfit.model.diagnostics import Diagnostic
from podfit.model.gotext import json_text
from podfit.model.kubelet_config import (
    DEFAULT_EVICTION_HARD,
    EVICTION_SIGNALS,
    RESERVABLE,
    EvictionThreshold,
    KubeletConfig,
    ReservedMemory,
)
from podfit.model.quantity import Quantity, QuantityError, parse_quantity
from podfit.release.profile import ReleaseProfile, default_profile

__all__ = [
    "OPENSHIFT_KUBELET_CONFIG",
    "kubelet_config_for_release",
    "kubelet_config_from_dict",
    "parse_go_duration",
]


def _frozen(m: Mapping) -> Mapping:
    return MappingProxyType(dict(m))


# ----- small decoders -----------------------------------------------------------------------

_DURATION_UNITS: Final = {
    "ns": 1,
    "us": 1000,
    "µs": 1000,
    "μs": 1000,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_DURATION_PART: Final = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_duration(text: str) -> int:
    """Go time.ParseDuration, in nanoseconds; raises ValueError worded as Go's error."""
    s = text
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f'time: invalid duration "{text}"')
    pos, total = 0, Fraction(0)
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if m is None:
            raise ValueError(f'time: invalid duration "{text}"')
        total += Fraction(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    return sign * int(total)


def _quantity(text: object, path: str) -> tuple[Quantity, str]:
    if not isinstance(text, str | int) or isinstance(text, bool):
        raise InputError(path, f"expected a quantity string, got {json_text(text)}")
    try:
        q = parse_quantity(str(text))
    except (QuantityError, ValueError) as exc:
        raise InputError(path, str(exc)) from None
    return q, q.format


def _reserved_map(raw: object, name: str) -> tuple[dict[str, int], dict[str, str]]:
    """Mirrors: cmd/kubelet/app/server.go parseResourceList."""
    values: dict[str, int] = {}
    formats: dict[str, str] = {}
    for key, text in dict(raw or {}).items():  # type: ignore[call-overload]
        path = f"{name}.{key}"
        if key not in RESERVABLE:
            raise InputError(path, f'cannot reserve "{key}" resource')
        q, fmt = _quantity(text, path)
        if q.sign() < 0:
            raise InputError(path, f'resource quantity for "{key}" cannot be negative: {text}')
        values[key] = q.milli_value() if key == "cpu" else q.value()
        formats[key] = fmt
    return values, formats


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def _eviction(raw: Mapping[str, str]) -> dict[str, EvictionThreshold]:
    """Mirrors: pkg/kubelet/eviction/helpers.go parseThresholdStatement."""
    out: dict[str, EvictionThreshold] = {}
    for signal in sorted(raw):
        val = raw[signal]
        path = f"evictionHard.{signal}"
        if signal not in EVICTION_SIGNALS:
            raise InputError(path, f"unsupported eviction signal {signal}")
        if not isinstance(val, str):
            raise InputError(path, f"expected a string, got {json_text(val)}")
        if val.endswith("%"):
            if val in ("0%", "100%"):
                continue
            try:
                pct = _f32(_f32(float(val.rstrip("%"))) / 100)
            except ValueError:
                raise InputError(
                    path, f'strconv.ParseFloat: parsing "{val.rstrip("%")}": invalid syntax'
                ) from None
            if pct < 0:
                raise InputError(path, f"eviction percentage threshold {signal} must be >= 0%: {val}")
            if pct > 1:
                raise InputError(path, f"eviction percentage threshold {signal} must be <= 100%: {val}")
            out[signal] = EvictionThreshold(signal, percentage=pct)
            continue
        q, fmt = _quantity(val, path)
        if q.sign() <= 0:
            raise InputError(path, f"eviction threshold {signal} must be positive: {q}")
        out[signal] = EvictionThreshold(signal, quantity=q.value(), quantity_format=fmt)
    return out


def _pod_pids_limit(value: int | None) -> int:
    """``podPidsLimit``: unset or negative means no limit (-1)."""
    return -1 if value is None or value < 0 else value


def _reserved_memory(raw: object, lenient: Lenient) -> tuple[ReservedMemory, ...]:
    entries = []
    items: Iterable[object] = raw or []  # type: ignore[assignment]  # a list: the schema checked it
    for i, item in enumerate(items):
        path = f"reservedMemory[{i}]"
        if not isinstance(item, Mapping):
            raise InputError(path, f"expected an object, got {json_text(item)}")
        for key in sorted(set(item) - {"numaNode", "limits"}, key=str):
            lenient.unknown_field(f"{path}.{key}", str(key), ("numaNode", "limits"))
        numa = item.get("numaNode", 0)
        if not isinstance(numa, int) or isinstance(numa, bool) or not -(2**31) <= numa < 2**31:
            raise InputError(f"{path}.numaNode", f"expected an int32, got {json_text(numa)}")
        limits_raw = item.get("limits") or {}
        if not isinstance(limits_raw, Mapping):
            raise InputError(
                f"{path}.limits", f"expected a map of resource to quantity, got {json_text(limits_raw)}"
            )
        limits: dict[str, int] = {}
        formats: dict[str, str] = {}
        for res, text in limits_raw.items():
            q, fmt = _quantity(text, f"{path}.limits.{res}")
            limits[str(res)] = q.value()
            formats[str(res)] = fmt
        entries.append(ReservedMemory(numa, _frozen(limits), _frozen(formats)))
    return tuple(entries)


# ----- the decoder --------------------------------------------------------------------------


def kubelet_config_from_dict(
    obj: Mapping,
    release: ReleaseProfile | None = None,
    *,
    strict: bool = True,
    warnings: list[Diagnostic] | None = None,
) -> KubeletConfig:
    """Decode a KubeletConfiguration document (or the /configz form, or an OpenShift
    KubeletConfig) for the kubelet ``release`` (default 1.36: its feature gates) and apply v1beta1
    defaults.

    Wrong types, bad quantities and bad CPU sets raise InputError naming the field. Unknown fields
    and a missing apiVersion raise too with ``strict``; otherwise they are read as the kubelet
    reads them (dropped) and a warning per item is appended to ``warnings``. A feature gate the
    release does not know (or a locked one set to the other value) is the kubelet's start-up
    refusal (``validate_kubelet_config``), except that an OpenShift KubeletConfig's unknown gates
    are ignored with a warning, as OpenShift's kubelet does. Mirrors:
    pkg/kubelet/apis/config/v1beta1/defaults.go SetDefaults_KubeletConfiguration, for the fields
    podfit interprets.
    """
    lenient = Lenient(strict, warnings)
    start = len(warnings) if warnings is not None else 0
    doc, prefix = unwrap(obj, lenient)
    try:
        return _decode(doc, release, lenient)
    except InputError as err:
        raise err.under(prefix) from None
    finally:
        if warnings is not None and prefix:
            warnings[start:] = [w.under(prefix) if w.field else w for w in warnings[start:]]


def _decode(doc: Mapping, release: ReleaseProfile | None, lenient: Lenient) -> KubeletConfig:
    profile = release or default_profile()
    absent = dict(profile.switches.kubelet_config_fields_absent)
    kept: dict = {}
    for key, value in doc.items():
        if key in ("apiVersion", "kind"):
            kept[key] = value
            continue
        kind = FIELDS.get(key)
        if kind is None:
            lenient.unknown_field(str(key), str(key), (f for f in FIELDS if f not in absent))
            continue
        if key in absent:
            why = f" to the {profile.version} kubelet (a field of {absent[key]} and later)"
            lenient.unknown_field(str(key), str(key), (), why)
            continue
        check_kind(str(key), kind, value)
        kept[key] = value
    doc = kept
    g = doc.get

    gates = feature_gates_from_dict(
        g("featureGates"),
        release,
        unknown_gates_warn=lenient.openshift,
        warnings=lenient.warnings,
        dependants_off=not lenient.strict,
    )
    reserved_cpus_text = g("reservedSystemCPUs") or ""
    reserved_cpus = None
    if reserved_cpus_text:
        try:
            reserved_cpus = parse_cpuset(reserved_cpus_text)
        except (CPUSetParseError, ValueError) as exc:
            raise InputError(
                "reservedSystemCPUs",
                f"invalid configuration: unable to parse reservedSystemCPUs (--reserved-cpus) "
                f"{reserved_cpus_text}, error: {exc}",
            ) from None
    kube_reserved, kube_fmt = _reserved_map(g("kubeReserved"), "kubeReserved")
    system_reserved, system_fmt = _reserved_map(g("systemReserved"), "systemReserved")

    eviction_raw = g("evictionHard")
    if eviction_raw is None:
        eviction_map = dict(DEFAULT_EVICTION_HARD)
    elif g("mergeDefaultEvictionSettings"):
        eviction_map = {**DEFAULT_EVICTION_HARD, **eviction_raw}
    else:
        eviction_map = dict(eviction_raw)

    reconcile = g("cpuManagerReconcilePeriod")
    quota_period = g("cpuCFSQuotaPeriod")
    try:
        reconcile_ns = parse_go_duration(reconcile) if reconcile else 0
    except ValueError as exc:
        raise InputError("cpuManagerReconcilePeriod", str(exc)) from None
    try:
        quota_ns = parse_go_duration(quota_period) if quota_period is not None else 100_000_000
    except ValueError as exc:
        raise InputError("cpuCFSQuotaPeriod", str(exc)) from None

    def pick(name: str, default: object) -> object:
        value = g(name)
        return default if value is None else value

    enforce = g("enforceNodeAllocatable")
    return KubeletConfig(
        feature_gates=gates,
        cpu_manager_policy=g("cpuManagerPolicy") or "none",
        cpu_manager_policy_options=_frozen(g("cpuManagerPolicyOptions") or {}),
        cpu_manager_reconcile_period_s=(reconcile_ns / 1e9) if reconcile_ns else 10.0,
        memory_manager_policy=g("memoryManagerPolicy") or "None",
        reserved_memory=_reserved_memory(g("reservedMemory"), lenient),
        topology_manager_policy=g("topologyManagerPolicy") or "none",
        topology_manager_scope=g("topologyManagerScope") or "container",
        topology_manager_policy_options=_frozen(g("topologyManagerPolicyOptions") or {}),
        reserved_system_cpus=reserved_cpus,
        reserved_system_cpus_text=reserved_cpus_text,
        kube_reserved=_frozen(kube_reserved),
        system_reserved=_frozen(system_reserved),
        kube_reserved_formats=_frozen(kube_fmt),
        system_reserved_formats=_frozen(system_fmt),
        eviction_hard=_frozen(_eviction(eviction_map)),
        max_pods=g("maxPods") or 110,
        pods_per_core=g("podsPerCore") or 0,
        pod_pids_limit=_pod_pids_limit(g("podPidsLimit")),
        cpu_cfs_quota=bool(pick("cpuCFSQuota", True)),
        cpu_cfs_quota_period_us=quota_ns // 1000,
        cgroups_per_qos=bool(pick("cgroupsPerQOS", True)),
        kube_reserved_cgroup=g("kubeReservedCgroup") or "",
        system_reserved_cgroup=g("systemReservedCgroup") or "",
        enforce_node_allocatable=("pods",) if enforce is None else tuple(enforce),
        memory_throttling_factor=float(pick("memoryThrottlingFactor", 0.9)),  # type: ignore[arg-type]
        memory_reservation_policy=g("memoryReservationPolicy") or "None",
        cgroup_driver=g("cgroupDriver") or "cgroupfs",
        cgroup_root=g("cgroupRoot") or "",
        single_process_oom_kill=g("singleProcessOOMKill"),
        fields=_frozen(doc),
    )


def kubelet_config_for_release(config: KubeletConfig, release: ReleaseProfile) -> KubeletConfig:
    """The same configuration read by the kubelet of ``release`` (its gate defaults and lock
    states under the same ``featureGates``): a restart as another release, each release of
    ``podfit upgrade``. A gate ``release`` does not know is its start-up refusal
    (``FeatureGates.errors``), as on a real node; a field it does not know is dropped (its lenient
    decoding drops it: no warning here, the file was read for another release)."""
    if config.release is release:
        return config
    out = replace(config, feature_gates=config.feature_gates.for_release(release))
    absent = {name for name, _ in release.switches.kubelet_config_fields_absent}
    if absent & set(config.fields):
        # a field that release's v1beta1 type does not have: its lenient decoding drops it
        fields = {k: v for k, v in config.fields.items() if k not in absent}
        out = replace(out, fields=_frozen(fields))
        if "memoryReservationPolicy" in absent:
            out = replace(out, memory_reservation_policy="None")
    return out
