"""The kubelet's feature gates: which gates exist, their default, and the
``featureGates`` map of a KubeletConfiguration applied on top.

Mirrors: component-base/featuregate/feature_gate.go ``SetFromMap`` / ``Enabled`` and the
gate specs of pkg/features/kube_features.go for the gates podfit interprets.

Gates podfit does not interpret are still known by name so that a real node file is accepted;
their defaults are irrelevant to the simulation. ``AllAlpha`` / ``AllBeta`` switch every alpha /
beta gate that is not set explicitly, as the kubelet does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = ["GATES", "FeatureGates", "GateSpec"]

ALPHA: Final = "ALPHA"
BETA: Final = "BETA"
GA: Final = "GA"
DEPRECATED: Final = "DEPRECATED"


@dataclass(frozen=True, slots=True)
class GateSpec:
    """A gate at v1.36: default value, maturity and whether it is locked to its default."""

    name: str
    default: bool
    stage: str
    locked: bool = False
    depends_on: tuple[str, ...] = ()


_SPECS: Final[tuple[GateSpec, ...]] = (
    # --- gates podfit interprets (resource managers, pod-level resources, CFS quota, QoS) ---
    GateSpec("PodLevelResources", True, BETA),
    GateSpec("PodLevelResourceManagers", False, ALPHA, depends_on=("PodLevelResources",)),
    GateSpec("PodLevelResourcesFixUpdateDefaulting", True, BETA),
    GateSpec("PodLevelResourcesFixKubeletQOSClass", True, BETA),
    GateSpec("InPlacePodLevelResourcesVerticalScaling", True, BETA),
    GateSpec("InPlacePodVerticalScaling", True, GA, locked=True),
    GateSpec("InPlacePodVerticalScalingExclusiveCPUs", False, ALPHA),
    GateSpec("InPlacePodVerticalScalingExclusiveMemory", False, ALPHA),
    GateSpec("InPlacePodVerticalScalingInitContainers", True, BETA),
    GateSpec("CPUManagerPolicyOptions", True, GA, locked=True),
    GateSpec("CPUManagerPolicyAlphaOptions", False, ALPHA),
    GateSpec("CPUManagerPolicyBetaOptions", True, BETA),
    GateSpec("TopologyManagerPolicyOptions", True, GA, locked=True),
    GateSpec("TopologyManagerPolicyAlphaOptions", False, ALPHA),
    GateSpec("TopologyManagerPolicyBetaOptions", True, BETA),
    GateSpec("DisableCPUQuotaWithExclusiveCPUs", True, BETA),
    GateSpec("MemoryQoS", False, ALPHA),
    GateSpec("CustomCPUCFSQuotaPeriod", False, ALPHA),
    GateSpec("NodeSwap", True, GA, locked=True),
    GateSpec("GracefulNodeShutdown", True, BETA),
    GateSpec("GracefulNodeShutdownBasedOnPodPriority", True, BETA),
    GateSpec("KubeletCrashLoopBackOffMax", True, BETA),
    GateSpec("KubeletEnsureSecretPulledImages", True, BETA),
    GateSpec("NodeLogQuery", True, BETA),
    GateSpec("RotateKubeletServerCertificate", True, BETA),
    GateSpec("ImageMaximumGCAge", True, GA, locked=True),
    GateSpec("SidecarContainers", True, GA, locked=True),
    GateSpec("KubeletPodResourcesGet", True, BETA),
    GateSpec("KubeletPodResourcesDynamicResources", True, BETA),
    GateSpec("DynamicResourceAllocation", True, GA, locked=True),
)

# Other v1.36 gates, known by name only (not interpreted by podfit). Treated as beta/on for
# AllAlpha/AllBeta purposes is irrelevant: podfit never reads them.
_NAME_ONLY: Final[tuple[str, ...]] = (
    "APIResponseCompression",
    "APIServerIdentity",
    "APIServerTracing",
    "AllowDNSOnlyNodeCSR",
    "AllowInsecureKubeletCertificateSigningRequests",
    "AllowParsingUserUIDFromCertAuth",
    "AnonymousAuthConfigurableEndpoints",
    "AnyVolumeDataSource",
    "AuthorizeNodeWithSelectors",
    "AuthorizeWithSelectors",
    "CBORServingAndStorage",
    "CRIListStreaming",
    "ClientsAllowCBOR",
    "ClientsPreferCBOR",
    "ClusterTrustBundle",
    "ClusterTrustBundleProjection",
    "ComponentFlagz",
    "ComponentSLIs",
    "ComponentStatusz",
    "ConcurrentWatchObjectDecode",
    "ContainerCheckpoint",
    "ContainerRestartRules",
    "ContainerStopSignals",
    "ContextualLogging",
    "CoordinatedLeaderElection",
    "CrossNamespaceVolumeDataSource",
    "DRAAdminAccess",
    "DRAConsumableCapacity",
    "DRADeviceBindingConditions",
    "DRADeviceTaints",
    "DRAExtendedResource",
    "DRAPartitionableDevices",
    "DRAPrioritizedList",
    "DRAResourceClaimDeviceStatus",
    "DRASchedulerFilterTimeout",
    "DeclarativeValidation",
    "DetectCacheInconsistency",
    "EnvFiles",
    "EventedPLEG",
    "ExternalServiceAccountTokenSigner",
    "GitRepoVolumeDriver",
    "HPAConfigurableTolerance",
    "HonorPVReclaimPolicy",
    "HostnameOverride",
    "ImageVolume",
    "InOrderInformers",
    "InPlacePodVerticalScalingAllocatedStatus",
    "InformerResourceVersion",
    "KMSv1",
    "KubeletFineGrainedAuthz",
    "KubeletInUserNamespace",
    "KubeletPSI",
    "KubeletSeparateDiskGC",
    "KubeletServiceAccountTokenForCredentialProviders",
    "KubeletTracing",
    "ListFromCacheSnapshot",
    "LocalStorageCapacityIsolationFSQuotaMonitoring",
    "LoggingAlphaOptions",
    "LoggingBetaOptions",
    "MatchLabelKeysInPodAffinity",
    "MatchLabelKeysInPodTopologySpread",
    "MaxUnavailableStatefulSet",
    "MutatingAdmissionPolicy",
    "MutableCSINodeAllocatableCount",
    "NodeDeclaredFeatures",
    "NominatedNodeNameForExpectation",
    "OpenAPIEnums",
    "OrderedNamespaceDeletion",
    "PodCertificateRequest",
    "PodDeletionCost",
    "PodIndexLabel",
    "PodLifecycleSleepAction",
    "PodLifecycleSleepActionAllowZero",
    "PodObservedGenerationTracking",
    "PodReadyToStartContainersCondition",
    "PodTopologyLabelsAdmission",
    "PortForwardWebsockets",
    "PreferSameTrafficDistribution",
    "ProcMountType",
    "RecoverVolumeExpansionFailure",
    "RecursiveReadOnlyMounts",
    "ReduceDefaultCrashLoopBackOffDecay",
    "RelaxedDNSSearchValidation",
    "RelaxedEnvironmentVariableValidation",
    "ReloadKubeletServerCertificateFile",
    "RemoteRequestHeaderUID",
    "ResilientWatchCacheInitialization",
    "ResourceHealthStatus",
    "RetryGenerateName",
    "RuntimeClassInImageCriApi",
    "SELinuxChangePolicy",
    "SELinuxMount",
    "SELinuxMountReadWriteOncePod",
    "SchedulerAsyncAPICalls",
    "SchedulerAsyncPreemption",
    "SchedulerPopFromBackoffQ",
    "SeparateTaintEvictionController",
    "ServiceAccountNodeAudienceRestriction",
    "ServiceAccountTokenJTI",
    "ServiceAccountTokenNodeBinding",
    "ServiceAccountTokenNodeBindingValidation",
    "ServiceAccountTokenPodNodeInfo",
    "ServiceTrafficDistribution",
    "SizeBasedListCostEstimate",
    "StatefulSetAutoDeletePVC",
    "StorageCapacityScoring",
    "StorageVersionAPI",
    "StorageVersionHash",
    "StorageVersionMigrator",
    "StrictCostEnforcementForVAP",
    "StrictCostEnforcementForWebhooks",
    "StructuredAuthenticationConfiguration",
    "StructuredAuthorizationConfiguration",
    "SupplementalGroupsPolicy",
    "SystemdWatchdog",
    "TokenRequestServiceAccountUIDValidation",
    "TranslateStreamCloseWebsocketRequests",
    "UnauthenticatedHTTP2DOSMitigation",
    "UnknownVersionInteroperabilityProxy",
    "UserNamespacesHostNetworkSupport",
    "UserNamespacesSupport",
    "VolumeAttributesClass",
    "WatchCacheInitializationPostStartHook",
    "WatchList",
    "WatchListClient",
    "WindowsCPUAndMemoryAffinity",
    "WindowsGracefulNodeShutdown",
    "WindowsHostNetwork",
    "MemoryManagerPolicyAlphaOptions",
    "KubeletCgroupDriverFromCRI",
    "SchedulerQueueingHints",
    "JobManagedBy",
    "JobPodReplacementPolicy",
    "JobSuccessPolicy",
    "JobBackoffLimitPerIndex",
)

_SPECIAL: Final = ("AllAlpha", "AllBeta")


def _build() -> Mapping[str, GateSpec]:
    table: dict[str, GateSpec] = {s.name: s for s in _SPECS}
    for name in _NAME_ONLY:
        table.setdefault(name, GateSpec(name, False, BETA))
    table["AllAlpha"] = GateSpec("AllAlpha", False, ALPHA)
    table["AllBeta"] = GateSpec("AllBeta", False, BETA)
    return MappingProxyType(table)


GATES: Final[Mapping[str, GateSpec]] = _build()


@dataclass(frozen=True)
class FeatureGates:
    """The kubelet's gates: v1.36 defaults overridden by ``featureGates`` of the configuration."""

    overrides: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    _lazy: dict[str, dict[str, bool]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def enabled(self, name: str) -> bool:
        """Mirrors: component-base/featuregate/feature_gate.go featureGate.Enabled."""
        value = self._resolved.get(name)
        return self._enabled(name) if value is None else value

    @property
    def _resolved(self) -> dict[str, bool]:
        """Every registered gate's value, resolved once (the overrides never change)."""
        got = self._lazy.get("_resolved")
        if got is None:
            got = self._lazy["_resolved"] = self._make_resolved()
        return got

    def _make_resolved(self) -> dict[str, bool]:
        return {name: self._enabled(name) for name in GATES}

    def _enabled(self, name: str) -> bool:
        spec = GATES.get(name)
        if spec is None:
            raise KeyError(f"feature {name!r} is not registered in FeatureGate")
        if name in self.overrides:
            return self.overrides[name]
        if not spec.locked and name not in _SPECIAL:
            if spec.stage == ALPHA and "AllAlpha" in self.overrides:
                return self.overrides["AllAlpha"]
            if spec.stage == BETA and "AllBeta" in self.overrides:
                return self.overrides["AllBeta"]
        return spec.default

    def dependency_errors(self) -> list[str]:
        """Enabled gates whose dependencies are disabled, worded as SetFromMap words them."""
        errors = []
        for spec in _SPECS:
            if spec.depends_on and self.enabled(spec.name):
                off = [d for d in spec.depends_on if not self.enabled(d)]
                if off:
                    missing = " ".join(off)
                    errors.append(
                        f"{spec.name} is enabled, but depends on features that are disabled: [{missing}]"
                    )
        return errors
