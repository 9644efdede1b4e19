"""Known field names of the core/v1 Pod parts that podfit decodes (json tags of types.go).

Only the fields podfit interprets are type-checked (see ``pod_decode``); every other known name is
accepted as is, and an unknown name is an input error. Built from
``staging/src/k8s.io/api/core/v1/types.go`` json tags (Pod, ObjectMeta, PodSpec, Container,
EphemeralContainer(Common), ResourceRequirements, PodOS, PodStatus) up to v1.36, including alpha
fields (an API server with the gate off drops them; podfit ignores them either way).
"""

from __future__ import annotations

from typing import Final

POD_FIELDS: Final[frozenset[str]] = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})

OBJECT_META_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)

POD_SPEC_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "volumes",
        "initContainers",
        "containers",
        "ephemeralContainers",
        "restartPolicy",
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "dnsPolicy",
        "nodeSelector",
        "serviceAccountName",
        "serviceAccount",
        "automountServiceAccountToken",
        "nodeName",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "shareProcessNamespace",
        "securityContext",
        "imagePullSecrets",
        "hostname",
        "subdomain",
        "affinity",
        "schedulerName",
        "tolerations",
        "hostAliases",
        "priorityClassName",
        "priority",
        "dnsConfig",
        "readinessGates",
        "runtimeClassName",
        "enableServiceLinks",
        "preemptionPolicy",
        "overhead",
        "topologySpreadConstraints",
        "setHostnameAsFQDN",
        "os",
        "hostUsers",
        "schedulingGates",
        "resourceClaims",
        "resources",
        "hostnameOverride",
        "workloadRef",
        "schedulingGroup",  # 1.36 (replaces workloadRef)
    }
)

# EphemeralContainerCommon shares Container's field names.
CONTAINER_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "name",
        "image",
        "command",
        "args",
        "workingDir",
        "ports",
        "envFrom",
        "env",
        "resources",
        "resizePolicy",
        "restartPolicy",
        "restartPolicyRules",
        "volumeMounts",
        "volumeDevices",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "lifecycle",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "imagePullPolicy",
        "securityContext",
        "stdin",
        "stdinOnce",
        "tty",
    }
)

EPHEMERAL_CONTAINER_FIELDS: Final[frozenset[str]] = CONTAINER_FIELDS | {"targetContainerName"}

RESOURCE_REQUIREMENTS_FIELDS: Final[frozenset[str]] = frozenset({"limits", "requests", "claims"})

POD_OS_FIELDS: Final[frozenset[str]] = frozenset({"name"})

POD_STATUS_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "observedGeneration",
        "phase",
        "conditions",
        "message",
        "reason",
        "nominatedNodeName",
        "hostIP",
        "hostIPs",
        "podIP",
        "podIPs",
        "startTime",
        "initContainerStatuses",
        "containerStatuses",
        "qosClass",
        "ephemeralContainerStatuses",
        "resize",
        "resourceClaimStatuses",
        "extendedResourceClaimStatus",
        "nodeAllocatableResourceClaimStatuses",  # 1.36
        "allocatedResources",
        "resources",
    }
)

# Fields podfit interprets, with the JSON kind they must have: "str", "int", "map", "list", "bool".
INTERPRETED_KINDS: Final[dict[str, str]] = {
    "metadata": "map",
    "spec": "map",
    "status": "map",
    "metadata.name": "str",
    "metadata.namespace": "str",
    "metadata.uid": "str",
    "metadata.labels": "map",
    "metadata.annotations": "map",
    "spec.initContainers": "list",
    "spec.containers": "list",
    "spec.ephemeralContainers": "list",
    "spec.restartPolicy": "str",
    "spec.overhead": "map",
    "spec.os": "map",
    "spec.os.name": "str",
    "spec.resources": "map",
    "status.qosClass": "str",
    "container": "map",
    "container.name": "str",
    "container.resources": "map",
    "container.restartPolicy": "str",
    "resources.limits": "map",
    "resources.requests": "map",
    "resources.claims": "list",
}
