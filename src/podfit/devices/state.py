"""The device manager's state: which container holds which devices (``podDevices``), the devices the
pod being admitted may reuse (``devicesToReuse``), and what a restart reads back from the
``kubelet_internal_checkpoint`` file.

Device keys are ``<resource>#<rest>``: podfit's own devices are ``<resource>#<numa>#<index>`` (their
key is the id the kubelet knows them by); a device of another name (a real node's, or one the
machine no longer has) is keyed ``<resource>#<id>`` and its kubelet id kept beside it.

Mirrors: devicemanager/pod_devices.go podDevices (v1.33.5 - v1.36.2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Device",
    "DevicePodSnapshot",
    "DeviceState",
    "DeviceStateSnapshot",
    "RestoredDevices",
    "device_key",
    "resource_of",
]


@dataclass(frozen=True, slots=True, order=True)
class Device:
    id: str  # the device's key (see the module docstring)
    resource: str
    numa: int | None


def resource_of(key: str) -> str:
    """The resource of a device key."""
    return key.split("#", 1)[0]


def device_key(resource: str, device_id: str) -> str:
    """The key of the device ``device_id`` (its kubelet id) of ``resource``."""
    return device_id if device_id.startswith(resource + "#") else f"{resource}#{device_id}"


# what an admission of one pod can change: its uid, its entry, the reuse pod and its reusable devices
DevicePodSnapshot = tuple[str, dict[str, frozenset[str]] | None, str | None, dict[str, set[str]]]
# the whole state: (uid, ((container, ids), ...)) pairs, the reuse pod, (resource, ids) pairs
DeviceStateSnapshot = tuple[
    tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...],
    str | None,
    tuple[tuple[str, tuple[str, ...]], ...],
]


@dataclass
class DeviceState:
    """Which container holds which devices, and the devices reusable by the pod being admitted."""

    assigned: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)  # uid -> container -> keys
    reuse_pod: str | None = None
    reusable: dict[str, set[str]] = field(default_factory=dict)  # resource -> keys (of reuse_pod)

    def in_use(self) -> set[str]:
        return {d for ctrs in self.assigned.values() for ids in ctrs.values() for d in ids}

    def snapshot(self) -> DeviceStateSnapshot:
        assigned = tuple(
            sorted(
                (u, tuple(sorted((c, tuple(sorted(i))) for c, i in cs.items())))
                for u, cs in self.assigned.items()
            )
        )
        return (
            assigned,
            self.reuse_pod,
            tuple(sorted((r, tuple(sorted(i))) for r, i in self.reusable.items())),
        )


@dataclass(frozen=True)
class RestoredDevices:
    """What the device manager's ``readCheckpoint`` restores: every container's devices (pod UID ->
    container -> resource -> NUMA id -> kubelet device ids, ``-1``: no topology) and the resources
    the file registered (re-created registered, without a healthy device until their plugin is
    back). ``reported``: the devices the plugins report when they register again, as (resource,
    kubelet id, NUMA node) — ``None``: the machine's own devices.

    Mirrors: devicemanager/manager.go readCheckpoint (v1.33.5 - v1.36.2)
    """

    pods: dict[str, dict[str, dict[str, dict[int, tuple[str, ...]]]]] = field(default_factory=dict)
    registered: tuple[str, ...] = ()
    reported: tuple[tuple[str, str, int | None], ...] | None = None
