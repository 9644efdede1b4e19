"""The field names of KubeletConfiguration v1beta1 at v1.36 and a light type check of their values.

Generated from the json tags of staging/src/k8s.io/kubelet/config/v1beta1/types.go at kubernetes/kubelet
tag v0.36.0 (commit eb8f71c979ae0c22dc2f15f76c6aae7dccd22a23). ``apiVersion`` and ``kind`` (TypeMeta)
are handled by the decoder.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from podfit.errors import InputError
from podfit.model.gotext import json_text, json_type

__all__ = ["FIELDS", "check_kind"]

FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "enableServer": "bool",
        "staticPodPath": "str",
        "podLogsDir": "str",
        "syncFrequency": "duration",
        "fileCheckFrequency": "duration",
        "httpCheckFrequency": "duration",
        "staticPodURL": "str",
        "staticPodURLHeader": "map_list",
        "address": "str",
        "port": "int32",
        "readOnlyPort": "int32",
        "tlsCertFile": "str",
        "tlsPrivateKeyFile": "str",
        "tlsCipherSuites": "list_str",
        "tlsCurvePreferences": "list_int32",
        "tlsMinVersion": "str",
        "rotateCertificates": "bool",
        "serverTLSBootstrap": "bool",
        "authentication": "object",
        "authorization": "object",
        "registryPullQPS": "int32",
        "registryBurst": "int32",
        "imagePullCredentialsVerificationPolicy": "str",
        "preloadedImagesVerificationAllowlist": "list_str",
        "eventRecordQPS": "int32",
        "eventBurst": "int32",
        "enableDebuggingHandlers": "bool",
        "enableContentionProfiling": "bool",
        "healthzPort": "int32",
        "healthzBindAddress": "str",
        "oomScoreAdj": "int32",
        "clusterDomain": "str",
        "clusterDNS": "list_str",
        "streamingConnectionIdleTimeout": "duration",
        "nodeStatusUpdateFrequency": "duration",
        "nodeStatusReportFrequency": "duration",
        "nodeLeaseDurationSeconds": "int32",
        "imageMinimumGCAge": "duration",
        "imageMaximumGCAge": "duration",
        "imageGCHighThresholdPercent": "int32",
        "imageGCLowThresholdPercent": "int32",
        "volumeStatsAggPeriod": "duration",
        "kubeletCgroups": "str",
        "systemCgroups": "str",
        "cgroupRoot": "str",
        "cgroupsPerQOS": "bool",
        "cgroupDriver": "str",
        "cpuManagerPolicy": "str",
        "singleProcessOOMKill": "bool",
        "cpuManagerPolicyOptions": "map_str",
        "cpuManagerReconcilePeriod": "duration",
        "memoryManagerPolicy": "str",
        "topologyManagerPolicy": "str",
        "topologyManagerScope": "str",
        "topologyManagerPolicyOptions": "map_str",
        "qosReserved": "map_str",
        "runtimeRequestTimeout": "duration",
        "hairpinMode": "str",
        "maxPods": "int32",
        "podCIDR": "str",
        "podPidsLimit": "int",
        "resolvConf": "str",
        "runOnce": "bool",
        "cpuCFSQuota": "bool",
        "cpuCFSQuotaPeriod": "duration",
        "nodeStatusMaxImages": "int32",
        "maxOpenFiles": "int",
        "contentType": "str",
        "kubeAPIQPS": "int32",
        "kubeAPIBurst": "int32",
        "serializeImagePulls": "bool",
        "maxParallelImagePulls": "int32",
        "evictionHard": "map_str",
        "evictionSoft": "map_str",
        "evictionSoftGracePeriod": "map_str",
        "evictionPressureTransitionPeriod": "duration",
        "evictionMaxPodGracePeriod": "int32",
        "evictionMinimumReclaim": "map_str",
        "mergeDefaultEvictionSettings": "bool",
        "podsPerCore": "int32",
        "enableControllerAttachDetach": "bool",
        "protectKernelDefaults": "bool",
        "makeIPTablesUtilChains": "bool",
        "iptablesMasqueradeBit": "int32",
        "iptablesDropBit": "int32",
        "featureGates": "map_bool",
        "failSwapOn": "bool",
        "memorySwap": "object",
        "containerLogMaxSize": "str",
        "containerLogMaxFiles": "int32",
        "containerLogMaxWorkers": "int32",
        "containerLogMonitorInterval": "duration",
        "configMapAndSecretChangeDetectionStrategy": "str",
        "systemReserved": "map_str",
        "kubeReserved": "map_str",
        "reservedSystemCPUs": "str",
        "showHiddenMetricsForVersion": "str",
        "systemReservedCgroup": "str",
        "kubeReservedCgroup": "str",
        "enforceNodeAllocatable": "list_str",
        "allowedUnsafeSysctls": "list_str",
        "volumePluginDir": "str",
        "providerID": "str",
        "kernelMemcgNotification": "bool",
        "logging": "object",
        "enableSystemLogHandler": "bool",
        "enableSystemLogQuery": "bool",
        "shutdownGracePeriod": "duration",
        "shutdownGracePeriodCriticalPods": "duration",
        "shutdownGracePeriodByPodPriority": "list_object",
        "crashLoopBackOff": "object",
        "reservedMemory": "list_object",
        "enableProfilingHandler": "bool",
        "enableDebugFlagsHandler": "bool",
        "seccompDefault": "bool",
        "memoryThrottlingFactor": "float",
        "memoryReservationPolicy": "str",
        "registerWithTaints": "list_object",
        "registerNode": "bool",
        "tracing": "object",
        "localStorageCapacityIsolation": "bool",
        "containerRuntimeEndpoint": "str",
        "imageServiceEndpoint": "str",
        "failCgroupV1": "bool",
        "userNamespaces": "object",
    }
)

_INT_RANGE: Final = (-(2**63), 2**63)
_INT32_RANGE: Final = (-(2**31), 2**31)


def _is_int(v: object, bounds: tuple[int, int] = _INT_RANGE) -> bool:
    """An integer the Go field holds (int64, or int32: a larger number is the JSON decoder's
    "cannot unmarshal number ... of type int32", which the kubelet's lenient decoding fails on too)."""
    return isinstance(v, int) and not isinstance(v, bool) and bounds[0] <= v < bounds[1]


def check_kind(path: str, kind: str, value: object) -> None:
    """Raise InputError unless ``value`` fits the JSON shape of the field (null is always accepted)."""
    if value is None:
        return
    ok: bool
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind in ("str", "duration"):
        ok = isinstance(value, str)
    elif kind == "int":
        ok = _is_int(value)
    elif kind == "int32":
        ok = _is_int(value, _INT32_RANGE)
        if not ok and _is_int(value):
            raise InputError(
                path, f"number {value} does not fit an int32 field (the kubelet cannot decode it)"
            )
    elif kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "object":
        ok = isinstance(value, Mapping)
    elif kind in ("map_str", "map_bool", "map_list"):
        if not isinstance(value, Mapping):
            raise InputError(path, f"expected a map, got {json_type(value)}")
        for key, item in value.items():
            if kind == "map_str":
                good = isinstance(item, str)
            elif kind == "map_bool":
                good = isinstance(item, bool)
            else:
                good = isinstance(item, list) and all(isinstance(x, str) for x in item)
            if not good:
                raise InputError(f"{path}.{key}", f"unexpected value {json_text(item)} for {_WORDS[kind]}")
        return
    elif kind == "list_str":
        ok = isinstance(value, list) and all(isinstance(x, str) for x in value)
    elif kind == "list_int32":
        ok = isinstance(value, list) and all(_is_int(x, _INT32_RANGE) for x in value)
    elif kind == "list_object":
        ok = isinstance(value, list) and all(isinstance(x, Mapping) for x in value)
    else:  # pragma: no cover - the table only holds the kinds above
        raise AssertionError(kind)
    if not ok:
        raise InputError(path, f"expected {_WORDS[kind]}, got {json_text(value)}")


_WORDS: Final = {
    "bool": "a boolean",
    "str": "a string",
    "duration": 'a duration string such as "10s"',
    "int": "an integer",
    "int32": "an integer",
    "float": "a number",
    "object": "an object",
    "map_str": "a map of strings",
    "map_bool": "a map of booleans",
    "map_list": "a map of string lists",
    "list_str": "a list of strings",
    "list_int32": "a list of integers",
    "list_object": "a list of objects",
}
